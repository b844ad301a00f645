// folder.h — one open mailbox in mailx: an index of offsets, the state of
// each message in this session, and what `quit` does with them.
//
// The mailbox is read once at open (mmap, or read into memory when mapping
// fails) WITHOUT a lock, like bsd-mailx: writers only ever append, so the
// bytes we indexed do not change under us.  Only offsets and flags are kept
// per message (48 bytes each), so 50,000 messages cost little.  The mapping
// is shared with the page cache: a program that truncates the file during
// the session (none of ours does; mail.local only truncates away a failed
// append of its own) would make reading the lost pages raise SIGBUS.
//
// Message boundaries (docs/mailx.md "Folder internals"): a line starting
// "From <sender> <something>" at the file start or after an empty line ("\n"
// or "\r\n"), bsd-mailx's lenient rule.  Bytes before the first From_ line
// are not a message but are kept on every rewrite.
//
// quit() (POSIX "quit", docs/mailx.md "Quit and locking"): under the same
// locks mail.local takes (fcntl, then the dotlock), read messages of the
// system mailbox go to MBOX, saved and deleted ones go away, the rest stay
// with `Status: O`/`RO`, and bytes appended since open (new mail) are kept.
// If the file shrank, its start changed or a message no longer starts where
// it did, someone else rewrote it: nothing is written and an error is
// returned — never lose mail.
//
// SECURITY: the mailbox is untrusted bytes (any sender wrote part of it);
// nothing in it is executed or trusted, damaged files open with warnings.
#pragma once

