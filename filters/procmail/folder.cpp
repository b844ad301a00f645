// folder.cpp — see folder.h and docs/procmail.md ("Folders and locks").
//
// The behaviour follows Debian's procmail 3.22-27 as observed (the unit
// tests pin each rule with the bytes procmail wrote); where it differs on
// purpose the comment says so and docs/procmail.md lists it.
#include "filters/procmail/folder.h"

#include "libmail/mailbox/fd.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>

#include <fmt/format.h>

namespace mail::procmail {
namespace {

using filters::LogFn;
using filters::UniqueNames;
using mailbox::UniqueFd;

constexpr std::string_view k_from = "\nFrom ";
constexpr std::size_t k_cl_places = 26;  // observed: digits procmail puts in a long Content-Length:
constexpr int k_unique_tries = 8;        // names tried for one temporary file
constexpr int k_maildir_retries = 5;     // procmail's MAILDIRretries
constexpr mode_t k_file_perm = 0667;     // procmail's NORMperm: o+x is the new-mail flag
constexpr mode_t k_dir_perm = 0777;
constexpr std::size_t k_buffer = 64 * 1024;

void say(const FolderOptions& o, const std::string& line) {
    if (o.log) o.log(line);
}
std::string quoted(std::string_view what, const std::string& name) {
    return fmt::format("{} \"{}\"", what, name);
}

// The message as write_folder() sends it: a range of the message with the
// Content-Length: value replaced (same length, so offsets do not move).
struct Text {
    std::string_view msg;
    MessageLayout lay;
    std::size_t begin = 0, end = 0;

