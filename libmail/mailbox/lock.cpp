// lock.cpp — see lock.h and docs/mailbox.md ("Locking").
#include "libmail/mailbox/lock.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <thread>

#include <fmt/format.h>

namespace mail::mailbox {
namespace {

using Clock = std::chrono::steady_clock;

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

// A name no other process on any host uses at the same time: liblockfile's
// ".lk<pid><x><host>" idea, plus a per-process counter.
std::string unique_temp_name(const std::string& dir) {
    static unsigned counter = 0;
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    for (char* p = host; *p; ++p)
        if (*p == '/' || *p == '.') *p = '_';  // keep it one path component
    return fmt::format("{}/.lk{}.{}.{}", dir, getpid(), counter++, host);
}

// Reads the pid a lock file names, 0 if it names none (procmail writes "0").
pid_t lock_pid(const std::string& lock_path) {
    int fd = open(lock_path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[32] = {};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    long v = 0;
    for (ssize_t i = 0; i < n && buf[i] != '\n'; ++i) {
        if (buf[i] < '0' || buf[i] > '9' || v > 10'000'000) return 0;
        v = v * 10 + (buf[i] - '0');
    }
    return static_cast<pid_t>(v);
}

void sleep_backoff(std::chrono::milliseconds& pause, const LockOptions& opts, Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    std::this_thread::sleep_for(std::min(pause, std::max(left, std::chrono::milliseconds(0))));
    pause = std::min(pause * 2, opts.max_retry_sleep);
}

// Removes a stale lock, but only the very file we judged (same inode), so a
// fresh lock that replaced it in between survives.
void remove_if_still(const std::string& lock_path, const struct stat& judged) {
    struct stat now_st {};
    if (lstat(lock_path.c_str(), &now_st) == 0 && now_st.st_ino == judged.st_ino &&
        now_st.st_dev == judged.st_dev)
        unlink(lock_path.c_str());
}

}  // namespace

bool dotlock_is_stale(const std::string& lock_path, const LockOptions& opts) {
    struct stat st {};
    if (lstat(lock_path.c_str(), &st) != 0) return false;
    // File times are real time, so compare with the real clock (not mail::now()).
    if (std::time(nullptr) - st.st_mtime > opts.stale_after.count()) return true;
    pid_t pid = lock_pid(lock_path);
    return pid > 0 && kill(pid, 0) != 0 && errno == ESRCH;
}

Result<DotLock> DotLock::acquire(const std::string& lock_path, const LockOptions& opts) {
    const auto deadline = Clock::now() + opts.max_wait;
    std::string tmp = unique_temp_name(dir_of(lock_path));
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return make_error(errno == ENOSPC || errno == EDQUOT ? EX_TEMPFAIL : EX_CANTCREAT,
                          fmt::format("cannot create lock file {}: {}", tmp, std::strerror(errno)));
    std::string pid = fmt::format("{}\n", getpid());
    bool wrote = write(fd, pid.data(), pid.size()) == static_cast<ssize_t>(pid.size());
    close(fd);
    if (!wrote) {
        unlink(tmp.c_str());
        return make_error(EX_TEMPFAIL, fmt::format("cannot write lock file {}", tmp));
    }
    auto pause = std::chrono::milliseconds(1);
    for (;;) {
        int rc = link(tmp.c_str(), lock_path.c_str());
        int link_errno = errno;
        // NFS may report failure for a link that happened (the reply was
        // lost); the link count of our own file is the truth.
        struct stat st {};
        if (lstat(tmp.c_str(), &st) == 0 && st.st_nlink == 2) {
            unlink(tmp.c_str());
            return DotLock(lock_path);
        }
        if (rc != 0 && link_errno != EEXIST) {
            unlink(tmp.c_str());
            return make_error(EX_CANTCREAT, fmt::format("cannot create lock file {}: {}", lock_path,
                                                        std::strerror(link_errno)));
        }
        struct stat lock_st {};
        if (lstat(lock_path.c_str(), &lock_st) == 0 && dotlock_is_stale(lock_path, opts)) {
            remove_if_still(lock_path, lock_st);
            continue;
        }
        if (Clock::now() >= deadline) {
            unlink(tmp.c_str());
            return make_error(EX_TEMPFAIL, fmt::format("timed out waiting for lock file {}", lock_path));
        }
        sleep_backoff(pause, opts, deadline);
    }
}

DotLock::DotLock(DotLock&& other) noexcept : m_path(std::move(other.m_path)) {
    other.m_path.clear();
}
DotLock& DotLock::operator=(DotLock&& other) noexcept {
    if (this != &other) {
        release();
        m_path = std::move(other.m_path);
        other.m_path.clear();
    }
    return *this;
}
DotLock::~DotLock() {
    release();
}
void DotLock::release() {
    if (!m_path.empty()) unlink(m_path.c_str());
    m_path.clear();
}

Result<MailboxLock> MailboxLock::acquire(int fd, const std::string& mailbox_path, const LockOptions& opts) {
    const auto start = Clock::now();
    const auto deadline = start + opts.max_wait;
    auto pause = std::chrono::milliseconds(1);
    // F_SETLK with our own bounded retry rather than F_SETLKW: a blocking
    // wait could only be bounded with signals, which a library must not own.
    for (;;) {
        struct flock fl {};
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        if (fcntl(fd, F_SETLK, &fl) == 0) break;
        if (errno == EINTR) continue;
        if (errno != EACCES && errno != EAGAIN)
            return make_error(EX_TEMPFAIL,
                              fmt::format("cannot lock {}: {}", mailbox_path, std::strerror(errno)));
        if (Clock::now() >= deadline)
            return make_error(EX_TEMPFAIL, fmt::format("timed out waiting for lock on {}", mailbox_path));
        sleep_backoff(pause, opts, deadline);
    }
    LockOptions rest = opts;
    rest.max_wait = std::max(std::chrono::milliseconds(0),
                             std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    auto dot = DotLock::acquire(mailbox_path + ".lock", rest);
    if (!dot) {
        struct flock fl {};
        fl.l_type = F_UNLCK;
        fl.l_whence = SEEK_SET;
        fcntl(fd, F_SETLK, &fl);
        return dot.error();
    }
    return MailboxLock(fd, std::move(*dot));
}

MailboxLock::MailboxLock(MailboxLock&& other) noexcept : m_fd(other.m_fd), m_dot(std::move(other.m_dot)) {
    other.m_fd = -1;
}
MailboxLock& MailboxLock::operator=(MailboxLock&& other) noexcept {
    if (this != &other) {
        release();
        m_fd = other.m_fd;
        m_dot = std::move(other.m_dot);
        other.m_fd = -1;
    }
    return *this;
}
MailboxLock::~MailboxLock() {
    release();
}
void MailboxLock::release() {
    m_dot.release();
    if (m_fd >= 0) {
        struct flock fl {};
        fl.l_type = F_UNLCK;
        fl.l_whence = SEEK_SET;
        fcntl(m_fd, F_SETLK, &fl);
    }
    m_fd = -1;
}

}  // namespace mail::mailbox
