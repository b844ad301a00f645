// map.cpp — SQLite-backed maps: atomic build, read-only immutable lookups.
//
// SECURITY: build() writes only a temporary file beside the target (created
// O_EXCL by mkstemp, mode 0644 so the MTA can read maps it did not build)
// and renames it; a crash leaves at worst a stray temporary, never a
// half-written map.  See docs/maps.md for the schema.
#include "libmail/maps/map.h"

#include "libmail/util/strings.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>

namespace mail::maps {
namespace {

constexpr const char* k_schema =
    "CREATE TABLE map(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE origin(key TEXT PRIMARY KEY, file TEXT, line INTEGER);";

std::string sqlite_text(sqlite3* db) { return db ? sqlite3_errmsg(db) : "out of memory"; }

// Owns a statement for the duration of a build step.
struct Stmt {
    sqlite3_stmt* s = nullptr;
    ~Stmt() { sqlite3_finalize(s); }
};

// Owns the temporary file until it is renamed into place.
struct TempFile {
    std::string path;
    bool keep = false;
    ~TempFile() {
        if (!keep && !path.empty()) {
            ::unlink(path.c_str());
            ::unlink((path + "-journal").c_str());
        }
    }
};

Status exec(sqlite3* db, const char* sql, const std::string& path) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
        std::string text = msg ? msg : sqlite_text(db);
        sqlite3_free(msg);
        return make_error(EX_IOERR, fmt::format("{}: {}", path, text));
    }
    return {};
}

Status bind_text(sqlite3_stmt* s, int i, std::string_view v) {
    if (sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK)
        return make_error(EX_SOFTWARE, "sqlite bind failed");
    return {};
}

std::string where(const Record& r) {
    if (r.file.empty()) return r.line > 0 ? fmt::format("line {}: ", r.line) : "";
    return fmt::format("{}:{}: ", r.file, r.line);
}

// Applies the duplicate policy; returns records in first-seen key order.
Result<std::vector<const Record*>> resolve_duplicates(const std::vector<Record>& records,
                                                      const BuildOptions& o,
                                                      std::vector<std::string>& keys) {
    std::map<std::string, size_t> index;  // folded key -> position in out
    std::vector<const Record*> out;
    for (const Record& r : records) {
        std::string key = o.fold_case ? to_lower(r.key) : r.key;
        auto [it, inserted] = index.emplace(key, out.size());
        if (inserted) {
            out.push_back(&r);
            keys.push_back(std::move(key));
            continue;
        }
        switch (o.duplicates) {
            case Duplicates::Error:
                return make_error(EX_DATAERR, fmt::format("{}duplicate key \"{}\"", where(r), r.key));
            case Duplicates::KeepFirst: break;
            case Duplicates::Replace: out[it->second] = &r; break;
        }
    }
    return out;
}

Status write_meta(sqlite3* db, const BuildOptions& o, size_t entries, const std::string& tmp) {
    Stmt st;
    if (sqlite3_prepare_v2(db, "INSERT INTO meta(name, value) VALUES(?, ?)", -1, &st.s, nullptr) != SQLITE_OK)
        return make_error(EX_IOERR, fmt::format("{}: {}", tmp, sqlite_text(db)));
    const std::pair<const char*, std::string> rows[] = {
        {"format", std::to_string(k_format_version)},
        {"type", o.type},
        {"fold_case", o.fold_case ? "1" : "0"},
        {"source", o.source_path},
        {"source_mtime_ns", std::to_string(o.source_mtime_ns)},
        {"build_time", std::to_string(static_cast<long long>(::time(nullptr)))},
        {"entries", std::to_string(entries)},
    };
    for (const auto& [name, value] : rows) {
        sqlite3_reset(st.s);
        if (Status s = bind_text(st.s, 1, name); !s) return s;
        if (Status s = bind_text(st.s, 2, value); !s) return s;
        if (sqlite3_step(st.s) != SQLITE_DONE) return make_error(EX_IOERR, fmt::format("{}: {}", tmp, sqlite_text(db)));
    }
    return {};
}

