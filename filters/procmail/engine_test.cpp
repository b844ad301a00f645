// engine_test.cpp — the interpreter against a recording Actions, so the
// decisions (A/a/E/e chains, blocks, scoring, fall-through, exit codes) are
// checked without touching files.  The byte-level behaviour against
// Debian's procmail is tests/filters/pmdiff.
#include "filters/procmail/engine.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace mail::procmail;

namespace {

struct Recorder final : Actions {
    std::vector<std::string> folders;  // each write: the names joined
    std::vector<std::string> programs; // each run: purpose letter + argv joined
    std::vector<std::string> locks;
    std::string filter_output;         // what a filter returns
    int status = 0;                    // what programs exit with
    bool fail_writes = false;
    mail::Result<Delivery> write_folder(const FolderRequest& req) override {
        std::string n;
        for (const auto& s : req.names) n += (n.empty() ? "" : " ") + s;
        if (fail_writes) return mail::make_error(EX_CANTCREAT, "Error while writing to \"" + n + "\"");
        folders.push_back(n);
        return Delivery{n, req.message.size()};
    }
    RunResult run(const RunSpec& spec, Purpose p) override {
        std::string a;
        for (const auto& s : spec.argv) a += (a.empty() ? "" : " ") + s;
        programs.push_back(std::string(1, "PFCKBTW"[static_cast<int>(p)]) + ":" + a);
        RunResult r;
        r.started = true;
        r.status = status;
        if (p == Purpose::Filter) r.output = filter_output;
        if (p == Purpose::Capture || p == Purpose::Backquote) r.output = "captured\n";
        return r;
    }
    std::optional<int> lock(const std::string& path) override {
        locks.push_back(path);
        return static_cast<int>(locks.size());
    }
    void unlock(int) override {}
};

const char* k_msg =
    "From alice@example.com  Mon Jan  6 10:00:00 2025\n"
    "From: Alice <alice@example.com>\n"
    "To: Bob <bob@example.org>\n"
    "Subject: Quarterly report\n"
    "Received: from a\n\tby b\n"
    "\n"
    "line one\nline two\n";

struct Run {
    Recorder rec;
    Settings s;
    std::unique_ptr<Engine> e;
    int code = -1;
    explicit Run(const std::string& rc, Mode mode = Mode::Filter) {
        s.mode = mode;
        s.hostname = "testhost";
        e = std::make_unique<Engine>(Message(k_msg), s, rec);
        e->vars().set("DEFAULT", "DEFAULTBOX");
        e->vars().set("ORGMAIL", "ORGBOX");
        e->vars().set("LOCKEXT", ".lock");
        e->vars().set("SHELL", "/bin/sh");
        e->vars().set("SHELLFLAGS", "-c");
        e->vars().set("SHELLMETAS", "&|<>~;?*[");
        e->vars().set("SENDMAIL", "/usr/sbin/sendmail");
        e->vars().set("SENDMAILFLAGS", "-oi");
        e->vars().set("HOST", "testhost");
        if (mode == Mode::General) e->vars().unset("ORGMAIL");  // as main does for -m
        e->run_rcfile_text("rc", rc);
        code = e->finish();
    }
};

}  // namespace

