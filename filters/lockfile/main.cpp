// lockfile — procmail's conditional semaphore-file creator (lockfile(1)).
// The work is in lockfile.cpp; this sets up signals and stderr.
//
// SECURITY: never installed set-id; runs as the invoker (lockfile.h).
// STANDARDS: none; compatible with Debian's lockfile 3.22-27.
#include "filters/lockfile/lockfile.h"

#include <signal.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace {

volatile sig_atomic_t g_signalled = 0;

void on_signal(int) {
    g_signalled = 1;
}

}  // namespace

int main(int argc, char** argv) {
    // No SA_RESTART: a signal cuts the sleep short, and the next failed
    // try gives up ("Signal received"), removing what was locked.
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM}) sigaction(sig, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    mail::lockfile::Io io;
    io.err = [](std::string_view s) {
        while (!s.empty()) {
            ssize_t n = write(STDERR_FILENO, s.data(), s.size());
            if (n <= 0) return;
            s.remove_prefix(static_cast<std::size_t>(n));
        }
    };
    io.signalled = [] { return g_signalled != 0; };
    io.mailbox_lock = mail::lockfile::system_mailbox_lock;
    io.version = "lockfile (mailroom " MAILROOM_VERSION "), procmail's lockfile v3.23pre\n";
    return mail::lockfile::run(std::vector<std::string>(argv + 1, argv + argc), io);
}
