// mailbox_test.cpp — unit tests for mbox writing, safe opening, locking,
// Maildir, the mbox reader and the message spool.
#include "libmail/mailbox/delivery.h"
#include "libmail/mailbox/lock.h"
#include "libmail/mailbox/maildir.h"
#include "libmail/mailbox/mbox.h"
#include "libmail/mailbox/mbox_reader.h"
#include "libmail/mailbox/spool.h"
#include "libmail/util/clock.h"

#include <dirent.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace mail::mailbox;
using mail::Status;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/mailbox_test.XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// The message as a spool file, the way mail.local hands it over.
MessageSpool spool_of(const std::string& text) {
    auto s = MessageSpool::create("/tmp");
    REQUIRE(s.ok());
    REQUIRE(s->write(text).ok());
    REQUIRE(s->flush().ok());
    return std::move(*s);
}

MailboxOwner me() {
    return MailboxOwner{getuid(), getgid(), 0600, false};
}

constexpr std::time_t k_when = 1700000000;  // Tue Nov 14 22:13:20 2023 UTC

std::string date() {
    return mail::ctime_text(k_when);
}

}  // namespace

TEST_SUITE("mailbox") {
    TEST_CASE("mbox entry bytes") {
        struct Row {
            std::string sender, message, want_after_headers;
        };
        const Row rows[] = {
            {"a@b", "Subject: x\n\nbody\n", "Subject: x\n\nbody\n\n"},
            {"a@b", "Subject: x\n\nno newline", "Subject: x\n\nno newline\n\n"},
            {"a@b", "", "\n"},
            {"a@b", "Subject: x\n\n", "Subject: x\n\n\n"},
            {"a@b", "S: x\n\nFrom me\n>From you\nFrom\nFro\n From x\nFrom ",
             "S: x\n\n>From me\n>From you\nFrom\nFro\n From x\n>From \n\n"},
            {"a@b", "From x\nS: y\n\nb\n", ">From x\nS: y\n\nb\n\n"},
            {"a@b", "S: y\n\nFrom", "S: y\n\nFrom\n\n"},
            {"a@b", "S: y\n\nb\n\n", "S: y\n\nb\n\n\n"},
        };
        for (const Row& row : rows) {
            Envelope env{row.sender, "john", k_when};
            std::string want = "From " + row.sender + "  " + date() + "\nReturn-Path: <" + row.sender +
                               ">\nDelivered-To: john\n" + row.want_after_headers;
            std::string got = format_mbox_entry(row.message, env);
            CAPTURE(row.message);
            CHECK_MESSAGE(got == want, "got [", got, "], want [", want, "]");
        }
    }

    TEST_CASE("null sender is MAILER-DAEMON on the From_ line") {
        Envelope env{"", "john", k_when};
        CHECK(from_line(env) == "From MAILER-DAEMON  " + date() + "\n");
        CHECK(trace_headers(env) == "Return-Path: <>\nDelivered-To: john\n");
    }

    TEST_CASE("From quoting is the same whatever the chunk boundaries") {
        const std::string msg = "S: x\n\nFrom a\nFrom b\nxFrom c\n\nFrom\n>From d\nFr\nFrom ";
        std::string whole;
        FromQuoter q0;
        q0.feed(msg, whole);
        q0.finish(whole);
        for (std::size_t a = 0; a <= msg.size(); ++a) {
            for (std::size_t b = a; b <= msg.size(); ++b) {
                std::string out;
                FromQuoter q;
                q.feed(std::string_view(msg).substr(0, a), out);
                q.feed(std::string_view(msg).substr(a, b - a), out);
                q.feed(std::string_view(msg).substr(b), out);
                q.finish(out);
                CAPTURE(a);
                CAPTURE(b);
                REQUIRE(out == whole);
            }
        }
        CHECK(whole == "S: x\n\n>From a\n>From b\nxFrom c\n\nFrom\n>From d\nFr\n>From ");
    }

    TEST_CASE("append: two messages, and a damaged tail gets its separator") {
        TempDir d;
        struct Row {
            std::string before, want_prefix;
        };
        const Row rows[] = {
            {"", ""},
            {"From x  d\n\nold\n\n", "From x  d\n\nold\n\n"},
            {"From x  d\n\nold\n", "From x  d\n\nold\n\n"},
            {"From x  d\n\nold", "From x  d\n\nold\n\n"},
        };
        int i = 0;
        for (const Row& row : rows) {
            std::string box = d / ("box" + std::to_string(i++));
            if (!row.before.empty()) write_file(box, row.before);
            auto fd = open_mailbox(box, me());
            REQUIRE(fd.ok());
            auto spool = spool_of("S: 1\n\nFrom here\n");
            Envelope env{"a@b", "john", k_when};
            REQUIRE(append_mbox(fd->get(), spool.fd(), env).ok());
            REQUIRE(append_mbox(fd->get(), spool.fd(), env).ok());
            std::string one = format_mbox_entry("S: 1\n\nFrom here\n", env);
            std::string got = read_file(box);
            CHECK_MESSAGE(got == row.want_prefix + one + one, "got [", got, "]");
        }
    }

    TEST_CASE("append failure truncates back to the old size") {
        TempDir d;
        const std::string before = "From x  d\n\nold\n\n";
        for (std::size_t fail_after : {0u, 1u, 40u, 70000u}) {
            std::string box = d / "box";
            write_file(box, before);
            auto fd = open_mailbox(box, me());
            REQUIRE(fd.ok());
            auto spool = spool_of("S: 1\n\n" + std::string(200000, 'x') + "\n");
            AppendOptions opts;
            opts.fail_after = fail_after;
            Status st = append_mbox(fd->get(), spool.fd(), Envelope{"a@b", "john", k_when}, opts);
            CAPTURE(fail_after);
            REQUIRE_FALSE(st.ok());
            CHECK(st.error().exit_code == EX_TEMPFAIL);
            CHECK(st.error().message == "write: No space left on device");
            CHECK(read_file(box) == before);
        }
    }

    TEST_CASE("file size limit (RLIMIT_FSIZE) in a child: mailbox full, old size restored") {
        TempDir d;
        std::string box = d / "box";
        const std::string before = "From x  d\n\nold\n\n";
        write_file(box, before);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            signal(SIGXFSZ, SIG_IGN);
            auto s = MessageSpool::create(d.path);  // before the limit: it holds 10 KB
            if (!s || !s->write(std::string(10000, 'y')) || !s->flush()) _exit(2);
            struct rlimit rl {
                static_cast<rlim_t>(before.size() + 100), static_cast<rlim_t>(before.size() + 100)
            };
            setrlimit(RLIMIT_FSIZE, &rl);
            auto fd = open_mailbox(box, me());
            if (!fd) _exit(1);
            Status st = append_mbox(fd->get(), s->fd(), Envelope{"a@b", "john", k_when});
            if (st.ok()) _exit(3);
            _exit(is_mailbox_full(st.error()) && st.error().exit_code == EX_TEMPFAIL ? 0 : 4);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
        CHECK(read_file(box) == before);
    }

    TEST_CASE("open_mailbox refuses hostile files") {
        TempDir d;
        write_file(d / "target", "precious\n");
        REQUIRE(symlink((d / "target").c_str(), (d / "symlink").c_str()) == 0);
        write_file(d / "linked", "x\n");
        REQUIRE(link((d / "linked").c_str(), (d / "hardlink").c_str()) == 0);
        REQUIRE(mkfifo((d / "fifo").c_str(), 0600) == 0);
        REQUIRE(mkdir((d / "dir").c_str(), 0700) == 0);
        write_file(d / "mine", "");
        struct Row {
            std::string name;
            uid_t uid;
            int want_code;
            std::string want_message;
        };
        const uid_t other = getuid() + 4242;
        const Row rows[] = {
            {"symlink", getuid(), EX_NOPERM, "/symlink: is a symbolic link, refusing"},
            {"hardlink", getuid(), EX_NOPERM, "/hardlink: has 2 hard links, refusing"},
            {"fifo", getuid(), EX_NOPERM, "/fifo: not a regular file, refusing"},
            {"dir", getuid(), EX_NOPERM, "/dir: not a regular file, refusing"},
            {"mine", other, EX_NOPERM,
             "/mine: owned by uid " + std::to_string(getuid()) + ", not the recipient (uid " +
                 std::to_string(other) + "), refusing"},
            {"nodir/box", getuid(), EX_CANTCREAT, "/nodir/box: cannot create: No such file or directory"},
        };
        for (const Row& row : rows) {
            MailboxOwner o = me();
            o.uid = row.uid;
            auto r = open_mailbox(d / row.name, o);
            CAPTURE(row.name);
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().exit_code == row.want_code);
            CHECK_MESSAGE(r.error().message == d.path + row.want_message, "got ", r.error().message);
        }
        CHECK(read_file(d / "target") == "precious\n");
        CHECK(read_file(d / "linked") == "x\n");
    }

    TEST_CASE("open_mailbox creates with the requested mode") {
        TempDir d;
        for (mode_t mode : {mode_t(0600), mode_t(0660)}) {
            std::string box = d / ("m" + std::to_string(mode));
            MailboxOwner o = me();
            o.mode = mode;
            mode_t old = umask(077);
            auto r = open_mailbox(box, o);
            umask(old);
            REQUIRE(r.ok());
            struct stat st {};
            REQUIRE(stat(box.c_str(), &st) == 0);
            CHECK((st.st_mode & 07777) == mode);
        }
    }

    TEST_CASE("mailbox names that could leave the spool are refused") {
        struct Row {
            std::string user;
            bool ok;
        };
        const Row rows[] = {{"john", true},  {"j.doe", true},
                            {"", false},     {".", false},
                            {"..", false},   {".hidden", false},
                            {"a/b", false},  {"../etc", false},
                            {"a\nb", false}, {std::string(256, 'a'), false}};
        for (const Row& row : rows) {
            auto p = mailbox_path("/var/mail", row.user);
            CAPTURE(row.user);
            CHECK(p.ok() == row.ok);
            if (p.ok())
                CHECK(*p == "/var/mail/" + row.user);
            else
                CHECK(p.error().exit_code == EX_DATAERR);
        }
    }
}

