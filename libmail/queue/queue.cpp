// queue.cpp — see queue.h and docs/queue.md.
#include "libmail/queue/queue.h"

#include "libmail/util/strings.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>
#include <cerrno>

namespace mail::queue {

namespace {

constexpr const char* k_schema = R"sql(
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('format', '2');
CREATE TABLE IF NOT EXISTS message (
  id TEXT PRIMARY KEY, sender TEXT NOT NULL, arrived INTEGER NOT NULL, size INTEGER NOT NULL,
  headers BLOB NOT NULL, msgid TEXT NOT NULL, envid TEXT NOT NULL, ret TEXT NOT NULL,
  bodytype TEXT NOT NULL, proto TEXT NOT NULL, relay TEXT NOT NULL,
  warned INTEGER NOT NULL DEFAULT 0, lease_pid INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER NOT NULL DEFAULT 0, verp TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS body_chunk (
  msg TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (msg, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS target (
  msg TEXT NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
  original TEXT NOT NULL, user TEXT NOT NULL, uid INTEGER NOT NULL, gid INTEGER NOT NULL,
  home TEXT NOT NULL, errors_to TEXT NOT NULL, notify TEXT NOT NULL, orcpt TEXT NOT NULL,
  state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_try INTEGER NOT NULL DEFAULT 0,
  last_try INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT '', diag TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '', PRIMARY KEY (msg, idx));
CREATE INDEX IF NOT EXISTS target_due ON target (state, next_try);
CREATE INDEX IF NOT EXISTS target_open ON target (msg, state);
)sql";

constexpr size_t k_chunk = 64 * 1024;

// sendmail's base-60 digits for queue ids.
constexpr std::string_view k_digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx";

bool pid_alive(int64_t pid) {
    if (pid <= 0) return false;
    return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

bool matches_any(const std::string& s, const std::vector<std::string>& subs) {
    if (subs.empty()) return true;
    std::string lower = to_lower(s);
    for (const auto& sub : subs)
        if (lower.find(to_lower(sub)) != std::string::npos) return true;
    return false;
}

// RAII guard: rolls back unless committed.  Inside a Queue::Batch it is a
// savepoint of the batch's transaction instead.
class Transaction {
public:
    explicit Transaction(sqlite::Db& db) : m_db(db) {}
    ~Transaction() {
        if (!m_done && m_begun) {
            if (g_batch_depth > 0) {
                (void)m_db.exec("ROLLBACK TO txn");
                (void)m_db.exec("RELEASE txn");
            } else {
                m_db.rollback();
            }
        }
    }
    Status begin() {
        Status s = g_batch_depth > 0 ? m_db.exec("SAVEPOINT txn") : m_db.begin_immediate();
        m_begun = s.ok();
        return s;
    }
    Status commit() {
        Status s = g_batch_depth > 0 ? m_db.exec("RELEASE txn") : m_db.commit();
        if (s) m_done = true;
        return s;
    }
    static inline int g_batch_depth = 0;  // a Queue belongs to one thread

private:
    sqlite::Db& m_db;
    bool m_done = false;
    bool m_begun = false;
};

#define TRY(expr)                                  \
    do {                                           \
        if (auto _s = (expr); !_s) return _s.error(); \
    } while (0)

// Format 1 → 2 added message.verp and target.detail.  A format-1 queue is
// upgraded in place the first time it is opened, in one transaction (two
// processes opening it at once: the second finds the columns there).  The
// new columns default to '', which is what every format-1 row meant.
Status migrate(sqlite::Db& db) {
    auto has_column = [&](const char* table, const char* column) -> Result<bool> {
        auto st = db.prepare(fmt::format("PRAGMA table_info({})", table));
        if (!st) return st.error();
        while (true) {
            auto row = st->step();
            if (!row) return row.error();
            if (!*row) return false;
            if (st->text(1) == column) {
                st->reset();
                return true;
            }
        }
    };
    auto format = db.prepare("SELECT value FROM meta WHERE name = 'format'");
    if (!format) return format.error();
    auto row = format->step();
    if (!row) return row.error();
    const bool current = *row && format->text(0) != "1";
    format->reset();
    if (current) return {};
    Transaction tx(db);
    TRY(tx.begin());
    for (auto [table, column] : {std::pair{"message", "verp"}, std::pair{"target", "detail"}}) {
        auto has = has_column(table, column);
        if (!has) return has.error();
        if (!*has)
            TRY(db.exec(fmt::format("ALTER TABLE {} ADD COLUMN {} TEXT NOT NULL DEFAULT ''", table, column)));
    }
    TRY(db.exec("UPDATE meta SET value = '2' WHERE name = 'format'"));
    return tx.commit();
}

// An address as it may appear inside <…>: the addr-spec of "Name <a@b>",
// without the backslash of a quoted local user (\john).
std::string bare_address(std::string_view a) {
    a = trim(a);
    if (auto lt = a.rfind('<'); lt != std::string_view::npos) {
        auto gt = a.find('>', lt);
        a = trim(a.substr(lt + 1, gt == std::string_view::npos ? std::string_view::npos : gt - lt - 1));
    }
    if (!a.empty() && a.front() == '\\') a.remove_prefix(1);
    return std::string(a);
}

}  // namespace

bool verp_delimiters_ok(std::string_view delims) {
    constexpr std::string_view filter = "-=+";
    return delims.size() == 2 && filter.find(delims[0]) != std::string_view::npos &&
           filter.find(delims[1]) != std::string_view::npos;
}

std::string verp_address(std::string_view sender, std::string_view delims, std::string_view recipient) {
    if (!verp_delimiters_ok(delims)) delims = k_verp_default;
    const std::string rcpt = bare_address(recipient);
    const size_t s_at = sender.rfind('@');
    const size_t r_at = rcpt.rfind('@');
    std::string out(sender.substr(0, s_at));
    out += delims[0];
    out.append(rcpt, 0, r_at);
    if (r_at != std::string::npos && r_at + 1 < rcpt.size()) {
        out += delims[1];
        out.append(rcpt, r_at + 1);
    }
    // The result becomes a MAIL FROM, a From_ line and an environment
    // variable: nothing in it may end a line or a <…> path.
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f || c == '<' || c == '>') c = '?';
    if (s_at != std::string_view::npos && s_at + 1 < sender.size()) {
        out += '@';
        out += sender.substr(s_at + 1);
    }
    return out;
}

std::string return_path(const Envelope& env, const Target& t, std::string_view host) {
    if (!t.errors_to.empty()) return t.errors_to;
    if (env.verp.empty() || env.sender.empty()) return env.sender;
    std::string rcpt = bare_address(t.original);
    if (!rcpt.empty() && rcpt.find('@') == std::string::npos) rcpt += "@" + std::string(host);
    return verp_address(env.sender, env.verp, rcpt);
}

std::string_view kind_name(TargetKind k) {
    switch (k) {
    case TargetKind::Local: return "local";
    case TargetKind::File: return "file";
    case TargetKind::Program: return "prog";
    case TargetKind::Remote: return "remote";
    }
    return "local";
}

std::optional<TargetKind> kind_from_name(std::string_view s) {
    if (s == "local") return TargetKind::Local;
    if (s == "file") return TargetKind::File;
    if (s == "prog") return TargetKind::Program;
    if (s == "remote") return TargetKind::Remote;
    return std::nullopt;
}

Result<bool> StringBody::next(std::string& out) {
    if (m_pos >= m_text.size()) return false;
    size_t n = std::min(k_chunk, m_text.size() - m_pos);
    out.append(m_text, m_pos, n);
    m_pos += n;
    return true;
}

std::string Queue::new_id(std::time_t when) {
    // The id names a second and one of 3,600 slots in it, then the pid.  A
    // process that makes more than 3,600 ids in one second (a queue run
    // returning thousands of VERP targets, one bounce each) moves on to the
    // next second's slots instead of reusing the first ones: ids stay
    // unique within the process, and only approximately tell the time.
    static std::mutex lock;
    static std::time_t last_when = 0;
    static unsigned next_seq = 0;
    unsigned seq;
    {
        std::lock_guard<std::mutex> guard(lock);
        if (when > last_when) {
            last_when = when;
            next_seq = 0;
        } else if (next_seq >= 60 * 60) {
            ++last_when;
            next_seq = 0;
        }
        when = last_when;
        seq = next_seq++;
    }
    struct tm tm {};
    gmtime_r(&when, &tm);
    std::string id;
    id += k_digits[static_cast<size_t>(tm.tm_year % 60)];
    id += k_digits[static_cast<size_t>(tm.tm_mon)];
    id += k_digits[static_cast<size_t>(tm.tm_mday)];
    id += k_digits[static_cast<size_t>(tm.tm_hour)];
    id += k_digits[static_cast<size_t>(tm.tm_min)];
    id += k_digits[static_cast<size_t>(tm.tm_sec)];
    id += k_digits[seq / 60];
    id += k_digits[seq % 60];
    id += fmt::format("{:06}", static_cast<unsigned>(getpid()) % 1000000);
    return id;
}

namespace {

// While it lives, files this (root) process creates belong to the owner of
// the queue directory.  SQLite makes queue.db-wal and queue.db-shm when the
// first connection opens the database and chowns them to the database's
// owner only after creating them; in that window an unprivileged process
// opening the same queue (the daemon's session loop beside its root
// delivery worker) finds them unwritable and gets a read-only database.
// Creating them as the owner leaves no such window.  Linux's fsuid changes
// only file access, not signals, and only for this thread.
class CreateAsOwner {
public:
    explicit CreateAsOwner(const struct stat& dir) {
        if (::geteuid() != 0 || dir.st_uid == 0) return;
        m_gid = static_cast<gid_t>(::setfsgid(dir.st_gid));
        m_uid = static_cast<uid_t>(::setfsuid(dir.st_uid));
        m_active = true;
    }
    ~CreateAsOwner() {
        if (!m_active) return;
        ::setfsuid(m_uid);
        ::setfsgid(m_gid);
    }
    CreateAsOwner(const CreateAsOwner&) = delete;
    CreateAsOwner& operator=(const CreateAsOwner&) = delete;

private:
    bool m_active = false;
    uid_t m_uid = 0;
    gid_t m_gid = 0;
};

}  // namespace

Result<Queue> Queue::open(const std::string& dir) {
    struct stat st {};
    if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return make_error(EX_CANTCREAT, fmt::format("{}: queue directory missing", dir));
    CreateAsOwner as_owner(st);
    // Two processes creating a new queue at once (the daemon and its
    // delivery worker) can find the database busy while the other switches
    // it to WAL, which SQLite reports at once instead of waiting: try again
    // for a few seconds.
    for (int attempt = 0;; ++attempt) {
        auto db = sqlite::Db::open(dir + "/queue.db", sqlite::Db::Mode::Create);
        if (!db) return db.error();
        // WAL.  Only acceptance must be durable when the commit returns, so
        // insert() switches to synchronous=FULL for its transaction; every
        // other change (claims, target states, bounces) commits with NORMAL:
        // a power loss may roll such a change back, which repeats a delivery
        // at worst and never loses one (docs/queue.md, "Durability").
        Status s = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;");
        if (s) s = db->exec(k_schema);
        if (s) s = migrate(*db);
        if (s) return Queue(dir, std::move(*db));
        if (s.error().exit_code != EX_TEMPFAIL || attempt >= 100) return s.error();
        ::usleep(50 * 1000);
    }
}

Status Queue::insert(Message& m, BodySource& body) {
    const bool auto_id = m.env.id.empty();
    for (int attempt = 0; attempt < 5; ++attempt) {
        if (auto_id) m.env.id = new_id(m.env.arrived ? m.env.arrived : std::time(nullptr));
        Status s = insert_locked(m, body);
        if (s || !auto_id) return s;
        // A clash of ids between two processes is the only retryable case.
        if (s.error().message.find("UNIQUE") == std::string::npos) return s;
    }
    return make_error(EX_TEMPFAIL, "queue: cannot allocate a queue id");
}

Status Queue::insert_locked(Message& m, BodySource& body) {
    if (Transaction::g_batch_depth > 0) {
        // Inside a batch (a delay notice while outcomes are recorded): a
        // savepoint of the batch, committed with it.
        Transaction tx(m_db);
        TRY(tx.begin());
        TRY(write_rows(m, body));
        return tx.commit();
    }
    TRY(m_db.exec("PRAGMA synchronous=FULL"));
    Status s = [&]() -> Status {
        Transaction tx(m_db);
        TRY(tx.begin());
        TRY(write_rows(m, body));
        return tx.commit();
    }();
    (void)m_db.exec("PRAGMA synchronous=NORMAL");
    return s;
}

Status Queue::begin_batch() {
    if (Transaction::g_batch_depth > 0) return make_error(EX_SOFTWARE, "queue: batch already open");
    TRY(m_db.begin_immediate());
    Transaction::g_batch_depth = 1;
    return {};
}

Status Queue::end_batch() {
    if (Transaction::g_batch_depth == 0) return {};
    Transaction::g_batch_depth = 0;
    Status s = m_db.commit();
    if (!s) m_db.rollback();
    return s;
}

Result<std::vector<Status>> Queue::insert_many(const std::vector<Pending>& items) {
    std::vector<Status> results(items.size());
    if (items.empty()) return results;
    if (Transaction::g_batch_depth > 0) {
        // Inside a batch (notices queued while outcomes are recorded): one
        // savepoint per message, committed with the batch.
        for (std::size_t i = 0; i < items.size(); ++i) {
            Message& m = *items[i].message;
            if (m.env.id.empty()) m.env.id = new_id(m.env.arrived ? m.env.arrived : std::time(nullptr));
            Transaction tx(m_db);
            TRY(tx.begin());
            results[i] = write_rows(m, *items[i].body);
            if (results[i]) TRY(tx.commit());
        }
        return results;
    }
    TRY(m_db.exec("PRAGMA synchronous=FULL"));
    Status s = [&]() -> Status {
        Transaction tx(m_db);
        TRY(tx.begin());
        for (std::size_t i = 0; i < items.size(); ++i) {
            Message& m = *items[i].message;
            if (m.env.id.empty()) m.env.id = new_id(m.env.arrived ? m.env.arrived : std::time(nullptr));
            TRY(m_db.exec("SAVEPOINT one"));
            results[i] = write_rows(m, *items[i].body);
            if (!results[i]) TRY(m_db.exec("ROLLBACK TO one"));
            TRY(m_db.exec("RELEASE one"));
        }
        return tx.commit();
    }();
    (void)m_db.exec("PRAGMA synchronous=NORMAL");
    if (!s) return s.error();
    return results;
}

Status Queue::write_rows(Message& m, BodySource& body) {
    auto chunk_st = m_db.prepare("INSERT INTO body_chunk (msg, seq, data) VALUES (?1, ?2, ?3)");
    if (!chunk_st) return chunk_st.error();
    // Body first, so its size is known for the message row.
    long long body_bytes = 0;
    int seq = 0;
    std::string buf;
    while (true) {
        buf.clear();
        auto more = body.next(buf);
        if (!more) return more.error();
        if (!buf.empty()) {
            chunk_st->bind(1, m.env.id).bind(2, seq++).bind_blob(3, buf);
            TRY(chunk_st->run());
            body_bytes += static_cast<long long>(buf.size());
        }
        if (!*more) break;
    }
    m.env.size = body_bytes + static_cast<long long>(m.env.headers.size()) + 1;  // +1: the blank line
    auto msg_st = m_db.prepare(
        "INSERT INTO message (id, sender, arrived, size, headers, msgid, envid, ret, bodytype, proto, relay, verp)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!msg_st) return msg_st.error();
    const Envelope& e = m.env;
    msg_st->bind(1, e.id).bind(2, e.sender).bind(3, static_cast<int64_t>(e.arrived));
    msg_st->bind(4, static_cast<int64_t>(e.size)).bind_blob(5, e.headers).bind(6, e.msgid);
    msg_st->bind(7, e.envid).bind(8, e.ret).bind(9, e.bodytype).bind(10, e.proto).bind(11, e.relay);
    msg_st->bind(12, e.verp);
    TRY(msg_st->run());
    auto t_st = m_db.prepare(
        "INSERT INTO target (msg, idx, kind, value, original, user, uid, gid, home, errors_to, notify, orcpt,"
        " state, next_try, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    if (!t_st) return t_st.error();
    int idx = 0;
    for (Target& t : m.targets) {
        t.idx = idx++;
        t_st->bind(1, e.id).bind(2, t.idx).bind(3, kind_name(t.kind)).bind(4, t.value).bind(5, t.original);
        t_st->bind(6, t.user).bind(7, static_cast<int64_t>(t.uid)).bind(8, static_cast<int64_t>(t.gid));
        t_st->bind(9, t.home).bind(10, t.errors_to).bind(11, t.notify).bind(12, t.orcpt);
        t_st->bind(13, static_cast<int>(t.state)).bind(14, static_cast<int64_t>(t.next_try)).bind(15, t.detail);
        TRY(t_st->run());
    }
    return {};
}

Result<std::vector<std::string>> Queue::due(std::time_t now, const Filter& f) {
    auto st = m_db.prepare(
        "SELECT m.id, m.sender, group_concat(t.value || ' ' || t.original, ' ') FROM message m"
        " JOIN target t ON t.msg = m.id WHERE t.state IN (0, 2) AND (?1 OR t.state = 2 OR t.next_try <= ?2)"
        " GROUP BY m.id ORDER BY m.arrived, m.id");
    if (!st) return st.error();
    st->bind(1, f.ignore_schedule ? 1 : 0).bind(2, static_cast<int64_t>(now));
    std::vector<std::string> ids;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        std::string id = st->text(0);
        if (matches_any(id, f.ids) && matches_any(st->text(1), f.senders) && matches_any(st->text(2), f.recipients))
            ids.push_back(id);
    }
    return ids;
}

Result<bool> Queue::claim(const std::string& id, std::time_t now, std::time_t lease) {
    Transaction tx(m_db);
    TRY(tx.begin());
    auto st = m_db.prepare("SELECT lease_pid, lease_until FROM message WHERE id = ?1");
    if (!st) return st.error();
    st->bind(1, id);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return false;  // gone: delivered by someone else meanwhile
    int64_t pid = st->integer(0);
    int64_t until = st->integer(1);
    st->reset();
    if (pid != 0 && pid != getpid() && until > now && pid_alive(pid)) return false;
    auto up = m_db.prepare("UPDATE message SET lease_pid = ?2, lease_until = ?3 WHERE id = ?1");
    if (!up) return up.error();
    up->bind(1, id).bind(2, static_cast<int64_t>(getpid())).bind(3, static_cast<int64_t>(now + lease));
    TRY(up->run());
    TRY(tx.commit());
    return true;
}

Status Queue::release(const std::string& id) {
    auto st = m_db.prepare("UPDATE message SET lease_pid = 0, lease_until = 0 WHERE id = ?1 AND lease_pid = ?2");
    if (!st) return st.error();
    st->bind(1, id).bind(2, static_cast<int64_t>(getpid()));
    return st->run();
}

Result<std::vector<Target>> Queue::load_targets(const std::string& id) {
    auto st = m_db.prepare(
        "SELECT idx, kind, value, original, user, uid, gid, home, errors_to, notify, orcpt, state, attempts,"
        " next_try, last_try, status, diag, detail FROM target WHERE msg = ?1 ORDER BY idx");
    if (!st) return st.error();
    st->bind(1, id);
    std::vector<Target> out;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        Target t;
        t.idx = static_cast<int>(st->integer(0));
        t.kind = kind_from_name(st->text(1)).value_or(TargetKind::Local);
        t.value = st->text(2);
        t.original = st->text(3);
        t.user = st->text(4);
        t.uid = static_cast<uid_t>(st->integer(5));
        t.gid = static_cast<gid_t>(st->integer(6));
        t.home = st->text(7);
        t.errors_to = st->text(8);
        t.notify = st->text(9);
        t.orcpt = st->text(10);
        t.state = static_cast<TargetState>(st->integer(11));
        t.attempts = static_cast<int>(st->integer(12));
        t.next_try = static_cast<std::time_t>(st->integer(13));
        t.last_try = static_cast<std::time_t>(st->integer(14));
        t.status = st->text(15);
        t.diag = st->text(16);
        t.detail = st->text(17);
        out.push_back(std::move(t));
    }
    return out;
}

Result<Message> Queue::load(const std::string& id) {
    auto st = m_db.prepare(
        "SELECT sender, arrived, size, headers, msgid, envid, ret, bodytype, proto, relay, warned, verp"
        " FROM message WHERE id = ?1");
    if (!st) return st.error();
    st->bind(1, id);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return make_error(EX_NOINPUT, fmt::format("{}: not in the queue", id));
    Message m;
    m.env.id = id;
    m.env.sender = st->text(0);
    m.env.arrived = static_cast<std::time_t>(st->integer(1));
    m.env.size = st->integer(2);
    m.env.headers = std::string(st->blob(3));
    m.env.msgid = st->text(4);
    m.env.envid = st->text(5);
    m.env.ret = st->text(6);
    m.env.bodytype = st->text(7);
    m.env.proto = st->text(8);
    m.env.relay = st->text(9);
    m.env.warned = st->integer(10) != 0;
    m.env.verp = st->text(11);
    st->reset();
    auto targets = load_targets(id);
    if (!targets) return targets.error();
    m.targets = std::move(*targets);
    return m;
}

Status Queue::for_each_body_chunk(const std::string& id, const std::function<Status(std::string_view)>& fn) {
    auto st = m_db.prepare("SELECT data FROM body_chunk WHERE msg = ?1 ORDER BY seq");
    if (!st) return st.error();
    st->bind(1, id);
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        if (Status s = fn(st->blob(0)); !s) {
            st->reset();
            return s;
        }
    }
    st->reset();
    return {};
}

Status Queue::delete_if_finished(const std::string& id) {
    // An index lookup, not a count: a VERP message returns its failed
    // targets one bounce at a time, and counting the open ones after each
    // would make returning N targets cost N² row visits.
    auto st = m_db.prepare("SELECT EXISTS (SELECT 1 FROM target WHERE msg = ?1 AND state IN (0, 2))");
    if (!st) return st.error();
    st->bind(1, id);
    auto row = st->step();
    if (!row) return row.error();
    const bool open = st->integer(0) != 0;
    st->reset();
    if (open) return {};
    for (const char* sql : {"DELETE FROM body_chunk WHERE msg = ?1", "DELETE FROM target WHERE msg = ?1",
                            "DELETE FROM message WHERE id = ?1"}) {
        auto del = m_db.prepare(sql);
        if (!del) return del.error();
        del->bind(1, id);
        TRY(del->run());
    }
    return {};
}

Status Queue::update_targets(const std::string& id, const std::vector<Target>& changed) {
    Transaction tx(m_db);
    TRY(tx.begin());
    auto st = m_db.prepare(
        "UPDATE target SET state = ?3, attempts = ?4, next_try = ?5, last_try = ?6, status = ?7, diag = ?8"
        " WHERE msg = ?1 AND idx = ?2");
    if (!st) return st.error();
    for (const Target& t : changed) {
        st->bind(1, id).bind(2, t.idx).bind(3, static_cast<int>(t.state)).bind(4, t.attempts);
        st->bind(5, static_cast<int64_t>(t.next_try)).bind(6, static_cast<int64_t>(t.last_try));
        st->bind(7, t.status).bind(8, t.diag);
        TRY(st->run());
    }
    TRY(delete_if_finished(id));
    return tx.commit();
}

Status Queue::return_failed(const std::string& id, const std::vector<int>& idxs, Message* bounce, BodySource* body) {
    Transaction tx(m_db);
    TRY(tx.begin());
    auto st = m_db.prepare("UPDATE target SET state = 3 WHERE msg = ?1 AND idx = ?2 AND state = 2");
    if (!st) return st.error();
    for (int idx : idxs) {
        st->bind(1, id).bind(2, idx);
        TRY(st->run());
    }
    if (bounce && body) {
        // The bounce goes into this same transaction: a crash leaves either
        // both the returned targets and the bounce, or neither.
        if (bounce->env.id.empty()) bounce->env.id = new_id(bounce->env.arrived);
        TRY(write_rows(*bounce, *body));
    }
    TRY(delete_if_finished(id));
    return tx.commit();
}

Status Queue::set_warned(const std::string& id) {
    auto st = m_db.prepare("UPDATE message SET warned = 1 WHERE id = ?1");
    if (!st) return st.error();
    st->bind(1, id);
    return st->run();
}

Result<std::vector<Message>> Queue::list() {
    auto st = m_db.prepare("SELECT id FROM message ORDER BY arrived, id");
    if (!st) return st.error();
    std::vector<std::string> ids;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        ids.push_back(st->text(0));
    }
    st->reset();
    std::vector<Message> out;
    for (const auto& id : ids) {
        auto m = load(id);
        if (m) out.push_back(std::move(*m));  // a message finished meanwhile is simply not listed
    }
    return out;
}

}  // namespace mail::queue
