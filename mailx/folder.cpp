// folder.cpp — mailx's open mailbox: the index, header lookup, copies to
// other files and POSIX quit.  See folder.h and docs/mailx.md ("Quit and
// locking", "Folder internals").
//
// Index: one pass over the mapped bytes with a memchr per line; per message
// only the Message struct is kept.  Rewrite on quit: in place, streaming
// through a buffer that never writes over bytes not yet read (see
// SpoolWriter), after the space for any growth has been reserved, so the
// spool is never truncated away or overwritten half-read.
//
// SECURITY: runs as the user on the user's own files.  The mailbox is
// untrusted bytes: no recursion, no lengths taken from the data, every
// offset checked against the mapped size; NULs, CRLF, huge lines and
// missing newlines are data, not errors.  Paths given by the user (save
// targets, MBOX) are followed like any program the user runs; the dotlock
// is created with O_EXCL|O_NOFOLLOW by mail::mailbox::DotLock.
// STANDARDS: POSIX mailx (quit, Status), RFC 4155 (mbox), RFC 5322 §2.2.3
// (unfolding).
#include "mailx/folder.h"

#include "libmail/mailbox/fd.h"
#include "libmail/mailbox/mbox.h"
#include "libmail/message/header.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <limits>
#include <optional>

#include <fmt/format.h>

namespace mailx {
namespace {

using mail::Error;
using mail::make_error;
using mail::Result;
using mail::Status;
using mail::mailbox::MailboxLock;
using mail::mailbox::UniqueFd;

constexpr std::size_t k_chunk = std::size_t{1} << 20;  // write and copy in 1 MiB pieces
constexpr std::size_t k_guard = 4096;                  // file start kept to spot a rewrite
constexpr std::string_view k_from = "From ";

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}

char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// "" or "\r": an empty line in an LF or a CRLF file.
bool is_empty_line(std::string_view line) {
    return line.empty() || (line.size() == 1 && line[0] == '\r');
}

// bsd-mailx's lenient From_ line: "From ", a sender word, white space and
// something more (the date, not checked: "From the start of time" counts,
// "From bob" does not).  Only ever asked after an empty line.
bool is_from_line(std::string_view line) {
    if (!line.starts_with(k_from)) return false;
    std::size_t i = k_from.size();
    while (i < line.size() && is_wsp(line[i])) ++i;
    std::size_t sender = i;
    while (i < line.size() && !is_wsp(line[i]) && line[i] != '\r') ++i;
    if (i == sender) return false;
    while (i < line.size() && is_wsp(line[i])) ++i;
    return i < line.size() && line[i] != '\r';
}

// Does `line` start the header field `name` (case-insensitive, optional
// SP/HT before the colon)?  On success *value is the rest of the line.
bool field_is(std::string_view line, std::string_view name, std::string_view* value) {
    if (line.size() <= name.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i)
        if (ascii_lower(line[i]) != ascii_lower(name[i])) return false;
    std::size_t i = name.size();
    while (i < line.size() && is_wsp(line[i])) ++i;
    if (i >= line.size() || line[i] != ':') return false;
    if (value) *value = line.substr(i + 1);
    return true;
}

// One header field at `pos` in `fields`: its line and continuation lines,
// up to and including the last "\n".
std::size_t field_end(std::string_view fields, std::size_t pos) {
    for (;;) {
        std::size_t nl = fields.find('\n', pos);
        if (nl == std::string_view::npos) return fields.size();
        pos = nl + 1;
        if (pos >= fields.size() || !is_wsp(fields[pos])) return pos;
    }
}

// Indexes data[begin, end).  `begin` is the file start or a From_ line.
// Messages are appended to `out`; with `limit` > 0, scanning stops at the
// start of message number `limit` + 1 (counted from `begin`).  Returns the
// offset of the first message found, or `end`.
// `release`, when given, is called now and then with an offset below which
// the scan will not look again (the mapping's pages there can be dropped).
std::size_t index_range(const char* data, std::size_t begin, std::size_t end, std::vector<Message>& out,
                        std::size_t limit = 0, const std::function<void(std::size_t)>& release = {}) {
    constexpr std::size_t k_release_every = std::size_t{2} << 20;
    std::size_t released = begin;
    const std::size_t first_new = out.size();
    std::size_t first = end;
    bool after_empty = true;  // the start counts as "after an empty line"
    bool have = false;        // out.back() is the message being read
    bool in_header = false;
    bool status_seen = false;
    auto close = [&](std::size_t at) {
        Message& m = out.back();
        m.size = at - m.offset;
        if (in_header) {
            m.header_size = m.size;
            m.body_offset = at;
        }
    };
    std::size_t pos = begin;
    while (pos < end) {
        if (release && pos - released > k_release_every) {
            release(pos);
            released = pos;
        }
        const char* p = data + pos;
        const void* nl = std::memchr(p, '\n', end - pos);
        std::size_t len = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - p) : end - pos;
        std::size_t next = nl ? pos + len + 1 : end;
        std::string_view line(p, len);
        if (after_empty && len >= 5 && p[0] == 'F' && is_from_line(line)) {
            if (have) close(pos);
            if (limit && out.size() - first_new == limit) return first;
            if (first == end) first = pos;
            Message m;
            m.offset = pos;
            m.lines = 1;
            out.push_back(m);
            have = true;
            in_header = true;
            status_seen = false;
            after_empty = false;
            pos = next;
            continue;
        }
        bool empty = is_empty_line(line);
        if (have) {
            Message& m = out.back();
            if (m.lines != std::numeric_limits<std::uint32_t>::max()) ++m.lines;
            if (in_header) {
                std::string_view value;
                if (empty) {
                    in_header = false;
                    m.header_size = pos - m.offset;
                    m.body_offset = next;
                } else if (!status_seen && (p[0] == 'S' || p[0] == 's') && field_is(line, "status", &value)) {
                    // Only the first Status: counts, as in bsd-mailx.
                    status_seen = true;
                    m.state.read_before = value.find('R') != std::string_view::npos;
                    m.state.seen_before = value.find('O') != std::string_view::npos;
                }
            }
        }
        after_empty = empty;
        pos = next;
    }
    if (have) close(end);
    return first;
}

