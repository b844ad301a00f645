// stdio_session.cpp — `sendmail -bs`: one SMTP session on standard input
// and output, as MUAs and swaks --pipe use it.  The same engine and policy
// as the daemon; the client is the local user who ran us, trusted like the
// sendmail command (it may relay: Client::local_submission).  Each accepted
// message is inserted on its own (no group to commit with) and then
// delivered according to the delivery mode, like a command-line submission.
#include "mta/sendmail/daemon.h"
#include "mta/sendmail/intake.h"

#include "libmail/log/log.h"
#include "libmail/proc/spawn.h"
#include "libmail/queue/queue.h"
#include "libmail/smtp/session.h"
#include "mta/sendmail/deliver.h"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <unistd.h>

namespace mail::sendmail {

int serve_stdio(const Invocation& inv, Context& ctx) {
    std::signal(SIGPIPE, SIG_IGN);
    smtp::Client client;
    client.addr = "127.0.0.1";
    client.name = ctx.login + "@localhost";
    client.daemon = "";
    client.local_submission = true;
    Intake intake(ctx, ctx.cfg.str("QUEUE_DIR"), "");
    bool ready = false;
    smtp::Events ev;
    ev.data_begin = [&](const smtp::Envelope& e) { intake.begin(e); };
    ev.data = [&](std::string_view b) { intake.data(b); };
    ev.data_end = [&](const smtp::Envelope&, bool ok) { ready = ok; };
    ev.log = [](std::string_view text) { log::notice("{}", text); };
    if (ctx.transcript) {
        FILE* t = ctx.transcript;
        ev.transcript = [t](std::string_view line, bool from_client) {
            fmt::print(t, "{:05} {} {}\n", getpid(), from_client ? "<<<" : ">>>", line);
            std::fflush(t);
        };
    }
    auto factory = PolicyFactory::create(ctx);
    if (!factory) {
        fmt::print(stderr, "sendmail: {}\n", factory.error().message);
        return factory.error().exit_code;
    }
    auto policy = (*factory)->make();
    smtp::Session session(engine_options(ctx), *policy, client, std::move(ev));
    if (!proc::write_all(1, session.start())) return EX_IOERR;
    std::vector<std::string> accepted;
    char buf[65536];
    while (!session.closed()) {
        ssize_t n = ::read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            session.end_of_input();
            break;
        }
        std::string out = session.feed(std::string_view(buf, static_cast<std::size_t>(n)));
        while (ready) {
            ready = false;
            smtp::Reply refusal;
            smtp::Reply reply;
            auto m = intake.prepare(session.envelope(), client, &refusal);
            if (!m) {
                reply = refusal;
            } else if (session.envelope().discard) {
                reply = smtp::Reply{250, "2.0.0", m->env.id + " Message accepted for delivery"};
            } else {
                auto q = queue::Queue::open(ctx.cfg.str("QUEUE_DIR"));
                Status s = q ? q->insert(*m, intake.body()) : Status(q.error());
                if (!s) {
                    log::error("queue insert failed: {}", s.error().message);
                    reply = smtp::Reply{451, "4.3.0", "Temporary failure, please try again later"};
                } else {
                    Intake::log_received(*m, client, true);
                    accepted.push_back(m->env.id);
                    reply = smtp::Reply{250, "2.0.0", m->env.id + " Message accepted for delivery"};
                }
            }
            out += session.commit_done(reply);
        }
        if (!proc::write_all(1, out)) break;
    }
    // Deliver what was accepted, as the command-line path does.
    char mode = delivery_mode(ctx.cfg);
    if (!accepted.empty() && (mode == 'i' || mode == 'b')) {
        if (mode == 'b') {
            pid_t pid = fork();
            if (pid != 0) return EX_OK;
            setsid();
        }
        ctx.abandon_router();
        auto q = queue::Queue::open(ctx.cfg.str("QUEUE_DIR"));
        if (q) {
            Deliverer d(ctx, *q);
            for (const auto& id : accepted)
                if (Status s = d.run_message(id, true); !s) log::error("{}: {}", id, s.error().message);
        }
        if (mode == 'b') _exit(0);
    }
    (void)inv;
    return EX_OK;
}

}  // namespace mail::sendmail
