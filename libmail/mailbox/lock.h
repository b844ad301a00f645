// lock.h — mailbox locking in the order every Debian mail program uses.
//
// A mailbox is locked with an fcntl(2) write lock on the open file FIRST and
// then the `<mailbox>.lock` dotlock (Debian Policy §11.6; liblockfile's
// maillock(), bsd-mailx, procmail and mutt all agree).  The dotlock is made
// NFS-safely: a unique temporary file in the mailbox's directory is link(2)ed
// to the lock name and success is decided by the temporary file's link count,
// not by link()'s return value (which NFS may lose).  See docs/mailbox.md.
//
// Stale locks: a dotlock older than LockOptions::stale_after is removed, and
// so is one whose content is the pid of a process that no longer exists on
// this host (liblockfile writes "<pid>\n"; so do we).  Waiting is bounded by
// LockOptions::max_wait; running out of time is EX_TEMPFAIL.
//
// SECURITY: the lock file is created with O_EXCL|O_NOFOLLOW in the mailbox's
// own directory; a lock path that is a symlink is never followed.
// Thread-safety: none needed; a lock belongs to one process.  fcntl locks are
// per process, so two MailboxLocks on one file in one process do not exclude
// each other (the dotlock still does).
#pragma once

#include "libmail/util/result.h"

#include <chrono>
#include <string>

namespace mail::mailbox {

struct LockOptions {
    std::chrono::seconds stale_after{300};  // MAILROOM_LOCK_TIMEOUT
    std::chrono::milliseconds max_wait{std::chrono::seconds(120)};
    std::chrono::milliseconds max_retry_sleep{200};  // backoff cap between tries
};

// The `<path>.lock` dotlock alone (Maildir needs none; mailx uses both).
class DotLock {
public:
    static Result<DotLock> acquire(const std::string& lock_path, const LockOptions& opts);
    DotLock(DotLock&& other) noexcept;
    DotLock& operator=(DotLock&& other) noexcept;
    DotLock(const DotLock&) = delete;
    DotLock& operator=(const DotLock&) = delete;
    ~DotLock();
    void release();  // idempotent
    const std::string& path() const { return m_path; }

private:
    explicit DotLock(std::string path) : m_path(std::move(path)) {}
    std::string m_path;  // empty once released
};

// fcntl write lock on `fd` (whole file) and then the dotlock `<path>.lock`.
// The destructor releases both, dotlock first (reverse order).  `fd` must stay
// open while the lock lives; the lock does not own it.
class MailboxLock {
public:
    static Result<MailboxLock> acquire(int fd, const std::string& mailbox_path, const LockOptions& opts);
    MailboxLock(MailboxLock&& other) noexcept;
    MailboxLock& operator=(MailboxLock&& other) noexcept;
    MailboxLock(const MailboxLock&) = delete;
    MailboxLock& operator=(const MailboxLock&) = delete;
    ~MailboxLock();
    void release();

private:
    MailboxLock(int fd, DotLock dot) : m_fd(fd), m_dot(std::move(dot)) {}
    int m_fd = -1;
    DotLock m_dot;
};

// Exposed for tests: would acquire() remove this existing lock file now?
// (older than stale_after, or names a dead local pid).
bool dotlock_is_stale(const std::string& lock_path, const LockOptions& opts);

}  // namespace mail::mailbox
