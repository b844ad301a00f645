// submit.cpp — see submit.h.
#include "mta/sendmail/submit.h"

#include "libmail/address/address.h"
#include "libmail/log/log.h"
#include "libmail/message/reader.h"
#include "libmail/queue/queue.h"
#include "libmail/util/clock.h"
#include "libmail/util/strings.h"
#include "mta/sendmail/deliver.h"
#include "mta/sendmail/targets.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <set>

namespace mail::sendmail {

namespace {

void say(const std::string& line) { fmt::print(stderr, "{}\n", line); }

// Reads the body through the Reader for queue::insert.
class ReaderBody : public queue::BodySource {
public:
    explicit ReaderBody(message::Reader& r) : m_r(r) {}
    Result<bool> next(std::string& out) override { return m_r.read_body_chunk(out); }

private:
    message::Reader& m_r;
};

// Reads and discards the rest of the input so that the writer does not
// die of SIGPIPE when we refuse the message.
void drain(message::Reader& r) {
    std::string sink;
    while (true) {
        sink.clear();
        auto more = r.read_body_chunk(sink);
        if (!more || !*more) return;
    }
}

std::string qualify(const std::string& addr, const std::string& host) {
    if (addr.empty() || addr.find('@') != std::string::npos) return addr;
    return addr + "@" + host;
}

// "a, b" on the command line is two recipients, as in sendmail.
std::vector<std::string> command_line_recipients(const Invocation& inv) {
    std::vector<std::string> out;
    for (const auto& arg : inv.recipients)
        for (const auto& r : split(arg, ","))
            if (auto t = trim(r); !t.empty()) out.emplace_back(t);
    return out;
}

Status check_free_space(const config::Config& cfg) {
    struct statvfs sv {};
    if (statvfs(cfg.str("QUEUE_DIR").c_str(), &sv) != 0) return {};
    auto min_blocks = static_cast<unsigned long long>(cfg.num("confMIN_FREE_BLOCKS"));
    // MinFreeBlocks counts 1 KiB blocks in sendmail's sense; compare bytes.
    unsigned long long free_bytes = static_cast<unsigned long long>(sv.f_bavail) * sv.f_frsize;
    if (free_bytes < min_blocks * 1024)
        return make_error(EX_TEMPFAIL, "Insufficient disk space; try again later");
    return {};
}

// Starts delivery of `id` in a detached child (DeliveryMode background).
void deliver_in_background(Context& ctx, const std::string& id) {
    pid_t pid = fork();
    if (pid != 0) return;  // parent (or fork failed: the queue run will do it)
    setsid();
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
    }
    ctx.verbose = nullptr;
    ctx.abandon_router();  // the parent's SQLite handles stay the parent's
    auto q = queue::Queue::open(ctx.cfg.str("QUEUE_DIR"));
    if (q) {
        Deliverer d(ctx, *q);
        (void)d.run_message(id, true);
    }
    _exit(0);
}

}  // namespace