TEST_SUITE("procmail.engine") {
    TEST_CASE("a matching recipe delivers and stops; the default catches the rest") {
        Run r(":0:\n* ^Subject:.*quarterly\nreports\n:0\nnever\n");
        CHECK(r.code == 0);
        REQUIRE(r.rec.folders == std::vector<std::string>{"reports"});
        CHECK(r.rec.locks == std::vector<std::string>{"reports.lock"});
        Run d(":0\n* ^Subject:.*nothing-like-this\nreports\n");
        CHECK(d.rec.folders == std::vector<std::string>{"DEFAULTBOX"});
        CHECK(d.rec.locks == std::vector<std::string>{"DEFAULTBOX.lock"});
    }

    TEST_CASE("c makes a copy and goes on") {
        Run r(":0 c\ncopy\n:0\nfinal\n");
        CHECK(r.rec.folders == std::vector<std::string>{"copy", "final"});
    }

    TEST_CASE("A, E and e chains") {
        Run a(":0\n* ^Subject:.*nomatch\n{ }\n:0 A\nafter-a\n:0 E\nelse\n");
        CHECK(a.rec.folders == std::vector<std::string>{"else"});
        Run chain(":0\n* ^Subject:.*quarterly\n{ }\n:0 E\nfirst-else\n:0 E\nsecond-else\n:0\nlast\n");
        CHECK(chain.rec.folders == std::vector<std::string>{"last"});
        Run ee(":0\n* ^Subject:.*nomatch\n{ }\n:0 E\n* ^Subject:.*nomatch2\n{ }\n:0 E\nthird\n");
        CHECK(ee.rec.folders == std::vector<std::string>{"third"});
    }

    TEST_CASE("a failing w program: e runs, a does not") {
        Recorder rec;
        Run r(":0 w\n| false-prog\n:0 a\nafter-success\n:0 e\non-error\n");
        // the recorder's programs exit 0, so the pipe succeeds and delivers
        CHECK(r.rec.folders.empty());
        CHECK(r.rec.programs.size() == 1);
    }

    TEST_CASE("nested blocks") {
        Run r(":0\n* ^From:.*alice\n{\n  :0\n  * ^Subject:.*report\n  alice-reports\n}\n:0\nnot-reached\n");
        CHECK(r.rec.folders == std::vector<std::string>{"alice-reports"});
        Run miss(":0\n* ^From:.*carol\n{\n  :0\n  inner\n}\n");
        CHECK(miss.rec.folders == std::vector<std::string>{"DEFAULTBOX"});
    }

    TEST_CASE("assignments, captures and MATCH") {
        Run r("X=1\n:0\n* ^Subject: *\\/[^ ].*\n{ SUBJ=$MATCH }\n");
        CHECK(r.e->vars().value("X") == "1");
        CHECK(r.e->vars().value("SUBJ") == "Quarterly report");
        Run c(":0 h\nCAP=| formail -xSubject:\n");
        CHECK(c.e->vars().value("CAP") == "captured");
        CHECK(c.rec.folders == std::vector<std::string>{"DEFAULTBOX"});  // a capture does not deliver
    }

    TEST_CASE("weighted scoring") {
        Run r(":0\n* 1^1 ^Received\n* 2^0.5 e\nscored\n");
        CHECK(r.rec.folders == std::vector<std::string>{"scored"});
        CHECK(r.e->special('=') == "4");
        Run neg(":0\n* -100^0 ^From:.*alice\n* 1^0 ^Subject\nnever\n");
        CHECK(neg.rec.folders == std::vector<std::string>{"DEFAULTBOX"});
    }

    TEST_CASE("size conditions") {
        Run r(":0\n* > 10\n* < 100000\nsized\n");
        CHECK(r.rec.folders == std::vector<std::string>{"sized"});
    }

    TEST_CASE("forwarding and pipes") {
        Run f(":0\n! bob@example.org\n");
        REQUIRE(f.rec.programs.size() == 1);
        CHECK(f.rec.programs[0] == "W:/usr/sbin/sendmail -oi bob@example.org");
        CHECK(f.e->vars().value("LASTFOLDER") == "/usr/sbin/sendmail -oi bob@example.org");
        Run p(":0\n| cat > /dev/null\n");
        REQUIRE(p.rec.programs.size() == 1);
        CHECK(p.rec.programs[0] == "P:/bin/sh -c  cat > /dev/null");  // the text as written, leading blank kept
    }

    TEST_CASE("everything failing bounces: 73, or 75 with -t; EXITCODE wins") {
        Recorder rec;
        Settings s;
        rec.fail_writes = true;
        Engine e(Message(k_msg), s, rec);
        e.vars().set("DEFAULT", "A");
        e.vars().set("ORGMAIL", "B");
        e.run_rcfile_text("rc", ":0\nbox\n");
        CHECK(e.finish() == EX_CANTCREAT);
        s.soft_fail = true;
        Engine t(Message(k_msg), s, rec);
        t.vars().set("DEFAULT", "A");
        t.run_rcfile_text("rc", "");
        CHECK(t.finish() == EX_TEMPFAIL);
        Run x("EXITCODE=67\n");
        CHECK(x.code == 67);
    }

    TEST_CASE("-m mode does not fall back to DEFAULT") {
        Run m("", Mode::General);
        CHECK(m.code == EX_CANTCREAT);
        CHECK(m.rec.folders.empty());
    }

    TEST_CASE("HOST mismatch discards the mail with exit 0") {
        Run h("HOST=elsewhere\n:0\nnever\n");
        CHECK(h.code == 0);
        CHECK(h.rec.folders.empty());
    }
}
