// queue_test.cpp — unit tests for the SQLite queue (docs/queue.md).
#include "libmail/queue/queue.h"

#include "libmail/sqlite/sqlite.h"

#include <doctest/doctest.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>

namespace fs = std::filesystem;
using namespace mail::queue;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/mailroom-queue-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path); }
};

Message sample(const std::vector<std::string>& users) {
    Message m;
    m.env.sender = "alice@example.org";
    m.env.arrived = 1'800'000'000;
    m.env.headers = "From: alice@example.org\nSubject: hi";
    m.env.msgid = "<1@example.org>";
    for (const auto& u : users) {
        Target t;
        t.kind = TargetKind::Local;
        t.value = u;
        t.original = u;
        m.targets.push_back(t);
    }
    return m;
}

std::string body_of(Queue& q, const std::string& id) {
    std::string out;
    auto s = q.for_each_body_chunk(id, [&](std::string_view c) {
        out += c;
        return mail::Status{};
    });
    REQUIRE(s.ok());
    return out;
}

}  // namespace

TEST_SUITE("queue") {
    TEST_CASE("ids look like sendmail's") {
        std::string a = Queue::new_id(1'800'000'000), b = Queue::new_id(1'800'000'000);
        CHECK(a.size() == 14);
        CHECK(a != b);
        // More than the 3,600 slots of one second, all in the same second:
        // still all different (a queue run returning thousands of VERP targets).
        std::set<std::string> ids;
        for (int i = 0; i < 10000; ++i) ids.insert(Queue::new_id(1'900'000'000));
        CHECK(ids.size() == 10000);
    }

    TEST_CASE("insert, load, body round trip, list") {
        TempDir d;
        auto q = Queue::open(d.path);
        REQUIRE(q.ok());
        Message m = sample({"john", "mary"});
        std::string body(200'000, 'x');  // several chunks
        body += "\nend\n";
        StringBody src(body);
        REQUIRE(q->insert(m, src).ok());
        CHECK(m.env.size == static_cast<long long>(body.size() + m.env.headers.size() + 1));
        auto back = q->load(m.env.id);
        REQUIRE(back.ok());
        CHECK(back->env.sender == "alice@example.org");
        CHECK(back->env.headers == m.env.headers);
        REQUIRE(back->targets.size() == 2);
        CHECK(back->targets[1].value == "mary");
        CHECK(body_of(*q, m.env.id) == body);
        auto all = q->list();
        REQUIRE(all.ok());
        CHECK(all->size() == 1);
    }

    TEST_CASE("group commit: many messages in one transaction, a failing one rolled back alone") {
        struct FailingBody : BodySource {
            mail::Result<bool> next(std::string&) override {
                return mail::make_error(EX_DATAERR, "bad body");
            }
        };
        TempDir d;
        auto q = Queue::open(d.path);
        REQUIRE(q.ok());
        Message a = sample({"john"}), b = sample({"mary"}), c = sample({"tony"});
        StringBody ba("body a\n"), bc("body c\n");
        FailingBody bb;
        auto r = q->insert_many({{&a, &ba}, {&b, &bb}, {&c, &bc}});
        REQUIRE(r.ok());
        REQUIRE(r->size() == 3);
        CHECK((*r)[0].ok());
        CHECK(!(*r)[1].ok());
        CHECK((*r)[2].ok());
        auto all = q->list();
        REQUIRE(all.ok());
        CHECK(all->size() == 2);
        CHECK(body_of(*q, a.env.id) == "body a\n");
        CHECK(body_of(*q, c.env.id) == "body c\n");
        CHECK(!q->load(b.env.id).ok());
        auto empty = q->insert_many({});
        REQUIRE(empty.ok());
        CHECK(empty->empty());
    }

    TEST_CASE("a batch: claims and updates commit together; a failed savepoint is rolled back alone") {
        TempDir d;
        auto q = Queue::open(d.path);
        REQUIRE(q.ok());
        Message a = sample({"john"}), b = sample({"mary"});
        StringBody ba("a\n"), bb("b\n");
        REQUIRE(q->insert(a, ba).ok());
        REQUIRE(q->insert(b, bb).ok());
        REQUIRE(q->begin_batch().ok());
        CHECK(!q->begin_batch().ok());  // not nested
        auto ca = q->claim(a.env.id, 1'800'000'000, 60);
        auto cb = q->claim(b.env.id, 1'800'000'000, 60);
        REQUIRE(ca.ok());
        REQUIRE(cb.ok());
        CHECK(*ca);
        CHECK(*cb);
        auto la = q->load(a.env.id);
        REQUIRE(la.ok());
        la->targets[0].state = TargetState::Sent;
        REQUIRE(q->update_targets(a.env.id, la->targets).ok());
        REQUIRE(q->end_batch().ok());
        CHECK(!q->load(a.env.id).ok());  // finished and deleted
        CHECK(q->load(b.env.id).ok());
        // Another process sees the claim of b (committed with the batch).
        pid_t pid = fork();
        if (pid == 0) {
            auto q2 = Queue::open(d.path);
            auto c = q2->claim(b.env.id, 1'800'000'000, 60);
            _exit(c.ok() && !*c ? 0 : 1);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }

    TEST_CASE("due respects next_try unless told to ignore it; filters") {
        TempDir d;
        auto q = Queue::open(d.path);
        REQUIRE(q.ok());
        Message m = sample({"john"});
        m.targets[0].next_try = 2000;
        StringBody src("b\n");
        REQUIRE(q->insert(m, src).ok());
        CHECK(q->due(1000, Filter{})->empty());
        CHECK(q->due(2000, Filter{})->size() == 1);
        Filter force;
        force.ignore_schedule = true;
        CHECK(q->due(1000, force)->size() == 1);
        Filter by_rcpt;
        by_rcpt.ignore_schedule = true;
        by_rcpt.recipients = {"JOHN"};
        CHECK(q->due(0, by_rcpt)->size() == 1);
        by_rcpt.recipients = {"nobody"};
        CHECK(q->due(0, by_rcpt)->empty());
        Filter by_sender;
        by_sender.ignore_schedule = true;
        by_sender.senders = {"alice"};
        CHECK(q->due(0, by_sender)->size() == 1);
    }

    TEST_CASE("a message is deleted when its last target is final") {
        TempDir d;
        auto q = Queue::open(d.path);
        REQUIRE(q.ok());
        Message m = sample({"john", "mary"});
        StringBody src("b\n");
        REQUIRE(q->insert(m, src).ok());
        auto t = m.targets;
        t[0].state = TargetState::Sent;
        REQUIRE(q->update_targets(m.env.id, {t[0]}).ok());
        CHECK(q->load(m.env.id).ok());
        t[1].state = TargetState::Sent;
        REQUIRE(q->update_targets(m.env.id, {t[1]}).ok());
        CHECK_FALSE(q->load(m.env.id).ok());
        CHECK(body_of(*q, m.env.id).empty());
    }

    TEST_CASE("returning failed targets queues the bounce in the same transaction") {
        TempDir d;
        auto q = Queue::open(d.path);
        REQUIRE(q.ok());
        Message m = sample({"john"});
        StringBody src("b\n");
        REQUIRE(q->insert(m, src).ok());
        auto t = m.targets;
        t[0].state = TargetState::Failed;
        REQUIRE(q->update_targets(m.env.id, t).ok());
        CHECK(q->load(m.env.id).ok());  // failed: a bounce is still owed
        Message bounce = sample({"alice"});
        bounce.env.sender = "";
        StringBody bsrc("bounce body\n");
        REQUIRE(q->return_failed(m.env.id, {0}, &bounce, &bsrc).ok());
        CHECK_FALSE(q->load(m.env.id).ok());
        auto b = q->load(bounce.env.id);
        REQUIRE(b.ok());
        CHECK(b->env.sender.empty());
        CHECK(body_of(*q, bounce.env.id) == "bounce body\n");
    }

    TEST_CASE("claims keep a second live process off a message, not a dead one") {
        TempDir d;
        auto q = Queue::open(d.path);
        REQUIRE(q.ok());
        Message m = sample({"john"});
        StringBody src("b\n");
        REQUIRE(q->insert(m, src).ok());
        // A child claims and stays alive while we try; then it exits.
        int ready[2], go[2];
        REQUIRE(pipe(ready) == 0);
        REQUIRE(pipe(go) == 0);
        pid_t pid = fork();
        if (pid == 0) {
            auto cq = Queue::open(d.path);
            bool ok = cq.ok() && cq->claim(m.env.id, 100, 600).value();
            char c = ok ? '1' : '0';
            (void)!write(ready[1], &c, 1);
            (void)!read(go[0], &c, 1);
            _exit(0);
        }
        char c = 0;
        REQUIRE(read(ready[0], &c, 1) == 1);
        CHECK(c == '1');
        CHECK_FALSE(q->claim(m.env.id, 100, 600).value());
        (void)!write(go[1], "x", 1);
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(q->claim(m.env.id, 100, 600).value());  // holder is dead: lease is free
        for (int fd : {ready[0], ready[1], go[0], go[1]}) close(fd);
    }

    TEST_CASE("VERP addresses (Postfix's -XV encoding)") {
        struct Case {
            std::string sender, delims, rcpt, want;
        };
        const Case cases[] = {
            {"team-bounces@lists.example", "+=", "user@dom.example", "team-bounces+user=dom.example@lists.example"},
            {"team-bounces@lists.example", "-=", "user@dom.example", "team-bounces-user=dom.example@lists.example"},
            {"team-bounces@lists.example", "+-", "a.b@c.d", "team-bounces+a.b-c.d@lists.example"},
            {"team-bounces@lists.example", "+=", "<user@dom.example>", "team-bounces+user=dom.example@lists.example"},
            {"team-bounces@lists.example", "+=", "User Name <user@dom.example>",
             "team-bounces+user=dom.example@lists.example"},
            {"team-bounces@lists.example", "+=", "john", "team-bounces+john@lists.example"},
            {"team-bounces@lists.example", "+=", "\\john", "team-bounces+john@lists.example"},
            {"team-bounces@lists.example", "+=", "john@", "team-bounces+john@lists.example"},
            {"team-bounces", "+=", "user@dom", "team-bounces+user=dom"},
            {"a@b@lists.example", "+=", "\"x@y\"@dom", "a@b+\"x@y\"=dom@lists.example"},
            {"team-bounces@lists.example", "xy", "user@dom", "team-bounces+user=dom@lists.example"},  // bad: default
            // Nothing may end the MAIL FROM line or its <…> path.
            {"team-bounces@lists.example", "+=", "evil\r\nRCPT TO:x>y\x7f@dom",
             "team-bounces+evil??RCPT?TO:x?y?=dom@lists.example"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.rcpt);
            CHECK(verp_address(c.sender, c.delims, c.rcpt) == c.want);
        }
        CHECK(verp_delimiters_ok("+="));
        CHECK(verp_delimiters_ok("=-"));
        CHECK(verp_delimiters_ok("++"));
        CHECK_FALSE(verp_delimiters_ok("+"));
        CHECK_FALSE(verp_delimiters_ok("+=-"));
        CHECK_FALSE(verp_delimiters_ok("+."));
        CHECK_FALSE(verp_delimiters_ok(""));
    }

    TEST_CASE("return_path: owner- alias first, then the (VERP-encoded) sender") {
        Envelope env;
        env.sender = "team-bounces@lists.example";
        Target t;
        t.original = "user@dom.example";
        CHECK(return_path(env, t, "h.example") == "team-bounces@lists.example");  // no VERP
        env.verp = "+=";
        CHECK(return_path(env, t, "h.example") == "team-bounces+user=dom.example@lists.example");
        t.original = "john";
        CHECK(return_path(env, t, "h.example") == "team-bounces+john=h.example@lists.example");
        t.errors_to = "owner-other";
        CHECK(return_path(env, t, "h.example") == "owner-other");
        t.errors_to.clear();
        env.sender.clear();  // <> has nothing to encode
        CHECK(return_path(env, t, "h.example") == "");
    }

    TEST_CASE("verp and detail are stored and read back") {
        TempDir d;
        auto q = Queue::open(d.path);
        REQUIRE(q.ok());
        Message m = sample({"john", "mary"});
        m.env.verp = "-=";
        m.targets[1].detail = "0123abcd";
        StringBody src("x\n");
        REQUIRE(q->insert(m, src).ok());
        auto back = q->load(m.env.id);
        REQUIRE(back.ok());
        CHECK(back->env.verp == "-=");
        REQUIRE(back->targets.size() == 2);
        CHECK(back->targets[0].detail == "");
        CHECK(back->targets[1].detail == "0123abcd");
    }

    TEST_CASE("a format-1 queue is upgraded in place and its messages stay readable") {
        TempDir d;
        {
            // The format-1 schema, as docs/queue.md described it, with one message.
            auto db = mail::sqlite::Db::open((d.path / "queue.db").string(), mail::sqlite::Db::Mode::Create);
            REQUIRE(db.ok());
            REQUIRE(db->exec(R"sql(
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('format', '1');
CREATE TABLE message (
  id TEXT PRIMARY KEY, sender TEXT NOT NULL, arrived INTEGER NOT NULL, size INTEGER NOT NULL,
  headers BLOB NOT NULL, msgid TEXT NOT NULL, envid TEXT NOT NULL, ret TEXT NOT NULL,
  bodytype TEXT NOT NULL, proto TEXT NOT NULL, relay TEXT NOT NULL,
  warned INTEGER NOT NULL DEFAULT 0, lease_pid INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER NOT NULL DEFAULT 0);
CREATE TABLE body_chunk (
  msg TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (msg, seq)) WITHOUT ROWID;
CREATE TABLE target (
  msg TEXT NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
  original TEXT NOT NULL, user TEXT NOT NULL, uid INTEGER NOT NULL, gid INTEGER NOT NULL,
  home TEXT NOT NULL, errors_to TEXT NOT NULL, notify TEXT NOT NULL, orcpt TEXT NOT NULL,
  state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_try INTEGER NOT NULL DEFAULT 0,
  last_try INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT '', diag TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (msg, idx));
INSERT INTO message (id, sender, arrived, size, headers, msgid, envid, ret, bodytype, proto, relay)
  VALUES ('OLD00000000001', 'alice@example.org', 1800000000, 10, 'Subject: old', '<o@x>', '', '', '', '', 'a');
INSERT INTO body_chunk VALUES ('OLD00000000001', 0, 'old body' || char(10));
INSERT INTO target (msg, idx, kind, value, original, user, uid, gid, home, errors_to, notify, orcpt, state)
  VALUES ('OLD00000000001', 0, 'local', 'john', 'john', '', 0, 0, '', '', '', '', 0);
)sql")
                        .ok());
        }
        for (int round = 0; round < 2; ++round) {  // the second open finds nothing to do
            auto q = Queue::open(d.path);
            REQUIRE(q.ok());
            auto old = q->load("OLD00000000001");
            REQUIRE(old.ok());
            CHECK(old->env.sender == "alice@example.org");
            CHECK(old->env.verp == "");
            REQUIRE(old->targets.size() == 1);
            CHECK(old->targets[0].value == "john");
            CHECK(old->targets[0].detail == "");
            CHECK(body_of(*q, "OLD00000000001") == "old body\n");
        }
        auto db = mail::sqlite::Db::open((d.path / "queue.db").string(), mail::sqlite::Db::Mode::Create);
        REQUIRE(db.ok());
        auto st = db->prepare("SELECT value FROM meta WHERE name = 'format'");
        REQUIRE(st.ok());
        auto row = st->step();
        REQUIRE(row.ok());
        REQUIRE(*row);
        CHECK(st->text(0) == "2");
        st->reset();
        // New messages with VERP go into the upgraded queue.
        auto q = Queue::open(d.path);
        REQUIRE(q.ok());
        Message m = sample({"mary"});
        m.env.verp = "+=";
        StringBody src("new\n");
        REQUIRE(q->insert(m, src).ok());
        auto back = q->load(m.env.id);
        REQUIRE(back.ok());
        CHECK(back->env.verp == "+=");
    }

    TEST_CASE("insert_many inside a batch commits with the batch") {
        TempDir d;
        auto q = Queue::open(d.path);
        REQUIRE(q.ok());
        Message a = sample({"john"}), b = sample({"mary"});
        StringBody ba("a\n"), bb("b\n");
        REQUIRE(q->begin_batch().ok());
        auto r = q->insert_many({{&a, &ba}, {&b, &bb}});
        REQUIRE(r.ok());
        CHECK((*r)[0].ok());
        CHECK((*r)[1].ok());
        REQUIRE(q->end_batch().ok());
        CHECK(q->load(a.env.id).ok());
        CHECK(q->load(b.env.id).ok());
    }

    TEST_CASE("opening a missing directory fails cleanly") {
        auto q = Queue::open("/nonexistent/mailroom/queue");
        REQUIRE_FALSE(q.ok());
        CHECK(q.error().exit_code == EX_CANTCREAT);
    }

    TEST_CASE("as root, the queue's files are created as the directory's owner") {
        // The daemon's root delivery worker and its unprivileged session
        // loop open one queue; files root creates there must be the owner's
        // from the start (queue.cpp, CreateAsOwner).
        if (geteuid() != 0) return;
        TempDir dir;
        const uid_t uid = 65534;
        const gid_t gid = 65534;
        REQUIRE(chown(dir.path.c_str(), uid, gid) == 0);
        auto q = Queue::open(dir.path.string());
        REQUIRE(q.ok());
        for (const char* name : {"queue.db", "queue.db-wal", "queue.db-shm"}) {
            struct stat st {};
            REQUIRE(stat((dir.path / name).c_str(), &st) == 0);
            CHECK(st.st_uid == uid);
            CHECK(st.st_gid == gid);
        }
        CHECK(geteuid() == 0);
        CHECK(setfsuid(static_cast<uid_t>(-1)) == 0);  // root's again afterwards
    }
}