    std::size_t size() const { return end - begin; }
    bool ends_with_blank_line() const { return size() >= 2 && msg[end - 1] == '\n' && msg[end - 2] == '\n'; }
};

// Buffered writer to one descriptor; remembers the first errno.
class Sink {
public:
    explicit Sink(int fd) : m_fd(fd) {}
    void put(std::string_view s) {
        if (m_err) return;
        if (m_buf.size() + s.size() > k_buffer) flush();
        if (s.size() >= k_buffer)
            raw_write(s);
        else
            m_buf.append(s);
        m_count += s.size();
    }
    // The message bytes [a, b) with the Content-Length: value patched in.
    void put_range(const Text& t, std::size_t a, std::size_t b) {
        const MessageLayout& l = t.lay;
        if (l.has_content_length) {
            const std::size_t pa = l.cl_value_offset, pb = pa + l.cl_value.size();
            if (a < pb && pa < b) {
                if (a < pa) put(t.msg.substr(a, pa - a));
                const std::size_t from = std::max(a, pa), to = std::min(b, pb);
                put(std::string_view(l.cl_value).substr(from - pa, to - from));
                if (pb < b) put(t.msg.substr(pb, b - pb));
                return;
            }
        }
        if (a < b) put(t.msg.substr(a, b - a));
    }
    bool flush() {
        if (!m_err && !m_buf.empty()) raw_write(m_buf);
        m_buf.clear();
        return m_err == 0;
    }
    int error() const { return m_err; }
    std::uint64_t count() const { return m_count; }

private:
    void raw_write(std::string_view s) {
        while (!s.empty() && !m_err) {
            ssize_t n = ::write(m_fd, s.data(), s.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                m_err = errno;
            } else if (n == 0) {
                m_err = EIO;
            } else {
                s.remove_prefix(static_cast<std::size_t>(n));
            }
        }
    }
    int m_fd;
    int m_err = 0;
    std::string m_buf;
    std::uint64_t m_count = 0;
};

// mbox bytes: '>' before every quotable "From " (see folder.h), the
// newline rule unless raw.
void put_mbox(Sink& out, const Text& t, bool raw) {
    std::size_t pos = t.begin;
    if (!raw) {
        const MessageLayout& l = t.lay;
        for (std::size_t q = t.msg.find(k_from, t.begin); q != std::string_view::npos && q + 1 < t.end;
             q = t.msg.find(k_from, q + 1)) {
            const bool in_header = q >= l.realstart && q + k_from.size() <= l.body;
            const bool in_free_body = q >= l.restbody;
            if (!in_header && !in_free_body) continue;
            out.put_range(t, pos, q + 1);
            out.put(">");
            pos = q + 1;
        }
    }
    out.put_range(t, pos, t.end);
    if (!raw && !t.ends_with_blank_line()) out.put("\n");
}

// MH and plain directories: no quoting, the newline rule unless raw.
void put_plain(Sink& out, const Text& t, bool raw) {
    out.put_range(t, t.begin, t.end);
    if (!raw && !t.ends_with_blank_line()) out.put("\n");
}

// Maildir drops a leading From_ line and the '>' lines right after it
// (procmail's skipFrom_(), only when the text starts the message).
Text skip_from_line(Text t) {
    if (t.begin != 0 || t.msg.substr(0, 5) != "From ") return t;
    std::size_t p = t.begin;
    do {
        std::size_t nl = t.msg.find('\n', p);
        p = (nl == std::string_view::npos || nl >= t.end) ? t.end : nl + 1;
    } while (p < t.end && t.msg[p] == '>');
    t.begin = p;
    return t;
}

void report_write_error(const FolderOptions& o, int err, const std::string& name) {
    if (err == ENOSPC)
        say(o, quoted("No space left to finish writing", name));
    else if (err == EDQUOT)
        say(o, quoted("Quota exceeded while writing", name));
    else
        say(o, quoted("Error while writing to", name));
}

Error write_failure(int err, const std::string& name) {
    const int code = (err == ENOSPC || err == EDQUOT) ? EX_TEMPFAIL : EX_IOERR;
    return make_error(code, fmt::format("error while writing to \"{}\": {}", name, std::strerror(err)));
}

// --- folder names and types (procmail's folderparse()/foldertype()) ---

enum class Hint { file, maildir, mh };

struct Parsed {
    std::string original;
    std::string base;  // without the type suffix and extra slashes
    Hint hint = Hint::file;
};

Parsed parse_name(const std::string& name) {
    Parsed p{name, name, Hint::file};
    std::size_t cut = name.size();
    if (name.size() == 2) {
        if (name[1] == '/') {
            p.hint = Hint::maildir;
            cut = 1;
        }
    } else if (name.size() > 2) {
        if (name[cut - 1] == '.' && name[cut - 2] == '/') {
            p.hint = Hint::mh;
            cut -= 2;
        } else if (name[cut - 1] == '/') {
            p.hint = Hint::maildir;
            cut -= 1;
        }
        if (p.hint != Hint::file)
            while (cut > 1 && name[cut - 1] == '/') --cut;
    }
    p.base = name.substr(0, cut);
    return p;
}

// procmail's trymkdir(): the mode of `dir`, creating it when missing; 0
// when it cannot be had.
mode_t try_mkdir(const std::string& dir, mode_t umask) {
    for (int tries = 0; tries < 3; ++tries) {
        struct stat st {};
        if (stat(dir.c_str(), &st) == 0) return st.st_mode;
        if (errno != ENOENT) break;
        if (mkdir(dir.c_str(), k_dir_perm & ~umask) == 0) return S_IFDIR | (k_dir_perm & ~umask);
    }
    return 0;
}

enum class Type { file, maildir, mh, dir, cantcreate };

struct Resolved {
    Type type = Type::cantcreate;
    mode_t mode = 0;  // of the file, or of the directory whose o+x bit counts
};

Resolved resolve(const Parsed& p, bool forcedir, const FolderOptions& o) {
    const mode_t new_file = S_IFREG | (k_file_perm & ~o.umask);
    Type type = p.hint == Hint::maildir ? Type::maildir : p.hint == Hint::mh ? Type::mh : Type::dir;
    if (p.hint == Hint::file && !forcedir) {
        struct stat st {};
        if (stat(p.base.c_str(), &st) != 0) return {Type::file, new_file};
        if (!S_ISDIR(st.st_mode)) return {Type::file, st.st_mode};
        return {Type::dir, st.st_mode};
    }
    mode_t mode = try_mkdir(p.base, o.umask);
    if (!S_ISDIR(mode)) {
        say(o, quoted("Unable to treat as directory", p.base));
        if (forcedir) {
            say(o, quoted("Skipped", p.base));
            return {Type::cantcreate, 0};
        }
        return {Type::file, mode ? mode : new_file};
    }
    if (type == Type::maildir) {
        for (const char* sub : {"new", "cur", "tmp"}) {
            std::string path = p.base + "/" + sub;
            mode = try_mkdir(path, o.umask);
            if (!S_ISDIR(mode)) {
                say(o, quoted("Unable to treat as directory", path));
                say(o, quoted("Skipped", p.base));
                return {Type::cantcreate, 0};
            }
        }
        // `mode` is now tmp/'s: procmail sets the new-mail bit on tmp/ (a
        // harmless quirk we keep).
    }
    return {type, mode};
}

// The o+x new-mail flag: set when the umask lets it through and it is off.
void flag_new_mail(const std::string& path, mode_t mode, mode_t umask) {
    if (((mode | umask) & S_IXOTH) == 0) chmod(path.c_str(), (mode | S_IXOTH) & 07777);
}

// procmail's unique() for folders: an O_EXCL file in `dir` ("…/").
struct TempFile {
    UniqueFd fd;
    std::string path;
};

Result<TempFile> create_unique(const std::string& dir, bool maildir_name, const FolderOptions& o,
                               std::string* tried = nullptr) {
    UniqueNames& names = o.names ? *o.names : UniqueNames::process();
    std::string path;
    int err = EEXIST;
    for (int i = 0; i < k_unique_tries; ++i) {
        path = dir + (maildir_name ? names.maildir_name() : names.temp_name());
        struct stat st {};
        if (lstat(path.c_str(), &st) == 0) continue;
        if (errno != ENOENT) {
            err = errno;
            continue;
        }
        int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, k_file_perm & ~o.umask);
        if (fd >= 0) return TempFile{UniqueFd(fd), path};
        err = errno;
        if (err != EEXIST) break;
    }
    if (o.verbose) say(o, quoted("Error while writing to", path));
    if (tried) *tried = path;
    return make_error(EX_CANTCREAT, fmt::format("cannot create \"{}\": {}", path, std::strerror(err)));
}

// Writes, fsyncs and closes a new file; the errno of the first failure.
template <class Put>
int fill_file(TempFile& f, Put put, std::uint64_t* bytes) {
    Sink out(f.fd.get());
    put(out);
    int err = out.flush() ? 0 : out.error();
    if (!err && fsync(f.fd.get()) != 0 && errno != EINVAL) err = errno;
    if (close(f.fd.release()) != 0 && !err) err = errno;
    *bytes = out.count();
    return err;
}

// A link that falls back to rename() where the file system has no hard
// links (procmail does that for Maildir); never replaces an existing name.
int link_or_rename(const std::string& from, const std::string& to) {
    int err = filters::nfs_link(from, to);
    if (err == 0 || err == EEXIST) return err;
    struct stat st {};
    if (lstat(to.c_str(), &st) != 0 && errno == ENOENT && rename(from.c_str(), to.c_str()) == 0) return 0;
    return err;
}

// The highest MH message number in `dir` (procmail: strtol() of each whole
// name, so "007", "+7" and " 7" count as 7).
long highest_mh_number(const std::string& dir, const FolderOptions& o) {
    long high = 0;
    DIR* d = opendir(dir.c_str());
    if (!d) {
        say(o, quoted("Couldn't read", dir));
        return 0;
    }
    while (struct dirent* e = readdir(d)) {
        char* end = nullptr;
        errno = 0;
        long n = std::strtol(e->d_name, &end, 10);
        if (n > high && *end == '\0') high = n;
    }
    closedir(d);
    return high;
}

// Links `from` to the next free MH number in `dir`; returns the last name
// tried, *err is 0 when that link was made.
std::string link_mh(const std::string& from, const std::string& dir, bool allow_rename,
                    const FolderOptions& o, int* err) {
    long n = highest_mh_number(dir, o);
    for (;;) {
        if (n == LONG_MAX) {  // a hostile "9223372036854775807" file
            *err = EOVERFLOW;
            return fmt::format("{}/{}", dir, n);
        }
        std::string to = fmt::format("{}/{}", dir, ++n);
        *err = allow_rename ? link_or_rename(from, to) : filters::nfs_link(from, to);
        if (*err != EEXIST) return to;
    }
}

// --- the deliveries ---

Result<Delivered> deliver_mbox(const std::string& path, const Text& t, const FolderOptions& o) {
    if (o.verbose) say(o, quoted("Opening", path));
    // O_NONBLOCK only for the open: a FIFO without a reader fails instead
    // of hanging.  Regular files ignore it.
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY | O_CLOEXEC | O_NONBLOCK,
                  k_file_perm & ~o.umask);
    if (fd < 0) {
        int err = errno;
        say(o, quoted("Error while writing to", path));
        return make_error(EX_CANTCREAT, fmt::format("cannot open \"{}\": {}", path, std::strerror(err)));
    }
    UniqueFd box(fd);
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);

    // The kernel lock covers everything from the current end, like procmail's.
    struct flock lk {};
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    lk.l_start = lseek(fd, 0, SEEK_END);
    if (o.verbose) say(o, "Acquiring kernel-lock");
    int rc;
    while ((rc = fcntl(fd, F_SETLKW, &lk)) != 0 && errno == EINTR) {
    }
    if (rc != 0) say(o, "Kernel-lock failed");
    const off_t old_size = lseek(fd, 0, SEEK_END);

    Sink out(fd);
    put_mbox(out, t, o.raw);
    int err = out.flush() ? 0 : out.error();
    if (!err && fsync(fd) != 0 && errno != EINVAL) err = errno;
    bool truncated = false;
    if (err && old_size >= 0) truncated = ftruncate(fd, old_size) == 0;  // still under the lock

    lk.l_type = F_UNLCK;
    if (rc == 0 && fcntl(fd, F_SETLK, &lk) != 0) say(o, "Kernel-unlock failed");
    if (close(box.release()) != 0 && !err) {
        err = errno;  // NFS may report a lost write only now
        if (old_size >= 0) truncated = truncate(path.c_str(), old_size) == 0;
    }
    if (err) {
        report_write_error(o, err, path);
        if (truncated && (o.logfile_open || o.verbose)) say(o, "Truncated file to former size");
        return write_failure(err, path);
    }
    return Delivered{path, out.count()};
}

