// engine_test.cpp — unit tests for the formail engine and its command line
// (the byte-for-byte comparison with Debian's formail is
// tests/filters/test_formail.py; these pin the cases that matter most and
// the hostile ones, without forking).
#include "filters/formail/engine.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>

#include <sysexits.h>

using namespace mail::filters::formail;

namespace {

struct Run {
    int status = -1;
    std::string out, err;
};

Run formail(std::vector<std::string> args, std::string input) {
    Run r;
    ParsedArgs p = parse_args(args);
    if (p.exit) {
        r.status = *p.exit;
        r.err = p.message;
        return r;
    }
    setenv("TZ", "UTC", 1);
    Context ctx;
    ctx.stdout_string = &r.out;
    ctx.stderr_string = &r.err;
    ctx.pid = 4242;
    ctx.hostname = "host";
    ctx.now = [] { return static_cast<time_t>(1736157600); };  // Mon Jan  6 10:00:00 2025
    StringInput in(std::move(input));
    r.status = run(p.options, in, ctx);
    return r;
}

const char* const k_fm1 =
    "From envelope@bounce.example.com  Mon Jan  6 10:00:00 2025\n"
    "Return-Path: <rp@bounce.example.com>\n"
    "From: Dave <dave@example.com>\n"
    "Sender: list-owner@lists.example.com\n"
    "Reply-To: Dave Replies <replies@example.com>\n"
    "Subject: Project status\n"
    "Message-ID: <m1@example.com>\n"
    "X-Loop: somebody@else.example\n"
    "\n"
    "From here on the body.\n";

}  // namespace

TEST_SUITE("formail.engine") {
    TEST_CASE("E6: -rt -A X-Loop") {
        Run r = formail({"-rt", "-A", "X-Loop: bob@example.org"}, k_fm1);
        CHECK(r.status == 0);
        CHECK(r.out ==
              "X-Loop: somebody@else.example\n"
              "To: replies@example.com\n"
              "Subject: Re: Project status\n"
              "References: <m1@example.com>\n"
              "In-Reply-To: <m1@example.com>\n"
              "X-Loop: bob@example.org\n"
              "\n");
    }
    TEST_CASE("E6: -r replies to the envelope sender") {
        Run r = formail({"-r"}, k_fm1);
        CHECK(r.out.find("To: envelope@bounce.example.com\n") != std::string::npos);
    }
    TEST_CASE("Re: is always added (formail's sizeof bug)") {
        CHECK(formail({"-r"}, "From: a@b.c\nSubject: Re: hello\n\n").out ==
              "To: a@b.c\nSubject: Re: Re: hello\n\n");
        CHECK(formail({"-r"}, "From: a@b.c\nSubject: Re:\n\n").out == "To: a@b.c\nSubject: Re: Re:\n\n");
    }
    TEST_CASE("-rk quotes the body, escaping From lines too") {
        Run r = formail({"-rk"}, "From: a@b.c\n\nline\n\nFrom here on\n");
        CHECK(r.out == "To: a@b.c\n\n>line\n\n>>From here on\n\n");
    }
    TEST_CASE("no sender: foo@bar and exit 67") {
        Run r = formail({"-r"}, "Subject: x\n\n");
        CHECK(r.out == "To: foo@bar\nSubject: Re: x\n\n");
        CHECK(r.status == 67);
    }
    TEST_CASE("a missing From_ line is made, body From lines are escaped") {
        Run r = formail({}, "From: alice@example.com\n\nFrom me\n");
        CHECK(r.out == "From alice@example.com  Mon Jan  6 10:00:00 2025\nFrom: alice@example.com\n\n>From me\n\n");
    }
    TEST_CASE("-a Message-ID: makes <hash.serial.pid.time@host>") {
        Run r = formail({"-f", "-a", "Message-ID:"}, "Subject: x\n\n");
        CHECK(r.out.rfind("Subject: x\nMessage-ID: <", 0) == 0);
        CHECK(r.out.find(".A.SCB.gm6enB@host>\n\n") != std::string::npos);  // serial 0, pid 4242, the time
    }
    TEST_CASE("-l prints the abstract instead of the message") {
        Run r = formail({"-l", "inbox"}, "From a@b  Mon Jan  6 10:00:00 2025\nSubject: s\tt\n\nbody\n");
        CHECK(r.out == "From a@b  Mon Jan  6 10:00:00 2025\n Subject: s t\n  Folder: inbox\t\t\t\t\t\t\t\t     55\n");
    }
    TEST_CASE("-D: 1 for a new key, 0 for a duplicate; the cache bytes") {
        std::FILE* cache = std::tmpfile();
        REQUIRE(cache);
        auto once = [&] {
            ParsedArgs p = parse_args({"-D", "1000", "/dev/null"});
            REQUIRE(!p.exit);
            p.options.dup_cache.reset(cache);
            Context ctx;
            std::string out;
            ctx.stdout_string = &out;
            ctx.now = [] { return static_cast<time_t>(0); };
            StringInput in(k_fm1);
            int status = run(p.options, in, ctx);
            (void)p.options.dup_cache.release();
            CHECK(out.empty());
            return status;
        };
        CHECK(once() == 1);
        CHECK(once() == 0);
        std::rewind(cache);
        char bytes[64] = {};
        size_t n = std::fread(bytes, 1, sizeof bytes, cache);
        CHECK(std::string(bytes, n) == std::string("<m1@example.com>\0\0", 18));
        std::fclose(cache);
    }
    TEST_CASE("-s without a program splits to stdout at postmarks") {
        Run r = formail({"-s"}, "From a  Mon Jan  6 10:00:00 2025\nSubject: 1\n\nx\n\n"
                                "From b  Mon Jan  6 10:00:00 2025\nSubject: 2\nTo: t\n\ny\n");
        CHECK(r.out == "From a  Mon Jan  6 10:00:00 2025\nSubject: 1\n\nx\n\n"
                       "From b  Mon Jan  6 10:00:00 2025\nSubject: 2\nTo: t\n\ny\n\n");
    }
    TEST_CASE("hostile input never crashes") {
        CHECK(formail({}, std::string("\0\0\0", 3)).status == 0);
        CHECK(formail({"-rt"}, "From: \"\\").status == 0);
        CHECK(formail({"-rtc"}, "Reply-To: " + std::string(200000, '(') + "\n\n").status == 67);
        CHECK(formail({}, "Subject: " + std::string(10 << 20, 'x')).out.size() > (10 << 20));
        CHECK(formail({"-f", "-l", "x"}, "").out == "  Folder: x\t\t\t\t\t\t\t\t      1\n");  // formail crashes here
        CHECK(formail({"-Bs"}, "no BABYL separator").status == 0);  // formail loops for ever here
        CHECK(formail({"-r", "-U", "Subject:"}, "From: a@b.c\nSubject: x\n\n").status == 0);  // formail crashes
    }
}

