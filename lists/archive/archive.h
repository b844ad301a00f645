// archive.h — listman's archive and digests: the per-list mbox, the static
// HTML archive with threads, and the MIME and RFC 1153 digests
// (docs/lists.md, "Digests and archive").
//
// Everything here works on files and strings only: no database, no
// sendmail, no clock (times are arguments).  listman decides when to call
// what; these functions decide what the bytes are.
//
//   append_mbox()    one post onto L/archive.mbox (mboxo, locked, all or nothing)
//   read_mbox()      the posts back out of it (for rebuilding the HTML)
//   render_html()    L/html/index.html, L/html/YYYY-MM/index.html, L/html/YYYY-MM/NNNNNN.html
//   mime_digest()    a complete multipart/mixed digest message
//   rfc1153_digest() a complete plain-text digest message
//
// SECURITY: every message is hostile input.  The HTML archive is served to
// anyone, so (Mailman's history of XSS, reference lists.md §4.5): every
// byte of message text, header, name and list description is escaped
// (& < > " '), made valid UTF-8 without control characters or
// noncharacters, and email addresses are shown as "john at example.org";
// pages have no scripts, no external resources, and links only to names we
// make up (YYYY-MM/NNNNNN.html).  Attachments are never published, only
// their names and types (Mailman CVE-2020-12137 served them as files a
// browser would render).  Digest headers are built from DigestInfo with
// CR/LF and control characters removed, and the boundaries of the MIME
// digest are checked against everything they enclose.
//
// STANDARDS: RFC 4155 (mbox), RFC 2046 §5.1.5 (multipart/digest), §5.2.1
// (message/rfc822), RFC 1153 (digest message format), RFC 5322, RFC 2045,
// RFC 2047, HTML (WHATWG living standard: doctype, meta charset).
#pragma once

#include "libmail/util/result.h"

#include <ctime>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mail::lists::archive {

// ---------------------------------------------------------------- mbox

// Appends `message` to the mbox at `path` (created 0600: the mbox keeps
// full addresses and attachments, which the HTML archive withholds):
//
//   From <envelope_sender>  <ctime of when>\n     sender "MAILER-DAEMON" if empty;
//   <message, lines beginning "From " as ">From ">   spaces/controls in it become '_'
//   \n                      only if the message does not end in a newline
//   \n                      the separator
//
// No Return-Path/Delivered-To lines are added (the archive keeps the post
// as it was sent).  The quoting, From_ line, safe open (no symlinks, hard
// links, other owners) and locking (fcntl then dotlock) are libmail's
// (docs/mailbox.md); a failure after the first byte truncates the file back.
// Errors: as open_mailbox()/MailboxLock (EX_NOPERM, EX_CANTCREAT,
// EX_TEMPFAIL) and EX_IOERR/EX_TEMPFAIL for write and fsync failures.
Status append_mbox(const std::string& path, std::string_view message, std::string_view envelope_sender,
                   std::time_t when);

// The messages of the mbox at `path`, in order, without their From_ lines
// and separators (RFC 4155 splitting, as split_mbox()).  The mboxo quoting
// cannot be undone exactly, so ">From " lines stay as stored.  Reads the
// whole file into memory under the dotlock.  Errors: EX_NOINPUT (no such
// file), EX_NOPERM (a symlink or unreadable), EX_IOERR, EX_TEMPFAIL (lock).
Result<std::vector<std::string>> read_mbox(const std::string& path);

// ---------------------------------------------------------------- HTML

struct PostMeta {
    long seq = 0;             // the post's sequence number (> 0, unique)
    std::string message_id;   // with or without <>
    std::string in_reply_to;  // the header's value (may hold several ids)
    std::vector<std::string> references;
    std::time_t date = 0;                          // arrival time: decides the month (UTC) and the order
    std::string from_name, from_address, subject;  // raw header text; RFC 2047 is decoded here
};

struct ListInfo {
    std::string name, address, description;
};

struct RenderOptions {
    // The months ("YYYY-MM") whose pages to write; empty: every month that
    // has a post in `posts`.  index.html is always written.
    std::vector<std::string> months;
};