Result<Delivered> deliver_maildir(const std::string& base, const Text& whole, const FolderOptions& o,
                                  std::string* final_path) {
    const Text t = whole.begin == 0 ? skip_from_line(whole) : whole;
    for (int attempt = 0;; ++attempt) {
        std::string tried;
        auto tmp = create_unique(base + "/tmp/", true, o, &tried);
        if (!tmp) {
            say(o, quoted("Couldn't create or rename temp file", tried));
            return tmp.error();
        }
        std::uint64_t bytes = 0;
        int err = fill_file(
            *tmp, [&](Sink& s) { s.put_range(t, t.begin, t.end); }, &bytes);
        if (err) {
            unlink(tmp->path.c_str());
            report_write_error(o, err, tmp->path);
            return write_failure(err, tmp->path);
        }
        const std::string name = tmp->path.substr(base.size() + 5);  // after "/tmp/"
        const std::string to = base + "/new/" + name;
        err = link_or_rename(tmp->path, to);
        if (err == 0) {
            unlink(tmp->path.c_str());  // after a rename it is gone already
            *final_path = to;
            return Delivered{to, bytes};
        }
        unlink(tmp->path.c_str());
        if (attempt >= k_maildir_retries) {
            say(o, quoted("Couldn't create or rename temp file", tmp->path));
            return make_error(EX_CANTCREAT, fmt::format("cannot link \"{}\": {}", to, std::strerror(err)));
        }
    }
}

