// lockfile_test.cpp — unit tests for lockfile(1)'s logic with recorded
// sleeps (tests/filters/test_lockfile.sh compares it with Debian's).
#include "filters/lockfile/lockfile.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct InTempDir {
    std::string path, old_cwd;
    InTempDir() {
        char tmpl[] = "/tmp/lockfile-test.XXXXXX";
        path = mkdtemp(tmpl);
        old_cwd = fs::current_path().string();
        REQUIRE(chdir(path.c_str()) == 0);
    }
    ~InTempDir() {
        if (chdir(old_cwd.c_str()) != 0) std::abort();
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

struct Run {
    std::string err;
    std::vector<unsigned> sleeps;
    int signal_after = -1;  // signalled once this many sleeps happened
    mail::filters::UniqueNames names{77, "host", [] { return std::time(nullptr); }};
    std::string mailbox = "spool/me.lock";
    std::function<void()> on_sleep;
    int operator()(std::vector<std::string> args) {
        mail::lockfile::Io io;
        io.err = [this](std::string_view s) { err += s; };
        io.sleep = [this](unsigned s) {
            sleeps.push_back(s);
            if (on_sleep) on_sleep();
        };
        io.signalled = [this] {
            return signal_after >= 0 && static_cast<int>(sleeps.size()) >= signal_after;
        };
        io.mailbox_lock = [this]() -> mail::Result<std::string> { return mailbox; };
        io.names = &names;
        return mail::lockfile::run(std::move(args), io);
    }
};

void held(const std::string& name, long age = 0) {
    std::ofstream(name) << "0";
    if (age) {
        struct timeval tv[2]{};
        tv[0].tv_sec = tv[1].tv_sec = time(nullptr) - age;
        REQUIRE(utimes(name.c_str(), tv) == 0);
    }
}

}  // namespace

TEST_SUITE("lockfile") {
    TEST_CASE("retries: -r counts the waits, -nnn is the pause; the count is not reset per file") {
        InTempDir d;
        held("a.lock");
        held("b.lock");
        Run r;
        CHECK(r({"-3", "-r", "2", "a.lock"}) == EX_CANTCREAT);
        CHECK(r.sleeps == std::vector<unsigned>{3, 3});
        CHECK(r.err == "lockfile: Sorry, giving up on \"a.lock\"\n");
        Run r2;
        CHECK(r2({"-0", "-r3", "c.lock", "a.lock"}) == EX_CANTCREAT);
        CHECK(r2.sleeps.empty());           // -0: no pause at all
        CHECK_FALSE(fs::exists("c.lock"));  // all or none
        Run r3;
        r3.on_sleep = [] { unlink("a.lock"); };                        // a.lock is freed during the wait
        CHECK(r3({"-1", "-r1", "a.lock", "b.lock"}) == EX_CANTCREAT);  // one retry for both files
        CHECK(r3.sleeps == std::vector<unsigned>{1});
        CHECK(r3.err == "lockfile: Sorry, giving up on \"b.lock\"\n");
        CHECK_FALSE(fs::exists("a.lock"));  // ours, removed again
    }

    TEST_CASE("-l forces an old lock, then -s; no retry is used up") {
        InTempDir d;
        held("a.lock", 3600);
        Run r;
        CHECK(r({"-r0", "-l", "60", "-s", "5", "a.lock"}) == 0);
        CHECK(r.err == "lockfile: Forcing lock on \"a.lock\"\n");
        CHECK(r.sleeps == std::vector<unsigned>{5});
        std::ifstream in("a.lock");
        std::string content((std::istreambuf_iterator<char>(in)), {});
        CHECK(content == "0");
    }

    TEST_CASE("-! turns 0 into 73 and 73 into 0, and only what came before a failure counts") {
        InTempDir d;
        held("a.lock");
        CHECK(Run()({"-!", "-r0", "a.lock"}) == 0);
        CHECK(Run()({"-!", "b.lock"}) == EX_CANTCREAT);
        CHECK(Run()({"-r0", "a.lock", "-!"}) == EX_CANTCREAT);
        CHECK(Run()({"-!", "nodir/x.lock"}) == EX_UNAVAILABLE);
        CHECK(Run()({"-!", "-x"}) == EX_USAGE);
    }

    TEST_CASE("a signal while waiting gives up and removes what was locked") {
        InTempDir d;
        held("a.lock");
        Run r;
        r.signal_after = 2;
        CHECK(r({"-1", "b.lock", "a.lock"}) == EX_TEMPFAIL);
        CHECK(r.err == "lockfile: Signal received, giving up on \"a.lock\"\n");
        CHECK(r.sleeps.size() == 2);
        CHECK_FALSE(fs::exists("b.lock"));
    }

    TEST_CASE("usage errors, and the files before them are removed") {
        InTempDir d;
        const std::string usage(mail::lockfile::k_usage);
        for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
                 {}, {"-"}, {"--"}, {"-x"}, {"-r"}, {"-rx", "a"}, {"-5"}, {"-m"}, {"-mx"}}) {
            Run r;
            CHECK(r(args) == EX_USAGE);
            CHECK(r.err == usage);
        }
        // Debian re-reads "-r"/"-s" on the way back and complains again.
        for (std::vector<std::string> args :
             std::vector<std::vector<std::string>>{{"a.lock", "-r", "5x"}, {"-s", "-1", "a"}}) {
            Run twice;
            CHECK(twice(args) == EX_USAGE);
            CHECK(twice.err == usage + usage);
            CHECK_FALSE(fs::exists("a.lock"));
        }
    }

    TEST_CASE("-ml and -mu use the mailbox lock") {
        InTempDir d;
        fs::create_directory("spool");
        Run r;
        CHECK(r({"-ml"}) == 0);
        CHECK(fs::exists("spool/me.lock"));
        CHECK(Run()({"-mu"}) == 0);
        CHECK_FALSE(fs::exists("spool/me.lock"));
        Run again;
        CHECK(again({"-mu"}) == EX_USAGE);
        CHECK(again.err ==
              "lockfile: Can't unlock \"spool/me.lock\"\n" + std::string(mail::lockfile::k_usage));
        Run both;
        CHECK(both({"-ml", "-mu"}) == EX_USAGE);
        CHECK_FALSE(fs::exists("spool/me.lock"));
    }
}
