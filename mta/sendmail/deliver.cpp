// deliver.cpp — see deliver.h and docs/queue.md (target states).
#include "mta/sendmail/deliver.h"

#include "libmail/dsn/dsn.h"
#include "libmail/log/log.h"
#include "libmail/mailbox/delivery.h"
#include "libmail/mailbox/lock.h"
#include "libmail/mailbox/mbox.h"
#include "libmail/proc/spawn.h"
#include "libmail/util/clock.h"
#include "libmail/util/strings.h"
#include "libmail/util/sysexits.h"
#include "mta/sendmail/targets.h"

#include <fcntl.h>
#include <fmt/format.h>

#include <cctype>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>

namespace mail::sendmail {

namespace {

// ORCPT as given over SMTP is "addr-type;xtext" (RFC 3461 §4.2): the
// address, with its +XX escapes decoded; the report adds "rfc822; ".
std::string orcpt_address(const std::string& orcpt) {
    auto semi = orcpt.find(';');
    std::string x = semi == std::string::npos ? orcpt : orcpt.substr(semi + 1);
    std::string out;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (x[i] == '+' && i + 2 < x.size() && std::isxdigit(static_cast<unsigned char>(x[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(x[i + 2]))) {
            out += static_cast<char>(std::stoi(x.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += x[i];
        }
    }
    return out;
}

constexpr std::time_t k_lease = 3600;          // a run holds a message at most this long
constexpr size_t k_program_output_limit = 2000;  // bytes of a failing program's output kept

std::string from_line(const std::string& sender) {
    return fmt::format("From {}  {}\n", sender.empty() ? "MAILER-DAEMON" : sender, ctime_text(now()));
}

bool notify_allows(const std::string& notify, std::string_view what) {
    if (notify.empty()) return what != "SUCCESS";  // RFC 3461 §4.1 default: FAILURE,DELAY
    return notify.find(what) != std::string::npos;
}

std::string human_duration(std::chrono::seconds s) {
    long long v = s.count();
    if (v % 86400 == 0 && v >= 86400) return fmt::format("{} day{}", v / 86400, v == 86400 ? "" : "s");
    if (v % 3600 == 0 && v >= 3600) return fmt::format("{} hour{}", v / 3600, v == 3600 ? "" : "s");
    if (v % 60 == 0 && v >= 60) return fmt::format("{} minute{}", v / 60, v == 60 ? "" : "s");
    return fmt::format("{} second{}", v, v == 1 ? "" : "s");
}

// A report (bounce or delay notice) as a queued message from MAILER-DAEMON
// with the null sender, so that it can never bounce back to anyone but the
// postmaster.
queue::Message report_message(const dsn::Report& r, const std::string& boundary, const std::string& host,
                              std::vector<queue::Target> targets, std::string proto) {
    queue::Message m;
    m.env.sender = "";
    m.env.arrived = now();
    m.env.id = queue::Queue::new_id(m.env.arrived);
    m.env.msgid = message_id(m.env.id, host, m.env.arrived);
    m.env.headers = dsn::headers(r, boundary, m.env.msgid);
    m.env.proto = std::move(proto);
    m.env.relay = "MAILER-DAEMON";
    m.targets = std::move(targets);
    return m;
}

}  // namespace

std::string message_id(const std::string& qid, const std::string& host, std::time_t when) {
    struct tm tm {};
    gmtime_r(&when, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d%H%M", &tm);
    return fmt::format("<{}.{}@{}>", stamp, qid, host);
}

Deliverer::Deliverer(Context& ctx, queue::Queue& q) : m_ctx(ctx), m_q(q), m_local(ctx.cfg, ctx.transcript) {}

Status Deliverer::run_queue(const queue::Filter& filter) {
    auto ids = m_q.due(now(), filter);
    if (!ids) return ids.error();
    for (const auto& id : *ids)
        if (Status s = run_message(id, filter.ignore_schedule); !s) return s;
    return {};
}

MessageWriter Deliverer::writer_for(const queue::Message& m, std::string prefix) {
    return [this, &m, prefix = std::move(prefix)](const std::function<Status(std::string_view)>& sink) -> Status {
        if (Status s = sink(prefix + m.env.headers + "\n\n"); !s) return s;
        return m_q.for_each_body_chunk(m.env.id, sink);
    };
}

// One message's attempt, between the delivery and the recording of its
// outcomes (a batch syncs the local mailer in between).
struct Deliverer::Attempt {
    queue::Message message;
    std::vector<int> due;  // target indexes
    std::vector<Outcome> outcomes;
    std::time_t started = 0;
};

Result<std::optional<Deliverer::Attempt>> Deliverer::begin_message(const std::string& id, bool ignore_schedule) {
    auto claimed = m_q.claim(id, now(), k_lease);
    if (!claimed) return claimed.error();
    if (!*claimed) return std::optional<Attempt>();  // another runner has it
    return attempt_claimed(id, ignore_schedule);
}

Result<std::optional<Deliverer::Attempt>> Deliverer::attempt_claimed(const std::string& id, bool ignore_schedule) {
    auto loaded = m_q.load(id);
    if (!loaded) {
        (void)m_q.release(id);
        return std::optional<Attempt>();  // finished meanwhile
    }
    Attempt a;
    a.message = std::move(*loaded);
    a.started = now();
    std::vector<queue::Target*> due;
    for (std::size_t i = 0; i < a.message.targets.size(); ++i) {
        auto& t = a.message.targets[i];
        if (t.state == queue::TargetState::Pending && (ignore_schedule || t.next_try <= a.started)) {
            due.push_back(&t);
            a.due.push_back(static_cast<int>(i));
        }
    }
    a.outcomes.resize(due.size());
    if (!due.empty()) attempt(a.message, due, a.outcomes);
    return std::optional<Attempt>(std::move(a));
}

Status Deliverer::run_message(const std::string& id, bool ignore_schedule) {
    auto a = begin_message(id, ignore_schedule);
    if (!a) return a.error();
    if (!*a) return {};
    return finish_message(**a);
}

Status Deliverer::run_batch(const std::vector<std::string>& ids) {
    if (ids.size() < 2 || !m_local.begin_batch()) {
        for (const auto& id : ids)
            if (Status s = run_message(id, false); !s) log::error("{}: delivery failed: {}", id, s.error().message);
        return {};
    }
    // 1. Claim them all in one transaction, then deliver; local mailboxes
    // are written but not synced.
    std::vector<std::string> claimed;
    if (Status s = m_q.begin_batch(); !s) return s;
    for (const auto& id : ids) {
        auto c = m_q.claim(id, now(), k_lease);
        if (!c) log::error("{}: claim failed: {}", id, c.error().message);
        else if (*c) claimed.push_back(id);
    }
    if (Status s = m_q.end_batch(); !s) return s;
    std::vector<Attempt> attempts;
    for (const auto& id : claimed) {
        auto a = attempt_claimed(id, false);
        if (!a) {
            log::error("{}: delivery failed: {}", id, a.error().message);
            continue;
        }
        if (*a) attempts.push_back(std::move(**a));
    }
    // 2. One fsync per mailbox for the whole batch.  If it fails, no local
    // delivery of the batch counts as done: they are retried (duplicates
    // at worst, never a loss).
    Reply synced = m_local.sync();
    if (!synced.ok()) {
        log::error("local mailer sync failed: {}", synced.line());
        for (auto& a : attempts)
            for (std::size_t i = 0; i < a.due.size(); ++i) {
                const auto& t = a.message.targets[static_cast<std::size_t>(a.due[i])];
                if (t.kind == queue::TargetKind::Local && a.outcomes[i].code >= 200 && a.outcomes[i].code < 300)
                    a.outcomes[i] = Outcome{451, "4.3.0", "mailbox sync failed: " + synced.text};
            }
    }
    // 3. Record the outcomes, all in one transaction; then deliver the
    // bounces they produced.
    Status result;
    std::vector<std::string> followups;
    if (Status s = m_q.begin_batch(); !s) return s;
    for (auto& a : attempts)
        if (Status s = finish_message(a, &followups); !s && result) result = s;
    if (Status s = m_q.end_batch(); !s && result) result = s;
    for (const auto& f : followups)
        if (Status s = run_message(f, true); !s && result) result = s;
    return result;
}

Status Deliverer::finish_message(Attempt& a, std::vector<std::string>* defer_followups) {
    queue::Message& m = a.message;
    const std::string id = m.env.id;
    std::vector<queue::Target*> due;
    for (int i : a.due) due.push_back(&m.targets[static_cast<std::size_t>(i)]);
    std::vector<Outcome>& outcomes = a.outcomes;
    // Record outcomes (one transaction), applying the retry schedule and the
    // queue lifetime.
    const auto retry_min = m_ctx.cfg.duration("MAILROOM_RETRY_MIN").count();
    const auto retry_max = m_ctx.cfg.duration("MAILROOM_RETRY_MAX").count();
    const auto lifetime = m_ctx.cfg.duration("confTO_QUEUERETURN");
    std::vector<queue::Target> changed;
    for (size_t i = 0; i < due.size(); ++i) {
        queue::Target& t = *due[i];
        Outcome& o = outcomes[i];
        t.attempts++;
        t.last_try = now();
        if (o.code >= 200 && o.code < 300) {
            t.state = queue::TargetState::Sent;
            t.status = o.status.empty() ? "2.0.0" : o.status;
            t.diag = "Sent";
        } else if (o.code >= 500) {
            t.state = queue::TargetState::Failed;
            t.status = o.status.empty() ? "5.0.0" : o.status;
            t.diag = o.text;
        } else if (std::chrono::seconds(t.last_try - m.env.arrived) >= lifetime) {
            t.state = queue::TargetState::Failed;
            t.status = "4.4.7";
            t.diag = fmt::format("Message could not be delivered for {}", human_duration(lifetime));
            o.text = t.diag;
        } else {
            long long delay = retry_min;
            for (int k = 1; k < t.attempts && delay < retry_max; ++k) delay *= 2;
            t.next_try = t.last_try + std::min<long long>(delay, retry_max);
            t.status = o.status.empty() ? "4.0.0" : o.status;
            t.diag = "Deferred: " + o.text;
        }
        log_outcome(m, t, o);
        changed.push_back(t);
    }
    if (!changed.empty()) {
        if (Status s = m_q.update_targets(id, changed); !s) {
            (void)m_q.release(id);
            return s;
        }
    }
    Status result = send_bounces(m);
    if (result) result = send_delay_notice(m);
    (void)m_q.release(id);
    // Deliver what this attempt produced (bounces) right away.
    auto followups = std::move(m_followups);
    m_followups.clear();
    if (defer_followups) {
        defer_followups->insert(defer_followups->end(), followups.begin(), followups.end());
        return result;
    }
    for (const auto& f : followups)
        if (Status s = run_message(f, true); !s && result) result = s;
    return result;
}

void Deliverer::attempt(const queue::Message& m, std::vector<queue::Target*>& due, std::vector<Outcome>& outcomes) {
    // Local mailboxes go to mail.local together, one LMTP transaction per
    // return path: owner- aliases change the sender, and with VERP every
    // envelope recipient has its own (mail.local writes it into the From_
    // line and Return-Path:).
    const std::string host = m_ctx.cfg.hostname();
    std::map<std::string, std::vector<size_t>> by_sender;
    for (size_t i = 0; i < due.size(); ++i)
        if (due[i]->kind == queue::TargetKind::Local)
            by_sender[queue::return_path(m.env, *due[i], host)].push_back(i);
    for (const auto& [sender, idxs] : by_sender) {
        std::vector<std::string> users;
        for (size_t i : idxs) {
            users.push_back(due[i]->value);
            if (m_ctx.verbose) fmt::print(m_ctx.verbose, "{}... Connecting to local...\n", due[i]->value);
        }
        if (m_ctx.verbose) fflush(m_ctx.verbose);
        auto replies = m_local.deliver(sender, users, writer_for(m, ""));
        for (size_t k = 0; k < idxs.size(); ++k) {
            const Reply& r = replies[k];
            Outcome& o = outcomes[idxs[k]];
            o.code = r.code;
            o.status = r.status;
            o.text = r.code ? r.text : r.text;
            // Strip the status code from the text: the diag is the words.
            if (!r.status.empty() && o.text.rfind(r.status, 0) == 0) o.text = std::string(trim(o.text.substr(r.status.size())));
        }
    }
    for (size_t i = 0; i < due.size(); ++i) {
        const queue::Target& t = *due[i];
        Outcome& o = outcomes[i];
        switch (t.kind) {
        case queue::TargetKind::Local: break;
        case queue::TargetKind::Program:
            if (m_ctx.verbose) fmt::print(m_ctx.verbose, "\"|{}\"... Connecting to prog...\n", t.value);
            o = deliver_program(m, t);
            break;
        case queue::TargetKind::File:
            if (m_ctx.verbose) fmt::print(m_ctx.verbose, "{}... Connecting to *file*...\n", t.value);
            o = deliver_file(m, t);
            break;
        case queue::TargetKind::Remote:
            // Remote delivery (SMTP client, MX, smart host) is not part of
            // this build yet: the message waits in the queue, and says why.
            o = Outcome{0, "4.4.3", "remote delivery is not available in this version of mailroom"};
            break;
        }
    }
    if (m_ctx.verbose) {
        for (size_t i = 0; i < due.size(); ++i) {
            const queue::Target& t = *due[i];
            std::string who = t.kind == queue::TargetKind::Program ? "\"|" + t.value + "\"" : t.value;
            const Outcome& o = outcomes[i];
            if (o.code >= 200 && o.code < 300)
                fmt::print(m_ctx.verbose, "{}... Sent\n", who);
            else
                fmt::print(m_ctx.verbose, "{}... {}{}\n", who, o.code >= 500 ? "" : "Deferred: ", o.text);
        }
        fflush(m_ctx.verbose);
    }
}

Deliverer::Outcome Deliverer::deliver_program(const queue::Message& m, const queue::Target& t) {
    // The command's output goes to an unlinked file, so a chatty program can
    // never deadlock against us writing its input.
    char tmpl[] = "/tmp/mailroom-prog-XXXXXX";
    int out_fd = mkstemp(tmpl);
    if (out_fd < 0) return {0, "4.3.0", "cannot create temporary file"};
    unlink(tmpl);
    proc::SpawnOptions o;
    o.argv = {"/bin/sh", "-c", t.value};
    std::string path = "/usr/local/bin:/usr/bin:/bin";
    if (m_ctx.cfg.instance()) path = m_ctx.cfg.str("MAILROOM_INSTANCE") + "/bin:" + path;
    // Postfix's local(8) names: SENDER is the return path (VERP-encoded
    // when asked), RECIPIENT and ORIGINAL_RECIPIENT the envelope recipient
    // as given (with its +detail), EXTENSION the detail the router stripped.
    const std::string sender = queue::return_path(m.env, t, m_ctx.cfg.hostname());
    o.env = {"PATH=" + path,
             "HOME=" + t.home,
             "USER=" + t.user,
             "LOGNAME=" + t.user,
             "SHELL=/bin/sh",
             "SENDER=" + sender,
             "RECIPIENT=" + t.original,
             "ORIGINAL_RECIPIENT=" + t.original,
             "EXTENSION=" + t.detail,
             "MAILROOM_CONFIG=" + m_ctx.cfg.source()};
    if (const char* tz = std::getenv("TZ")) o.env.push_back(std::string("TZ=") + tz);
    // The fake clock (libmail/util/clock.h) reaches the program as it reaches mail.local.
    if (const char* ft = std::getenv("MAILROOM_FAKE_TIME")) o.env.push_back(std::string("MAILROOM_FAKE_TIME=") + ft);
    o.cwd = t.home;
    o.pipe_stdout = false;
    o.stdout_fd = out_fd;
    if (!m_ctx.cfg.instance() && geteuid() == 0) o.as = proc::Identity{t.user, t.uid, t.gid};
    auto child = proc::spawn(o);
    if (!child) {
        close(out_fd);
        return {0, "4.3.0", child.error().message};
    }
    // Like Postfix's local(8): the envelope travels as From_ and Return-Path.
    std::string prefix = from_line(sender) + fmt::format("Return-Path: <{}>\n", sender);
    // A program that stops reading early (EPIPE) is judged by its exit status.
    (void)writer_for(m, prefix)([&](std::string_view piece) -> Status {
        if (!proc::write_all(child->in(), piece)) return make_error(EX_IOERR, "EPIPE");
        return {};
    });
    child->close_in();
    auto status = child->wait();
    lseek(out_fd, 0, SEEK_SET);
    std::string output = proc::read_all(out_fd, k_program_output_limit);
    close(out_fd);
    std::string first_line(trim(output.substr(0, output.find('\n'))));
    if (!status) return {0, "4.3.0", status.error().message};
    int code = *status;
    if (code == 0) return {250, "2.0.0", "Sent"};
    std::string why = first_line.empty() ? fmt::format("unknown mailer error {}", code)
                                         : fmt::format("unknown mailer error {}: {}", code, first_line);
    if (code > 128) return {0, "4.3.0", fmt::format("program killed by signal {}", code - 128)};
    if (exit_code_is_temporary(code)) return {0, "4.3.0", why};
    return {554, "5.3.0", why};
}

Deliverer::Outcome Deliverer::deliver_file(const queue::Message& m, const queue::Target& t) {
    // The message is spooled once to an unlinked file; append_mbox reads it
    // with pread, so memory stays constant whatever the size.
    char tmpl[] = "/tmp/mailroom-file-XXXXXX";
    int src = mkstemp(tmpl);
    if (src < 0) return {0, "4.3.0", "cannot create temporary file"};
    unlink(tmpl);
    Status spooled = writer_for(m, "")([&](std::string_view piece) -> Status {
        if (!proc::write_all(src, piece)) return make_error(EX_TEMPFAIL, "cannot write temporary file");
        return {};
    });
    if (!spooled) {
        close(src);
        return {0, "4.3.0", spooled.error().message};
    }
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        close(src);
        return {0, "4.3.0", "cannot create pipe"};
    }
    auto lock_opts = mailbox::delivery_config(m_ctx.cfg);
    pid_t pid = fork();
    if (pid == 0) {
        // The child writes as the target's owner (docs/trust.md).
        close(report[0]);
        auto fail = [&](const Error& e) {
            (void)proc::write_all(report[1], e.message);
            _exit(e.exit_code ? e.exit_code : EX_SOFTWARE);
        };
        if (!m_ctx.cfg.instance() && geteuid() == 0) {
            if (setgid(t.gid) != 0 || initgroups(t.user.c_str(), t.gid) != 0 || setuid(t.uid) != 0)
                fail(make_error(EX_OSERR, "cannot switch to the file's owner"));
        }
        mailbox::MailboxOwner owner{getuid(), getgid(), 0600, false};
        auto fd = mailbox::open_mailbox(t.value, owner);
        if (!fd) fail(fd.error());
        auto lock = mailbox::MailboxLock::acquire(fd->get(), t.value,
                                                  lock_opts ? lock_opts->lock : mailbox::LockOptions{});
        if (!lock) fail(lock.error());
        mailbox::Envelope env{queue::return_path(m.env, t, m_ctx.cfg.hostname()), t.original, now()};
        if (Status s = mailbox::append_mbox(fd->get(), src, env); !s) fail(s.error());
        _exit(0);
    }
    close(report[1]);
    close(src);
    if (pid < 0) {
        close(report[0]);
        return {0, "4.3.0", "cannot fork"};
    }
    std::string why = proc::read_all(report[0], 500);
    close(report[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : EX_OSERR;
    if (code == 0) return {250, "2.0.0", "Sent"};
    if (why.empty()) why = fmt::format("cannot write {}", t.value);
    // A file we may not write is the alias owner's problem: permanent, as in
    // sendmail; a full disk or a lock timeout is temporary.
    if (exit_code_is_temporary(code) || code == EX_OSERR) return {0, "4.2.0", why};
    return {550, code == EX_NOPERM ? "5.7.1" : "5.2.0", why};
}

void Deliverer::log_outcome(const queue::Message& m, const queue::Target& t, const Outcome& o) {
    std::string to = t.kind == queue::TargetKind::Program ? "\"|" + t.value + "\"" : t.value;
    std::string orig = t.original != t.value ? fmt::format(", orig_to=<{}>", t.original) : "";
    long long delay = static_cast<long long>(now() - m.env.arrived);
    std::string stat = t.state == queue::TargetState::Sent ? "Sent"
                       : t.state == queue::TargetState::Failed ? o.text
                                                               : t.diag;
    log::info("{}: to={}{}, delay={}, xdelay={}, mailer={}, pri={}, dsn={}, stat={}", m.env.id, to, orig,
              log::format_delay(delay), log::format_delay(static_cast<long long>(now() - t.last_try)),
              mailer_name(t.kind), 30000 + m.env.size, t.status, stat);
}

Result<std::vector<queue::Target>> Deliverer::route_report(const std::string& to) {
    auto router = m_ctx.router();
    if (!router) return router.error();
    std::vector<route::Target> errors;
    auto targets = to_queue_targets((*router)->expand(to), &errors);
    return targets;
}

Status Deliverer::send_bounces(const queue::Message& m) {
    // Group failed targets by who hears about them: their return path (the
    // owner- alias, or the sender — VERP-encoded, so each VERP recipient's
    // failure goes back to its own address).
    const std::string host = m_ctx.cfg.hostname();
    std::map<std::string, std::vector<const queue::Target*>> groups;
    std::vector<int> silent;
    for (const auto& t : m.targets) {
        if (t.state != queue::TargetState::Failed) continue;
        if (!notify_allows(t.notify, "FAILURE")) {
            silent.push_back(t.idx);
            continue;
        }
        groups[queue::return_path(m.env, t, host)].push_back(&t);
    }
    if (!silent.empty())
        if (Status s = m_q.return_failed(m.env.id, silent, nullptr, nullptr); !s) return s;
    for (const auto& [to, failed] : groups) {
        std::vector<int> idxs;
        for (const auto* t : failed) idxs.push_back(t->idx);
        // A bounce of a bounce goes to the postmaster; a failed double
        // bounce is dropped (logged), so nothing ever loops.
        bool double_bounce = to.empty();
        if (double_bounce && m.env.proto == "double-bounce") {
            log::notice("{}: double bounce could not be delivered; dropped", m.env.id);
            if (Status s = m_q.return_failed(m.env.id, idxs, nullptr, nullptr); !s) return s;
            continue;
        }
        std::string report_to = double_bounce ? m_ctx.cfg.str("confDOUBLE_BOUNCE_ADDRESS") : to;
        auto targets = route_report(report_to);
        if (!targets) return targets.error();
        if (targets->empty() && !double_bounce) {
            double_bounce = true;
            report_to = m_ctx.cfg.str("confDOUBLE_BOUNCE_ADDRESS");
            targets = route_report(report_to);
            if (!targets) return targets.error();
        }
        if (targets->empty()) {
            log::error("{}: cannot return the message to anyone ({}); dropped", m.env.id, report_to);
            if (Status s = m_q.return_failed(m.env.id, idxs, nullptr, nullptr); !s) return s;
            continue;
        }
        dsn::Report r;
        r.reporting_mta = host;
        r.mailer_name = m_ctx.cfg.str("confMAILER_NAME");
        r.queue_id = m.env.id;
        r.to = report_to.find('@') == std::string::npos ? report_to + "@" + host : report_to;
        r.original_from = m.env.relay;
        r.envid = m.env.envid;
        r.arrival = m.env.arrived;
        r.now = now();
        for (const auto* t : failed) {
            std::string final_rcpt = t->kind == queue::TargetKind::Local && t->value.find('@') == std::string::npos
                                         ? t->value + "@" + host
                                         : t->value;
            r.recipients.push_back({t->orcpt.empty() ? t->original : orcpt_address(t->orcpt), final_rcpt, t->status,
                                    t->diag, t->last_try});
        }
        std::string boundary = dsn::make_boundary(r);
        bool headers_only = m.env.ret == "HDRS" || m.env.size - static_cast<long long>(m.env.headers.size()) >
                                                       dsn::k_return_body_limit;
        std::string body = dsn::body_prefix(r, boundary, headers_only) + m.env.headers + "\n";
        if (!headers_only) {
            body += "\n";
            Status s = m_q.for_each_body_chunk(m.env.id, [&](std::string_view c) {
                body += c;
                return Status{};
            });
            if (!s) return s;
        }
        body += dsn::body_suffix(boundary);
        queue::Message bounce =
            report_message(r, boundary, host, std::move(*targets), double_bounce ? "double-bounce" : "bounce");
        queue::StringBody src(std::move(body));
        if (Status s = m_q.return_failed(m.env.id, idxs, &bounce, &src); !s) return s;
        log::info("{}: {}: {}: {}", m.env.id, bounce.env.id, double_bounce ? "postmaster notify" : "DSN",
                  r.recipients.front().diagnostic);
        log::info("{}: from=<>, size={}, class=0, nrcpts={}, msgid={}, proto=DSN, relay=MAILER-DAEMON", bounce.env.id,
                  bounce.env.size, bounce.targets.size(), bounce.env.msgid);
        m_followups.push_back(bounce.env.id);
    }
    return {};
}

Status Deliverer::send_delay_notice(const queue::Message& m) {
    if (m.env.warned || m.env.sender.empty()) return {};
    const auto warn = m_ctx.cfg.duration("confTO_QUEUEWARN");
    if (warn.count() == 0 || std::chrono::seconds(now() - m.env.arrived) < warn) return {};
    // Reload: the targets' states changed in this run.
    auto cur = m_q.load(m.env.id);
    if (!cur) return {};  // delivered completely
    const std::string host = m_ctx.cfg.hostname();
    // One notice per return path, like bounces (a VERP message warns each
    // recipient's own address; owner- aliases hear about their members).
    std::map<std::string, std::vector<const queue::Target*>> groups;
    for (const auto& t : cur->targets)
        if (t.state == queue::TargetState::Pending && notify_allows(t.notify, "DELAY"))
            groups[queue::return_path(cur->env, t, host)].push_back(&t);
    // Queued k_notice_group at a time: one sync per group, and memory
    // bounded however many recipients a VERP message has.  The message is
    // marked warned only after the last group: a crash in between sends
    // some notices twice, never none (docs/queue.md, "Crash states").
    constexpr std::size_t k_notice_group = 256;
    std::vector<queue::Message> notices;
    std::vector<queue::StringBody> bodies;
    auto flush = [&]() -> Status {
        std::vector<queue::Queue::Pending> items;
        for (std::size_t i = 0; i < notices.size(); ++i) items.push_back({&notices[i], &bodies[i]});
        auto done = m_q.insert_many(items);
        if (!done) return done.error();
        for (std::size_t i = 0; i < notices.size(); ++i) {
            if (!(*done)[i]) return (*done)[i];
            log::info("{}: {}: delay notice: {}", m.env.id, notices[i].env.id, human_duration(warn));
            m_followups.push_back(notices[i].env.id);
        }
        notices.clear();
        bodies.clear();
        return {};
    };
    for (const auto& [to, pending] : groups) {
        if (to.empty()) continue;
        dsn::Report r;
        r.kind = dsn::Report::Kind::Delay;
        r.reporting_mta = host;
        r.mailer_name = m_ctx.cfg.str("confMAILER_NAME");
        r.queue_id = m.env.id;
        r.to = to;
        r.original_from = m.env.relay;
        r.envid = m.env.envid;
        r.arrival = m.env.arrived;
        r.now = now();
        r.warn_after = human_duration(warn);
        r.retry_until = rfc5322_date(m.env.arrived + m_ctx.cfg.duration("confTO_QUEUERETURN").count());
        for (const auto* t : pending)
            r.recipients.push_back({t->original, t->value, t->status.empty() ? "4.0.0" : t->status, t->diag, t->last_try});
        auto targets = route_report(to);
        if (!targets) return targets.error();
        if (targets->empty()) continue;
        std::string boundary = dsn::make_boundary(r);
        notices.push_back(report_message(r, boundary, host, std::move(*targets), "bounce"));
        bodies.emplace_back(dsn::body_prefix(r, boundary, true) + m.env.headers + "\n" + dsn::body_suffix(boundary));
        if (notices.size() == k_notice_group)
            if (Status s = flush(); !s) return s;
    }
    if (!notices.empty())
        if (Status s = flush(); !s) return s;
    return m_q.set_warned(m.env.id);
}

}  // namespace mail::sendmail
