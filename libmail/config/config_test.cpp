// config_test.cpp — unit tests for the option table and the sendmail.mc reader.
#include "libmail/config/config.h"

#include <doctest/doctest.h>

using mail::config::parse_mc;

TEST_SUITE("config") {
    TEST_CASE("defaults come from the table") {
        mail::config::Config c;
        CHECK(c.num("confMAX_HOP") == 25);
        CHECK(c.duration("confTO_QUEUERETURN") == std::chrono::hours(24 * 5));
        CHECK(c.str("QUEUE_DIR") == "/var/spool/mqueue");
        CHECK_FALSE(c.is_set("QUEUE_DIR"));
    }
    TEST_CASE("define, FEATURE, LOCAL_DOMAIN, dnl and comments") {
        auto c = parse_mc("divert(-1)dnl\n"
                          "# a comment with define(`confMAX_HOP', `3')\n"
                          "include(`/usr/share/sendmail/cf/m4/cf.m4')dnl\n"
                          "define(`confDOMAIN_NAME', `mx.example.com')dnl\n"
                          "define(`QUEUE_DIR', `/tmp/q')dnl\n"
                          "FEATURE(`access_db', `hash -T<TMPF> /etc/mail/access')dnl\n"
                          "LOCAL_DOMAIN(`example.com other.example')dnl\n"
                          "MASQUERADE_AS(`futuretg.com')dnl\n",
                          "test.mc");
        REQUIRE(c.ok());
        CHECK(c->num("confMAX_HOP") == 25);
        CHECK(c->hostname() == "mx.example.com");
        CHECK(c->str("QUEUE_DIR") == "/tmp/q");
        CHECK(c->feature("access_db"));
        CHECK(c->feature_args("access_db") == std::vector<std::string>{"hash -T<TMPF> /etc/mail/access"});
        CHECK(c->is_local_domain("Example.COM"));
        CHECK(c->is_local_domain("mx.example.com"));
        CHECK(c->is_local_domain("localhost"));
        CHECK_FALSE(c->is_local_domain("elsewhere.example"));
        CHECK(c->macro("MASQUERADE_AS") == std::vector<std::vector<std::string>>{{"futuretg.com"}});
    }
    TEST_CASE("errors name file:line") {
        struct Case { const char* text; const char* want; };
        for (auto c : {
                 Case{"dnl\ndefine(`confMAX_HOP', `lots')\n", "x.mc:2: confMAX_HOP: not a number: \"lots\""},
                 Case{"define(`confMAX_HOP', `0')\n", "x.mc:1: confMAX_HOP: must be between 1 and 1000, got \"0\""},
                 Case{"\n\nLOCAL_RULE_0\n", "x.mc:3: LOCAL_RULE_0: rewriting rules are not supported"},
                 Case{"define(`confX', `unterminated)\n", "x.mc:1: unterminated quoted string (missing ')"},
                 Case{"FEATURE(`x'\n", "x.mc:1: unterminated macro call (missing ')')"},
             }) {
            CAPTURE(c.text);
            auto r = parse_mc(c.text, "x.mc");
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().message == c.want);
            CHECK(r.error().exit_code == EX_CONFIG);
        }
    }
    TEST_CASE("sendmail.cf subset") {
        auto c = mail::config::parse_cf("Cwfuturetg.com www.futuretg.com\nDjfuturetg.com\nO MaxHopCount=30\n", "s.cf");
        REQUIRE(c.ok());
        CHECK(c->is_local_domain("www.futuretg.com"));
        CHECK(c->hostname() == "futuretg.com");
        CHECK(c->num("confMAX_HOP") == 30);
        auto bad = mail::config::parse_cf("Cwa\n\nfuturetg.COM\n", "sendmail.cf");
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().message == "sendmail.cf: line 3: unknown configuration line \"futuretg.COM\"");
    }
    TEST_CASE("durations") {
        using mail::config::parse_duration;
        CHECK(parse_duration("1h30m") == std::chrono::seconds(5400));
        CHECK(parse_duration("45") == std::chrono::seconds(45));
        CHECK(parse_duration("30", 'm') == std::chrono::seconds(1800));
        CHECK_FALSE(parse_duration("4x"));
        CHECK_FALSE(parse_duration(""));
    }
}