// Status letters for a copy made during the session (save, copy, write to
// a folder): R if read, O if it was not new when the folder was opened.
std::string copy_status(const MessageState& s) {
    std::string v;
    if (s.read || s.read_before || s.touched || s.saved) v += 'R';
    if (s.seen_before) v += 'O';
    return v;
}

bool quit_read(const MessageState& s) {
    return s.read || s.read_before || s.touched || s.saved;
}

// A kept message's Status: on disk already says what quit would write.
bool status_current(const MessageState& s) {
    return s.seen_before && s.read_before == quit_read(s);
}

enum class Fate { Keep, Mbox, Drop };

// POSIX quit / bsd-mailx quit.c and edstop(), reference §1.4.
Fate fate_of(const MessageState& s, FolderKind kind, const QuitOptions& o) {
    if (s.deleted) return Fate::Drop;
    if (kind == FolderKind::File) return Fate::Keep;
    if (s.mboxed) return Fate::Mbox;
    if (s.preserved) return Fate::Keep;
    if (s.saved && !o.keepsave) return Fate::Drop;
    if (s.read || s.touched || s.saved) return o.hold ? Fate::Keep : Fate::Mbox;
    return Fate::Keep;
}

// The header fields with Status: set to `value` ("" drops it): the first
// Status: is replaced where it stands and any others are dropped (as
// bsd-mailx does); without one it goes at the end of the header.  Appends
// to *out when given; returns the size either way.
std::size_t put_fields(std::string* out, std::string_view fields, std::string_view value, bool crlf) {
    std::size_t n = 0;
    auto put = [&](std::string_view s) {
        n += s.size();
        if (out) out->append(s);
    };
    auto put_status = [&](bool with_cr) {
        put("Status: ");
        put(value);
        put(with_cr ? "\r\n" : "\n");
    };
    bool done = value.empty();
    std::size_t pos = 0;
    while (pos < fields.size()) {
        std::size_t end = field_end(fields, pos);
        std::string_view field = fields.substr(pos, end - pos);
        if (field_is(field, "status", nullptr)) {
            if (!done) put_status(field.ends_with("\r\n"));
            done = true;
        } else {
            put(field);
        }
        crlf = field.ends_with("\r\n") || (crlf && !field.ends_with("\n"));
        pos = end;
    }
    if (!done) {
        if (!fields.empty() && fields.back() != '\n') put(crlf ? "\r\n" : "\n");
        put_status(crlf);
    }
    return n;
}

// Blocks the terminal signals while files are being rewritten, so an
// interrupt cannot leave half a spool; they are delivered afterwards.
class SignalBlock {
public:
    SignalBlock() {
        sigset_t set;
        sigemptyset(&set);
        for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE})
            sigaddset(&set, sig);
        m_ok = sigprocmask(SIG_BLOCK, &set, &m_old) == 0;
    }
    ~SignalBlock() {
        if (m_ok) sigprocmask(SIG_SETMASK, &m_old, nullptr);
    }
    SignalBlock(const SignalBlock&) = delete;
    SignalBlock& operator=(const SignalBlock&) = delete;

private:
    sigset_t m_old{};
    bool m_ok = false;
};

Status write_all_at(int fd, const char* p, std::size_t n, off_t at, std::string_view what) {
    while (n > 0) {
        ssize_t w = at >= 0 ? ::pwrite(fd, p, n, at) : ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return mail::mailbox::write_error(errno, what);
        }
        p += w;
        n -= static_cast<std::size_t>(w);
        if (at >= 0) at += w;
    }
    return {};
}

// An appending writer for other mbox files: buffered, quoting on request,
// counting lines and bytes, remembering the first error.
class Sink {
public:
    explicit Sink(int fd, std::string what) : m_fd(fd), m_what(std::move(what)) {
        m_buf.reserve(k_chunk * 2);
    }

