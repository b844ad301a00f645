// folder.h — procmail's folder deliveries: mbox files, Maildir, MH,
// plain directories and /dev/null, with procmail 3.22's exact bytes
// (docs/procmail.md, "Folders and locks"; reference §1.7, §1.8).
//
// The folder type comes from the name and the file system, as procmail's
// foldertype() decides it:
//   "/dev/null"   nothing is written; the size is still reported
//   "name/"       Maildir: name/{new,cur,tmp} are made (0777 & ~umask);
//                 the text is written to tmp/<time>.<pid>_<n>.<host> and
//                 linked into new/.  A leading From_ line and the '>' lines
//                 right after it are left out; no quoting, no added newline.
//   "name/."      MH: the next number above the highest numeric name.
//   a directory   plain directory: $MSGPREFIX + the file's inode number in
//                 procmail's base 64 (msg.QB6p).
//   otherwise     an mbox file, opened O_APPEND (created 0667 & ~umask),
//                 kernel-locked (fcntl, from the current end), quoted,
//                 fsync()ed, and cut back to its old size if a write fails.
// A "name/" or "name/." that cannot be a directory falls back to the file
// "name" ("Unable to treat as directory").  With several names the first
// decides the format and the others get hard links (they are always
// directories: Maildir, MH or plain); LASTFOLDER lists them all.
//
// Bytes (mbox): every "\nFrom " after the first line gets a '>' before the
// F, except inside the body range a Content-Length: header vouches for; one
// "\n" is added unless the text ends in "\n\n" (so an empty text becomes
// "\n").  The `r` flag writes the text as it is.  MH and directories are
// written like mbox without the quoting.  Content-Length: (not with -Y) is
// rewritten as procmail's readmail() does: see message_layout().
//
// SECURITY: procmail runs as the mailbox owner, so folders are opened as
// procmail opens them: symlinks are followed (a symlinked mbox gets the
// mail, a dangling one creates its target), nothing is chown()ed.  A FIFO
// without a reader is an error instead of a hang (O_NONBLOCK on open).  The
// message is untrusted bytes: it is never parsed beyond finding the header
// end and Content-Length:.  Callers should ignore SIGXFSZ (procmail does), so
// a file size limit is a write error ("Truncated file to former size") and
// not the death of the process.
// STANDARDS: RFC 4155 (mbox; procmail writes the "mboxo" variant),
// https://cr.yp.to/proto/maildir.html (procmail 3.22's names, no ":2,").
#pragma once

#include "filters/common/dotlock.h"
#include "libmail/util/result.h"

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mail::procmail {

// Which part of the message a recipe passes on: procmail's `h` and `b`
// flags (`h` alone = header, `b` alone = body, both or neither = whole).
enum class Part { whole, header, body };

// Where procmail sees the parts of a message (its readmail()).
struct MessageLayout {
    std::size_t realstart = 0;  // after any leading newlines
    std::size_t body = 0;       // first byte after the header's blank line (size() if none)
    // Content-Length: — only when not berkeley.  The value is the bytes
    // after the colon up to the end of the line; procmail overwrites them
    // (same length) with the body length right-aligned in at most 26
    // places, or with 9s when the number does not fit.
    bool has_content_length = false;
    std::size_t cl_value_offset = 0;
    std::string cl_value;  // the replacement, cl_value.size() bytes
    // A "\nFrom " whose '\n' is before this offset and inside the body is
    // covered by Content-Length and is not quoted.
    std::size_t restbody = 0;
};

// Computes the layout of `message` (the whole message as procmail holds
// it, From_ line included).  `berkeley` is -Y (no Content-Length).
MessageLayout message_layout(std::string_view message, bool berkeley);

// Applies the Content-Length: rewrite to `message` in place.  procmail does
// this once per message it reads (and again after a filter), so pipes see
// it too; write_folder() applies it on its own, so calling it first is
// optional.  Idempotent.
void rewrite_content_length(std::string& message, bool berkeley);

struct FolderOptions {
    Part part = Part::whole;
    bool raw = false;                // the `r` flag: no quoting, no added newline
    bool berkeley = false;           // -Y: ignore Content-Length:
    std::string msgprefix = "msg.";  // $MSGPREFIX
    // The process umask (procmail's UMASK).  It decides the o+x "new mail"
    // bit: when the umask lets o+x through, a folder without it gets it.
    mode_t umask = 077;
    filters::LogFn log;        // diagnostics, procmail's words, no prefix
    bool verbose = false;      // also "Opening", "Acquiring kernel-lock", "Linking to"
    bool logfile_open = true;  // procmail says "Truncated file to former size" only with LOGFILE (or verbose)
    filters::UniqueNames* names = nullptr;  // nullptr = UniqueNames::process()
};

struct Delivered {
    std::string lastfolder;   // LASTFOLDER: the file(s) written, space-separated
    std::uint64_t bytes = 0;  // the size procmail logs in the abstract
};

// Delivers `message` (the whole message; opts.part picks the part) to the
// folder `names` (already expanded and split; relative to the cwd, which
// is MAILDIR).  The caller takes the dotlock of a `:0:` recipe first
// (acquire_dotlock); the kernel lock is taken here.
// Errors (already logged in procmail's words): EX_CANTCREAT (cannot open or
// create), EX_TEMPFAIL (disk full, quota), EX_IOERR (other write errors),
// EX_USAGE (no name).  When the error comes after procmail would already
// have set LASTFOLDER, `*lastfolder_on_error` gets that value (else "").
Result<Delivered> write_folder(const std::vector<std::string>& names, std::string_view message,
                               const FolderOptions& opts, std::string* lastfolder_on_error = nullptr);

}  // namespace mail::procmail