Result<BuildStats> write_records(sqlite3* db, const std::vector<const Record*>& recs,
                                 const std::vector<std::string>& keys, const std::string& tmp) {
    Stmt put, org;
    if (sqlite3_prepare_v2(db, "INSERT INTO map(key, value) VALUES(?, ?)", -1, &put.s, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO origin(key, file, line) VALUES(?, ?, ?)", -1, &org.s, nullptr) != SQLITE_OK)
        return make_error(EX_IOERR, fmt::format("{}: {}", tmp, sqlite_text(db)));
    BuildStats stats;
    for (size_t i = 0; i < recs.size(); ++i) {
        const Record& r = *recs[i];
        sqlite3_reset(put.s);
        if (Status s = bind_text(put.s, 1, keys[i]); !s) return s.error();
        if (Status s = bind_text(put.s, 2, r.value); !s) return s.error();
        if (sqlite3_step(put.s) != SQLITE_DONE) return make_error(EX_IOERR, fmt::format("{}: {}", tmp, sqlite_text(db)));
        if (r.line > 0) {
            sqlite3_reset(org.s);
            if (Status s = bind_text(org.s, 1, keys[i]); !s) return s.error();
            if (Status s = bind_text(org.s, 2, r.file); !s) return s.error();
            sqlite3_bind_int(org.s, 3, r.line);
            if (sqlite3_step(org.s) != SQLITE_DONE) return make_error(EX_IOERR, fmt::format("{}: {}", tmp, sqlite_text(db)));
        }
        ++stats.entries;
        stats.longest = std::max(stats.longest, r.value.size());
        stats.total += r.key.size() + r.value.size();
    }
    return stats;
}

// fsync the file and its directory so the rename is durable (a map that
// vanished after a power cut would make every alias "User unknown").
Status sync_path(const std::string& path, int flags) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return make_error(EX_IOERR, fmt::format("{}: {}", path, std::strerror(errno)));
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return make_error(EX_IOERR, fmt::format("{}: fsync: {}", path, std::strerror(err)));
    return {};
}

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

// SQLite URI: percent-encode the bytes that would end the path part.
std::string uri_for(const std::string& path) {
    std::string out = "file:";
    for (char c : path) {
        if (c == '%' || c == '?' || c == '#')
            out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        else
            out += c;
    }
    return out + "?mode=ro&immutable=1";
}

}  // namespace

const std::vector<std::string>& known_types() {
    static const std::vector<std::string> types = {"hash", "btree", "dbm", "sqlite"};
    return types;
}

bool known_type(std::string_view type) {
    for (const auto& t : known_types())
        if (t == type) return true;
    return false;
}

std::string db_file_name(std::string_view name) {
    std::string n(name);
    if (n.size() >= 3 && n.compare(n.size() - 3, 3, ".db") == 0) return n;
    return n + ".db";
}

std::optional<int64_t> mtime_ns(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

Result<BuildStats> build(const std::string& db_path, const std::vector<Record>& records, const BuildOptions& o) {
    std::vector<std::string> keys;
    auto resolved = resolve_duplicates(records, o, keys);
    if (!resolved) return resolved.error();

    TempFile tmp;
    tmp.path = db_path + ".tmpXXXXXX";
    int fd = ::mkstemp(tmp.path.data());
    if (fd < 0) {
        int err = errno;
        tmp.path.clear();
        return make_error(EX_CANTCREAT, fmt::format("{}: cannot create temporary map: {}", db_path, std::strerror(err)));
    }
    ::fchmod(fd, 0644);
    ::close(fd);

    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(tmp.path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
    struct Closer {
        sqlite3* d;
        ~Closer() { sqlite3_close(d); }
    } closer{db};
    if (rc != SQLITE_OK) return make_error(EX_CANTCREAT, fmt::format("{}: {}", tmp.path, sqlite_text(db)));
    // The temporary file is private until renamed, so no rollback journal is
    // needed: a crash leaves an unused temporary, never a damaged map.
    if (Status s = exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=FULL; BEGIN;", tmp.path); !s) return s.error();
    if (Status s = exec(db, k_schema, tmp.path); !s) return s.error();
    auto stats = write_records(db, *resolved, keys, tmp.path);
    if (!stats) return stats.error();
    if (Status s = write_meta(db, o, stats->entries, tmp.path); !s) return s.error();
    if (Status s = exec(db, "COMMIT;", tmp.path); !s) return s.error();
    if (sqlite3_close(db) != SQLITE_OK) return make_error(EX_IOERR, fmt::format("{}: close failed", tmp.path));
    closer.d = nullptr;

    if (Status s = sync_path(tmp.path, O_RDONLY); !s) return s.error();
    if (::rename(tmp.path.c_str(), db_path.c_str()) != 0)
        return make_error(EX_CANTCREAT, fmt::format("{}: rename: {}", db_path, std::strerror(errno)));
    tmp.keep = true;
    if (Status s = sync_path(dir_of(db_path), O_RDONLY | O_DIRECTORY); !s) return s.error();
    return stats;
}

Result<BuildStats> build(const std::string& db_path, const std::vector<std::pair<std::string, std::string>>& entries,
                         const BuildOptions& o) {
    std::vector<Record> records;
    records.reserve(entries.size());
    for (const auto& [k, v] : entries) records.push_back(Record{k, v, "", 0});
    return build(db_path, records, o);
}

// ---- Map ------------------------------------------------------------------

Result<Map> Map::open(const std::string& db_path) {
    Map m;
    m.m_path = db_path;
    struct stat st {};
    if (::stat(db_path.c_str(), &st) != 0)
        return make_error(EX_NOINPUT, fmt::format("{}: {}", db_path, std::strerror(errno)));
    m.m_dev = st.st_dev;
    m.m_ino = st.st_ino;
    std::string uri = uri_for(db_path);
    if (sqlite3_open_v2(uri.c_str(), &m.m_db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) != SQLITE_OK)
        return make_error(EX_NOINPUT, fmt::format("{}: {}", db_path, sqlite_text(m.m_db)));
    sqlite3_busy_timeout(m.m_db, 5000);
    if (sqlite3_prepare_v2(m.m_db, "SELECT value FROM map WHERE key = ?", -1, &m.m_lookup, nullptr) != SQLITE_OK)
        return make_error(EX_DATAERR, fmt::format("{}: not a mailroom map: {}", db_path, sqlite_text(m.m_db)));
    // origin is optional so a hand-made SQLite map with only map(key,value) works.
    if (sqlite3_prepare_v2(m.m_db, "SELECT file, line FROM origin WHERE key = ?", -1, &m.m_origin, nullptr) != SQLITE_OK)
        m.m_origin = nullptr;
    std::string fold = m.meta("fold_case");
    m.m_fold_case = fold != "0";
    m.m_source = m.meta("source");
    std::string mt = m.meta("source_mtime_ns");
    m.m_source_mtime_ns = mt.empty() ? -1 : std::strtoll(mt.c_str(), nullptr, 10);
    return m;
}

Map::Map(Map&& o) noexcept { *this = std::move(o); }

Map& Map::operator=(Map&& o) noexcept {
    if (this != &o) {
        close();
        m_db = std::exchange(o.m_db, nullptr);
        m_lookup = std::exchange(o.m_lookup, nullptr);
        m_origin = std::exchange(o.m_origin, nullptr);
        m_path = std::move(o.m_path);
        m_source = std::move(o.m_source);
        m_source_mtime_ns = o.m_source_mtime_ns;
        m_fold_case = o.m_fold_case;
        m_dev = o.m_dev;
        m_ino = o.m_ino;
    }
    return *this;
}

Map::~Map() { close(); }

void Map::close() {
    sqlite3_finalize(m_lookup);
    sqlite3_finalize(m_origin);
    sqlite3_close(m_db);
    m_lookup = m_origin = nullptr;
    m_db = nullptr;
}

std::string Map::fold(std::string_view key) const { return m_fold_case ? to_lower(key) : std::string(key); }

Result<std::optional<std::string>> Map::lookup(std::string_view key) const {
    std::string k = fold(key);
    sqlite3_reset(m_lookup);
    if (Status s = bind_text(m_lookup, 1, k); !s) return s.error();
    int rc = sqlite3_step(m_lookup);
    if (rc == SQLITE_ROW) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_lookup, 0));
        std::string value(text ? text : "", static_cast<size_t>(sqlite3_column_bytes(m_lookup, 0)));
        sqlite3_reset(m_lookup);
        return std::optional<std::string>(std::move(value));
    }
    sqlite3_reset(m_lookup);
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    return make_error(EX_TEMPFAIL, fmt::format("{}: lookup: {}", m_path, sqlite_text(m_db)));
}