    void put(std::string_view s) {
        if (s.empty()) return;
        note(s);
        m_buf.append(s);
        if (m_buf.size() >= k_chunk) static_cast<void>(flush());  // errors are kept for the final flush
    }
    // Lines beginning "From " get a '>' (mboxo, like mail.local).  `s` must
    // start at the beginning of a line.
    void put_quoted(std::string_view s) {
        if (!s.starts_with(k_from) && !memmem(s.data(), s.size(), "\nFrom ", 6)) {
            while (!s.empty()) {  // the common case: nothing to quote
                std::size_t n = std::min(s.size(), k_chunk);
                put(s.substr(0, n));
                s.remove_prefix(n);
            }
            return;
        }
        mail::mailbox::FromQuoter q;
        while (!s.empty()) {
            std::size_t n = std::min(s.size(), k_chunk);
            std::size_t before = m_buf.size();
            q.feed(s.substr(0, n), m_buf);
            note(std::string_view(m_buf).substr(before));
            s.remove_prefix(n);
            if (m_buf.size() >= k_chunk) static_cast<void>(flush());  // errors are kept for the final flush
        }
        std::size_t before = m_buf.size();
        q.finish(m_buf);
        note(std::string_view(m_buf).substr(before));
    }
    // Ends the entry with an empty line (one "\n" or two as needed).
    void end_entry() {
        if (m_bytes == 0) return;
        if (m_last != '\n')
            put("\n\n");
        else if (m_prev != '\n' && !(m_prev == '\r' && m_prev2 == '\n'))
            put("\n");
    }
    Status flush() {
        if (!m_error.ok() || m_buf.empty()) return m_error;
        m_error = write_all_at(m_fd, m_buf.data(), m_buf.size(), -1, m_what);
        m_buf.clear();
        return m_error;
    }
    std::size_t bytes() const { return m_bytes; }
    std::size_t lines() const { return m_lines + (m_bytes > 0 && m_last != '\n' ? 1 : 0); }

private:
    void note(std::string_view s) {
        if (s.empty()) return;
        m_bytes += s.size();
        m_lines += static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
        for (char c : s.substr(s.size() >= 3 ? s.size() - 3 : 0)) {
            m_prev2 = m_prev;
            m_prev = m_last;
            m_last = c;
        }
    }
    int m_fd;
    std::string m_what;
    std::string m_buf;
    Status m_error;
    std::size_t m_bytes = 0;
    std::size_t m_lines = 0;
    char m_prev2 = '\n', m_prev = '\n', m_last = '\n';  // as if after an empty line
};

// Rewrites a file in place from `start`, reading its old bytes from a
// mapping of the same file.  Output may run ahead of input (Status: lines
// inserted), so bytes are only written over the region already copied into
// the buffer ("consumed"); the buffer holds at most the net growth plus one
// chunk.  Callers reserve the growth first (fallocate) so a write cannot
// fail for space halfway.
class SpoolWriter {
public:
    SpoolWriter(int fd, std::size_t start) : m_fd(fd), m_out(start), m_consumed(start) {
        m_buf.reserve(k_chunk * 2);
    }

    // Copies data[from, to) (from >= consumed) to the output.
    Status copy(const char* data, std::size_t from, std::size_t to) {
        while (from < to) {
            std::size_t n = std::min(to - from, k_chunk);
            m_buf.append(data + from, n);
            from += n;
            m_consumed = from;
            if (auto st = flush(false); !st) return st;
        }
        return {};
    }
    // Output bytes made from input already read; the input up to `to` is done.
    Status put(std::string_view s, std::size_t consumed_to) {
        m_buf.append(s);
        m_consumed = std::max(m_consumed, consumed_to);
        return flush(false);
    }
    void skip(std::size_t to) { m_consumed = std::max(m_consumed, to); }
    Status finish() { return flush(true); }
    std::size_t size() const { return m_out + m_buf.size(); }

private:
    Status flush(bool all) {
        std::size_t n = m_buf.size();
        if (!all) {
            if (n < k_chunk) return {};
            std::size_t room = m_consumed > m_out ? m_consumed - m_out : 0;
            n = std::min(n, room);
            if (n < k_chunk / 2) return {};  // wait for more room; no tiny writes
        }
        if (n == 0) return {};
        if (auto st = write_all_at(m_fd, m_buf.data(), n, static_cast<off_t>(m_out), "rewrite mailbox"); !st)
            return st;
        m_out += n;
        m_buf.erase(0, n);
        return {};
    }
    int m_fd;
    std::size_t m_out;
    std::size_t m_consumed;
    std::string m_buf;
};

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

void fsync_dir(const std::string& path) {
    int fd = ::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

Error sys_error(int code, int err, const std::string& what) {
    return make_error(code, fmt::format("{}: {}", what, std::strerror(err)));
}

}  // namespace

std::string status_value(const MessageState& s) {
    return quit_read(s) ? "RO" : "O";
}

// ---------------------------------------------------------------------------

struct Folder::Impl {
    std::string path;
    FolderKind kind = FolderKind::File;
    bool read_only = false;
    UniqueFd file;  // the mailbox, read-only, kept for remapping
    bool exists = false;
    dev_t dev = 0;
    ino_t ino = 0;
    // The bytes: a private read-only mapping, or a copy when mapping failed.
    void* map = nullptr;
    std::size_t map_len = 0;
    bool use_read = false;
    std::string buffer;
    const char* data = nullptr;
    std::size_t loaded = 0;   // bytes available at `data`
    std::size_t indexed = 0;  // bytes indexed (messages and preamble)
    std::size_t first = 0;    // the first message's offset (== indexed if none)
    std::string guard;        // the first bytes as read at open
    std::vector<Message> messages;
    std::vector<std::string> warnings;

    ~Impl() {
        if (map) munmap(map, map_len);
    }