TEST_SUITE("mailbox-lock") {
    TEST_CASE("dotlock: acquire, held, release") {
        TempDir d;
        LockOptions opts;
        opts.max_wait = std::chrono::milliseconds(50);
        auto a = DotLock::acquire(d / "box.lock", opts);
        REQUIRE(a.ok());
        CHECK(read_file(d / "box.lock") == std::to_string(getpid()) + "\n");
        auto b = DotLock::acquire(d / "box.lock", opts);  // our own pid: alive, not stale
        REQUIRE_FALSE(b.ok());
        CHECK(b.error().exit_code == EX_TEMPFAIL);
        CHECK(b.error().message == "timed out waiting for lock file " + d / "box.lock");
        a->release();
        CHECK(access((d / "box.lock").c_str(), F_OK) != 0);
        // No temporary .lk files are left behind.
        int entries = 0;
        DIR* dir = opendir(d.path.c_str());
        while (struct dirent* e = readdir(dir))
            entries += e->d_name[0] != '.' || std::string(e->d_name).starts_with(".lk");
        closedir(dir);
        CHECK(entries == 0);
    }

    TEST_CASE("stale dotlocks are removed") {
        TempDir d;
        LockOptions opts;
        opts.stale_after = std::chrono::seconds(300);
        opts.max_wait = std::chrono::milliseconds(200);
        struct Row {
            std::string name, content;
            int age_seconds;
            bool stale;
        };
        // A pid that surely is not running: a child we have reaped.
        pid_t dead = fork();
        if (dead == 0) _exit(0);
        waitpid(dead, nullptr, 0);
        const Row rows[] = {
            {"old", "0", 301, true},
            {"fresh procmail-style", "0", 10, false},
            {"dead pid", std::to_string(dead) + "\n", 0, true},
            {"live pid", std::to_string(getpid()) + "\n", 0, false},
            {"garbage", "hello", 0, false},
        };
        for (const Row& row : rows) {
            CAPTURE(row.name);
            std::string lock = d / "box.lock";
            write_file(lock, row.content);
            struct timeval tv[2];
            gettimeofday(&tv[0], nullptr);
            tv[0].tv_sec -= row.age_seconds;
            tv[1] = tv[0];
            utimes(lock.c_str(), tv);
            CHECK(dotlock_is_stale(lock, opts) == row.stale);
            auto l = DotLock::acquire(lock, opts);
            CHECK(l.ok() == row.stale);
            if (l.ok()) CHECK(read_file(lock) == std::to_string(getpid()) + "\n");
            l = mail::Error{};  // drop it (releases)
            unlink(lock.c_str());
        }
    }

    TEST_CASE("a second process waits for the mailbox lock") {
        TempDir d;
        std::string box = d / "box";
        write_file(box, "");
        int p[2];
        REQUIRE(pipe(p) == 0);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            int fd = open(box.c_str(), O_RDWR);
            auto lock = MailboxLock::acquire(fd, box, LockOptions{});
            if (!lock) _exit(1);
            if (write(p[1], "L", 1) != 1) _exit(2);
            std::this_thread::sleep_for(std::chrono::milliseconds(400));
            lock->release();
            _exit(0);
        }
        close(p[1]);
        char c = 0;
        REQUIRE(read(p[0], &c, 1) == 1);
        close(p[0]);
        CHECK(access((box + ".lock").c_str(), F_OK) == 0);  // the child holds the dotlock
        int fd = open(box.c_str(), O_RDWR);
        LockOptions quick;
        quick.max_wait = std::chrono::milliseconds(50);
        auto busy = MailboxLock::acquire(fd, box, quick);
        REQUIRE_FALSE(busy.ok());
        CHECK(busy.error().message == "timed out waiting for lock on " + box);
        auto start = std::chrono::steady_clock::now();
        auto lock = MailboxLock::acquire(fd, box, LockOptions{});
        auto waited = std::chrono::steady_clock::now() - start;
        REQUIRE(lock.ok());
        CHECK(waited >= std::chrono::milliseconds(200));
        lock->release();
        close(fd);
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WEXITSTATUS(status) == 0);
        CHECK(access((box + ".lock").c_str(), F_OK) != 0);
    }
}

