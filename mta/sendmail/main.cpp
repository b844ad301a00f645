// main.cpp — sendmail(8): parse the command line, build the context, run
// one mode.  Also mailq, newaliases, hoststat and purgestat by argv[0].
//
// SECURITY: runs as the invoking user; in a system install it can only add
// messages to the queue (docs/trust.md).  Exit codes are <sysexits.h>.
#include "libmail/log/log.h"
#include "mta/sendmail/args.h"
#include "mta/sendmail/context.h"
#include "mta/sendmail/daemon.h"
#include "mta/sendmail/intake.h"
#include "mta/sendmail/modes.h"
#include "mta/sendmail/submit.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

using namespace mail::sendmail;

int main(int argc, char** argv) {
    // Writes to a dead child must fail with EPIPE, and exceeding a file size
    // limit must fail with EFBIG (a full disk, in effect), not kill us.
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    std::vector<std::string> args(argv, argv + argc);
    mail::log::init_program("sendmail");

    auto inv = parse_args(args);
    if (!inv) {
        fmt::print(stderr, "sendmail: {}\n{}\n", inv.error().message, usage_text());
        return EX_USAGE;
    }
    auto ctx = make_context(*inv);
    if (!ctx) {
        fmt::print(stderr, "sendmail: {}\n", ctx.error().message);
        return ctx.error().exit_code;
    }
    mail::log::init("sendmail", (*ctx)->cfg);
    Context& c = **ctx;

    switch (inv->mode) {
    case Mode::Deliver: return submit(*inv, c, 0);
    case Mode::Verify: return verify(*inv, c);
    case Mode::PrintQueue: return print_queue(c);
    case Mode::InitAliases: return init_aliases(c);
    case Mode::QueueRun:
        if (inv->queue_interval) return run_daemon(*inv, c);  // sendmail -q30m without -bd: periodic runs
        return run_queue_once(*inv, c);
    case Mode::Daemon:
    case Mode::DaemonForeground: return run_smtp_daemon(*inv, c);
    case Mode::Smtp: return serve_stdio(*inv, c);
    case Mode::CheckConfig: return check_config(c);
    case Mode::Version: return print_version(c);
    case Mode::AddressTest:
    case Mode::HostStatus:
    case Mode::PurgeHostStatus:
        // Not part of this build: say so plainly rather than pretend.
        fmt::print(stderr, "sendmail: this mode is not available in this version of mailroom\n");
        return EX_UNAVAILABLE;
    }
    return EX_SOFTWARE;
}