// MH and plain directories: the text goes to a temporary name first and is
// linked to its final name when complete (procmail links first and writes
// afterwards, so a failed write leaves a partial message behind; here it
// leaves nothing).
Result<Delivered> deliver_dir(const Parsed& p, Type type, const Text& t, const FolderOptions& o,
                              std::string* final_path) {
    const std::string shown = type == Type::mh ? p.original : p.base + "/";
    auto tmp = create_unique(p.base + "/", false, o);
    if (!tmp) {
        say(o, quoted("Couldn't create or rename temp file", shown));
        return tmp.error();
    }
    struct stat st {};
    fstat(tmp->fd.get(), &st);
    std::uint64_t bytes = 0;
    int err = fill_file(
        *tmp, [&](Sink& s) { put_plain(s, t, o.raw); }, &bytes);
    if (err) {
        unlink(tmp->path.c_str());
        report_write_error(o, err, tmp->path);
        return write_failure(err, tmp->path);
    }
    std::string to;
    if (type == Type::mh) {
        to = link_mh(tmp->path, p.base, true, o, &err);
    } else {
        to = p.base + "/" + o.msgprefix + filters::procmail_base64(static_cast<unsigned long>(st.st_ino));
        err = link_or_rename(tmp->path, to);
    }
    if (err) {
        unlink(tmp->path.c_str());
        say(o, quoted("Couldn't create or rename temp file", shown));
        return make_error(EX_CANTCREAT, fmt::format("cannot link \"{}\": {}", tmp->path, std::strerror(err)));
    }
    unlink(tmp->path.c_str());
    if (o.verbose) say(o, quoted("Opening", to));
    *final_path = to;
    return Delivered{to, bytes};
}