    Status load(std::size_t want);
    // Drops the mapping's pages below `upto` from this process (they come
    // back from the page cache if touched again), so peak memory does not
    // grow with the mailbox: only offsets stay resident.
    void release_before(std::size_t upto) const;
    void index_from_scratch();
    void note_damage();
    Status verify(int rw_fd, std::size_t cur_size) const;
    bool last_is_stable(std::size_t cur_size) const;
    std::size_t check(std::size_t number) const;
    std::string_view view(std::size_t from, std::size_t n) const { return std::string_view(data + from, n); }
    std::size_t fields_begin(const Message& m) const;
    std::size_t body_end(const Message& m) const;
    void put_entry(Sink& out, const Message& m, std::string_view status) const;
    std::size_t kept_head(std::string* out, const Message& m) const;
    Status write_mbox(const std::vector<std::size_t>& which, const QuitOptions& opts) const;
    Status prepend_mbox(const std::string& mbox, const std::vector<std::size_t>& which,
                        const QuitOptions& opts) const;
};

// Makes data[0, want) available: the mapping is created or grown (mremap),
// or the copy is extended with pread().
Status Folder::Impl::load(std::size_t want) {
    if (want <= loaded) return {};
    if (!use_read) {
        void* p = map ? mremap(map, map_len, want, MREMAP_MAYMOVE)
                      : mmap(nullptr, want, PROT_READ, MAP_PRIVATE, file.get(), 0);
        if (p != MAP_FAILED) {
            map = p;
            map_len = want;
            data = static_cast<const char*>(p);
            loaded = want;
            return {};
        }
        if (map) return sys_error(EX_OSERR, errno, fmt::format("{}: cannot map", path));
        use_read = true;  // e.g. a file system without mmap: read it instead
    }
    std::size_t have = buffer.size();
    buffer.resize(want);
    while (have < want) {
        ssize_t n = ::pread(file.get(), buffer.data() + have, want - have, static_cast<off_t>(have));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            buffer.resize(have);
            data = buffer.data();
            loaded = have;
            if (n < 0) return sys_error(EX_IOERR, errno, fmt::format("{}: read", path));
            return make_error(EX_TEMPFAIL, fmt::format("{}: shrank while being read", path));
        }
        have += static_cast<std::size_t>(n);
    }
    data = buffer.data();
    loaded = want;
    return {};
}

void Folder::Impl::release_before(std::size_t upto) const {
    if (!map || use_read) return;
    static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::size_t len = std::min(upto, map_len) / page * page;
    if (len) ::madvise(map, len, MADV_DONTNEED);
}

void Folder::Impl::index_from_scratch() {
    messages.clear();
    first = index_range(data, 0, indexed, messages, 0, [this](std::size_t at) { release_before(at); });
}

void Folder::Impl::note_damage() {
    warnings.clear();
    if (indexed > 0 && messages.empty()) {
        warnings.push_back(fmt::format("offset 0: no From_ line in {} bytes (kept, not shown)", indexed));
        return;
    }
    if (first > 0)
        warnings.push_back(
            fmt::format("offset 0: {} bytes before the first From_ line (kept, not shown)", first));
    if (indexed > 0 && data[indexed - 1] != '\n')
        warnings.push_back(fmt::format("offset {}: message {} does not end with a newline",
                                       messages.back().offset, messages.size()));
}

// Under the lock, before anything is written: is the file still the one we
// indexed, with bytes only appended?  Never touches the mapping beyond
// `cur_size` (that would fault).
Status Folder::Impl::verify(int rw_fd, std::size_t cur_size) const {
    auto changed = [&](std::string_view why) {
        return make_error(
            EX_TEMPFAIL,
            fmt::format("{}: changed by another program since it was read ({}); not rewritten", path, why));
    };
    if (cur_size < indexed) return changed("it shrank");
    std::string now(guard.size(), '\0');
    std::size_t got = 0;
    while (got < now.size()) {
        ssize_t n = ::pread(rw_fd, now.data() + got, now.size() - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return changed("cannot read its start");
        got += static_cast<std::size_t>(n);
    }
    if (now != guard) return changed("its start differs");
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const Message& m = messages[i];
        if (view(m.offset, std::min<std::size_t>(5, m.size)) != k_from)
            return changed(fmt::format("no From_ line at offset {}", m.offset));
        if (i % 512 == 511) release_before(m.offset);
    }
    return {};
}

// With new bytes after the index: does the last message still end where it
// did (give or take newlines)?  If a writer was still busy with it at open,
// it does not; it then stays in the file exactly as it now is.
bool Folder::Impl::last_is_stable(std::size_t cur_size) const {
    if (messages.empty() || cur_size <= indexed) return true;
    std::vector<Message> again;
    index_range(data, messages.back().offset, cur_size, again, 1);
    if (again.empty() || again.front().offset != messages.back().offset) return false;
    std::size_t end = again.front().offset + again.front().size;
    if (end < indexed) return false;
    for (std::size_t i = indexed; i < end; ++i)
        if (data[i] != '\n' && data[i] != '\r') return false;
    return true;
}

std::size_t Folder::Impl::check(std::size_t number) const {
    if (number < 1 || number > messages.size()) std::abort();  // caller bug: numbers are validated first
    return number - 1;
}

std::size_t Folder::Impl::fields_begin(const Message& m) const {
    std::string_view head = view(m.offset, m.header_size);
    std::size_t nl = head.find('\n');
    return m.offset + (nl == std::string_view::npos ? head.size() : nl + 1);
}