int submit(const Invocation& inv, Context& ctx, int in_fd) {
    const config::Config& cfg = ctx.cfg;
    const std::string host = cfg.hostname();
    message::ReadOptions ro;
    ro.ignore_dots = inv.ignore_dots || cfg.flag("confIGNORE_DOTS");
    ro.max_header_bytes = static_cast<size_t>(cfg.num("confMAX_HEADERS_LENGTH"));
    message::Reader reader(in_fd, ro);

    auto headers = reader.read_headers();
    if (!headers) {
        say(fmt::format("sendmail: {}", headers.error().message));
        drain(reader);
        return headers.error().exit_code;
    }

    // Hop count (RFC 5321 §6.3: loop detection by counting Received:).
    size_t hops = headers->count("Received");
    if (static_cast<long long>(hops) > cfg.num("confMAX_HOP")) {
        say(fmt::format("sendmail: Too many hops {} ({} max)", hops, cfg.num("confMAX_HOP")));
        drain(reader);
        return EX_DATAERR;
    }

    // Recipients: the command line, plus the header with -t.
    std::vector<std::string> rcpts = command_line_recipients(inv);
    if (inv.read_recipients) {
        for (const char* name : {"To", "Cc", "Bcc"}) {
            for (const auto* f : headers->find_all(name)) {
                auto list = address::parse_address_list(f->value);
                if (!list) {
                    say(fmt::format("sendmail: {}: {}", name, list.error().message));
                    continue;
                }
                for (const auto& mb : *list) rcpts.push_back(mb.addr_spec());
            }
        }
        headers->remove_all("Bcc");  // -t: Bcc recipients are not shown to anyone
    }
    if (rcpts.empty()) {
        say(inv.read_recipients ? "sendmail: No recipient addresses found in header"
                                : "sendmail: Recipient names must be specified");
        drain(reader);
        return EX_USAGE;
    }

    auto router = ctx.router();
    if (!router) {
        say(fmt::format("sendmail: {}", router.error().message));
        drain(reader);
        return router.error().exit_code;
    }
    for (const auto& w : (*router)->warnings()) say(w);

    int status = EX_OK;
    std::vector<queue::Target> targets;
    std::set<std::string> seen;
    for (const auto& rcpt : rcpts) {
        if (!seen.insert(to_lower(rcpt)).second) continue;
        std::vector<std::string> trace;
        auto routed = (*router)->expand(rcpt, &trace);
        if (ctx.verbose)
            for (const auto& line : trace) fmt::print(ctx.verbose, "{}\n", line);
        std::vector<route::Target> errors;
        for (auto& t : to_queue_targets(routed, &errors)) {
            t.notify = inv.notify;
            targets.push_back(std::move(t));
        }
        for (const auto& e : errors) {
            say(fmt::format("{}... {}", e.value.empty() ? rcpt : e.value, e.error));
            status = e.exit_code ? e.exit_code : EX_NOUSER;
        }
    }
    if (targets.empty()) {
        drain(reader);
        return status == EX_OK ? EX_NOUSER : status;
    }
    if (Status s = check_free_space(cfg); !s) {
        say(fmt::format("sendmail: {}", s.error().message));
        drain(reader);
        return EX_TEMPFAIL;
    }

    // Envelope sender and the header fields sendmail adds.
    queue::Message m;
    m.env.arrived = now();
    m.env.id = queue::Queue::new_id(m.env.arrived);
    std::string envelope_from = qualify(ctx.login, host);
    if (inv.sender) {
        std::string f = std::string(trim(*inv.sender));
        if (f.size() >= 2 && f.front() == '<' && f.back() == '>') f = f.substr(1, f.size() - 2);
        if (!ctx.trusted && cfg.privacy("authwarnings"))
            headers->prepend("X-Authentication-Warning",
                             fmt::format("{}: {} set sender to {} using -f", host, ctx.login, f.empty() ? "<>" : f));
        envelope_from = f == "MAILER-DAEMON" ? "" : qualify(f, host);
    }
    m.env.sender = envelope_from;
    headers->remove_all("Return-Path");  // the delivery agent writes the real one
    if (!headers->find("Message-Id")) headers->prepend("Message-Id", message_id(m.env.id, host, m.env.arrived));
    if (!headers->find("From")) {
        std::string name = inv.full_name;
        if (name.empty())
            if (auto u = ctx.users.find(ctx.login)) name = u->gecos;
        std::string addr = envelope_from.empty() ? "MAILER-DAEMON@" + host : envelope_from;
        headers->prepend("From", name.empty() ? addr : fmt::format("{} <{}>", name, addr));
    }
    if (!headers->find("Date")) headers->prepend("Date", rfc5322_date(m.env.arrived));
    headers->prepend("Received", fmt::format("(from {}@localhost)\n\tby {} (mailroom/{}/Submit) id {};\n\t{}", ctx.login,
                                             host, MAILROOM_VERSION, m.env.id, rfc5322_date(m.env.arrived)));
    m.env.headers = headers->serialize();
    while (!m.env.headers.empty() && m.env.headers.back() == '\n') m.env.headers.pop_back();
    if (const auto* id = headers->find("Message-Id")) m.env.msgid = std::string(trim(id->value));
    m.env.envid = inv.envid;
    m.env.ret = inv.ret;
    m.env.bodytype = inv.bodytype;
    m.env.relay = ctx.login + "@localhost";
    // -XV: one message; each target gets its own return path when it is
    // delivered or bounced (queue::return_path), so the body is stored once.
    if (inv.verp) {
        if (envelope_from.empty()) {  // -f <> was refused by parse_args; this is the belt to its braces
            say("sendmail: -XV needs an envelope sender to rewrite; the null sender <> has none");
            drain(reader);
            return EX_USAGE;
        }
        m.env.verp = *inv.verp;
    }
    m.targets = std::move(targets);

    {
        // The queue connection lives only for the insert: SQLite connections
        // must not cross the fork() of background delivery (it corrupts the
        // database), so the delivering side opens its own.
        auto q = queue::Queue::open(cfg.str("QUEUE_DIR"));
        if (!q) {
            say(fmt::format("sendmail: {}", q.error().message));
            drain(reader);
            return EX_TEMPFAIL;
        }
        ReaderBody body(reader);
        if (Status s = q->insert(m, body); !s) {
            // Nothing was queued: the transaction rolled back.  Bad input is
            // the sender's problem (65); anything else means "try again" (75).
            say(fmt::format("sendmail: {}", s.error().message));
            drain(reader);
            return s.error().exit_code == EX_DATAERR ? EX_DATAERR : EX_TEMPFAIL;
        }
    }
    log::info("{}: from=<{}>, size={}, class=0, nrcpts={}, msgid={}, relay={}", m.env.id, m.env.sender, m.env.size,
              m.targets.size(), m.env.msgid, m.env.relay);

    char mode = inv.verbose ? 'i' : delivery_mode(cfg);
    if (mode == 'i') {
        auto q = queue::Queue::open(cfg.str("QUEUE_DIR"));
        if (!q) {
            say(fmt::format("sendmail: {}", q.error().message));
            return status;  // queued; a queue run will deliver it
        }
        Deliverer d(ctx, *q);
        if (Status s = d.run_message(m.env.id, true); !s) say(fmt::format("sendmail: {}", s.error().message));
    } else if (mode == 'b') {
        fflush(stdout);
        fflush(stderr);
        deliver_in_background(ctx, m.env.id);
    }
    return status;
}