std::optional<Origin> Map::origin(std::string_view key) const {
    if (!m_origin) return std::nullopt;
    std::string k = fold(key);
    sqlite3_reset(m_origin);
    if (!bind_text(m_origin, 1, k)) return std::nullopt;
    std::optional<Origin> out;
    if (sqlite3_step(m_origin) == SQLITE_ROW) {
        const auto* f = reinterpret_cast<const char*>(sqlite3_column_text(m_origin, 0));
        out = Origin{f ? f : "", sqlite3_column_int(m_origin, 1)};
    }
    sqlite3_reset(m_origin);
    return out;
}

Result<std::vector<Record>> Map::dump() const {
    Stmt st;
    if (sqlite3_prepare_v2(m_db, "SELECT key, value FROM map ORDER BY key", -1, &st.s, nullptr) != SQLITE_OK)
        return make_error(EX_DATAERR, fmt::format("{}: {}", m_path, sqlite_text(m_db)));
    std::vector<Record> out;
    int rc;
    while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
        Record r;
        const auto* k = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 0));
        const auto* v = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 1));
        r.key.assign(k ? k : "", static_cast<size_t>(sqlite3_column_bytes(st.s, 0)));
        r.value.assign(v ? v : "", static_cast<size_t>(sqlite3_column_bytes(st.s, 1)));
        out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return make_error(EX_IOERR, fmt::format("{}: {}", m_path, sqlite_text(m_db)));
    return out;
}

std::string Map::meta(std::string_view name) const {
    Stmt st;
    if (sqlite3_prepare_v2(m_db, "SELECT value FROM meta WHERE name = ?", -1, &st.s, nullptr) != SQLITE_OK) return "";
    if (!bind_text(st.s, 1, name)) return "";
    if (sqlite3_step(st.s) != SQLITE_ROW) return "";
    const auto* v = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 0));
    return v ? v : "";
}

bool Map::replaced_on_disk() const {
    struct stat st {};
    if (::stat(m_path.c_str(), &st) != 0) return true;
    return st.st_dev != m_dev || st.st_ino != m_ino;
}

}  // namespace mail::maps