// The body without the separator: the last line, if empty, belongs to the
// boundary (bsd-mailx's `write` leaves it out too).
std::size_t Folder::Impl::body_end(const Message& m) const {
    std::size_t end = m.offset + m.size;
    if (end < m.body_offset) return m.body_offset;
    std::string_view body = view(m.body_offset, end - m.body_offset);
    if (body.ends_with("\n\r\n") || body == "\r\n") return end - 2;
    if (body.ends_with("\n\n") || body == "\n") return end - 1;
    return end;
}

// The From_ line and header fields of a message kept with a new Status:.
// Appends to *out when given; returns the size either way.
std::size_t Folder::Impl::kept_head(std::string* out, const Message& m) const {
    std::size_t fb = fields_begin(m);
    std::string_view from = view(m.offset, fb - m.offset);
    std::size_t n = from.size();
    if (out) out->append(from);
    if (!from.ends_with("\n")) {  // a From_ line at the end of the file
        ++n;
        if (out) out->push_back('\n');
    }
    return n + put_fields(out, view(fb, m.offset + m.header_size - fb), status_value(m.state),
                          from.ends_with("\r\n"));
}

// One message as an entry of another mbox file.
void Folder::Impl::put_entry(Sink& out, const Message& m, std::string_view status) const {
    std::size_t fb = fields_begin(m);
    std::string_view from = view(m.offset, fb - m.offset);
    out.put(from);
    if (!from.ends_with("\n")) out.put("\n");
    std::string fields;
    put_fields(&fields, view(fb, m.offset + m.header_size - fb), status, from.ends_with("\r\n"));
    out.put_quoted(fields);
    std::size_t end = m.offset + m.size;
    out.put_quoted(view(m.offset + m.header_size, end - (m.offset + m.header_size)));
    out.end_entry();
}

// Appends (QuitOptions::append) or prepends the messages `which` (indexes)
// to MBOX, fsynced.  On failure MBOX is as it was.
Status Folder::Impl::write_mbox(const std::vector<std::size_t>& which, const QuitOptions& opts) const {
    const std::string& mbox = opts.mbox_path;
    if (!opts.append) {
        struct stat st {};
        if (::stat(mbox.c_str(), &st) == 0 && st.st_size > 0) return prepend_mbox(mbox, which, opts);
    }
    int fd = ::open(mbox.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) return sys_error(errno == EACCES ? EX_NOPERM : EX_CANTCREAT, errno, mbox);
    UniqueFd owner(fd);
    auto lock = MailboxLock::acquire(fd, mbox, opts.lock);
    if (!lock) return lock.error();
    struct stat st {};
    if (::fstat(fd, &st) != 0) return sys_error(EX_IOERR, errno, mbox);
    const off_t old_size = st.st_size;
    Sink out(fd, "write " + mbox);
    if (old_size > 0) {  // end the old last entry with an empty line first
        char tail[3] = {'x', 'x', 'x'};
        off_t from = std::max<off_t>(0, old_size - 3);
        if (::pread(fd, tail + (3 - (old_size - from)), static_cast<std::size_t>(old_size - from), from) < 0)
            return sys_error(EX_IOERR, errno, mbox);
        if (tail[2] != '\n')
            out.put("\n\n");
        else if (tail[1] != '\n' && !(tail[1] == '\r' && tail[0] == '\n'))
            out.put("\n");
    }
    for (std::size_t i : which) put_entry(out, messages[i], status_value(messages[i].state));
    Status st_w = out.flush();
    if (st_w && ::fsync(fd) != 0) st_w = mail::mailbox::write_error(errno, "fsync " + mbox);
    if (!st_w) {
        if (::ftruncate(fd, old_size) == 0) ::fsync(fd);  // all or nothing
        return st_w;
    }
    return {};
}

