// map.h — sendmail-style key/value maps stored as SQLite files.
//
// A map is one SQLite file, NAME.db, whatever type the administrator names
// (hash, btree and dbm are accepted for compatibility; sqlite is native).
// The schema (docs/maps.md):
//   map(key TEXT PRIMARY KEY, value TEXT NOT NULL)
//   meta(name TEXT PRIMARY KEY, value TEXT)       -- format, source, flags
//   origin(key TEXT PRIMARY KEY, file TEXT, line INTEGER)  -- where a key came from
//
// A map file is never modified in place: build() writes a temporary file in
// the same directory, fsyncs it and renames it over the old one.  Readers
// that still hold the old file keep reading a consistent old version, so a
// rebuild never blocks or breaks delivery.  Because of that, readers open the
// file read-only and immutable (no SQLite locks at all).
//
// Thread-safety: a Map is not shared between threads (its prepared
// statements are not reentrant); open one per thread.  Map is move-only and
// owns its sqlite3 handle and statements.
//
// SECURITY: map sources are written by the administrator (or the instance
// owner).  Values are returned as stored; callers interpret them.
#pragma once

#include "libmail/util/result.h"

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace mail::maps {

inline constexpr int k_format_version = 1;

// One key/value pair with the place it was written (file may be empty).
struct Record {
    std::string key;
    std::string value;
    std::string file;
    int line = 0;
};

// Where a key came from: "file:line" of its source line.
struct Origin {
    std::string file;
    int line = 0;
};

enum class Duplicates {
    Error,      // a second definition of a key is an error (makemap default)
    KeepFirst,  // -d: accepted, the first value stays (lookups return it)
    Replace,    // -r: the later value replaces the earlier
};

struct BuildOptions {
    bool fold_case = true;  // keys stored lower-cased and looked up folded (makemap -f turns off)
    Duplicates duplicates = Duplicates::Error;
    std::string type = "hash";       // recorded only: hash, btree, dbm, sqlite
    std::string source_path;         // recorded in meta; empty for stdin
    int64_t source_mtime_ns = -1;    // recorded in meta; -1 = unknown
};

struct BuildStats {
    size_t entries = 0;  // keys stored
    size_t longest = 0;  // longest value, bytes
    size_t total = 0;    // sum of key + value bytes
};

// Builds (or atomically replaces) the map at db_path.  With
// Duplicates::Error the first duplicate fails the build with
// `file:line: duplicate key "x"` (EX_DATAERR) and leaves the old map intact.
// I/O failures give EX_CANTCREAT / EX_IOERR.
Result<BuildStats> build(const std::string& db_path, const std::vector<Record>& records,
                         const BuildOptions& options = {});
Result<BuildStats> build(const std::string& db_path,
                         const std::vector<std::pair<std::string, std::string>>& entries,
                         const BuildOptions& options = {});

// The file name for map NAME: NAME.db unless NAME already ends in ".db".
std::string db_file_name(std::string_view name);

// True for the map types makemap accepts.
bool known_type(std::string_view type);
const std::vector<std::string>& known_types();

class Map {
public:
    // Opens an existing map read-only.  Missing file: EX_NOINPUT; not a map
    // (bad schema, not SQLite): EX_DATAERR.
    static Result<Map> open(const std::string& db_path);

    Map(Map&& other) noexcept;
    Map& operator=(Map&& other) noexcept;
    Map(const Map&) = delete;
    Map& operator=(const Map&) = delete;
    ~Map();

    // The value for key (folded to lower case unless the map was built
    // with fold_case off), nullopt if absent; errors are SQLite failures.
    Result<std::optional<std::string>> lookup(std::string_view key) const;
    // Where key was defined, if the builder recorded it.
    std::optional<Origin> origin(std::string_view key) const;
    // Every record in key order (makemap -u).
    Result<std::vector<Record>> dump() const;

    // meta table values ("" when absent).
    std::string meta(std::string_view name) const;
    bool fold_case() const { return m_fold_case; }
    const std::string& source_path() const { return m_source; }
    int64_t source_mtime_ns() const { return m_source_mtime_ns; }
    const std::string& path() const { return m_path; }

    // True when db_path now names a different file than the one open (it was
    // rebuilt) or is gone: long-running readers reopen then.
    bool replaced_on_disk() const;

private:
    Map() = default;
    void close();
    std::string fold(std::string_view key) const;

    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_lookup = nullptr;
    sqlite3_stmt* m_origin = nullptr;
    std::string m_path;
    std::string m_source;
    int64_t m_source_mtime_ns = -1;
    bool m_fold_case = true;
    dev_t m_dev = 0;
    ino_t m_ino = 0;
};

// Modification time of a file in nanoseconds, nullopt if it cannot be stat'ed.
std::optional<int64_t> mtime_ns(const std::string& path);

}  // namespace mail::maps
