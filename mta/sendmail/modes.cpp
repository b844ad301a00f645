// modes.cpp — see modes.h.
#include "mta/sendmail/modes.h"

#include "libmail/aliases/aliases.h"
#include "libmail/log/log.h"
#include "libmail/util/clock.h"
#include "mta/sendmail/deliver.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>

namespace mail::sendmail {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_wake{false};

extern "C" void on_stop(int) { g_stop = true; }
extern "C" void on_wake(int) { g_wake = true; }

void say(const std::string& line) { fmt::print(stderr, "{}\n", line); }

}  // namespace

std::string format_queue(const std::string& dir, const std::vector<queue::Message>& msgs) {
    std::string out;
    if (msgs.empty()) {
        out += fmt::format("{} is empty\n", dir);
        out += "\t\tTotal requests: 0\n";
        return out;
    }
    out += fmt::format("\t\t{} ({} request{})\n", dir, msgs.size(), msgs.size() == 1 ? "" : "s");
    out += "-----Q-ID----- --Size-- -----Q-Time----- ------------Sender/Recipient-----------\n";
    for (const auto& m : msgs) {
        char when[32];
        struct tm tm {};
        localtime_r(&m.env.arrived, &tm);
        std::strftime(when, sizeof when, "%a %b %d %H:%M", &tm);
        long long body = std::max<long long>(0, m.env.size - static_cast<long long>(m.env.headers.size()) - 1);
        out += fmt::format("{:<14} {:>8} {} <{}>\n", m.env.id, body, when,
                           m.env.sender.empty() ? "MAILER-DAEMON" : m.env.sender);
        // sendmail shows the reason of the last failed attempt under the sender.
        for (const auto& t : m.targets) {
            if (t.state == queue::TargetState::Pending && !t.diag.empty()) {
                out += fmt::format("                 ({})\n", t.diag);
                break;
            }
        }
        for (const auto& t : m.targets)
            if (t.state == queue::TargetState::Pending || t.state == queue::TargetState::Failed)
                out += fmt::format("\t\t\t\t\t <{}>\n", t.kind == queue::TargetKind::Program ? "|" + t.value : t.value);
    }
    out += fmt::format("\t\tTotal requests: {}\n", msgs.size());
    return out;
}

int print_queue(Context& ctx) {
    auto q = queue::Queue::open(ctx.cfg.str("QUEUE_DIR"));
    if (!q) {
        say(fmt::format("mailq: {}", q.error().message));
        return q.error().exit_code;
    }
    auto msgs = q->list();
    if (!msgs) {
        say(fmt::format("mailq: {}", msgs.error().message));
        return EX_TEMPFAIL;
    }
    fmt::print("{}", format_queue(ctx.cfg.str("QUEUE_DIR"), *msgs));
    return EX_OK;
}

int run_queue_once(const Invocation& inv, Context& ctx) {
    auto q = queue::Queue::open(ctx.cfg.str("QUEUE_DIR"));
    if (!q) {
        say(fmt::format("sendmail: {}", q.error().message));
        return q.error().exit_code;
    }
    Deliverer d(ctx, *q);
    queue::Filter f = inv.filter;
    f.ignore_schedule = true;  // -q runs everything now, like sendmail's -q
    if (Status s = d.run_queue(f); !s) {
        say(fmt::format("sendmail: {}", s.error().message));
        return s.error().exit_code;
    }
    return EX_OK;
}

int run_daemon(const Invocation& inv, Context& ctx) {
    if (inv.mode != Mode::DaemonForeground) {
        // -bd and -q30m: detach, like sendmail; -bD stays in the foreground.
        pid_t pid = fork();
        if (pid < 0) {
            say("sendmail: cannot fork daemon");
            return EX_OSERR;
        }
        if (pid > 0) return EX_OK;
        setsid();
    } else {
        log::set_echo_stderr(true);  // -bD: show what happens
    }
    struct sigaction sa {};
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    sa.sa_handler = on_wake;
    sigaction(SIGHUP, &sa, nullptr);
    sigaction(SIGUSR1, &sa, nullptr);

    auto interval = inv.queue_interval.value_or(std::chrono::minutes(30));
    log::info("starting daemon (mailroom {}): queueing@{}", MAILROOM_VERSION, log::format_delay(interval.count()));
    auto q = queue::Queue::open(ctx.cfg.str("QUEUE_DIR"));
    if (!q) {
        say(fmt::format("sendmail: {}", q.error().message));
        return q.error().exit_code;
    }
    Deliverer d(ctx, *q);
    queue::Filter due_only;  // the daemon honours each target's retry time
    while (!g_stop) {
        if (Status s = d.run_queue(due_only); !s) log::error("queue run failed: {}", s.error().message);
        // Sleep for the interval, waking early on a signal.  New submissions
        // deliver themselves (DeliveryMode=background), so the interval only
        // paces retries.
        for (long long waited = 0; waited < interval.count() && !g_stop && !g_wake; ++waited) sleep(1);
        g_wake = false;
    }
    log::info("stopping daemon");
    return EX_OK;
}

int init_aliases(Context& ctx) {
    // Bad lines are reported and skipped; the good entries are still built.
    aliases::Rebuilt r = aliases::rebuild(ctx.cfg);
    for (const auto& e : r.errors) say(e);
    for (const auto& l : r.summary) fmt::print("{}\n", l);
    return r.exit_code;
}

int check_config(Context& ctx) {
    for (const auto& w : ctx.cfg.warnings()) say(w.format());
    for (const auto& line : ctx.cfg.dump_changed()) fmt::print("{}\n", line);
    return EX_OK;
}

int print_version(Context& ctx) {
    fmt::print("Version mailroom {}\n", MAILROOM_VERSION);
    // Only what this build really has (product.md §2.1 -d0.1).
    fmt::print(" Compiled with: LMTP MAILROOM_INSTANCES MIME8TO7 PIPELINING SQLITE_MAPS SQLITE_QUEUE\n");
    fmt::print("\n============ SYSTEM IDENTITY (after readcf) ============\n");
    std::string j = ctx.cfg.hostname();
    fmt::print("      (short domain name) $w = {}\n", j.substr(0, j.find('.')));
    fmt::print("  (canonical domain name) $j = {}\n", j);
    fmt::print("         (subdomain name) $m = {}\n", j.find('.') == std::string::npos ? "" : j.substr(j.find('.') + 1));
    fmt::print("              (node name) $k = {}\n", j.substr(0, j.find('.')));
    fmt::print("========================================================\n\n");
    return EX_OK;
}

}  // namespace mail::sendmail
