// lockfile.h — lockfile(1): procmail's conditional semaphore-file creator
// (man/man1/lockfile.1, docs/procmail.md "Folders and locks").
//
// The command line is read left to right and acted on as it is read:
// options change the settings for the files after them, and each file is
// locked in turn (filters/common/dotlock: NFS-safe, content "0", 0444).  A
// file that is taken is retried every `-sleeptime` seconds (8), at most
// `-r retries` times (-1 = for ever; the count is not reset per file); with
// `-l locktimeout` a lock older than that is removed ("Forcing lock on")
// and then `-s suspend` seconds (16) pass.  If any file fails, every file
// locked so far by this command is removed again ("all or none"), by a
// second reading of the arguments before the failing one — so an option
// after the failing file, `-!` included, does not count (Debian's lockfile
// does exactly this).
//
// Exit status (Debian's): 0 all locked; 64 usage, -v, -h; 73 a lock stayed
// taken ("Sorry"); 69 the lock cannot be made at all ("Try praying"); 75 a
// signal arrived while waiting; 71 out of memory.  `-!` turns 0 into 73
// and 73 into 0, nothing else.
//
// -ml / -mu lock and unlock the invoker's system mailbox lock,
// <MAILROOM_SPOOL_DIR>/<user>.lock.  mailroom's lockfile is not set-group-id
// mail, so that only works where the spool directory is writable by the
// user; otherwise it fails like any other lock and says why.
//
// SECURITY: runs as the invoker with no privileges; it creates and removes
// only the files named (and the temporary files beside them).
#pragma once

#include "filters/common/dotlock.h"
#include "libmail/util/result.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mail::lockfile {

struct Io {
    std::function<void(std::string_view)> err;          // stderr text, newlines included
    std::function<void(unsigned)> sleep;                // default ::sleep
    std::function<bool()> signalled;                    // a HUP/INT/QUIT/TERM arrived
    std::function<Result<std::string>()> mailbox_lock;  // the -ml/-mu lock path
    filters::UniqueNames* names = nullptr;              // nullptr = the process's
    std::string version = "lockfile";                   // first line of -v
};

inline constexpr std::string_view k_usage =
    "Usage: lockfile -v | -nnn | -r nnn | -l nnn | -s nnn | -! | -ml | -mu | file ...\n";

// Runs lockfile with `args` (argv without argv[0]); returns the exit status.
int run(std::vector<std::string> args, const Io& io);

// "<spool>/<user>.lock": the spool directory from the configuration
// (MAILROOM_SPOOL_DIR, /var/mail by default), the user from $LOGNAME when
// that names a user with our uid (or, in an instance, a user of its users
// file), else from our uid.
Result<std::string> system_mailbox_lock();

}  // namespace mail::lockfile
