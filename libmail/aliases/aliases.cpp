// aliases.cpp — aliases(5) parsing, newaliases and the alias database.
//
// Statistics follow sendmail's readaliases(): for each stored alias,
// total += strlen(name) + strlen(rhs) and longest = max strlen(rhs), where
// rhs is the text after the colon with leading blanks skipped and
// continuation lines joined (a continuation's own leading blanks kept, a
// trailing backslash and the newline dropped).  No NUL bytes are counted.
#include "libmail/aliases/aliases.h"

#include "libmail/config/config.h"
#include "libmail/log/log.h"
#include "libmail/util/strings.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mail::aliases {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Physical lines without their line ends (LF or CRLF).
std::vector<std::string_view> physical_lines(std::string_view text) {
    std::vector<std::string_view> out;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.push_back(line);
        pos = end + 1;
    }
    return out;
}

// Indented comments and whitespace-only lines are ignored (as Postfix does),
// so they neither end nor continue an entry.
bool ignorable(std::string_view line) {
    std::string_view t = trim_left(line);
    return t.empty() || t.front() == '#';
}

std::string shorten(std::string_view s) {
    if (s.size() <= 60) return std::string(s);
    return std::string(s.substr(0, 57)) + "...";
}

bool has_unquoted_blank(std::string_view t) {
    bool q = false;
    for (size_t i = 0; i < t.size(); ++i) {
        if (q && t[i] == '\\') { ++i; continue; }
        if (t[i] == '"') q = !q;
        else if (!q && is_blank(t[i])) return true;
    }
    return false;
}

// "\"|cmd\"" -> "|cmd": removes one pair of quotes and the backslash escapes inside.
std::string unquote(std::string_view t) {
    std::string out;
    for (size_t i = 1; i + 1 < t.size(); ++i) {
        if (t[i] == '\\' && i + 2 < t.size()) ++i;
        out += t[i];
    }
    return out;
}

Result<std::string> normalize(std::string_view t) {
    if (t.size() >= 2 && t.front() == '"' && t.back() == '"') {
        std::string inner = unquote(t);
        std::string_view in = trim(inner);
        if (!in.empty() && (in.front() == '|' || in.front() == '/' || istarts_with(in, ":include:")))
            return normalize(in);
        return std::string(t);  // a quoted local part such as "john doe"
    }
    if (istarts_with(t, ":include:")) {
        std::string_view path = trim(t.substr(9));
        if (path.empty()) return make_error(EX_DATAERR, "empty :include: path");
        return ":include:" + std::string(path);
    }
    if (t.front() == '|') {
        std::string_view cmd = trim(t.substr(1));
        if (cmd.empty()) return make_error(EX_DATAERR, "empty program after \"|\"");
        return "|" + std::string(cmd);
    }
    if (t.front() == '/') return std::string(t);
    if (auto lt = t.rfind('<'); lt != std::string_view::npos) {
        auto gt = t.find('>', lt);
        std::string_view inner = trim(t.substr(lt + 1, gt - lt - 1));
        if (inner.empty()) return make_error(EX_DATAERR, fmt::format("empty address in \"{}\"", shorten(t)));
        return normalize(inner);
    }
    if (has_unquoted_blank(t))
        return make_error(EX_DATAERR, fmt::format("\"{}\": separate targets with commas", shorten(t)));
    return std::string(t);
}

// The entry's text as one logical line, and the line number it started on.
struct Logical {
    std::string text;
    int line = 0;
};

using LineErrors = std::vector<std::pair<int, std::string>>;  // line, text

std::vector<Logical> logical_lines(std::string_view text, LineErrors& errors) {
    auto lines = physical_lines(text);
    std::vector<Logical> out;
    bool skipping = false;  // after a stray indented line, until the next entry
    size_t i = 0;
    while (i < lines.size()) {
        std::string_view l = lines[i];
        int lineno = static_cast<int>(++i);
        if (ignorable(l)) continue;
        if (is_blank(l.front())) {
            if (!skipping)
                errors.emplace_back(lineno, "non-continuation line starts with space");
            skipping = true;
            continue;
        }
        skipping = false;
        Logical lg{std::string(l), lineno};
        for (;;) {
            if (!lg.text.empty() && lg.text.back() == '\\') {
                lg.text.pop_back();
                if (i < lines.size()) lg.text += lines[i++];
                continue;
            }
            if (i < lines.size() && !lines[i].empty() && is_blank(lines[i].front())) {
                if (!ignorable(lines[i])) lg.text += lines[i];
                ++i;
                continue;
            }
            break;
        }
        out.push_back(std::move(lg));
    }
    return out;
}

