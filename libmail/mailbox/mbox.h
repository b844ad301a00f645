// mbox.h — appending one message to an mbox mailbox, all or nothing.
//
// The bytes written for one message (docs/mailbox.md, "mbox format"):
//
//   From <sender>  <ctime>\n            sender "MAILER-DAEMON" for <>
//   Return-Path: <sender>\n
//   Delivered-To: <user>\n
//   <message, every line that begins with "From " written as ">From ">
//   \n                                  only if the message lacks a final newline
//   \n                                  the blank line before the next From_
//
// Quoting is mboxo, as procmail and sendmail's mail.local write it: exactly
// the lines beginning with "From " get one '>' (">From " is left alone, so
// the quoting is not reversible; readers only need the From_ lines to be
// unambiguous).  Every line is quoted, headers included, not only those after
// a blank line, because some readers split on any "From " line.
//
// All-or-nothing: the size is recorded under the lock; any failure (write,
// fsync, the test hook) ftruncate()s the file back to that size.
//
// SECURITY: the mailbox is opened by open_mailbox(), which refuses symlinks,
// hard links, non-regular files and files of another owner (mta.md §4.5,
// CVE-2008-2936).  The message is untrusted bytes and streamed, never parsed.
// STANDARDS: RFC 4155 (the mbox database format).
#pragma once

#include "libmail/mailbox/fd.h"
#include "libmail/util/result.h"

#include <sys/types.h>

#include <cstddef>
#include <ctime>
#include <limits>
#include <string>
#include <string_view>

namespace mail::mailbox {

struct Envelope {
    std::string sender;     // envelope sender without <>; "" is the null sender
    std::string recipient;  // local user name, written to Delivered-To:
    std::time_t when = 0;   // the From_ line's date
};

// "From sender  Sun Nov 22 05:36:37 2026\n" (two spaces, like mail.local).
std::string from_line(const Envelope& env);
// "Return-Path: <sender>\nDelivered-To: user\n".
std::string trace_headers(const Envelope& env);

// Streaming mboxo quoting.  Feed the message in chunks of any size; a "From "
// split across chunks is still found.  Holds at most 4 bytes between calls.
class FromQuoter {
public:
    void feed(std::string_view in, std::string& out);
    void finish(std::string& out);  // flushes a held partial "From"
    bool ended_with_newline() const { return m_last == '\n'; }
    bool empty() const { return m_empty; }

private:
    int m_match = 0;  // bytes of "From " matched at a line start; -1 = mid-line
    char m_last = '\n';
    bool m_empty = true;
};

// The whole entry for an in-memory message (tests, small callers).
std::string format_mbox_entry(std::string_view message, const Envelope& env);

// Owner and mode a mailbox must have (or is created with).
struct MailboxOwner {
    uid_t uid = 0;
    gid_t gid = 0;
    mode_t mode = 0600;
    bool chown_on_create = false;  // true when running as root
};

// Opens (or creates with O_EXCL) `path` for appending, with every check of
// mta.md §4.5: O_NOFOLLOW|O_APPEND|O_NOCTTY|O_NONBLOCK, lstat before and
// fstat after agree on dev/ino, regular file, one link, owned by owner.uid.
// Errors: EX_NOPERM (symlink, hard link, owner, not a regular file, EACCES),
// EX_CANTCREAT (cannot create), EX_TEMPFAIL (ENOSPC, EDQUOT, races).
Result<UniqueFd> open_mailbox(const std::string& path, const MailboxOwner& owner);

struct AppendOptions {
    // Fault injection for tests: fail with ENOSPC once this many bytes of
    // the entry have been written.
    std::size_t fail_after = std::numeric_limits<std::size_t>::max();
    // false: no fsync here; the caller syncs the mailbox later (one fsync
    // for a batch, sync_mailboxes()) and must not report the delivery as
    // done before that.
    bool sync = true;
};

// Message starting with this text mean "over quota / file too large"
// (EDQUOT, EFBIG); mail.local -b and LMTP's 452 4.2.2 look for it.
inline constexpr std::string_view k_mailbox_full = "mailbox full";
bool is_mailbox_full(const Error& e);

// Appends the message read with pread() from `source_fd` (offset 0 to EOF;
// the source is not consumed, so one spooled copy serves many recipients)
// to the LOCKED mailbox `mailbox_fd`.  Memory use is constant (64 KiB
// buffers).  Precondition: the caller holds the MailboxLock.
Status append_mbox(int mailbox_fd, int source_fd, const Envelope& env, const AppendOptions& opts = {});

// Maps a write errno to an Error with the right exit class.
Error write_error(int err, std::string_view what);

}  // namespace mail::mailbox