TEST_SUITE("mailbox-maildir") {
    TEST_CASE("deliver creates the Maildir and puts the message in new/") {
        TempDir d;
        std::string md = d / "Maildir";
        CHECK_FALSE(is_maildir(md));
        auto spool = spool_of("S: x\n\nFrom body\n");
        auto r = deliver_maildir(md, spool.fd(), Envelope{"a@b", "john", k_when}, me());
        REQUIRE(r.ok());
        CHECK(is_maildir(md));
        CHECK(r->starts_with(md + "/new/"));
        CHECK(read_file(*r) == "Return-Path: <a@b>\nDelivered-To: john\nS: x\n\nFrom body\n");
        auto r2 = deliver_maildir(md, spool.fd(), Envelope{"a@b", "john", k_when}, me());
        REQUIRE(r2.ok());
        CHECK(*r2 != *r);
        DIR* tmp = opendir((md + "/tmp").c_str());
        int files = 0;
        while (struct dirent* e = readdir(tmp)) files += e->d_name[0] != '.';
        closedir(tmp);
        CHECK(files == 0);
    }

    TEST_CASE("unique names differ and have the documented shape") {
        std::string a = maildir_unique_name(), b = maildir_unique_name();
        CHECK(a != b);
        CHECK(a.find(".M") != std::string::npos);
        CHECK(a.find("P" + std::to_string(getpid()) + "R") != std::string::npos);
        CHECK(a.find('/') == std::string::npos);
    }

    TEST_CASE("a symlinked Maildir or a foreign owner is refused") {
        TempDir d;
        REQUIRE(mkdir((d / "real").c_str(), 0700) == 0);
        REQUIRE(symlink((d / "real").c_str(), (d / "link").c_str()) == 0);
        auto spool = spool_of("x\n");
        auto r = deliver_maildir(d / "link", spool.fd(), Envelope{"a@b", "john", k_when}, me());
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().exit_code == EX_NOPERM);
        CHECK(r.error().message == d / "link" + ": is a symbolic link, refusing");
        MailboxOwner other = me();
        other.uid += 4242;
        r = deliver_maildir(d / "real", spool.fd(), Envelope{"a@b", "john", k_when}, other);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().exit_code == EX_NOPERM);
    }
}