// One logical line to an Entry, or the error text (without file:line).
Result<Entry> parse_entry(const Logical& lg, const std::string& path, size_t& name_bytes) {
    auto colon = lg.text.find(':');
    if (colon == std::string::npos)
        return make_error(EX_DATAERR, fmt::format("missing colon in \"{}\"", shorten(lg.text)));
    std::string_view name = trim(std::string_view(lg.text).substr(0, colon));
    if (name.empty()) return make_error(EX_DATAERR, "empty alias name");
    if (has_unquoted_blank(name) || name.find_first_of(" \t") != std::string_view::npos)
        return make_error(EX_DATAERR, fmt::format("illegal alias name \"{}\"", shorten(name)));
    if (name.find('@') != std::string_view::npos)
        return make_error(EX_DATAERR, fmt::format("\"{}\": cannot alias non-local names", shorten(name)));
    std::string_view rhs = trim_left(std::string_view(lg.text).substr(colon + 1));
    if (trim(rhs).empty()) return make_error(EX_DATAERR, fmt::format("missing value for alias \"{}\"", name));
    auto targets = split_targets(rhs);
    if (!targets) return targets.error();
    if (targets->empty()) return make_error(EX_DATAERR, fmt::format("missing value for alias \"{}\"", name));
    name_bytes += name.size();
    return Entry{to_lower(name), std::move(*targets), path, lg.line, std::string(rhs)};
}

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

bool may_write(const std::string& db) {
    if (::access(dir_of(db).c_str(), W_OK) != 0) return false;
    return ::access(db.c_str(), F_OK) != 0 || ::access(db.c_str(), W_OK) == 0;
}

// Reads a whole file; mtime is taken from the open descriptor before reading,
// so an edit made while we read leaves the result stale, not silently lost.
Result<std::string> read_file(const std::string& path, int64_t& mtime) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return make_error(EX_NOINPUT, fmt::format("{}: {}", path, std::strerror(errno)));
    struct stat st {};
    ::fstat(fd, &st);
    mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
    std::string data;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            return make_error(EX_IOERR, fmt::format("{}: {}", path, std::strerror(err)));
        }
        if (n == 0) break;
        data.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return data;
}

}  // namespace

Result<std::vector<std::string>> split_targets(std::string_view rhs) {
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    int angle = 0;
    auto flush = [&]() -> Status {
        std::string_view t = trim(cur);
        if (!t.empty()) {
            auto n = normalize(t);
            if (!n) return n.error();
            out.push_back(std::move(*n));
        }
        cur.clear();
        return {};
    };
    for (size_t i = 0; i < rhs.size(); ++i) {
        char c = rhs[i];
        if (quoted) {
            if (c == '\\' && i + 1 < rhs.size()) {
                cur += c;
                c = rhs[++i];
            } else if (c == '"') {
                quoted = false;
            }
            cur += c;
            continue;
        }
        if (c == '"') quoted = true;
        else if (c == '<') ++angle;
        else if (c == '>') {
            if (angle == 0) return make_error(EX_DATAERR, fmt::format("unbalanced '>' in \"{}\"", shorten(trim(rhs))));
            --angle;
        } else if (c == ',' && angle == 0) {
            if (Status s = flush(); !s) return s.error();
            continue;
        }
        cur += c;
    }
    if (quoted) return make_error(EX_DATAERR, fmt::format("unbalanced '\"' in \"{}\"", shorten(trim(rhs))));
    if (angle) return make_error(EX_DATAERR, fmt::format("unbalanced '<' in \"{}\"", shorten(trim(rhs))));
    if (Status s = flush(); !s) return s.error();
    return out;
}

Parsed parse_all(std::string_view text, const std::string& path) {
    Parsed p;
    LineErrors errors;
    std::map<std::string, int> first_line;
    for (const Logical& lg : logical_lines(text, errors)) {
        size_t bytes = 0;
        auto e = parse_entry(lg, path, bytes);
        if (!e) {
            errors.emplace_back(lg.line, e.error().message);
            continue;
        }
        auto [it, fresh] = first_line.emplace(e->name, lg.line);
        if (!fresh) {
            errors.emplace_back(lg.line, fmt::format("duplicate alias \"{}\" (first defined at line {}) ignored",
                                                     e->name, it->second));
            continue;
        }
        p.name_bytes += bytes;
        p.entries.push_back(std::move(*e));
    }
    // Stray indented lines are reported while joining lines, the rest after;
    // give the reader one list in line order.
    std::stable_sort(errors.begin(), errors.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [line, text_] : errors) p.errors.push_back(fmt::format("{}:{}: {}", path, line, text_));
    return p;
}

Result<std::vector<Entry>> parse(std::string_view text, const std::string& path) {
    Parsed p = parse_all(text, path);
    if (!p.errors.empty()) return make_error(EX_DATAERR, p.errors.front());
    return std::move(p.entries);
}