// Prepending: a temporary file in MBOX's directory gets the new entries and
// then the old MBOX; it takes MBOX's mode and is renamed over it, all under
// MBOX's locks.  A symlinked MBOX is resolved so the link stays.
Status Folder::Impl::prepend_mbox(const std::string& mbox_path, const std::vector<std::size_t>& which,
                                  const QuitOptions& opts) const {
    std::string mbox = mbox_path;
    if (char* real = ::realpath(mbox_path.c_str(), nullptr)) {
        mbox = real;
        std::free(real);
    }
    int old_fd = ::open(mbox.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (old_fd < 0) return sys_error(errno == EACCES ? EX_NOPERM : EX_CANTCREAT, errno, mbox);
    UniqueFd old_owner(old_fd);
    auto lock = MailboxLock::acquire(old_fd, mbox, opts.lock);
    if (!lock) return lock.error();
    struct stat st {};
    if (::fstat(old_fd, &st) != 0) return sys_error(EX_IOERR, errno, mbox);
    std::string tmp = dir_of(mbox) + "/.mbox.XXXXXX";
    int fd = ::mkstemp(tmp.data());
    if (fd < 0) return sys_error(EX_CANTCREAT, errno, "temporary file for " + mbox);
    UniqueFd owner(fd);
    auto fail = [&](Status s) {
        ::unlink(tmp.c_str());
        return s;
    };
    ::fchmod(fd, st.st_mode & 07777);
    Sink out(fd, "write " + tmp);
    for (std::size_t i : which) put_entry(out, messages[i], status_value(messages[i].state));
    std::string buf(k_chunk, '\0');
    for (off_t at = 0;;) {
        ssize_t n = ::pread(old_fd, buf.data(), buf.size(), at);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(sys_error(EX_IOERR, errno, mbox));
        if (n == 0) break;
        out.put(std::string_view(buf.data(), static_cast<std::size_t>(n)));
        at += n;
    }
    if (auto s = out.flush(); !s) return fail(s);
    if (::fsync(fd) != 0) return fail(mail::mailbox::write_error(errno, "fsync " + tmp));
    if (::rename(tmp.c_str(), mbox.c_str()) != 0)
        return fail(sys_error(EX_CANTCREAT, errno, "rename to " + mbox));
    fsync_dir(mbox);
    return {};
}

// ---------------------------------------------------------------------------

Folder::Folder(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Folder::Folder(Folder&&) noexcept = default;
Folder& Folder::operator=(Folder&&) noexcept = default;
Folder::~Folder() = default;

Result<Folder> Folder::open(const std::string& path, FolderKind kind) {
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->kind = kind;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT && kind == FolderKind::System) return Folder(std::move(impl));
        return sys_error(err == EACCES || err == EPERM ? EX_NOPERM : EX_NOINPUT, err, path);
    }
    impl->file.reset(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return sys_error(EX_NOINPUT, errno, path);
    if (!S_ISREG(st.st_mode)) return make_error(EX_NOINPUT, fmt::format("{}: not a regular file", path));
    impl->exists = true;
    impl->dev = st.st_dev;
    impl->ino = st.st_ino;
    impl->read_only = ::faccessat(AT_FDCWD, path.c_str(), W_OK, AT_EACCESS) != 0;
    std::size_t size = static_cast<std::size_t>(st.st_size);
    if (size > 0) {
        if (auto s = impl->load(size); !s) return s.error();
        size = impl->loaded;
    }
    impl->indexed = size;
    impl->index_from_scratch();
    impl->guard.assign(impl->data ? impl->data : "", std::min(size, k_guard));
    impl->note_damage();
    return Folder(std::move(impl));
}

const std::string& Folder::path() const {
    return m_impl->path;
}
FolderKind Folder::kind() const {
    return m_impl->kind;
}
bool Folder::read_only() const {
    return m_impl->read_only;
}
std::size_t Folder::count() const {
    return m_impl->messages.size();
}
Message& Folder::at(std::size_t number) {
    return m_impl->messages[m_impl->check(number)];
}
const Message& Folder::at(std::size_t number) const {
    return m_impl->messages[m_impl->check(number)];
}
const std::vector<std::string>& Folder::warnings() const {
    return m_impl->warnings;
}

std::string_view Folder::entry(std::size_t number) const {
    const Message& m = at(number);
    return m_impl->view(m.offset, m.size);
}

std::string_view Folder::from_line(std::size_t number) const {
    const Message& m = at(number);
    std::string_view line = m_impl->view(m.offset, m_impl->fields_begin(m) - m.offset);
    if (line.ends_with("\n")) line.remove_suffix(1);
    if (line.ends_with("\r")) line.remove_suffix(1);
    return line;
}

std::string_view Folder::header_text(std::size_t number) const {
    const Message& m = at(number);
    std::size_t fb = m_impl->fields_begin(m);
    return m_impl->view(fb, m.offset + m.header_size - fb);
}

std::string_view Folder::body(std::size_t number) const {
    const Message& m = at(number);
    return m_impl->view(m.body_offset, m_impl->body_end(m) - m.body_offset);
}

std::string Folder::header(std::size_t number, std::string_view name) const {
    std::string_view fields = header_text(number);
    for (std::size_t pos = 0; pos < fields.size();) {
        std::size_t end = field_end(fields, pos);
        std::string_view value;
        if (field_is(fields.substr(pos, end - pos), name, &value)) return mail::message::unfold(value);
        pos = end;
    }
    return "";
}

bool Folder::has_header(std::size_t number, std::string_view name) const {
    std::string_view fields = header_text(number);
    for (std::size_t pos = 0; pos < fields.size();) {
        std::size_t end = field_end(fields, pos);
        if (field_is(fields.substr(pos, end - pos), name, nullptr)) return true;
        pos = end;
    }
    return false;
}

void Folder::release_memory() const { m_impl->release_before(std::numeric_limits<std::size_t>::max()); }

bool Folder::grown() const {
    struct stat st {};
    if (::stat(m_impl->path.c_str(), &st) != 0) return false;
    return static_cast<std::size_t>(st.st_size) > m_impl->indexed;
}

Result<std::size_t> Folder::incorporate() {
    Impl& f = *m_impl;
    if (!f.exists) {  // a system mailbox that did not exist at open
        int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) return std::size_t{0};
        f.file.reset(fd);
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            f.file.reset();
            return std::size_t{0};
        }
        f.exists = true;
        f.dev = st.st_dev;
        f.ino = st.st_ino;
        f.read_only = ::faccessat(AT_FDCWD, f.path.c_str(), W_OK, AT_EACCESS) != 0;
    }
    struct stat st {};
    if (::stat(f.path.c_str(), &st) != 0 || st.st_dev != f.dev || st.st_ino != f.ino)
        return make_error(EX_TEMPFAIL, fmt::format("{}: replaced by another program", f.path));
    std::size_t size = static_cast<std::size_t>(st.st_size);
    if (size == f.indexed) return std::size_t{0};
    if (auto s = f.verify(f.file.get(), size); !s) return s.error();
    if (auto s = f.load(size); !s) return s.error();
    size = std::min(size, f.loaded);
    std::size_t before = f.messages.size();
    if (f.messages.empty()) {
        f.indexed = size;
        f.index_from_scratch();
    } else {
        // Index again from the last message on: it may have been incomplete.
        std::vector<Message> more;
        const Message& last = f.messages.back();
        index_range(f.data, last.offset, size, more);
        if (more.empty() || more.front().offset != last.offset)
            return make_error(EX_TEMPFAIL,
                              fmt::format("{}: changed by another program since it was read", f.path));
        MessageState state = last.state;
        state.seen_before |= more.front().state.seen_before;
        state.read_before |= more.front().state.read_before;
        more.front().state = state;
        f.messages.pop_back();
        f.messages.insert(f.messages.end(), more.begin(), more.end());
        f.indexed = size;
    }
    if (f.guard.size() < k_guard) f.guard.assign(f.data, std::min(size, k_guard));
    f.note_damage();
    return f.messages.size() - before;
}

