// dotlock_test.cpp — unit tests for procmail's dotlock and unique names.
// The expected names and messages are what Debian's procmail 3.22 produced
// (strace and logs, docs/procmail.md "Folders and locks").  Sleeps are
// recorded, never taken.
#include "filters/common/dotlock.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace mail::filters;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/dotlock-test.XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

void age(const std::string& path, long seconds) {
    struct timeval tv[2]{};
    tv[0].tv_sec = tv[1].tv_sec = time(nullptr) - seconds;
    REQUIRE(utimes(path.c_str(), tv) == 0);
}

std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

// Options that record sleeps and log lines and stop after `stop_after`
// pauses.
struct Recorder {
    std::vector<unsigned> sleeps;
    std::vector<std::string> lines;
    int stop_after = 1000;
    UniqueNames names{4242, "testhost", [] { return std::time(nullptr); }};
    DotlockOptions options(bool verbose = false) {
        DotlockOptions o;
        o.verbose = verbose;
        o.log = [this](std::string_view l) { lines.emplace_back(l); };
        o.sleep = [this](unsigned s) { sleeps.push_back(s); };
        o.interrupted = [this] { return static_cast<int>(sleeps.size()) >= stop_after; };
        o.names = &names;
        return o;
    }
};

}  // namespace

TEST_SUITE("filters.dotlock") {
    TEST_CASE("procmail's base 64 (ultoan)") {
        struct Row {
            unsigned long v;
            const char* want;
        } rows[] = {
            {0, "A"},
            {63, "_"},
            {64, "AB"},
            {22916, "EmF"},          // a pid in procmail's strace
            {10952976, "QEyp"},      // inode of procmail's msg.QEyp
            {1795820891, "b1gCrB"},  // a time in procmail's strace
        };
        for (const auto& r : rows) CHECK_MESSAGE(procmail_base64(r.v) == r.want, "value " << r.v);
    }

    TEST_CASE("serial characters: procmail's four, then base 4 in the same characters") {
        const char* want[] = {".", ",", "+", "%", ".,", ",,", "+,", "%,", ".+"};
        for (unsigned long i = 0; i < 9; ++i) CHECK_MESSAGE(temp_serial_text(i) == want[i], "serial " << i);
        CHECK(temp_serial_text(16) == "..,");
    }

    TEST_CASE("temporary names: the ones procmail made (strace), and no sleep after four") {
        int clock_calls = 0;
        UniqueNames n(22916, "vm", [&] {
            ++clock_calls;
            return std::time_t{1795820891};
        });
        CHECK(n.temp_name() == "_EmF.b1gCrB.vm");
        CHECK(n.temp_name() == "_EmF,b1gCrB.vm");
        CHECK(n.temp_name() == "_EmF+b1gCrB.vm");
        CHECK(n.temp_name() == "_EmF%b1gCrB.vm");
        // procmail would sleep(1) here and start again at "."; we go on.
        CHECK(n.temp_name() == "_EmF.,b1gCrB.vm");
        std::set<std::string> seen;
        for (int i = 0; i < 1000; ++i) seen.insert(n.temp_name());
        CHECK(seen.size() == 1000);
        CHECK(clock_calls == 1005);  // the time is read, never waited for
    }

    TEST_CASE("Maildir names share the serial; the host is escaped") {
        UniqueNames n(11985, "vm", [] { return std::time_t{1795820871}; });
        CHECK(n.maildir_name() == "1795820871.11985_0.vm");
        CHECK(n.temp_name() == "_R7C,H1gCrB.vm");  // serial 1
        CHECK(n.maildir_name() == "1795820871.11985_2.vm");
        CHECK(n.next_serial() == 3);
        UniqueNames odd(1, "a/b:c", [] { return std::time_t{7}; });
        CHECK(odd.maildir_name() == "7.1_0.a\\057b\\072c");
        CHECK(odd.temp_name() == "_B,H.a\\057b:c");  // only '/' matters in a temporary name
        CHECK(maildir_host("plain.example") == "plain.example");
    }

    TEST_CASE("the process's generator follows the pid") {
        UniqueNames& p = UniqueNames::process();
        const std::string name = p.maildir_name();
        CHECK(name.find("." + std::to_string(getpid()) + "_") != std::string::npos);
    }

    TEST_CASE("a lock is a 0444 file containing \"0\" and nothing else is left") {
        TempDir d;
        Recorder r;
        const mode_t old = umask(077);
        std::time_t fs_time = 0;
        const int err = try_dotlock(d / "box.lock", r.names, &fs_time, {}, false);
        umask(old);
        REQUIRE(err == 0);
        CHECK(slurp(d / "box.lock") == "0");
        struct stat st {};
        REQUIRE(stat((d / "box.lock").c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0400);  // 0444 & ~077, as procmail's
        CHECK(st.st_nlink == 1);
        CHECK(entries(d.path) == std::vector<std::string>{"box.lock"});
        CHECK(fs_time >= std::time(nullptr) - 5);

        CHECK(try_dotlock(d / "box.lock", r.names, &fs_time, {}, false) == EEXIST);
        CHECK(entries(d.path) == std::vector<std::string>{"box.lock"});
    }

    TEST_CASE("a held lock is waited for, LOCKSLEEP apart") {
        TempDir d;
        write_file(d / "box.lock", "0");
        Recorder r;
        r.stop_after = 3;
        auto got = acquire_dotlock(d / "box.lock", r.options(true));
        REQUIRE_FALSE(got.ok());
        CHECK(got.error().exit_code == EX_TEMPFAIL);
        CHECK(r.sleeps == std::vector<unsigned>{8, 8, 8});
        const std::string locking = "Locking \"" + (d / "box.lock") + "\"";
        CHECK(r.lines == std::vector<std::string>{locking, locking, locking});
        CHECK(slurp(d / "box.lock") == "0");  // still theirs
    }

    TEST_CASE("an old lock is forced, then SUSPEND") {
        TempDir d;
        write_file(d / "box.lock", "0");
        age(d / "box.lock", 2000);
        Recorder r;
        DotlockOptions o = r.options();
        auto got = acquire_dotlock(d / "box.lock", o);
        REQUIRE(got.ok());
        CHECK(r.lines == std::vector<std::string>{"Forcing lock on \"" + (d / "box.lock") + "\""});
        CHECK(r.sleeps == std::vector<unsigned>{16});
        CHECK(got->path() == d / "box.lock");
        struct stat st {};
        REQUIRE(stat((d / "box.lock").c_str(), &st) == 0);
        CHECK(st.st_mtime >= std::time(nullptr) - 5);  // a new lock, ours
    }

    TEST_CASE("LOCKTIMEOUT 0 never forces; a lock over 16 bytes is not procmail's") {
        TempDir d;
        write_file(d / "a.lock", "0");
        age(d / "a.lock", 100000);
        write_file(d / "b.lock", "12345678901234567");
        age(d / "b.lock", 100000);
        for (const char* name : {"a.lock", "b.lock"}) {
            Recorder r;
            r.stop_after = 2;
            DotlockOptions o = r.options();
            if (std::string(name) == "a.lock") o.locktimeout = 0;
            auto got = acquire_dotlock(d / name, o);
            CHECK_FALSE(got.ok());
            CHECK(r.lines.empty());
            CHECK(r.sleeps == std::vector<unsigned>{8, 8});
        }
        CHECK(dotlock_expired(d / "b.lock", 10, std::time(nullptr), false));  // lockfile(1) does not look
        CHECK_FALSE(dotlock_expired(d / "b.lock", 10, std::time(nullptr), true));
        CHECK(dotlock_expired(d / "a.lock", -1, std::time(nullptr), true));  // lockfile -l-1
        CHECK_FALSE(dotlock_expired(d / "a.lock", 0, std::time(nullptr), true));
    }

    TEST_CASE("a lock that cannot be removed: denied once, then failure") {
        // A sticky directory and somebody else's lock: only root can set
        // that up (the lock is root's; the locker runs as nobody).
        if (geteuid() != 0) {
            MESSAGE("skipped: needs root to make a lock owned by another user");
            return;
        }
        TempDir d;
        REQUIRE(chmod(d.path.c_str(), 0755) == 0);
        REQUIRE(mkdir((d / "sticky").c_str(), 01777) == 0);
        REQUIRE(chmod((d / "sticky").c_str(), 01777) == 0);
        write_file(d / "sticky/box.lock", "0");
        age(d / "sticky/box.lock", 2000);
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            if (setgid(65534) != 0 || setuid(65534) != 0) _exit(2);
            Recorder r;
            auto got = acquire_dotlock(d / "sticky/box.lock", r.options());
            std::string out = std::to_string(got.ok() ? 0 : got.error().exit_code) + "\n";
            for (unsigned s : r.sleeps) out += "sleep " + std::to_string(s) + "\n";
            for (const auto& l : r.lines) out += l + "\n";
            if (write(fds[1], out.data(), out.size()) < 0) _exit(3);
            _exit(0);
        }
        close(fds[1]);
        std::string got;
        char buf[4096];
        for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
            got.append(buf, static_cast<std::size_t>(n));
        close(fds[0]);
        int status = 0;
        waitpid(pid, &status, 0);
        REQUIRE(WIFEXITED(status));
        REQUIRE(WEXITSTATUS(status) == 0);
        const std::string q = "\"" + (d / "sticky/box.lock") + "\"";
        CHECK(got == "73\nsleep 8\nForced unlock denied on " + q + "\nLock failure on " + q + "\n");
        CHECK(slurp(d / "sticky/box.lock") == "0");
    }

    TEST_CASE("a missing directory: eight tries (NFS may lie), seven pauses, then failure") {
        TempDir d;
        Recorder r;
        auto got = acquire_dotlock(d / "nodir/box.lock", r.options(true));
        REQUIRE_FALSE(got.ok());
        CHECK(r.sleeps == std::vector<unsigned>(7, 8));
        int locking = 0, temp_errors = 0;
        for (const auto& l : r.lines) {
            if (l.rfind("Locking \"", 0) == 0) ++locking;
            if (l.rfind("Error while writing to \"" + (d / "nodir/_"), 0) == 0) ++temp_errors;
        }
        CHECK(locking == 8);
        CHECK(temp_errors == 8);
        CHECK(r.lines.back() == "Lock failure on \"" + (d / "nodir/box.lock") + "\"");
    }

    TEST_CASE("a name too long is shortened until it fits") {
        TempDir d;
        const std::string base(260, 'x');
        Recorder r;
        auto got = acquire_dotlock(d / base, r.options());
        REQUIRE(got.ok());
        CHECK(got->path() == d / std::string(255, 'x'));
        REQUIRE(r.lines.size() == 5);
        CHECK(r.lines[0] == "Truncating \"" + (d / base) + "\" and retrying lock");
        CHECK(r.sleeps.empty());
        CHECK(fs::exists(d / std::string(255, 'x')));
    }

    TEST_CASE("release, disown, and an unlock that finds nothing") {
        TempDir d;
        Recorder r;
        {
            auto got = acquire_dotlock(d / "a.lock", r.options(true));
            REQUIRE(got.ok());
            Dotlock moved = std::move(*got);
            CHECK_FALSE(got->held());
            CHECK(moved.held());
        }
        CHECK_FALSE(fs::exists(d / "a.lock"));
        CHECK(r.lines.back() == "Unlocking \"" + (d / "a.lock") + "\"");

        auto b = acquire_dotlock(d / "b.lock", r.options());
        REQUIRE(b.ok());
        CHECK(b->disown() == d / "b.lock");
        b->release();
        CHECK(fs::exists(d / "b.lock"));

        r.lines.clear();
        auto c = acquire_dotlock(d / "c.lock", r.options());
        REQUIRE(c.ok());
        unlink((d / "c.lock").c_str());
        c->release();
        c->release();
        CHECK(r.lines == std::vector<std::string>{"Couldn't unlock \"" + (d / "c.lock") + "\""});
    }

    TEST_CASE("nfs_link: made, or the errno") {
        TempDir d;
        write_file(d / "a", "x");
        write_file(d / "other", "y");
        CHECK(nfs_link(d / "a", d / "b") == 0);
        CHECK(nfs_link(d / "a", d / "b") == 0);  // already the same file: made
        CHECK(nfs_link(d / "a", d / "other") == EEXIST);
        CHECK(nfs_link(d / "missing", d / "c") == ENOENT);
    }
}
