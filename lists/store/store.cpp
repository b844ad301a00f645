// store.cpp — see store.h and docs/lists.md "The database".
#include "lists/store/store.h"

#include "libmail/util/strings.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mail::lists {

namespace {

#define TRY(expr)                                     \
    do {                                              \
        if (auto _s = (expr); !_s) return _s.error(); \
    } while (0)

constexpr const char* k_schema = R"sql(
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('format', '1');
CREATE TABLE IF NOT EXISTS list (
  name TEXT PRIMARY KEY, host TEXT NOT NULL, created INTEGER NOT NULL, next_seq INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS list_option (
  list TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (list, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS owner (
  list TEXT NOT NULL, address TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (list, address)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS member (
  list TEXT NOT NULL, address TEXT NOT NULL, display TEXT NOT NULL, joined INTEGER NOT NULL,
  digest INTEGER NOT NULL DEFAULT 0, nomail INTEGER NOT NULL DEFAULT 0, moderated INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0, notices INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (list, address)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pending (
  hash TEXT PRIMARY KEY, list TEXT NOT NULL, address TEXT NOT NULL, action TEXT NOT NULL,
  requester TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL,
  held_id INTEGER NOT NULL DEFAULT 0, digest INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS pending_by_address ON pending (list, address, action);
CREATE TABLE IF NOT EXISTS held (
  id INTEGER PRIMARY KEY AUTOINCREMENT, list TEXT NOT NULL, sender TEXT NOT NULL, subject TEXT NOT NULL,
  reason TEXT NOT NULL, received INTEGER NOT NULL, message BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS post (
  list TEXT NOT NULL, seq INTEGER NOT NULL, msgid TEXT NOT NULL, date INTEGER NOT NULL, sender TEXT NOT NULL,
  subject TEXT NOT NULL, in_reply_to TEXT NOT NULL, refs TEXT NOT NULL, bytes INTEGER NOT NULL,
  digested INTEGER NOT NULL DEFAULT 0, fanned_out INTEGER NOT NULL DEFAULT 0, fanout_done INTEGER NOT NULL DEFAULT 0,
  fanout_at INTEGER NOT NULL DEFAULT 0, message BLOB NOT NULL, PRIMARY KEY (list, seq));
CREATE TABLE IF NOT EXISTS bounce (
  list TEXT NOT NULL, address TEXT NOT NULL, day INTEGER NOT NULL, points INTEGER NOT NULL, post TEXT NOT NULL,
  PRIMARY KEY (list, address, day)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS bounce_by_post ON bounce (list, post);
CREATE TABLE IF NOT EXISTS autoresponse (
  list TEXT NOT NULL, sender TEXT NOT NULL, day INTEGER NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (list, sender, day)) WITHOUT ROWID;
)sql";

// Settings kept as (name, value) rows: one per k_list_options row, so a new
// option needs no schema change.
Status run(sqlite::Db& db, std::string_view sql, const std::vector<std::string>& args) {
    auto st = db.prepare(sql);
    if (!st) return st.error();
    for (size_t i = 0; i < args.size(); ++i) st->bind(static_cast<int>(i + 1), args[i]);
    return st->run();
}

Action action_from(std::string_view s) {
    if (s == "unsubscribe") return Action::Unsubscribe;
    if (s == "held") return Action::Held;
    if (s == "approve") return Action::Approve;
    return Action::Subscribe;
}

Member member_from(const sqlite::Stmt& st) {
    Member m;
    m.address = st.text(0);
    m.display = st.text(1);
    m.joined = st.integer(2);
    m.digest = static_cast<int>(st.integer(3));
    m.nomail = st.integer(4) != 0;
    m.moderated = st.integer(5) != 0;
    m.disabled = st.integer(6);
    m.notices = st.integer(7);
    return m;
}

constexpr const char* k_member_cols = "address, display, joined, digest, nomail, moderated, disabled, notices";
constexpr const char* k_post_cols =
    "list, seq, msgid, date, sender, subject, in_reply_to, refs, bytes, digested, fanned_out, fanout_done, fanout_at";

Post post_from(const sqlite::Stmt& st) {
    Post p;
    p.list = st.text(0);
    p.seq = st.integer(1);
    p.message_id = st.text(2);
    p.date = st.integer(3);
    p.sender = st.text(4);
    p.subject = st.text(5);
    p.in_reply_to = st.text(6);
    p.references = st.text(7);
    p.bytes = st.integer(8);
    p.digested = st.integer(9) != 0;
    p.fanned_out = st.integer(10) != 0;
    p.fanout_done = st.integer(11);
    p.fanout_at = st.integer(12);
    return p;
}

}  // namespace

std::string key_of(std::string_view address) { return to_lower(trim(address)); }

std::string_view action_name(Action a) {
    switch (a) {
    case Action::Subscribe: return "subscribe";
    case Action::Unsubscribe: return "unsubscribe";
    case Action::Held: return "held";
    case Action::Approve: return "approve";
    }
    return "subscribe";
}

Result<std::string> new_token() {
    unsigned char raw[16];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = ::getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(EX_OSERR, fmt::format("getrandom: {}", std::strerror(errno)));
        }
        got += static_cast<size_t>(n);
    }
    std::string hex;
    for (unsigned char c : raw) hex += fmt::format("{:02x}", c);
    return hex;
}

std::string sha256_hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) std::abort();
    std::string hex;
    for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
    return hex;
}

bool looks_like_token(std::string_view s) {
    return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

Result<Store> Store::open(const std::string& dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return make_error(EX_CONFIG, fmt::format("{}: lists directory missing", dir));
    for (int attempt = 0;; ++attempt) {
        auto db = sqlite::Db::open(dir + "/lists.db", sqlite::Db::Mode::Create);
        if (!db) return db.error();
        Status s = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;");
        if (s) s = db->exec(k_schema);
        if (s) return Store(std::move(*db));
        // Two first runs at once can find the database busy while the other
        // switches it to WAL; SQLite reports that at once.
        if (s.error().exit_code != EX_TEMPFAIL || attempt >= 100) return s.error();
        ::usleep(50 * 1000);
    }
}

Status Store::create_list(const Settings& s) {
    TRY(begin());
    auto st = m_db.prepare("INSERT INTO list (name, host, created) VALUES (?, ?, ?)");
    if (!st) {
        rollback();
        return st.error();
    }
    st->bind(1, s.name).bind(2, s.host).bind(3, static_cast<int64_t>(s.created));
    if (Status r = st->run(); !r) {
        rollback();
        if (r.error().message.find("UNIQUE") != std::string::npos)
            return make_error(EX_CANTCREAT, fmt::format("list {} already exists", s.name));
        return r;
    }
    if (Status r = save_settings(s); !r) {
        rollback();
        return r;
    }
    return commit();
}

Status Store::remove_list(std::string_view name) {
    TRY(begin());
    for (const char* table : {"list_option", "owner", "member", "pending", "held", "post", "bounce", "autoresponse"}) {
        if (Status r = run(m_db, fmt::format("DELETE FROM {} WHERE list = ?", table), {std::string(name)}); !r) {
            rollback();
            return r;
        }
    }
    if (Status r = run(m_db, "DELETE FROM list WHERE name = ?", {std::string(name)}); !r) {
        rollback();
        return r;
    }
    return commit();
}

Status Store::save_settings(const Settings& s) {
    auto st = m_db.prepare("INSERT OR REPLACE INTO list_option (list, name, value) VALUES (?, ?, ?)");
    if (!st) return st.error();
    for (const auto& row : k_list_options) {
        auto v = s.get(row.name);
        if (!v) return v.error();
        st->bind(1, s.name).bind(2, std::string_view(row.name)).bind(3, *v);
        TRY(st->run());
    }
    return {};
}

Status Store::load_settings(Settings& s) {
    auto st = m_db.prepare("SELECT name, value FROM list_option WHERE list = ?");
    if (!st) return st.error();
    st->bind(1, s.name);
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        // A value the table no longer accepts keeps its default (and an
        // option that no longer exists is ignored): an old database opens.
        (void)s.set(st->text(0), st->text(1));
    }
    return {};
}

Result<std::optional<Settings>> Store::find_list(std::string_view name) {
    auto st = m_db.prepare("SELECT name, host, created FROM list WHERE name = ?");
    if (!st) return st.error();
    st->bind(1, name);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return std::optional<Settings>{};
    Settings s = defaults(st->text(0), st->text(1));
    s.created = st->integer(2);
    TRY(load_settings(s));
    return std::optional<Settings>{std::move(s)};
}

Result<std::vector<Settings>> Store::lists() {
    std::vector<std::string> names;
    {
        auto st = m_db.prepare("SELECT name FROM list ORDER BY name");
        if (!st) return st.error();
        while (true) {
            auto row = st->step();
            if (!row) return row.error();
            if (!*row) break;
            names.push_back(st->text(0));
        }
    }
    std::vector<Settings> out;
    for (const auto& n : names) {
        auto s = find_list(n);
        if (!s) return s.error();
        if (*s) out.push_back(std::move(**s));
    }
    return out;
}

Status Store::add_owner(std::string_view list, std::string_view address, std::string_view role) {
    return run(m_db, "INSERT OR REPLACE INTO owner (list, address, role) VALUES (?, ?, ?)",
               {std::string(list), key_of(address), std::string(role)});
}

Result<bool> Store::remove_owner(std::string_view list, std::string_view address) {
    TRY(run(m_db, "DELETE FROM owner WHERE list = ? AND address = ?", {std::string(list), key_of(address)}));
    return sqlite3_changes(m_db.handle()) > 0;
}

Result<std::vector<std::pair<std::string, std::string>>> Store::owners(std::string_view list) {
    auto st = m_db.prepare("SELECT address, role FROM owner WHERE list = ? ORDER BY role DESC, address");
    if (!st) return st.error();
    st->bind(1, list);
    std::vector<std::pair<std::string, std::string>> out;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        out.emplace_back(st->text(0), st->text(1));
    }
    return out;
}

Result<bool> Store::is_owner(std::string_view list, std::string_view address, bool or_moderator) {
    auto st = m_db.prepare("SELECT role FROM owner WHERE list = ? AND address = ?");
    if (!st) return st.error();
    st->bind(1, list).bind(2, key_of(address));
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return false;
    return or_moderator || st->text(0) == "owner";
}

Result<bool> Store::add_member(std::string_view list, const Member& m) {
    auto st = m_db.prepare(
        "INSERT OR IGNORE INTO member (list, address, display, joined, digest, nomail, moderated, disabled, notices) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return st.error();
    st->bind(1, list).bind(2, key_of(m.address)).bind(3, m.display.empty() ? m.address : m.display);
    st->bind(4, static_cast<int64_t>(m.joined)).bind(5, m.digest).bind(6, m.nomail ? 1 : 0);
    st->bind(7, m.moderated ? 1 : 0).bind(8, static_cast<int64_t>(m.disabled)).bind(9, m.notices);
    TRY(st->run());
    return sqlite3_changes(m_db.handle()) > 0;
}

Result<bool> Store::remove_member(std::string_view list, std::string_view address) {
    TRY(run(m_db, "DELETE FROM member WHERE list = ? AND address = ?", {std::string(list), key_of(address)}));
    bool removed = sqlite3_changes(m_db.handle()) > 0;
    TRY(clear_bounces(list, address));
    return removed;
}

Result<std::optional<Member>> Store::find_member(std::string_view list, std::string_view address) {
    auto st = m_db.prepare(fmt::format("SELECT {} FROM member WHERE list = ? AND address = ?", k_member_cols));
    if (!st) return st.error();
    st->bind(1, list).bind(2, key_of(address));
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return std::optional<Member>{};
    return std::optional<Member>{member_from(*st)};
}

Status Store::update_member(std::string_view list, const Member& m) {
    auto st = m_db.prepare(
        "UPDATE member SET display = ?, digest = ?, nomail = ?, moderated = ?, disabled = ?, notices = ? "
        "WHERE list = ? AND address = ?");
    if (!st) return st.error();
    st->bind(1, m.display).bind(2, m.digest).bind(3, m.nomail ? 1 : 0).bind(4, m.moderated ? 1 : 0);
    st->bind(5, static_cast<int64_t>(m.disabled)).bind(6, m.notices).bind(7, list).bind(8, key_of(m.address));
    return st->run();
}

Status Store::for_each_member(std::string_view list, const std::function<bool(const Member&)>& fn) {
    auto st = m_db.prepare(fmt::format("SELECT {} FROM member WHERE list = ? ORDER BY address", k_member_cols));
    if (!st) return st.error();
    st->bind(1, list);
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row || !fn(member_from(*st))) break;
    }
    return {};
}

Result<int64_t> Store::count_members(std::string_view list) {
    auto st = m_db.prepare("SELECT count(*) FROM member WHERE list = ?");
    if (!st) return st.error();
    st->bind(1, list);
    auto row = st->step();
    if (!row) return row.error();
    return st->integer(0);
}

Result<std::string> Store::create_pending(const Pending& p) {
    auto token = new_token();
    if (!token) return token.error();
    auto st = m_db.prepare(
        "INSERT INTO pending (hash, list, address, action, requester, created, expires, held_id, digest) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return st.error();
    st->bind(1, sha256_hex(*token)).bind(2, p.list).bind(3, key_of(p.address)).bind(4, action_name(p.action));
    st->bind(5, key_of(p.requester)).bind(6, static_cast<int64_t>(p.created)).bind(7, static_cast<int64_t>(p.expires));
    st->bind(8, p.held_id).bind(9, p.digest);
    TRY(st->run());
    return *token;
}

Result<std::optional<Pending>> Store::find_pending(std::string_view list, std::string_view address, Action action,
                                                   std::time_t now) {
    auto st = m_db.prepare(
        "SELECT requester, created, expires, held_id, digest FROM pending "
        "WHERE list = ? AND address = ? AND action = ? AND expires > ? ORDER BY created LIMIT 1");
    if (!st) return st.error();
    st->bind(1, list).bind(2, key_of(address)).bind(3, action_name(action)).bind(4, static_cast<int64_t>(now));
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return std::optional<Pending>{};
    Pending p;
    p.list = std::string(list);
    p.address = key_of(address);
    p.action = action;
    p.requester = st->text(0);
    p.created = st->integer(1);
    p.expires = st->integer(2);
    p.held_id = st->integer(3);
    p.digest = static_cast<int>(st->integer(4));
    return std::optional<Pending>{p};
}

Result<std::pair<TokenState, Pending>> Store::token_row(std::string_view token, std::time_t now, bool take) {
    std::pair<TokenState, Pending> out{TokenState::Unknown, {}};
    if (!looks_like_token(token)) return out;
    const std::string hash = sha256_hex(token);
    auto st = m_db.prepare(
        "SELECT list, address, action, requester, created, expires, held_id, digest FROM pending WHERE hash = ?");
    if (!st) return st.error();
    st->bind(1, hash);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return out;
    Pending& p = out.second;
    p.list = st->text(0);
    p.address = st->text(1);
    p.action = action_from(st->text(2));
    p.requester = st->text(3);
    p.created = st->integer(4);
    p.expires = st->integer(5);
    p.held_id = st->integer(6);
    p.digest = static_cast<int>(st->integer(7));
    out.first = p.expires > now ? TokenState::Valid : TokenState::Expired;
    st->reset();
    if (take && out.first == TokenState::Valid) {
        TRY(run(m_db, "DELETE FROM pending WHERE hash = ?", {hash}));
        // Only one process can delete the row: a token raced by two
        // replies is used once.
        if (sqlite3_changes(m_db.handle()) == 0) out.first = TokenState::Unknown;
    }
    return out;
}

Result<std::pair<TokenState, Pending>> Store::peek_token(std::string_view token, std::time_t now) {
    return token_row(token, now, false);
}

Result<std::pair<TokenState, Pending>> Store::take_token(std::string_view token, std::time_t now) {
    return token_row(token, now, true);
}

Status Store::drop_pending_for_held(int64_t held_id) {
    auto st = m_db.prepare("DELETE FROM pending WHERE action = 'held' AND held_id = ?");
    if (!st) return st.error();
    st->bind(1, held_id);
    return st->run();
}

Status Store::expire_pending(std::time_t now) {
    auto st = m_db.prepare("DELETE FROM pending WHERE expires <= ?");
    if (!st) return st.error();
    st->bind(1, static_cast<int64_t>(now));
    return st->run();
}

Result<int64_t> Store::hold(const Held& h) {
    auto st = m_db.prepare("INSERT INTO held (list, sender, subject, reason, received, message) VALUES (?, ?, ?, ?, ?, ?)");
    if (!st) return st.error();
    st->bind(1, h.list).bind(2, h.sender).bind(3, h.subject).bind(4, h.reason);
    st->bind(5, static_cast<int64_t>(h.received)).bind_blob(6, h.message);
    TRY(st->run());
    return static_cast<int64_t>(sqlite3_last_insert_rowid(m_db.handle()));
}

Result<std::optional<Held>> Store::find_held(std::string_view list, int64_t id) {
    auto st = m_db.prepare("SELECT sender, subject, reason, received, message FROM held WHERE list = ? AND id = ?");
    if (!st) return st.error();
    st->bind(1, list).bind(2, id);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return std::optional<Held>{};
    Held h;
    h.id = id;
    h.list = std::string(list);
    h.sender = st->text(0);
    h.subject = st->text(1);
    h.reason = st->text(2);
    h.received = st->integer(3);
    h.message = std::string(st->blob(4));
    return std::optional<Held>{std::move(h)};
}

Result<std::vector<Held>> Store::held(std::string_view list) {
    auto st = m_db.prepare("SELECT id, sender, subject, reason, received FROM held WHERE list = ? ORDER BY id");
    if (!st) return st.error();
    st->bind(1, list);
    std::vector<Held> out;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        Held h;
        h.id = st->integer(0);
        h.list = std::string(list);
        h.sender = st->text(1);
        h.subject = st->text(2);
        h.reason = st->text(3);
        h.received = st->integer(4);
        out.push_back(std::move(h));
    }
    return out;
}

Result<bool> Store::remove_held(std::string_view list, int64_t id) {
    auto st = m_db.prepare("DELETE FROM held WHERE list = ? AND id = ?");
    if (!st) return st.error();
    st->bind(1, list).bind(2, id);
    TRY(st->run());
    bool removed = sqlite3_changes(m_db.handle()) > 0;
    TRY(drop_pending_for_held(id));
    return removed;
}

Result<int64_t> Store::add_post(Post& p, std::string_view message) {
    {
        auto st = m_db.prepare("UPDATE list SET next_seq = next_seq + 1 WHERE name = ? RETURNING next_seq - 1");
        if (!st) return st.error();
        st->bind(1, p.list);
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) return make_error(EX_NOUSER, fmt::format("no list {}", p.list));
        p.seq = st->integer(0);
        while (true) {  // finish the statement so the update is complete
            auto more = st->step();
            if (!more) return more.error();
            if (!*more) break;
        }
    }
    auto st = m_db.prepare(fmt::format("INSERT INTO post ({}, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                       k_post_cols));
    if (!st) return st.error();
    st->bind(1, p.list).bind(2, p.seq).bind(3, p.message_id).bind(4, static_cast<int64_t>(p.date)).bind(5, p.sender);
    st->bind(6, p.subject).bind(7, p.in_reply_to).bind(8, p.references).bind(9, static_cast<int64_t>(message.size()));
    st->bind(10, p.digested ? 1 : 0).bind(11, p.fanned_out ? 1 : 0).bind(12, p.fanout_done);
    st->bind(13, static_cast<int64_t>(p.fanout_at)).bind_blob(14, message);
    TRY(st->run());
    p.bytes = static_cast<int64_t>(message.size());
    return p.seq;
}

Result<std::string> Store::post_message(std::string_view list, int64_t seq) {
    auto st = m_db.prepare("SELECT message FROM post WHERE list = ? AND seq = ?");
    if (!st) return st.error();
    st->bind(1, list).bind(2, seq);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return make_error(EX_DATAERR, fmt::format("list {} has no post {}", list, seq));
    return std::string(st->blob(0));
}

Result<std::optional<Post>> Store::find_post(std::string_view list, int64_t seq) {
    auto st = m_db.prepare(fmt::format("SELECT {} FROM post WHERE list = ? AND seq = ?", k_post_cols));
    if (!st) return st.error();
    st->bind(1, list).bind(2, seq);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return std::optional<Post>{};
    return std::optional<Post>{post_from(*st)};
}

Status Store::set_fanout(std::string_view list, int64_t seq, int64_t done, bool finished, std::time_t now) {
    auto st = m_db.prepare("UPDATE post SET fanout_done = ?, fanned_out = ?, fanout_at = ? WHERE list = ? AND seq = ?");
    if (!st) return st.error();
    st->bind(1, done).bind(2, finished ? 1 : 0).bind(3, static_cast<int64_t>(now)).bind(4, list).bind(5, seq);
    return st->run();
}

Result<std::vector<Post>> Store::unfinished_posts(std::time_t idle_before) {
    auto st = m_db.prepare(
        fmt::format("SELECT {} FROM post WHERE fanned_out = 0 AND fanout_at < ? ORDER BY list, seq", k_post_cols));
    if (!st) return st.error();
    st->bind(1, static_cast<int64_t>(idle_before));
    std::vector<Post> out;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back(post_from(*st));
    }
    return out;
}

Result<std::vector<Post>> Store::posts(std::string_view list, bool undigested_only) {
    auto st = m_db.prepare(fmt::format("SELECT {} FROM post WHERE list = ? {} ORDER BY seq", k_post_cols,
                                       undigested_only ? "AND digested = 0" : ""));
    if (!st) return st.error();
    st->bind(1, list);
    std::vector<Post> out;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back(post_from(*st));
    }
    return out;
}

