// args_test.cpp — the command lines real programs use, and bad ones.
#include "mta/sendmail/args.h"

#include <doctest/doctest.h>

#include <optional>

using namespace mail::sendmail;

namespace {
Invocation ok(std::vector<std::string> argv) {
    auto r = parse_args(argv);
    if (!r.ok()) FAIL("parse failed: " << r.error().message);
    return r.value();
}
}  // namespace

TEST_SUITE("sendmail.args") {
    TEST_CASE("invocations of real programs") {
        SUBCASE("mutt") {
            auto inv = ok({"sendmail", "-oem", "-oi", "-B8BITMIME", "-f", "a@x", "-N", "failure,delay", "-R", "hdrs",
                           "--", "b@y", "c@z"});
            CHECK(inv.ignore_dots);
            CHECK(inv.bodytype == "8BITMIME");
            CHECK(inv.sender == "a@x");
            CHECK(inv.notify == "FAILURE,DELAY");
            CHECK(inv.ret == "HDRS");
            CHECK(inv.recipients == std::vector<std::string>{"b@y", "c@z"});
            CHECK(inv.letter_options.front() == std::pair<char, std::string>{'e', "m"});
        }
        SUBCASE("cron") {
            auto inv = ok({"/usr/sbin/sendmail", "-FCronDaemon", "-i", "-B8BITMIME", "-oem", "root"});
            CHECK(inv.full_name == "CronDaemon");
            CHECK(inv.recipients == std::vector<std::string>{"root"});
        }
        SUBCASE("s-nail and bsd-mailx") {
            auto inv = ok({"sendmail", "-i", "-m", "-v", "--", "john"});
            CHECK(inv.verbose);
            CHECK(inv.ignore_dots);
            auto bsd = ok({"sendmail", "-i", "-t", "-f", "tony"});
            CHECK(bsd.read_recipients);
            CHECK(bsd.recipients.empty());
        }
        SUBCASE("PHP, bundled flags") {
            auto inv = ok({"sendmail", "-ti"});
            CHECK(inv.read_recipients);
            CHECK(inv.ignore_dots);
        }
        SUBCASE("Alpine") {
            CHECK(ok({"sendmail", "-bs", "-odb", "-oem"}).mode == Mode::Smtp);
        }
        SUBCASE("ignored flags") {
            auto inv = ok({"sendmail", "-G", "-h", "17", "-L", "tag", "-n", "-U", "-Ac", "-Am", "x"});
            CHECK(inv.recipients == std::vector<std::string>{"x"});
        }
    }
    TEST_CASE("modes and personalities") {
        CHECK(ok({"mailq"}).mode == Mode::PrintQueue);
        CHECK(ok({"/usr/bin/newaliases"}).mode == Mode::InitAliases);
        CHECK(ok({"hoststat"}).mode == Mode::HostStatus);
        CHECK(ok({"purgestat"}).mode == Mode::PurgeHostStatus);
        CHECK(ok({"sendmail", "-bp"}).mode == Mode::PrintQueue);
        CHECK(ok({"sendmail", "-bv", "john"}).mode == Mode::Verify);
        CHECK(ok({"sendmail", "-d0.1"}).mode == Mode::Version);
        CHECK(ok({"sendmail", "-bC"}).mode == Mode::CheckConfig);
        auto q = ok({"sendmail", "-q"});
        CHECK(q.mode == Mode::QueueRun);
        CHECK_FALSE(q.queue_interval);
        auto d = ok({"sendmail", "-bD", "-q30m"});
        CHECK(d.mode == Mode::DaemonForeground);
        CHECK(d.queue_interval == std::chrono::minutes(30));
        auto f = ok({"sendmail", "-qRjohn", "-qSalice", "-qI6AM5"});
        CHECK(f.filter.recipients == std::vector<std::string>{"john"});
        CHECK(f.filter.senders == std::vector<std::string>{"alice"});
        CHECK(f.filter.ids == std::vector<std::string>{"6AM5"});
        CHECK(ok({"sendmail", "-q1h30m"}).queue_interval == std::chrono::seconds(5400));
        CHECK(ok({"sendmail", "-O", "DeliveryMode=i", "-OTimeout.queuereturn=1s", "x"}).cf_options.size() == 2);
        CHECK(ok({"sendmail", "-C", "/tmp/x.mc", "-X", "/tmp/t", "x"}).config_file == "/tmp/x.mc");
    }
    TEST_CASE("-XV: Postfix's VERP request, beside sendmail's -X transcript") {
        struct Case {
            std::vector<std::string> argv;
            std::optional<std::string> verp;
            std::string transcript;
        };
        for (const auto& c : std::vector<Case>{
                 {{"sendmail", "-XV", "-f", "team-bounces@h", "a@x"}, "+=", ""},
                 {{"sendmail", "-XV-=", "-f", "team-bounces@h", "a@x"}, "-=", ""},
                 {{"sendmail", "-X", "V", "a@x"}, "+=", ""},
                 {{"sendmail", "-tXV"}, "+=", ""},
                 {{"sendmail", "-X", "/tmp/t", "a@x"}, std::nullopt, "/tmp/t"},
                 {{"sendmail", "-XVerbose.log", "a@x"}, std::nullopt, "Verbose.log"},
                 {{"sendmail", "-X", "./V", "a@x"}, std::nullopt, "./V"},
             }) {
            CAPTURE(c.argv[1]);
            auto inv = ok(c.argv);
            CHECK(inv.verp == c.verp);
            CHECK(inv.transcript_file == c.transcript);
        }
        // Listman's fan-out: -oi, -f, -XV, then the recipients after --.
        auto inv = ok({"sendmail", "-oi", "-f", "team-bounces@h", "-XV", "--", "-a@x", "b@y"});
        CHECK(inv.ignore_dots);
        CHECK(inv.sender == "team-bounces@h");
        CHECK(inv.verp == "+=");
        CHECK(inv.recipients == std::vector<std::string>{"-a@x", "b@y"});
        auto t = ok({"sendmail", "-t", "-i", "-XV+-", "-f", "<team-bounces@h>"});
        CHECK(t.read_recipients);
        CHECK(t.verp == "+-");
        // Without -f the sender is the invoking user, which VERP can rewrite.
        CHECK(ok({"sendmail", "-XV", "a@x"}).verp == "+=");
    }
    TEST_CASE("usage errors") {
        struct Case { std::vector<std::string> argv; const char* want; };
        for (const auto& c : std::vector<Case>{
                 {{"sendmail", "-Z"}, "invalid option -- 'Z'"},
                 {{"sendmail", "-bz"}, "Invalid operation mode z"},
                 {{"sendmail", "-f"}, "option requires an argument -- 'f'"},
                 {{"sendmail", "-N", "sometimes"}, "Invalid -N argument \"sometimes\""},
                 {{"sendmail", "-N", "never,success"}, "-N never cannot be combined"},
                 {{"sendmail", "-R", "most"}, "Invalid -R argument \"most\""},
                 {{"sendmail", "-B", "9BIT"}, "Invalid -B argument \"9BIT\""},
                 {{"sendmail", "-qx"}, "Invalid queue interval \"x\""},
                 {{"sendmail", "-qR"}, "-qR needs a substring"},
                 {{"sendmail", "-XV", "-f", "<>", "a@x"}, "-XV needs an envelope sender to rewrite; the null sender <> has none"},
                 {{"sendmail", "-XV", "-f", "", "a@x"}, "-XV needs an envelope sender to rewrite; the null sender <> has none"},
                 {{"sendmail", "-f", "MAILER-DAEMON", "-XV", "a@x"},
                  "-XV needs an envelope sender to rewrite; the null sender <> has none"},
                 {{"sendmail", "-XV=", "a@x"}, "-XV: VERP delimiters must be two characters, each one of \"-=+\" (got \"=\")"},
                 {{"sendmail", "-XVab", "a@x"}, "-XV: VERP delimiters must be two characters, each one of \"-=+\" (got \"ab\")"},
                 {{"sendmail", "-XV", "-bv", "a@x"}, "-XV applies only to a message submitted on the command line (-bm)"},
                 {{"sendmail", "-XV", "-bs"}, "-XV applies only to a message submitted on the command line (-bm)"},
                 {{"sendmail", "-XV", "-q"}, "-XV applies only to a message submitted on the command line (-bm)"},
             }) {
            auto r = parse_args(c.argv);
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().message == c.want);
            CHECK(r.error().exit_code == EX_USAGE);
        }
    }
}