// A further name after a directory folder: a hard link to the first file.
void link_secondary(const std::string& name, const std::string& primary, const FolderOptions& o,
                    std::string& lastfolder) {
    const Parsed p = parse_name(name);
    const Resolved r = resolve(p, true, o);
    if (r.type == Type::cantcreate) return;
    std::string to, flag_dir = p.base;
    int err = 0;
    if (r.type == Type::mh) {
        to = link_mh(primary, p.base, false, o, &err);
    } else if (r.type == Type::maildir) {
        // A name is reserved in tmp/ and the file linked into new/.
        auto tmp = create_unique(p.base + "/tmp/", true, o);
        if (!tmp) return;  // procmail gives up silently here
        unlink(tmp->path.c_str());
        to = p.base + "/new/" + tmp->path.substr(p.base.size() + 5);
        flag_dir = p.base + "/new";  // procmail's quirk: the flag goes on new/
    } else {
        struct stat st {};
        stat(primary.c_str(), &st);
        to = p.base + "/" + o.msgprefix + filters::procmail_base64(static_cast<unsigned long>(st.st_ino));
    }
    if (r.type != Type::mh) {
        if (o.verbose) say(o, quoted("Linking to", to));
        err = filters::nfs_link(primary, to);
    } else if (o.verbose) {
        say(o, quoted("Linking to", to));
    }
    if (err)
        say(o, quoted("Couldn't make link to", to));
    else
        lastfolder += " " + to;
    flag_new_mail(flag_dir, r.mode, o.umask);
}

}  // namespace