Result<Folder::AppendResult> Folder::append_to(const std::string& path,
                                               const std::vector<std::size_t>& numbers,
                                               bool with_headers) const {
    const Impl& f = *m_impl;
    for (std::size_t n : numbers)
        if (n < 1 || n > f.messages.size())
            return make_error(EX_USAGE, fmt::format("{}: Invalid message number", n));
    AppendResult result;
    // Read-write: the separator check reads the old end.
    int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd >= 0) {
        result.created = true;
    } else if (errno == EEXIST) {
        fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 && errno == EACCES)  // e.g. a write-only file or device
            fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    }
    if (fd < 0) return sys_error(errno == EACCES || errno == EPERM ? EX_NOPERM : EX_CANTCREAT, errno, path);
    UniqueFd owner(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return sys_error(EX_IOERR, errno, path);
    // Regular files are locked like mailboxes; /dev/null and friends are not.
    std::optional<MailboxLock> lock;
    if (S_ISREG(st.st_mode)) {
        auto l = MailboxLock::acquire(fd, path, {});
        if (!l) {
            if (result.created) ::unlink(path.c_str());
            return l.error();
        }
        lock.emplace(std::move(*l));
        if (::fstat(fd, &st) != 0) return sys_error(EX_IOERR, errno, path);
    }
    const off_t old_size = S_ISREG(st.st_mode) ? st.st_size : 0;
    Sink out(fd, "write " + path);
    if (with_headers && old_size > 0) {
        char tail[3] = {'x', 'x', 'x'};
        off_t from = std::max<off_t>(0, old_size - 3);
        if (::pread(fd, tail + (3 - (old_size - from)), static_cast<std::size_t>(old_size - from), from) < 0)
            return sys_error(EX_IOERR, errno, path);
        if (tail[2] != '\n')
            out.put("\n\n");
        else if (tail[1] != '\n' && !(tail[1] == '\r' && tail[0] == '\n'))
            out.put("\n");
    }
    for (std::size_t n : numbers) {
        const Message& m = f.messages[n - 1];
        if (with_headers) {
            f.put_entry(out, m, copy_status(m.state));
        } else {
            out.put(f.view(m.body_offset, f.body_end(m) - m.body_offset));
        }
    }
    Status st_w = out.flush();
    if (st_w && S_ISREG(st.st_mode) && ::fsync(fd) != 0)
        st_w = mail::mailbox::write_error(errno, "fsync " + path);
    if (!st_w) {
        if (S_ISREG(st.st_mode) && ::ftruncate(fd, old_size) == 0) ::fsync(fd);
        if (result.created) ::unlink(path.c_str());
        return st_w.error();
    }
    result.bytes = out.bytes();
    result.lines = out.lines();
    return result;
}

bool Folder::changed(const QuitOptions& opts) const {
    for (const Message& m : m_impl->messages)
        if (fate_of(m.state, m_impl->kind, opts) != Fate::Keep || !status_current(m.state)) return true;
    return false;
}

