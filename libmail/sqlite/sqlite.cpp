// sqlite.cpp — see sqlite.h.
#include "libmail/sqlite/sqlite.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>

namespace mail::sqlite {

int exit_code_for(int rc) {
    switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL: return EX_TEMPFAIL;
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH: return EX_CANTCREAT;
    default: return EX_SOFTWARE;
    }
}

namespace {
int busy_wait(void*, int tries) {
    // tries: how many times the handler ran for this lock.
    constexpr long k_total_us = 60L * 1000 * 1000;
    long waited = 0;
    for (int i = 0; i < tries; ++i) waited += std::min(200L << std::min(i / 50, 5), 10000L);
    if (waited >= k_total_us) return 0;  // give up: SQLITE_BUSY
    ::usleep(static_cast<useconds_t>(std::min(200L << std::min(tries / 50, 5), 10000L)));
    return 1;
}
}  // namespace

Result<Db> Db::open(const std::string& path, Mode mode) {
    int flags = SQLITE_OPEN_NOMUTEX;
    switch (mode) {
    case Mode::ReadOnly: flags |= SQLITE_OPEN_READONLY; break;
    case Mode::ReadWrite: flags |= SQLITE_OPEN_READWRITE; break;
    case Mode::Create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    }
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        return make_error(exit_code_for(rc), fmt::format("{}: cannot open database: {}", path, msg));
    }
    sqlite3_extended_result_codes(db, 1);
    // Writers wait for each other rather than failing: the queue has many
    // short writers (one per sendmail process) and they must not lose mail.
    // SQLite's own busy handler sleeps 1, 2, 5 … 100 ms between tries,
    // which turns a short wait for another writer (the daemon's group
    // commit, the delivery worker's batch) into a long one; this one polls
    // every 200 µs at first, backing off to 10 ms, for 60 s in all.
    sqlite3_busy_handler(db, busy_wait, nullptr);
    return Db(db);
}

Db& Db::operator=(Db&& o) noexcept {
    if (this != &o) {
        if (m_db) sqlite3_close_v2(m_db);
        m_db = o.m_db;
        o.m_db = nullptr;
    }
    return *this;
}

Db::~Db() {
    if (m_db) sqlite3_close_v2(m_db);
}

Error Db::error(std::string_view what) const {
    int rc = sqlite3_extended_errcode(m_db);
    return make_error(exit_code_for(rc), fmt::format("{}: {}", what, sqlite3_errmsg(m_db)));
}

Status Db::exec(std::string_view sql) {
    std::string s(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(m_db, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        return make_error(exit_code_for(rc), fmt::format("database: {}", msg));
    }
    return {};
}

Result<Stmt> Db::prepare(std::string_view sql) {
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st,
                                nullptr);
    if (rc != SQLITE_OK) return error(fmt::format("prepare \"{}\"", sql));
    return Stmt(st, m_db);
}

void Db::rollback() {
    if (m_db && !sqlite3_get_autocommit(m_db)) sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
    if (this != &o) {
        if (m_st) sqlite3_finalize(m_st);
        m_st = o.m_st;
        m_db = o.m_db;
        o.m_st = nullptr;
    }
    return *this;
}

Stmt::~Stmt() {
    if (m_st) sqlite3_finalize(m_st);
}

Stmt& Stmt::bind(int i, std::string_view text) {
    sqlite3_bind_text(m_st, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}

Stmt& Stmt::bind_blob(int i, std::string_view bytes) {
    sqlite3_bind_blob(m_st, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    return *this;
}

Stmt& Stmt::bind(int i, int64_t v) {
    sqlite3_bind_int64(m_st, i, v);
    return *this;
}

Result<bool> Stmt::step() {
    int rc = sqlite3_step(m_st);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return make_error(exit_code_for(rc), fmt::format("database: {}", sqlite3_errmsg(m_db)));
}

Status Stmt::run() {
    while (true) {
        auto r = step();
        if (!r) {
            reset();
            return r.error();
        }
        if (!*r) break;
    }
    reset();
    return {};
}

void Stmt::reset() {
    sqlite3_reset(m_st);
    sqlite3_clear_bindings(m_st);
}

std::string Stmt::text(int col) const {
    const unsigned char* p = sqlite3_column_text(m_st, col);
    int n = sqlite3_column_bytes(m_st, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

std::string_view Stmt::blob(int col) const {
    const void* p = sqlite3_column_blob(m_st, col);
    int n = sqlite3_column_bytes(m_st, col);
    return p ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string_view();
}

int64_t Stmt::integer(int col) const { return sqlite3_column_int64(m_st, col); }

}  // namespace mail::sqlite