Status Store::mark_digested(std::string_view list, int64_t up_to_seq) {
    auto st = m_db.prepare("UPDATE post SET digested = 1 WHERE list = ? AND seq <= ?");
    if (!st) return st.error();
    st->bind(1, list).bind(2, up_to_seq);
    return st->run();
}

Status Store::record_bounce(std::string_view list, std::string_view address, int64_t day, int64_t half_points,
                            std::string_view post_key) {
    // One row per member and day; a heavier bounce that day replaces a lighter one.
    auto st = m_db.prepare(
        "INSERT INTO bounce (list, address, day, points, post) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (list, address, day) DO UPDATE SET points = excluded.points, post = excluded.post "
        "WHERE excluded.points > bounce.points");
    if (!st) return st.error();
    st->bind(1, list).bind(2, key_of(address)).bind(3, day).bind(4, half_points).bind(5, post_key);
    return st->run();
}

Result<int64_t> Store::bouncers_of(std::string_view list, std::string_view post_key) {
    auto st = m_db.prepare("SELECT count(DISTINCT address) FROM bounce WHERE list = ? AND post = ?");
    if (!st) return st.error();
    st->bind(1, list).bind(2, post_key);
    auto row = st->step();
    if (!row) return row.error();
    return st->integer(0);
}

Result<int64_t> Store::bounce_score(std::string_view list, std::string_view address, int64_t since,
                                    const std::vector<std::string>& set_aside) {
    auto st = m_db.prepare("SELECT points, post FROM bounce WHERE list = ? AND address = ? AND day >= ?");
    if (!st) return st.error();
    st->bind(1, list).bind(2, key_of(address)).bind(3, since);
    int64_t total = 0;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        std::string post = st->text(1);
        if (!post.empty() && std::find(set_aside.begin(), set_aside.end(), post) != set_aside.end()) continue;
        total += st->integer(0);
    }
    return total;
}