// The raw bytes of post `seq`; an error leaves a note on the post's page,
// except EX_TEMPFAIL, which stops render_html() with that error.
using LoadPost = std::function<Result<std::string>(long seq)>;

// Writes the static archive under `out_dir` (created 0755 if missing):
//   index.html            the list, then its months newest first, with counts;
//   YYYY-MM/index.html    the month's threads, oldest first, as nested lists
//                         with subject, author and date;
//   YYYY-MM/NNNNNN.html   one post: From, Date, Subject, the text/plain
//                         body (decoded, converted to UTF-8), a list of the
//                         parts not published (name and type only), links
//                         to the previous/next post of the month by date,
//                         the thread parent, the replies and the month.
// `posts` holds every post whose month is written plus (for index.html's
// counts, and for links to parents) as many others as the caller has.
// Threads: a post's parent is the latest of its In-Reply-To, then
// References (last first) that names an earlier post (smaller seq);
// failing that, a post whose subject has a reply prefix ("Re:", "Aw:" …)
// or that refers to unknown messages joins the first earlier post with the
// same normalised subject (prefixes, "[list]" tags, case and spacing
// removed).  Posts are nested at most 32 levels deep on the month page.
// Months are UTC.  Files are written to a temporary name, chmod 0644 and
// renamed (readers never see half a page); directories are 0755.  Pages of
// posts no longer in `posts` are not removed.
// Errors: EX_SOFTWARE (seq <= 0 or repeated, a month not "YYYY-MM"),
// EX_CANTCREAT (a directory or file cannot be made, a month directory is not
// a directory), EX_TEMPFAIL (disk full, quota, or from `load`), EX_IOERR.
Status render_html(const ListInfo& list, const std::vector<PostMeta>& posts, const LoadPost& load,
                   const std::string& out_dir, const RenderOptions& opts = {});

// ---------------------------------------------------------------- digests

struct DigestInfo {
    std::string list_name;        // "team"
    std::string list_address;     // "team@example.org"
    std::string request_address;  // "team-request@example.org"
    std::string owner_address;    // "team-owner@example.org"
    std::string host;             // for the Message-ID
    int volume = 1, issue = 1;
    std::time_t date = 0;  // the digest's Date
};

// "team Digest, Vol 3, Issue 12"
std::string digest_name(const DigestInfo& info);

// A MIME digest, a complete RFC 5322 message without envelope:
//   From: L-request, To: L, Reply-To: L, Subject: digest_name(), Date,
//   Message-ID, Precedence: list, MIME-Version: 1.0,
//   multipart/mixed:
//     text/plain  the masthead (where to post, how to subscribe, the owner)
//     text/plain  "Today's Topics:" and "   1. Subject (Author)" lines
//     multipart/digest  one message/rfc822 per post, its header trimmed to
//                 Date From To Cc Subject Message-ID In-Reply-To References
//                 MIME-Version Content-* (in the post's order), body as is
//     text/plain  "End of <digest_name>" and a line of asterisks
// Line ends are "\n".  8-bit content gets Content-Transfer-Encoding: 8bit
// on the enclosing parts.  Never fails.
std::string mime_digest(const DigestInfo& info, const std::vector<std::string>& messages);

// An RFC 1153 digest, a complete message (text/plain, us-ascii or UTF-8):
//   the header (as mime_digest, without multipart), then the body:
//     masthead, "Today's Topics:" with the numbered list, a blank line,
//     70 '-', a blank line; each message as Date/From/To/Cc/Subject/
//     Message-ID/Keywords lines present in it (RFC 2047 decoded, one line
//     each), a blank line, its text (leading and trailing blank lines
//     removed, a line of exactly 30 '-' gets a blank first character,
//     parts that are not text/plain shown as "[Not included: name (type)]"),
//     then a blank line, 30 '-', a blank line;
//     "End of <digest_name>" and as many '*' as that line is long.
// Lines longer than 998 bytes are broken.  Never fails.
std::string rfc1153_digest(const DigestInfo& info, const std::vector<std::string>& messages);

}  // namespace mail::lists::archive