TEST_SUITE("mailbox-reader") {
    TEST_CASE("split: counts, sizes and warnings on damaged input") {
        struct Row {
            std::string name, data;
            std::vector<std::string> from_lines;
            std::vector<std::string> bodies;
            std::vector<std::string> warnings;
            bool strict = false;
        };
        const std::vector<Row> rows = {
            {"empty", "", {}, {}, {}},
            {"two messages",
             "From a  Mon Jan  1 00:00:00 2024\nS: 1\n\nb1\n\nFrom b  Mon Jan  1 00:00:00 2024\nS: "
             "2\n\nb2\n\n",
             {"From a  Mon Jan  1 00:00:00 2024", "From b  Mon Jan  1 00:00:00 2024"},
             {"b1\n", "b2\n"},
             {}},
            {"From in body not after blank line",
             "From a\nS: 1\n\nx\nFrom b\n\n",
             {"From a"},
             {"x\nFrom b\n"},
             {}},
            {"garbage before",
             "junk\n\nFrom a\nS: 1\n\nx\n\n",
             {"From a"},
             {"x\n"},
             {"offset 0: 6 bytes before the first From_ line ignored"}},
            {"no final newline",
             "From a\nS: 1\n\nx",
             {"From a"},
             {"x"},
             {"offset 0: message does not end with a newline"}},
            {"no From_ at all", "hello\n", {}, {}, {"offset 0: no From_ line in 6 bytes"}},
            {"header only", "From a\nS: 1\n\nFrom b\nT: 2\n\n", {"From a", "From b"}, {"", ""}, {}},
            {"strict: unquoted body From",
             "From a  Mon Jan  1 00:00:00 2024\nS: 1\n\nFrom the start\n\n",
             {"From a  Mon Jan  1 00:00:00 2024"},
             {"From the start\n"},
             {},
             true},
            {"lenient: unquoted body From splits",
             "From a  Mon Jan  1 00:00:00 2024\nS: 1\n\nFrom the start\n\n",
             {"From a  Mon Jan  1 00:00:00 2024", "From the start"},
             {"", ""},
             {}},
            {"NUL bytes",
             std::string("From a\nS: \0\n\nb\0dy\n\n", 18),
             {"From a"},
             {std::string("b\0dy\n", 5)},
             {}},
        };
        for (const Row& row : rows) {
            CAPTURE(row.name);
            auto split = split_mbox(row.data, SplitOptions{row.strict});
            std::vector<std::string> froms, bodies;
            for (const auto& m : split.messages) {
                froms.emplace_back(m.from_line);
                bodies.push_back(row.data.substr(m.body_offset, m.body_size));
            }
            CHECK(froms == row.from_lines);
            CHECK(bodies == row.bodies);
            CHECK(split.warnings == row.warnings);
        }
    }

    TEST_CASE("what we write, we read back") {
        std::string box;
        std::vector<std::string> msgs = {"S: 1\n\nFrom x\n", "S: 2\n\nno newline", "", "S: 4\n\n\n\n"};
        for (const auto& m : msgs) box += format_mbox_entry(m, Envelope{"a@b", "u", k_when});
        auto split = split_mbox(box, SplitOptions{true});
        REQUIRE(split.messages.size() == msgs.size());
        CHECK(split.warnings.empty());
        CHECK(box.substr(split.messages[0].body_offset, split.messages[0].body_size) == ">From x\n");
        CHECK(box.substr(split.messages[3].body_offset, split.messages[3].body_size) == "\n\n");
    }

    // Used by tests/deliver/test_concurrent.sh: MAILROOM_CHECK_MBOX=file
    // MAILROOM_CHECK_COUNT=n checks that the file splits into exactly n
    // messages without warnings, each with a Subject and an intact body.
    TEST_CASE("check an mbox file named in the environment") {
        const char* file = std::getenv("MAILROOM_CHECK_MBOX");
        const char* count = std::getenv("MAILROOM_CHECK_COUNT");
        if (!file || !count) return;
        std::string data = read_file(file);
        auto split = split_mbox(data, SplitOptions{true});
        CHECK(split.warnings.empty());
        CHECK(split.messages.size() == std::stoul(count));
        std::size_t intact = 0;
        for (const auto& m : split.messages) {
            std::string_view head(data.data() + m.header_offset, m.header_size);
            std::string_view body(data.data() + m.body_offset, m.body_size);
            intact +=
                head.find("\nSubject: msg ") != std::string_view::npos && body.ends_with("end of message\n");
        }
        CHECK(intact == split.messages.size());
        MESSAGE("mbox check: ", split.messages.size(), " messages, ", intact, " intact");
    }
}

TEST_SUITE("mailbox-spool") {
    TEST_CASE("copy_from drops a leading From_ line only") {
        struct Row {
            std::string in, want, want_from;
        };
        const Row rows[] = {
            {"From a  date\nS: x\n\nb\n", "S: x\n\nb\n", "From a  date"},
            {"S: x\n\nFrom b\n", "S: x\n\nFrom b\n", ""},
            {"From no newline", "From no newline", ""},
            {"", "", ""},
            {"Fromage: x\n", "Fromage: x\n", ""},
        };
        for (const Row& row : rows) {
            CAPTURE(row.in);
            int p[2];
            REQUIRE(pipe(p) == 0);
            REQUIRE(write(p[1], row.in.data(), row.in.size()) == static_cast<ssize_t>(row.in.size()));
            close(p[1]);
            auto s = MessageSpool::create("/tmp");
            REQUIRE(s.ok());
            auto from = s->copy_from(p[0]);
            close(p[0]);
            REQUIRE(from.ok());
            CHECK(*from == row.want_from);
            std::string got(s->size(), '\0');
            CHECK(pread(s->fd(), got.data(), got.size(), 0) == static_cast<ssize_t>(got.size()));
            CHECK(got == row.want);
        }
    }
}