Status Store::clear_bounces(std::string_view list, std::string_view address) {
    return run(m_db, "DELETE FROM bounce WHERE list = ? AND address = ?", {std::string(list), key_of(address)});
}

Result<std::vector<std::string>> Store::mass_bounced_posts(std::string_view list, int64_t threshold) {
    auto st = m_db.prepare(
        "SELECT post FROM bounce WHERE list = ? AND post != '' GROUP BY post HAVING count(DISTINCT address) >= ?");
    if (!st) return st.error();
    st->bind(1, list).bind(2, threshold);
    std::vector<std::string> out;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back(st->text(0));
    }
    return out;
}

Result<int64_t> Store::count_autoresponse(std::string_view list, std::string_view sender, int64_t day) {
    auto st = m_db.prepare(
        "INSERT INTO autoresponse (list, sender, day, count) VALUES (?, ?, ?, 1) "
        "ON CONFLICT (list, sender, day) DO UPDATE SET count = count + 1 RETURNING count");
    if (!st) return st.error();
    st->bind(1, list).bind(2, key_of(sender)).bind(3, day);
    auto row = st->step();
    if (!row) return row.error();
    int64_t n = *row ? st->integer(0) : 0;
    st->reset();
    // Yesterday's counts are of no further use.
    auto old = m_db.prepare("DELETE FROM autoresponse WHERE day < ?");
    if (!old) return old.error();
    old->bind(1, day - 1);
    TRY(old->run());
    return n;
}

}  // namespace mail::lists
