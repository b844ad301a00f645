// sqlite.h — a thin RAII layer over SQLite 3 for the queue and the maps.
//
// Db owns a connection, Stmt a prepared statement; both are move-only.
// Errors come back as Status/Result with EX_TEMPFAIL for "busy/full/IO"
// (the caller may retry later, mail is never lost) and EX_SOFTWARE for
// misuse.  Thread-safety: a Db and its Stmts belong to one thread at a time.
#pragma once

#include "libmail/util/result.h"

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace mail::sqlite {

class Stmt;

class Db {
public:
    enum class Mode { ReadOnly, ReadWrite, Create };
    static Result<Db> open(const std::string& path, Mode mode);

    Db() = default;
    Db(Db&& o) noexcept : m_db(o.m_db) { o.m_db = nullptr; }
    Db& operator=(Db&& o) noexcept;
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;
    ~Db();

    // Runs one or more statements without results.
    Status exec(std::string_view sql);
    Result<Stmt> prepare(std::string_view sql);
    Status begin_immediate() { return exec("BEGIN IMMEDIATE"); }
    Status commit() { return exec("COMMIT"); }
    void rollback();  // never fails visibly; used on error paths

    sqlite3* handle() const { return m_db; }
    Error error(std::string_view what) const;  // "what: sqlite message" with an exit class

private:
    explicit Db(sqlite3* db) : m_db(db) {}
    sqlite3* m_db = nullptr;
};

class Stmt {
public:
    Stmt() = default;
    Stmt(Stmt&& o) noexcept : m_st(o.m_st), m_db(o.m_db) { o.m_st = nullptr; }
    Stmt& operator=(Stmt&& o) noexcept;
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    ~Stmt();

    // Bind by 1-based index.  Text and blobs are copied (SQLITE_TRANSIENT).
    Stmt& bind(int i, std::string_view text);
    Stmt& bind_blob(int i, std::string_view bytes);
    Stmt& bind(int i, int64_t v);
    Stmt& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }

    // step(): true when a row is ready, false when done; errors as Error.
    Result<bool> step();
    Status run();  // step to completion, then reset
    void reset();  // reset and clear bindings, ready for reuse

    std::string text(int col) const;
    std::string_view blob(int col) const;  // valid until the next step/reset
    int64_t integer(int col) const;

private:
    friend class Db;
    Stmt(sqlite3_stmt* st, sqlite3* db) : m_st(st), m_db(db) {}
    sqlite3_stmt* m_st = nullptr;
    sqlite3* m_db = nullptr;
};

// Maps an SQLite result code to a sysexits class: full disk, busy and I/O
// errors are temporary (EX_TEMPFAIL), the rest EX_SOFTWARE.
int exit_code_for(int sqlite_code);

}  // namespace mail::sqlite