int verify(const Invocation& inv, Context& ctx) {
    auto router = ctx.router();
    if (!router) {
        say(fmt::format("sendmail: {}", router.error().message));
        return router.error().exit_code;
    }
    for (const auto& w : (*router)->warnings()) say(w);
    auto rcpts = command_line_recipients(inv);
    if (rcpts.empty()) {
        say("sendmail: Recipient names must be specified");
        return EX_USAGE;
    }
    int status = EX_OK;
    for (const auto& rcpt : rcpts) {
        std::vector<std::string> trace;
        auto routed = (*router)->expand(rcpt, &trace);
        if (inv.verbose)
            for (const auto& line : trace) fmt::print("{}\n", line);
        for (const auto& t : routed) {
            switch (t.kind) {
            case route::Kind::Mailbox: fmt::print("{}... deliverable: mailer local, user {}\n", t.value, t.value); break;
            case route::Kind::File: fmt::print("{}... deliverable: mailer *file*, user {}\n", t.value, t.value); break;
            case route::Kind::Program:
                fmt::print("\"|{}\"... deliverable: mailer prog, user |{}\n", t.value, t.value);
                break;
            case route::Kind::Remote: {
                auto at = t.value.rfind('@');
                fmt::print("{}... deliverable: mailer esmtp, host {}, user {}\n", t.value,
                           at == std::string::npos ? "" : t.value.substr(at + 1), t.value);
                break;
            }
            case route::Kind::Error:
                fmt::print("{}... {}\n", t.value.empty() ? rcpt : t.value, t.error);
                status = t.exit_code ? t.exit_code : EX_NOUSER;
                break;
            }
        }
    }
    return status;
}

}  // namespace mail::sendmail