TEST_SUITE("formail.options") {
    TEST_CASE("bundled letters and attached arguments") {
        ParsedArgs p = parse_args({"-rtkpXX", "-XSubject:", "+2", "-3", "-s", "prog", "-r"});
        REQUIRE(!p.exit);
        const Options& o = p.options;
        CHECK((o.reply && o.trust_header && o.keep_body));
        CHECK(o.prefix == "XX");
        CHECK(o.extract_keep.front().field.text == "Subject:\n");
        CHECK(o.skip == 2);
        CHECK(o.total == 3);
        CHECK(o.program == std::vector<std::string>{"prog", "-r"});
    }
    TEST_CASE("-R takes the new name from the same word or the next") {
        CHECK(parse_args({"-R", "X-", "Y-"}).options.rename.front().field.text == "X-Y-");
        CHECK(parse_args({"-RSubject: Topic:"}).options.rename.front().field.text == "Subject:Topic:");
        CHECK(parse_args({"-R", "Subject:", "X-"}).exit == EX_USAGE);
    }
    TEST_CASE("misuse is exit 64 with the usage text") {
        for (auto args : std::vector<std::vector<std::string>>{{"-a", "NoColon"}, {"-A", "X-"}, {"-Z"}, {"-p"},
                                                               {"word"}, {"-n", "-s"}, {"-sx"}, {"-h"}, {"-v"}}) {
            CAPTURE(args[0]);
            ParsedArgs p = parse_args(args);
            CHECK(p.exit == EX_USAGE);
        }
        CHECK(parse_args({"-a", "Resent-"}).options.resent);
        CHECK(parse_args({"-l", std::string(70, 'f')}).options.log_folder->size() == 61);
    }
    TEST_CASE("-D opens or creates the cache file") {
        ParsedArgs bad = parse_args({"-D", "10", "/nonexistent/dir/cache"});
        CHECK(bad.exit == EX_CANTCREAT);
        CHECK(bad.message == "formail: Couldn't open \"/nonexistent/dir/cache\"\n");
    }
}
