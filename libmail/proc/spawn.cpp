// spawn.cpp — see spawn.h.
#include "libmail/proc/spawn.h"

#include "libmail/users/accounts.h"

#include <fmt/format.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mail::proc {

Child::Child(Child&& o) noexcept : m_pid(o.m_pid), m_in(o.m_in), m_out(o.m_out) {
    o.m_pid = -1;
    o.m_in = o.m_out = -1;
}

Child& Child::operator=(Child&& o) noexcept {
    if (this != &o) {
        this->~Child();
        m_pid = o.m_pid;
        m_in = o.m_in;
        m_out = o.m_out;
        o.m_pid = -1;
        o.m_in = o.m_out = -1;
    }
    return *this;
}

Child::~Child() {
    close_in();
    if (m_out >= 0) close(m_out);
    m_out = -1;
    if (m_pid > 0) (void)wait();
}

void Child::close_in() {
    if (m_in >= 0) close(m_in);
    m_in = -1;
}

Result<int> Child::wait() {
    if (m_pid <= 0) return make_error(EX_SOFTWARE, "wait: no child");
    int status = 0;
    while (waitpid(m_pid, &status, 0) < 0) {
        if (errno != EINTR) {
            m_pid = -1;
            return make_error(EX_OSERR, fmt::format("waitpid: {}", std::strerror(errno)));
        }
    }
    m_pid = -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 128;
}

namespace {

// In the child, after fork: never returns.  Only async-signal-safe-ish work
// plus the identity switch; failures exit with a sysexits code.
[[noreturn]] void exec_child(const SpawnOptions& o, int in_fd, int out_fd, std::vector<char*>& argv,
                             std::vector<char*>& envp, const std::vector<gid_t>& groups) {
    // Default signal dispositions: the parent may ignore SIGPIPE or SIGCHLD.
    for (int sig : {SIGPIPE, SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);

    int devnull = open("/dev/null", O_RDWR);
    dup2(in_fd >= 0 ? in_fd : devnull, 0);
    dup2(out_fd >= 0 ? out_fd : devnull, 1);
    if (o.stderr_to_stdout) dup2(1, 2);
    for (int fd = 3; fd < 1024; ++fd) close(fd);

    if (o.as) {
        if (geteuid() == 0) {
            if (setgroups(groups.size(), groups.data()) != 0 || setgid(o.as->gid) != 0 || setuid(o.as->uid) != 0)
                _exit(EX_OSERR);
            // A root child must not be able to get root back.
            if (o.as->uid != 0 && (setuid(0) == 0 || geteuid() == 0)) _exit(EX_SOFTWARE);
        } else if (o.as->uid != geteuid()) {
            _exit(EX_NOPERM);
        }
    }
    if (!o.cwd.empty() && chdir(o.cwd.c_str()) != 0) {
        if (chdir("/") != 0) _exit(EX_OSERR);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(errno == ENOENT ? EX_UNAVAILABLE : EX_OSERR);
}

}  // namespace

Result<Child> spawn(const SpawnOptions& o) {
    if (o.argv.empty()) return make_error(EX_SOFTWARE, "spawn: empty argv");
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
    auto cleanup = [&] {
        for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]})
            if (fd >= 0) close(fd);
    };
    if ((o.pipe_stdin && pipe2(in_pipe, O_CLOEXEC) != 0) || (o.pipe_stdout && pipe2(out_pipe, O_CLOEXEC) != 0)) {
        cleanup();
        return make_error(EX_OSERR, fmt::format("pipe: {}", std::strerror(errno)));
    }
    // Build argv/envp before fork: no allocation in the child.
    std::vector<char*> argv, envp;
    for (const auto& a : o.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : o.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    // The child's groups, looked up before fork (the lookup may run getent).
    std::vector<gid_t> groups;
    if (o.as && geteuid() == 0) {
        auto g = users::group_list(o.as->user, o.as->gid);
        if (!g) {
            cleanup();
            return g.error();
        }
        groups = std::move(*g);
    }
    pid_t pid = fork();
    if (pid < 0) {
        cleanup();
        return make_error(EX_OSERR, fmt::format("fork: {}", std::strerror(errno)));
    }
    if (pid == 0) exec_child(o, in_pipe[0], o.pipe_stdout ? out_pipe[1] : o.stdout_fd, argv, envp, groups);

    Child c;
    c.m_pid = pid;
    if (in_pipe[0] >= 0) close(in_pipe[0]);
    if (out_pipe[1] >= 0) close(out_pipe[1]);
    c.m_in = in_pipe[1];
    c.m_out = out_pipe[0];
    return c;
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

std::string read_all(int fd, size_t limit) {
    std::string out;
    char buf[65536];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (out.size() < limit) out.append(buf, std::min(static_cast<size_t>(n), limit - out.size()));
    }
    return out;
}

}  // namespace mail::proc
