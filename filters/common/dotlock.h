// dotlock.h — procmail's NFS-safe dotlock and its unique file names
// (procmail's `:0:` and LOCKFILE, lockfile(1); docs/procmail.md, "Folders
// and locks").
//
// A lock is taken the way procmail 3.22 takes it: a unique temporary file is
// created beside the lock (O_EXCL, mode 0444 and the process umask, content
// "0"), link()ed to the lock name and unlinked again.  Success is decided by
// the file system, not by link()'s return value, which NFS may lose: when
// link() reports failure we compare the temporary file and the lock name
// (same device and inode = we made it).  A lock that exists is retried
// every LOCKSLEEP seconds; one older than LOCKTIMEOUT seconds (measured
// against the file system's clock: the temporary file's mtime, so clock skew
// between NFS client and server does not matter) is removed by force and
// then we wait SUSPEND seconds.  The diagnostics are procmail's own words and
// go to a log callback without the "procmail: " prefix and without a newline.
//
// Unique names (procmail's unique()): one serial per process is shared by
// dotlock temporaries, Maildir names and the temporary names of MH and
// directory folders.
//   temporary  "_" <pid b64> <serial> <time b64> "." <host>
//              serial 0..3 are ".,+%" as in procmail; larger serials are
//              written base 4 in the same four characters, least
//              significant first (".," is 4), so the name keeps its shape
//              and the parts stay unambiguous (the b64 digits never use
//              those characters).
//   Maildir    <time> "." <pid> "_" <serial decimal> "." <host>, with '/'
//              and ':' in the host written as \ooo.
// Deliberate difference: procmail hands out only four names per second and
// then sleep(1)s until the clock ticks; the serial here never repeats, so no
// name is ever reused within a process and nothing sleeps.
//
// SECURITY: the lock and its temporary live in the lock's directory and are
// created with O_EXCL; nothing here follows a symlink it did not expect
// (link() never follows the old name's symlink, and a symlinked lock name
// is simply an existing lock).  A forced unlock removes only a file of at
// most 16 bytes (procmail's MAX_locksize), never a directory.
// Thread-safety: UniqueNames is not thread-safe; the process-wide instance
// is meant for single-threaded programs (procmail, lockfile).
// STANDARDS: none; compatible with procmail 3.22's locking.c and exopen.c.
#pragma once

#include "libmail/util/result.h"

#include <sys/types.h>

#include <ctime>
#include <functional>
#include <string>
#include <string_view>

namespace mail::filters {

// Receives one diagnostic line (no "procmail: " prefix, no newline).
using LogFn = std::function<void(std::string_view)>;

// procmail's base-64 number text (ultoan()): digits A-Z a-z 0-9 - _ for
// 0..63, least significant digit first.  0 is "A".
std::string procmail_base64(unsigned long value);

// uname(2)'s node name, as procmail's hostname().
std::string system_hostname();

// The host part of a Maildir name: '/' and ':' become "\057" and "\072".
std::string maildir_host(std::string_view host);

// The unique-name generator.  pid, host and the clock are fixed at
// construction so tests can pin them.
class UniqueNames {
public:
    UniqueNames(pid_t pid, std::string host, std::function<std::time_t()> now);

    // "_" <pid b64> <serial> <time b64> "." <host>
    std::string temp_name();
    // <time> "." <pid> "_" <serial> "." <maildir host>
    std::string maildir_name();
    // The serial the next name will use.
    unsigned long next_serial() const { return m_serial; }

    // The process's generator: getpid(), system_hostname(), time().  After
    // a fork the child's first call notices the new pid and uses it.
    static UniqueNames& process();

private:
    pid_t m_pid;
    std::string m_host;
    std::function<std::time_t()> m_now;
    unsigned long m_serial = 0;
};

// The serial text of a temporary name (exposed for tests): 0 -> ".",
// 3 -> "%", 4 -> ".,", ...
std::string temp_serial_text(unsigned long serial);

// link(2) that survives a lost NFS reply: when link() fails but `from` and
// `to` now name the same file (and `from` is not a symlink) it succeeded.
// Returns 0 or the errno of the failure.
int nfs_link(const std::string& from, const std::string& to);

// One try at the lock: temporary file beside `lock_path` (O_EXCL, 0444,
// content "0", checked to be a fresh single-link file), link() to
// `lock_path`, unlink the temporary.  Returns 0 when the lock is ours,
// otherwise the errno that explains why (EEXIST: somebody holds it).
// *fs_time gets the temporary file's mtime (the file system's clock) when
// the temporary could be made; it is left alone otherwise.  With `verbose`,
// a temporary that cannot be made is logged as procmail does
// ("Error while writing to \"<tmp>\"").
int try_dotlock(const std::string& lock_path, UniqueNames& names, std::time_t* fs_time, const LogFn& log,
                bool verbose);

// A lock file that may be removed by force now: at most 16 bytes (when
// `check_size`, as procmail; lockfile(1) does not look), and modified more
// than `timeout` seconds before `fs_time`.  `timeout` 0 never forces; a
// negative timeout (lockfile -l-1) always does.
bool dotlock_expired(const std::string& lock_path, long timeout, std::time_t fs_time, bool check_size);

struct DotlockOptions {
    long locksleep = 8;       // LOCKSLEEP: seconds between tries
    long locktimeout = 1024;  // LOCKTIMEOUT: force a lock older than this; 0 = never
    long suspend = 16;        // SUSPEND: pause after removing a lock by force
    LogFn log;                // diagnostics (may be empty)
    bool verbose = false;     // also "Locking", "Unlocking" …
    // Sleeps n seconds (default ::sleep).  Tests record instead of waiting.
    std::function<void(unsigned)> sleep;
    // Asked after every pause; true stops waiting (procmail: a signal
    // arrived, TIMEOUT, …).  Empty = never.
    std::function<bool()> interrupted;
    UniqueNames* names = nullptr;  // nullptr = UniqueNames::process()
};

class Dotlock;

// procmail's lockit(): waits for `lock_path` as described at the top.
// Errors (each already logged, procmail's wording):
//   EX_CANTCREAT  "Lock failure on \"x\"" — the directory is not writable,
//                 does not exist (after 7 pauses, as NFS may lie), a forced
//                 unlock was refused twice, …
//   EX_TEMPFAIL   interrupted() said stop (nothing logged; the caller knows why).
// A lock name too long for the file system is shortened one byte at a time
// ("Truncating \"x\" and retrying lock"); Dotlock::path() is the name held.
Result<Dotlock> acquire_dotlock(std::string lock_path, const DotlockOptions& opts);

// A held dotlock; the destructor removes it.  Move-only.
class Dotlock {
public:
    Dotlock() = default;
    Dotlock(std::string path, LogFn log, bool verbose)
        : m_path(std::move(path)), m_log(std::move(log)), m_verbose(verbose) {}
    Dotlock(Dotlock&& other) noexcept;
    Dotlock& operator=(Dotlock&& other) noexcept;
    Dotlock(const Dotlock&) = delete;
    Dotlock& operator=(const Dotlock&) = delete;
    ~Dotlock() { release(); }

    // Unlinks the lock ("Unlocking \"x\"" when verbose; "Couldn't unlock
    // \"x\"" if unlink fails).  Idempotent.
    void release();
    // Forgets the lock without removing it (a forked child must not remove
    // its parent's lock); returns its path.
    std::string disown();
    const std::string& path() const { return m_path; }
    bool held() const { return !m_path.empty(); }

private:
    std::string m_path;  // empty once released
    LogFn m_log;
    bool m_verbose = false;
};

}  // namespace mail::filters