MessageLayout message_layout(std::string_view m, bool berkeley) {
    MessageLayout l;
    while (l.realstart < m.size() && m[l.realstart] == '\n') ++l.realstart;
    std::size_t blank = m.find("\n\n", l.realstart);
    l.body = blank == std::string_view::npos ? m.size() : blank + 2;
    l.restbody = l.body > 0 ? l.body - 1 : 0;
    if (berkeley) return l;

    // The first header line that starts "Content-Length:" (any case).
    constexpr std::string_view key = "content-length:";
    std::size_t at = std::string_view::npos;
    for (std::size_t line = 0; line < l.body;) {
        if (l.body - line >= key.size()) {
            bool same = true;
            for (std::size_t i = 0; i < key.size() && same; ++i) {
                char c = m[line + i];
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
                same = c == key[i];
            }
            if (same) {
                at = line + key.size();
                break;
            }
        }
        std::size_t nl = m.find('\n', line);
        if (nl == std::string_view::npos || nl + 1 >= l.body) break;
        line = nl + 1;
    }
    if (at == std::string_view::npos) return l;

    std::size_t end = at;
    while (end < m.size() && m[end] != '\n' && m[end] != '\0') ++end;
    const std::size_t width = end - at;
    const std::size_t places = std::min(width, k_cl_places);
    // procmail's body length, quirk included: one less when the message's
    // second-to-last byte is a newline.
    long long cntlen = static_cast<long long>(m.size() - l.body);
    if (m.size() > 1 && m[m.size() - 2] == '\n') --cntlen;
    if (cntlen < 0) cntlen = 0;
    std::string num = std::to_string(cntlen);
    unsigned long long actual = 0;
    if (num.size() <= places) {
        l.cl_value = std::string(places - num.size(), ' ') + num;
        actual = static_cast<unsigned long long>(cntlen);
    } else {
        l.cl_value = std::string(places, '9');
        for (std::size_t i = 0; i < places; ++i) actual = actual * 10 + 9;  // places < 20 here
    }
    l.cl_value.append(width - places, ' ');
    l.has_content_length = true;
    l.cl_value_offset = at;
    l.restbody = l.body + static_cast<std::size_t>(std::min<unsigned long long>(actual, m.size()));
    return l;
}

void rewrite_content_length(std::string& message, bool berkeley) {
    MessageLayout l = message_layout(message, berkeley);
    if (l.has_content_length) message.replace(l.cl_value_offset, l.cl_value.size(), l.cl_value);
}

Result<Delivered> write_folder(const std::vector<std::string>& names, std::string_view message,
                               const FolderOptions& o, std::string* lastfolder_on_error) {
    if (lastfolder_on_error) lastfolder_on_error->clear();
    if (names.empty()) return make_error(EX_USAGE, "no folder name");
    Text t;
    t.msg = message;
    t.lay = message_layout(message, o.berkeley);
    t.begin = o.part == Part::body ? t.lay.body : 0;
    t.end = o.part == Part::header ? t.lay.body : message.size();

    const Parsed p = parse_name(names[0]);
    if (p.base.find('\0') != std::string::npos) {
        say(o, quoted("Error while writing to", p.base));
        return make_error(EX_CANTCREAT, "folder name with a NUL byte");
    }
    const Resolved r = resolve(p, false, o);
    if (r.type == Type::cantcreate) return make_error(EX_CANTCREAT, fmt::format("cannot use \"{}\"", p.base));

    if (r.type == Type::file) {
        if (names.size() > 1) {
            std::string rest = names[1];
            for (std::size_t i = 2; i < names.size(); ++i) rest += " " + names[i];
            say(o, quoted("Skipped", rest));
        }
        if (lastfolder_on_error) *lastfolder_on_error = p.base;
        if (p.base == "/dev/null") {
            if (o.verbose) say(o, quoted("Opening", p.base));
            return Delivered{p.base, t.size()};
        }
        flag_new_mail(p.base, r.mode, o.umask);
        return deliver_mbox(p.base, t, o);
    }

    std::string primary;
    auto done = r.type == Type::maildir ? deliver_maildir(p.base, t, o, &primary)
                                        : deliver_dir(p, r.type, t, o, &primary);
    if (!done) return done;
    flag_new_mail(r.type == Type::maildir ? p.base + "/tmp" : p.base, r.mode, o.umask);
    for (std::size_t i = 1; i < names.size(); ++i) link_secondary(names[i], primary, o, done->lastfolder);
    return done;
}

}  // namespace mail::procmail
