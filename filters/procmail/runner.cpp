// runner.cpp — see runner.h.
#include "filters/procmail/runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <sysexits.h>

extern char** environ;

namespace mail::procmail {

volatile sig_atomic_t g_pending_signal = 0;
volatile sig_atomic_t g_verbose_request = 0;

namespace {

// In the child: becomes argv with env, or exits 127 as a shell would.
[[noreturn]] void exec_child(const RunSpec& spec, int in, int out, int status_fd) {
    if (in >= 0) ::dup2(in, 0);
    if (out >= 0) {
        ::dup2(out, 1);
    } else if (spec.discard_stdout) {
        int null = ::open("/dev/null", O_WRONLY);
        if (null >= 0 && null != 1) {
            ::dup2(null, 1);
            ::close(null);
        }
    }
    if (spec.stderr_fd >= 0) ::dup2(spec.stderr_fd, 2);
    for (int s : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGALRM, SIGCHLD}) ::signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> env;
    env.reserve(spec.env.size() + 1);
    for (const auto& e : spec.env) env.push_back(const_cast<char*>(e.c_str()));
    env.push_back(nullptr);
    std::vector<char*> argv;
    for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    environ = env.data();  // execvp searches the PATH of the new environment
    ::execvp(argv[0], argv.data());
    // procmail's shexec(): what cannot be exec'd may be a shell script
    // without a #! line, so /bin/sh gets a try with the same words.
    std::vector<char*> shargv;
    static char binsh[] = "/bin/sh";
    shargv.push_back(binsh);
    for (char* a : argv) shargv.push_back(a);
    ::execv(binsh, shargv.data());
    char failed = 1;
    (void)!::write(status_fd, &failed, 1);
    std::string msg = "procmail: Failed to execute \"" + spec.argv[0] + "\"\n";
    (void)!::write(2, msg.data(), msg.size());
    _exit(EX_UNAVAILABLE);
}

}  // namespace

RunResult run_program(const RunSpec& spec) {
    RunResult r;
    if (spec.argv.empty() || spec.argv[0].empty()) return r;
    int in[2] = {-1, -1}, out[2] = {-1, -1}, exec_status[2] = {-1, -1};
    if (::pipe2(exec_status, O_CLOEXEC) != 0) return r;
    if (::pipe2(in, O_CLOEXEC) != 0) {
        ::close(exec_status[0]);
        ::close(exec_status[1]);
        return r;
    }
    if (spec.capture && ::pipe2(out, O_CLOEXEC) != 0) {
        for (int fd : {in[0], in[1], exec_status[0], exec_status[1]}) ::close(fd);
        return r;
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        for (int fd : {in[0], in[1], out[0], out[1], exec_status[0], exec_status[1]})
            if (fd >= 0) ::close(fd);
        return r;
    }
    if (pid == 0) exec_child(spec, in[0], spec.capture ? out[1] : spec.stdout_fd, exec_status[1]);
    r.started = true;
    ::close(exec_status[1]);
    ::close(in[0]);
    if (out[1] >= 0) ::close(out[1]);
    int wfd = in[1], rfd = out[0];
    ::fcntl(wfd, F_SETFL, O_NONBLOCK);
    std::size_t written = 0;
    if (spec.input.empty()) {
        ::close(wfd);
        wfd = -1;
    }
    auto deadline = std::chrono::steady_clock::now() + spec.timeout;
    char buf[65536];
    while (wfd >= 0 || rfd >= 0) {
        pollfd p[2];
        int n = 0;
        if (wfd >= 0) p[n++] = {wfd, POLLOUT, 0};
        if (rfd >= 0) p[n++] = {rfd, POLLIN, 0};
        int wait_ms = -1;
        if (spec.timeout.count() > 0) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                r.timed_out = true;
                ::kill(pid, SIGTERM);
                break;
            }
            wait_ms = static_cast<int>(std::min<long long>(left.count(), 1000000));
        }
        int rc = ::poll(p, static_cast<nfds_t>(n), wait_ms);
        if (rc < 0 && errno != EINTR) break;
        if (g_pending_signal) break;
        if (rc <= 0) continue;
        for (int i = 0; i < n; ++i) {
            if (p[i].fd == wfd && (p[i].revents & (POLLOUT | POLLERR | POLLHUP))) {
                ssize_t w = ::write(wfd, spec.input.data() + written, spec.input.size() - written);
                if (w > 0) written += static_cast<std::size_t>(w);
                if (w < 0 && errno != EAGAIN && errno != EINTR) r.write_error = true;
                if (r.write_error || written == spec.input.size()) {
                    ::close(wfd);
                    wfd = -1;
                }
            } else if (p[i].fd == rfd && (p[i].revents & (POLLIN | POLLERR | POLLHUP))) {
                ssize_t got = ::read(rfd, buf, sizeof buf);
                if (got > 0) {
                    std::size_t keep = static_cast<std::size_t>(got);
                    if (spec.capture_limit > 0 && r.output.size() + keep > spec.capture_limit) {
                        keep = spec.capture_limit - r.output.size();
                        r.truncated = true;
                    }
                    r.output.append(buf, keep);
                    if (r.truncated) {  // like procmail: stop listening (the writer gets SIGPIPE)
                        ::close(rfd);
                        rfd = -1;
                    }
                } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                    ::close(rfd);
                    rfd = -1;
                }
            }
        }
    }
    if (wfd >= 0) ::close(wfd);
    if (rfd >= 0) ::close(rfd);
    int status = 0;
    if (!r.timed_out && spec.timeout.count() > 0) {
        // The child may hang after closing its pipes: wait on a pidfd.
        int pfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
        if (pfd >= 0) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            pollfd p{pfd, POLLIN, 0};
            int rc;
            while ((rc = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count())))) < 0 && errno == EINTR) {
            }
            if (rc == 0) {
                r.timed_out = true;
                ::kill(pid, SIGTERM);
            }
            ::close(pfd);
        }
    }
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    char failed = 0;
    if (::read(exec_status[0], &failed, 1) == 1) r.exec_failed = true;
    ::close(exec_status[0]);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

}  // namespace mail::procmail