Rebuilt rebuild_file(const std::string& source) {
    Rebuilt r;
    int64_t mtime = -1;
    auto text = read_file(source, mtime);
    if (!text) {
        r.errors.push_back(text.error().message);
        r.exit_code = text.error().exit_code;
        return r;
    }
    Parsed p = parse_all(*text, source);
    r.errors = p.errors;
    if (!p.errors.empty()) r.exit_code = EX_DATAERR;
    std::vector<maps::Record> records;
    records.reserve(p.entries.size());
    for (const Entry& e : p.entries) records.push_back(maps::Record{e.name, e.rhs, e.file, e.line});
    maps::BuildOptions o;
    o.duplicates = maps::Duplicates::KeepFirst;  // parse_all already reported them
    o.source_path = source;
    o.source_mtime_ns = mtime;
    auto st = maps::build(maps::db_file_name(source), records, o);
    if (!st) {
        r.errors.push_back(st.error().message);
        r.exit_code = EX_CANTCREAT;
        return r;
    }
    std::string line = fmt::format("{}: {} aliases, longest {} bytes, {} bytes total", source, st->entries,
                                   st->longest, st->total);
    log::info("{}", line);
    r.summary.push_back(std::move(line));
    return r;
}

Rebuilt rebuild(const config::Config& cfg) {
    Rebuilt all;
    for (const std::string& file : cfg.list("ALIAS_FILE")) {
        Rebuilt one = rebuild_file(file);
        all.summary.insert(all.summary.end(), one.summary.begin(), one.summary.end());
        all.errors.insert(all.errors.end(), one.errors.begin(), one.errors.end());
        if (all.exit_code == 0) all.exit_code = one.exit_code;
    }
    return all;
}

bool stale(const std::string& source) {
    auto src = maps::mtime_ns(source);
    if (!src) return false;
    auto map = maps::Map::open(maps::db_file_name(source));
    if (!map) return true;
    return map->source_mtime_ns() != *src;
}

// ---- AliasDb ----------------------------------------------------------------

Result<AliasDb> AliasDb::open(const config::Config& cfg, bool allow_rebuild) {
    return open_files(cfg.list("ALIAS_FILE"), allow_rebuild);
}

AliasDb AliasDb::open_files(const std::vector<std::string>& files, bool allow_rebuild) {
    AliasDb db;
    for (const auto& f : files) db.add_file(f, allow_rebuild);
    return db;
}

void AliasDb::add_file(const std::string& file, bool allow_rebuild) {
    const std::string db = maps::db_file_name(file);
    const bool src_exists = maps::mtime_ns(file).has_value();
    Source s;
    s.file = file;
    if (src_exists && stale(file)) {
        if (allow_rebuild && may_write(db)) {
            Rebuilt r = rebuild_file(file);
            for (const auto& e : r.errors) m_warnings.push_back(e);
            if (!r.summary.empty()) {
                std::string note = fmt::format("rebuilt alias database {}: {}", db, r.summary.front());
                log::notice("{}", note);
                m_warnings.push_back(std::move(note));
            }
        } else if (::access(db.c_str(), F_OK) == 0) {
            std::string w = fmt::format("Warning: alias database {} out of date", db);
            log::warning("{}", w);
            m_warnings.push_back(std::move(w));
        }
    }
    auto map = maps::Map::open(db);
    if (map) {
        s.map = std::move(*map);
        m_sources.push_back(std::move(s));
        return;
    }
    if (!src_exists) {
        m_warnings.push_back(fmt::format("cannot open alias file {}: No such file or directory", file));
        return;
    }
    int64_t mtime = 0;
    auto text = read_file(file, mtime);
    if (!text) {
        m_warnings.push_back(text.error().message);
        return;
    }
    Parsed p = parse_all(*text, file);
    for (const auto& e : p.errors) m_warnings.push_back(e);
    for (auto& e : p.entries) s.parsed.emplace(e.name, std::move(e));
    m_sources.push_back(std::move(s));
}

Result<std::optional<Entry>> AliasDb::find(std::string_view name) const {
    const std::string key = to_lower(name);
    for (const Source& s : m_sources) {
        if (!s.map) {
            if (auto it = s.parsed.find(key); it != s.parsed.end()) return std::optional<Entry>(it->second);
            continue;
        }
        auto v = s.map->lookup(key);
        if (!v) return v.error();
        if (!v->has_value()) continue;
        Entry e;
        e.name = key;
        e.rhs = **v;
        auto targets = split_targets(e.rhs);
        if (!targets) return make_error(EX_CONFIG, fmt::format("{}: alias \"{}\": {}", s.map->path(), key, targets.error().message));
        e.targets = std::move(*targets);
        if (auto o = s.map->origin(key)) {
            e.file = o->file;
            e.line = o->line;
        } else {
            e.file = s.file;
        }
        return std::optional<Entry>(std::move(e));
    }
    return std::optional<Entry>();
}

std::optional<Entry> AliasDb::lookup(std::string_view name) const {
    auto r = find(name);
    if (!r) return std::nullopt;
    return *r;
}

}  // namespace mail::aliases
