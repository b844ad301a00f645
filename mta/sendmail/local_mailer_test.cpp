// local_mailer_test.cpp — the LMTP client's guard on what it puts into
// command lines (the rest of it is exercised against mail.local by the
// integration tests: tests/mta/test_submit.sh, test_verp.py).
#include "mta/sendmail/local_mailer.h"

#include <doctest/doctest.h>

using namespace mail;

TEST_SUITE("sendmail.local_mailer") {
    TEST_CASE("an envelope that could break a command line is refused before the mailer starts") {
        config::Config cfg;
        // A mailer that cannot start: a safe envelope gets a temporary
        // failure from trying, an unsafe one never gets that far.
        REQUIRE(cfg.set("LOCAL_MAILER_PATH", "/nonexistent/mail.local").ok());
        sendmail::LocalMailer mailer(cfg);
        auto body = [](const std::function<Status(std::string_view)>& sink) { return sink("Subject: x\n\nx\n"); };
        struct Case {
            std::string sender;
            std::string user;
            int want;
        };
        const Case cases[] = {
            {"team-bounces+john=h@h", "john", 0},
            {"a\r\nRCPT TO:<root>", "john", 553},
            {"a>b@h", "john", 553},
            {"a@h", "john\nRSET", 553},
            {"a@h", "jo<hn", 553},
            {"a\x7f@h", "john", 553},
        };
        for (const auto& c : cases) {
            CAPTURE(c.sender);
            CAPTURE(c.user);
            auto replies = mailer.deliver(c.sender, {c.user, "mary"}, body);
            REQUIRE(replies.size() == 2);
            for (const auto& r : replies) {
                CHECK(r.code == c.want);
                if (c.want == 553) CHECK(r.status == "5.1.7");
            }
        }
    }
}