Result<QuitReport> Folder::quit(const QuitOptions& opts) {
    Impl& f = *m_impl;
    QuitReport report;
    report.new_mail = grown();
    if (!changed(opts)) {
        report.held = f.messages.size();
        return report;
    }
    if (f.read_only) return make_error(EX_NOPERM, fmt::format("{}: read-only; changes not saved", f.path));

    // 1. The file, read-write, locked, and still the one we indexed.
    int fd = ::open(f.path.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            return make_error(EX_TEMPFAIL,
                              fmt::format("{}: removed by another program; not rewritten", f.path));
        return sys_error(errno == EACCES || errno == EPERM ? EX_NOPERM : EX_IOERR, errno, f.path);
    }
    UniqueFd owner(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return sys_error(EX_IOERR, errno, f.path);
    if (st.st_dev != f.dev || st.st_ino != f.ino)
        return make_error(EX_TEMPFAIL, fmt::format("{}: replaced by another program; not rewritten", f.path));
    auto lock = MailboxLock::acquire(fd, f.path, opts.lock);
    if (!lock) return lock.error();
    if (::fstat(fd, &st) != 0) return sys_error(EX_IOERR, errno, f.path);
    std::size_t cur_size = static_cast<std::size_t>(st.st_size);
    if (auto s = f.verify(fd, cur_size); !s) return s.error();
    report.new_mail = cur_size > f.indexed;
    if (auto s = f.load(cur_size); !s) return s.error();
    if (f.loaded < cur_size)
        return make_error(EX_TEMPFAIL, fmt::format("{}: shrank while being read", f.path));

    // 2. The plan.  A last message still being written at open stays as it
    // now is, with everything after it.
    std::size_t n = f.messages.size();
    if (!f.last_is_stable(cur_size)) --n;
    const std::size_t tail = n < f.messages.size() ? f.messages[n].offset : f.indexed;
    std::vector<Fate> fate(n);
    std::vector<std::size_t> to_mbox;
    std::size_t first_change = n;
    std::size_t final_size = 0;  // relative to the first change
    for (std::size_t i = 0; i < n; ++i) {
        const Message& m = f.messages[i];
        fate[i] = fate_of(m.state, f.kind, opts);
        if (fate[i] == Fate::Mbox) to_mbox.push_back(i);
        bool verbatim = fate[i] == Fate::Keep && status_current(m.state);
        if (fate[i] == Fate::Keep) ++report.held;
        if (!verbatim && first_change == n) first_change = i;
        if (first_change == n || fate[i] != Fate::Keep) continue;
        final_size += verbatim ? m.size : f.kept_head(nullptr, m) + (m.size - m.header_size);
        if (i % 512 == 0) f.release_before(m.offset);
    }
    report.held += f.messages.size() - n;
    report.to_mbox = to_mbox.size();
    if (first_change == n) {  // only the unstable last message had changes
        return report;
    }
    if (!to_mbox.empty()) {
        if (opts.mbox_path.empty()) return make_error(EX_USAGE, "no MBOX to save read messages in");
        struct stat mst {};
        if (::stat(opts.mbox_path.c_str(), &mst) == 0 && mst.st_dev == f.dev && mst.st_ino == f.ino)
            return make_error(EX_USAGE, fmt::format("{}: MBOX is the mailbox itself", opts.mbox_path));
    }
    const std::size_t start = f.messages[first_change].offset;
    final_size += start + (cur_size - tail);

    SignalBlock quiet;
    // 3. Room for the rewrite before anything is written: no half-written
    // spool for want of space.
    if (final_size > cur_size) {
        if (::fallocate(fd, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(cur_size),
                        static_cast<off_t>(final_size - cur_size)) != 0 &&
            errno != EOPNOTSUPP && errno != ENOSYS)
            return mail::mailbox::write_error(errno, "reserve space in " + f.path);
    }
    // 4. MBOX first, fsynced: a crash from here on duplicates, never loses.
    if (!to_mbox.empty()) {
        if (auto s = f.write_mbox(to_mbox, opts); !s) {
            if (final_size > cur_size)
                static_cast<void>(::ftruncate(fd, static_cast<off_t>(cur_size)));  // unreserve
            return s.error();
        }
    }

    // 5. The spool, in place from the first change.
    SpoolWriter out(fd, start);
    std::size_t released = start;
    for (std::size_t i = first_change; i < n; ++i) {
        const Message& m = f.messages[i];
        std::size_t end = m.offset + m.size;
        // Bytes before this message have been copied to the writer.
        if (m.offset - released > (std::size_t{1} << 20)) {
            f.release_before(m.offset);
            released = m.offset;
        }
        if (fate[i] != Fate::Keep) {
            out.skip(end);
            continue;
        }
        if (status_current(m.state)) {
            if (auto s = out.copy(f.data, m.offset, end); !s) return s.error();
            continue;
        }
        std::string head;
        f.kept_head(&head, m);
        if (auto s = out.put(head, m.offset + m.header_size); !s) return s.error();
        if (auto s = out.copy(f.data, m.offset + m.header_size, end); !s) return s.error();
    }
    if (auto s = out.copy(f.data, tail, cur_size); !s) return s.error();
    if (auto s = out.finish(); !s) return s.error();
    // The plan and the writer read the same bytes, so they agree unless a
    // program that ignores the locks wrote to the file meanwhile.
    const bool agreed = out.size() == final_size;
    final_size = out.size();
    if (::ftruncate(fd, static_cast<off_t>(final_size)) != 0)
        return sys_error(EX_IOERR, errno, "truncate " + f.path);
    if (::fsync(fd) != 0) return mail::mailbox::write_error(errno, "fsync " + f.path);
    if (!agreed)
        return make_error(EX_SOFTWARE,
                          fmt::format("{}: written to by another program during the rewrite", f.path));
    report.rewritten = true;
    if (f.kind == FolderKind::File && !opts.keep && final_size == 0) {
        if (::unlink(f.path.c_str()) == 0) report.removed = true;
    } else {
        // atime after mtime: shells and biff see the mail as read
        // (bsd-mailx: atime = now + 1 s, mtime as the write left it).
        struct timespec times[2];
        ::clock_gettime(CLOCK_REALTIME, &times[0]);
        times[0].tv_sec += 1;
        times[1].tv_sec = 0;
        times[1].tv_nsec = UTIME_OMIT;
        ::futimens(fd, times);
    }
    f.indexed = final_size;  // the index no longer describes the file
    f.messages.clear();
    return report;
}

}  // namespace mailx