#include "libmail/mailbox/lock.h"
#include "libmail/util/result.h"

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mailx {

// The state of one message, as POSIX mailx defines the states.
struct MessageState {
    // From the Status: header at open.
    bool seen_before = false;  // "O": not new (was listed in an earlier session)
    bool read_before = false;  // "R": read in an earlier session
    // This session.
    bool read = false;       // printed, replied to, ... (POSIX "read")
    bool deleted = false;
    bool saved = false;      // save/write: leaves the system mailbox on quit
    bool preserved = false;  // hold/preserve: stays in the system mailbox
    bool mboxed = false;     // mbox/touch: goes to MBOX on quit even with `hold`
    bool touched = false;    // touch
    bool printed = false;    // shown at least once (for `next`)

    bool is_new() const { return !seen_before && !read_before && !read; }
    bool is_unread() const { return !read && !read_before; }  // new or "U"
};

struct Message {
    std::size_t offset = 0;        // the From_ line's first byte
    std::size_t size = 0;          // the whole entry: up to the next From_ line or the end of
                                   // the file, the separating empty line included (bsd-mailx's count)
    std::size_t header_size = 0;   // From_ line + header fields (incl. last "\n")
    std::size_t body_offset = 0;   // first body byte (after the blank line); offset + size if none
    std::uint32_t lines = 0;       // lines of the entry (a last line without "\n" counts), From_
                                   // line and separator included, as bsd-mailx counts them
    MessageState state;
};

// What the folder is; decides quit's behaviour.
enum class FolderKind {
    System,  // the user's system mailbox: read messages move to MBOX
    File,    // -f file, MBOX, folders: all but deleted messages stay (saved and
             // mboxed ones too, as bsd-mailx), Status updated
};

struct QuitOptions {
    std::string mbox_path;  // MBOX
    bool hold = false;      // keep read messages in the system mailbox
    bool keepsave = false;  // saved messages also go to MBOX
    bool append = false;    // append to MBOX instead of prepending
    bool keep = true;       // truncate, never remove, an emptied File folder (a System
                            // mailbox is always truncated, never removed)
    mail::mailbox::LockOptions lock;  // for the mailbox and MBOX locks
};

// What quit did, for the messages the caller prints:
//   New mail has arrived.            (new_mail)
//   Saved N messages in MBOX         (to_mbox > 0)
//   Held N messages in PATH          (held > 0, system mailbox)
//   "PATH" complete                  (File rewritten)
//   "PATH" removed                   (File emptied without `keep`)
struct QuitReport {
    bool new_mail = false;
    std::size_t to_mbox = 0;
    std::size_t held = 0;       // messages left in the file (System and File)
    bool rewritten = false;     // the file was rewritten (either kind)
    bool removed = false;       // File only: emptied and removed (keep false)
};

class Folder {
public:
    // Opens and indexes `path`.  A missing or empty file is an empty folder
    // (the caller prints "No mail for USER").  Warnings about damage
    // (bytes before the first From_ line, a missing final newline) are kept
    // in warnings().  Errors: unreadable (EX_NOINPUT / EX_NOPERM).
    static mail::Result<Folder> open(const std::string& path, FolderKind kind);

    Folder(Folder&&) noexcept;
    Folder& operator=(Folder&&) noexcept;
    ~Folder();

    const std::string& path() const;
    FolderKind kind() const;
    bool read_only() const;  // the file is not writable by us
    std::size_t count() const;  // messages, 1-based numbering for callers
    Message& at(std::size_t number);  // 1 <= number <= count()
    const Message& at(std::size_t number) const;
    const std::vector<std::string>& warnings() const;

    // Bytes of message `number`: the whole entry (From_ line first, `size`
    // bytes), the header fields (without the From_ line), the body (without
    // the separating empty line; what `write` writes).  Views stay valid
    // until incorporate() or quit() (which may remap the file).
    std::string_view entry(std::size_t number) const;
    std::string_view from_line(std::size_t number) const;  // without "\n"
    std::string_view header_text(std::size_t number) const;
    std::string_view body(std::size_t number) const;
    // The first field `name` (case-insensitive), unfolded; "" if absent.
    std::string header(std::size_t number, std::string_view name) const;
    bool has_header(std::size_t number, std::string_view name) const;

    // Lets the kernel drop the mapped pages from this process; views stay
    // valid (pages come back from the page cache when read).  The reader
    // calls it between commands so that memory does not follow the mailbox
    // size.
    void release_memory() const;

    // Has the file grown since it was indexed (new mail)?
    bool grown() const;
    // `inc`: index the bytes appended since open; returns how many messages
    // were added.  The last message may grow (it was still being written).
    // EX_TEMPFAIL if the file shrank or was rewritten by another program.
    mail::Result<std::size_t> incorporate();

    // Appends messages to the mbox file `path` (created 0600 if missing)
    // under its locks, each as an mbox entry with its From_ line and the
    // Status header reflecting the in-memory state (R for read, O for not
    // new; none for a new unread message — bsd-mailx marks a message read
    // before saving it, so callers set `read` first).  Lines starting
    // "From " after the From_ line get a '>', and each entry ends with an
    // empty line.  `with_headers` false is `write`: the body only, no From_
    // line and no headers, nothing quoted.  All or nothing: on failure the
    // file is cut back to its old size.  Returns (lines, bytes) written and
    // whether the file was new.
    struct AppendResult { std::size_t lines = 0; std::size_t bytes = 0; bool created = false; };
    mail::Result<AppendResult> append_to(const std::string& path, const std::vector<std::size_t>& numbers,
                                         bool with_headers) const;

    // Would quit() change any file?  (No changes: quit writes nothing.)
    bool changed(const QuitOptions& opts) const;
    // POSIX quit.  See the file comment.  System: deleted messages go;
    // mboxed ones go to MBOX; preserved ones stay; saved ones go (with
    // keepsave they count as read); read/touched ones go to MBOX, or stay
    // with `hold`; the rest stay.  File: all but deleted stay.  Errors:
    // EX_TEMPFAIL (lock timeout, file rewritten by someone else, ENOSPC:
    // nothing written), EX_NOPERM (read-only), EX_USAGE (no MBOX), EX_IOERR.
    // After a successful rewrite the folder is empty (count() 0): the old
    // offsets no longer describe the file.
    mail::Result<QuitReport> quit(const QuitOptions& opts);

private:
    struct Impl;
    explicit Folder(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// The Status: value written on quit for a message that stays in a mailbox
// or moves to MBOX: "RO" if it was read, touched or saved (now) or read
// before, else "O" (an unread message moved by `mbox` stays unread, as in
// bsd-mailx).
std::string status_value(const MessageState& s);

}  // namespace mailx
