// cmdline_test.cpp — -oX letters, -O Name=value, DAEMON_OPTIONS parsing,
// privacy flags, the -bC dump.
#include "libmail/config/config.h"

#include "libmail/util/strings.h"

#include <doctest/doctest.h>

#include <algorithm>

using mail::config::apply_cf_option;
using mail::config::apply_option_letter;
using mail::config::Config;
using mail::config::DaemonOptions;
using mail::config::parse_mc;
using mail::Status;
using Strings = std::vector<std::string>;

TEST_SUITE("config") {
    TEST_CASE("-oX sets sendmail's one-letter options") {
        struct Case { char letter; const char* value; const char* option; const char* want; };
        for (auto c : {
                 Case{'i', "", "confIGNORE_DOTS", "true"},
                 Case{'i', "f", "confIGNORE_DOTS", "f"},
                 Case{'e', "m", "confERROR_MODE", "mail"},
                 Case{'e', "e", "confERROR_MODE", "exitzero"},
                 Case{'e', "p", "confERROR_MODE", "print"},
                 Case{'e', "q", "confERROR_MODE", "quiet"},
                 Case{'e', "w", "confERROR_MODE", "write"},
                 Case{'d', "b", "confDELIVERY_MODE", "background"},
                 Case{'d', "i", "confDELIVERY_MODE", "interactive"},
                 Case{'d', "q", "confDELIVERY_MODE", "queueonly"},
                 Case{'d', "d", "confDELIVERY_MODE", "deferred"},
                 Case{'m', "", "confME_TOO", "true"},
                 Case{'L', "12", "confLOG_LEVEL", "12"},
                 Case{'Q', "/tmp/mq", "QUEUE_DIR", "/tmp/mq"},
                 Case{'A', "/etc/aliases2", "ALIAS_FILE", "/etc/aliases2"},
                 Case{'h', "5", "confMAX_HOP", "5"},
                 Case{'p', "goaway", "confPRIVACY_FLAGS", "goaway"},
                 Case{'u', "8:12", "confDEF_USER_ID", "8:12"},
                 Case{'J', "$z/.forward.$w:$z/.forward", "confFORWARD_PATH", "$z/.forward.$w:$z/.forward"},
                 Case{'v', "", "Verbose", "true"},
                 Case{'T', "3", "confTO_QUEUERETURN", "3"},
                 Case{'b', "50", "confMIN_FREE_BLOCKS", "50"},
             }) {
            CAPTURE(c.letter);
            CAPTURE(c.value);
            Config cfg;
            Status s = apply_option_letter(cfg, c.letter, c.value);
            REQUIRE_MESSAGE(s.ok(), s.error().message);
            CHECK(cfg.str(c.option) == c.want);
        }
        Config cfg;
        REQUIRE(apply_option_letter(cfg, 'T', "1d/2h").ok());
        CHECK(cfg.duration("confTO_QUEUERETURN") == std::chrono::hours(24));
        CHECK(cfg.duration("confTO_QUEUEWARN") == std::chrono::hours(2));
        REQUIRE(apply_option_letter(cfg, 'b', "10/2000").ok());
        CHECK(cfg.num("confMIN_FREE_BLOCKS") == 10);
        CHECK(cfg.num("confMAX_MESSAGE_SIZE") == 2000);
    }

    TEST_CASE("-oX errors are EX_USAGE and name the option") {
        struct Case { char letter; const char* value; const char* want; };
        for (auto c : {
                 Case{'!', "", "-o!: unknown option letter"},
                 Case{'x', "8", "-ox (QueueLA): not supported by mailroom"},
                 Case{'M', "rUUCP", "-oM ((macro definition)): not supported by mailroom"},
                 Case{'e', "z", "-oe: must be one of print quiet mail write exitzero, got \"z\""},
                 Case{'d', "", "-od: must be one of interactive background queueonly deferred, got \"\""},
                 Case{'L', "", "-oL: needs a value"},
                 Case{'L', "lots", "-oL: not a number: \"lots\""},
                 Case{'h', "0", "-oh: must be between 1 and 1000, got \"0\""},
                 Case{'i', "maybe", "-oi: not true or false: \"maybe\""},
                 Case{'T', "1d/soon", "-oT: not a time (like 30s, 4h, 5d): \"soon\""},
                 Case{'p', "novrfy,bogus", "-op: unknown flag \"bogus\" (known: public needmailhelo needexpnhelo noexpn "
                                           "needvrfyhelo novrfy noetrn noverb restrictmailq restrictqrun restrictexpand "
                                           "noreceipts nobodyreturn goaway authwarnings noactualrecipient)"},
             }) {
            CAPTURE(c.letter);
            Config cfg;
            Status s = apply_option_letter(cfg, c.letter, c.value);
            REQUIRE_FALSE(s.ok());
            CHECK(s.error().message == c.want);
            CHECK(s.error().exit_code == EX_USAGE);
        }
    }

    TEST_CASE("-O Name=value takes the long name, case-insensitively") {
        Config cfg;
        REQUIRE(apply_cf_option(cfg, "Timeout.queuereturn=1s").ok());
        CHECK(cfg.duration("confTO_QUEUERETURN") == std::chrono::seconds(1));
        REQUIRE(apply_cf_option(cfg, "timeout.QUEUEWARN = 2h").ok());
        CHECK(cfg.duration("confTO_QUEUEWARN") == std::chrono::hours(2));
        REQUIRE(apply_cf_option(cfg, "DeliveryMode=i").ok());
        CHECK(cfg.str("confDELIVERY_MODE") == "interactive");
        REQUIRE(apply_cf_option(cfg, "IgnoreDots").ok());
        CHECK(cfg.flag("confIGNORE_DOTS"));
        REQUIRE(apply_cf_option(cfg, "ErrorMode=mail").ok());
        CHECK(cfg.str("confERROR_MODE") == "mail");
        REQUIRE(apply_cf_option(cfg, "confMAX_HOP=7").ok());
        CHECK(cfg.num("confMAX_HOP") == 7);
        REQUIRE(apply_cf_option(cfg, "PrivacyOptions=goaway").ok());
        CHECK(cfg.privacy("needmailhelo"));

        struct Case { const char* text; const char* want; };
        for (auto c : {
                 Case{"Bogus=1", "-O Bogus: unknown option"},
                 Case{"=1", "-O =1: missing option name"},
                 Case{"MaxHopCount", "-O MaxHopCount: needs a value"},
                 Case{"Timeout.queuereturn=soon", "-O Timeout.queuereturn: not a time (like 30s, 4h, 5d): \"soon\""},
                 Case{"DeliveryMode=x", "-O DeliveryMode: must be one of interactive background queueonly deferred, got \"x\""},
             }) {
            CAPTURE(c.text);
            Config fresh;
            Status s = apply_cf_option(fresh, c.text);
            REQUIRE_FALSE(s.ok());
            CHECK(s.error().message == c.want);
            CHECK(s.error().exit_code == EX_USAGE);
        }
    }

    TEST_CASE("DAEMON_OPTIONS text") {
        using mail::config::parse_daemon_options;
        struct Case { const char* text; DaemonOptions want; };
        for (const auto& c : {
                 Case{"Port=587, Addr=127.0.0.1, Name=MSA, M=Ea", {"MSA", 587, "127.0.0.1", "inet", "Ea", 0}},
                 Case{"Family=inet6, Name=MTA-v6, Port=smtp, Addr=::1", {"MTA-v6", 25, "::1", "inet6", "", 0}},
                 Case{"Addr=::, Family=inet6", {"", 25, "::", "inet6", "", 0}},
                 Case{"port=smtps, name=TLS, m=s", {"TLS", 465, "", "inet", "s", 0}},
                 Case{"Port=submission, Modifier=E a", {"", 587, "", "inet", "Ea", 0}},
                 Case{"Port=2525, Listen=100, M=EE", {"", 2525, "", "inet", "E", 100}},
                 Case{"Name=MTA,", {"MTA", 25, "", "inet", "", 0}},
                 Case{"", {"", 25, "", "inet", "", 0}},
             }) {
            CAPTURE(c.text);
            auto d = parse_daemon_options(c.text);
            REQUIRE_MESSAGE(d.ok(), d.error().message);
            CHECK(d->name == c.want.name);
            CHECK(d->port == c.want.port);
            CHECK(d->addr == c.want.addr);
            CHECK(d->family == c.want.family);
            CHECK(d->modifiers == c.want.modifiers);
            CHECK(d->listen == c.want.listen);
        }
        struct Bad { const char* text; const char* want; };
        for (auto b : {
                 Bad{"Port", "missing '=' in \"Port\""},
                 Bad{"Port=0", "bad Port \"0\" (a number 1-65535 or smtp, submission, smtps)"},
                 Bad{"Port=imap", "bad Port \"imap\" (a number 1-65535 or smtp, submission, smtps)"},
                 Bad{"Name=", "bad Name \"\""},
                 Bad{"Name=a b", "bad Name \"a b\""},
                 Bad{"Family=local", "Family local is not supported"},
                 Bad{"Addr=localhost", "Addr \"localhost\" is not a numeric IPv4 address"},
                 Bad{"Addr=127.0.0.1, Family=inet6", "Addr \"127.0.0.1\" is not a numeric IPv6 address"},
                 Bad{"Listen=x", "bad Listen \"x\""},
                 Bad{"M=Q", "unknown modifier 'Q' in M=Q (known: abcfsuACEOS)"},
                 Bad{"Colour=red", "unknown key \"Colour\""},
             }) {
            CAPTURE(b.text);
            auto d = parse_daemon_options(b.text);
            REQUIRE_FALSE(d.ok());
            CHECK(d.error().message == b.want);
        }
    }

    TEST_CASE("default listeners follow sendmail's cf") {
        struct Case { const char* mc; std::vector<DaemonOptions> want; };
        for (const auto& c : {
                 Case{"", {{"MTA", 25, "", "inet", "", 0}, {"MSA", 587, "", "inet", "E", 0}}},
                 Case{"FEATURE(`no_default_msa')", {{"MTA", 25, "", "inet", "", 0}}},
                 Case{"DAEMON_OPTIONS(`Port=smtp,Addr=127.0.0.1, Name=MTA')",
                      {{"MTA", 25, "127.0.0.1", "inet", "", 0}, {"MSA", 587, "", "inet", "E", 0}}},
                 Case{"DAEMON_OPTIONS(`Port=2525')DAEMON_OPTIONS(`Port=587, M=a')",
                      {{"Daemon0", 2525, "", "inet", "", 0}, {"Daemon1", 587, "", "inet", "a", 0}}},
             }) {
            CAPTURE(c.mc);
            auto r = parse_mc(c.mc, "x.mc");
            REQUIRE(r.ok());
            CHECK(r->daemon_options() == c.want);
        }
        auto r = parse_mc("CLIENT_OPTIONS(`Family=inet6, Addr=::1')", "x.mc");
        REQUIRE(r.ok());
        CHECK(r->client_options() == std::vector<DaemonOptions>{{"", 25, "::1", "inet6", "", 0}});
    }

    TEST_CASE("privacy flags: goaway, noexpn and public expanded as sendmail does") {
        using Set = std::set<std::string>;
        struct Case { const char* flags; Set want; };
        for (const auto& c : {
                 Case{"goaway", {"authwarnings", "needmailhelo", "needexpnhelo", "needvrfyhelo", "noexpn", "novrfy", "noverb"}},
                 Case{"goaway,restrictqrun", {"authwarnings", "needmailhelo", "needexpnhelo", "needvrfyhelo", "noexpn",
                                              "novrfy", "noverb", "restrictqrun"}},
                 Case{"public", {}},
                 Case{"noexpn", {"noexpn", "noverb"}},
                 Case{"Novrfy NOETRN", {"novrfy", "noetrn"}},
                 Case{"authwarnings,noreceipts,nobodyreturn,noactualrecipient,restrictmailq,restrictexpand",
                      {"authwarnings", "noreceipts", "nobodyreturn", "noactualrecipient", "restrictmailq", "restrictexpand"}},
             }) {
            CAPTURE(c.flags);
            Config cfg;
            REQUIRE(cfg.set("confPRIVACY_FLAGS", c.flags).ok());
            CHECK(cfg.privacy_flags() == c.want);
        }
        CHECK(Config().privacy_flags() == Set{"authwarnings", "novrfy", "noexpn", "noverb"});
    }

    TEST_CASE("-bC dump: changed options sorted, FEATUREs, macros, warnings") {
        auto r = parse_mc("define(`confMAX_HOP', `30')\n"
                          "define(`QUEUE_DIR', `/q')\n"
                          "FEATURE(`use_cw_file')\n"
                          "define(`confCW_FILE', `-o /nonexistent/lhn')\n"
                          "FEATURE(`access_db', `hash /etc/mail/access')\n"
                          "MASQUERADE_AS(`example.com')\n"
                          "DAEMON_OPTIONS(`Port=587, Name=MSA, M=Ea')\n"
                          "FEATURE(`nosuch')\n",
                          "x.mc");
        REQUIRE(r.ok());
        CHECK(r->dump_changed() == Strings{
                  "QUEUE_DIR = /q",
                  "confCW_FILE = -o /nonexistent/lhn",
                  "confMAX_HOP = 30",
                  "FEATURE(`access_db', `hash /etc/mail/access')",
                  "FEATURE(`use_cw_file')",
                  "MASQUERADE_AS(`example.com')",
                  "DAEMON_OPTIONS(`Port=587, Name=MSA, M=Ea')",
                  "warning: x.mc:8: unknown FEATURE nosuch ignored",
              });
        auto all = r->dump_all();
        CHECK(all.size() == mail::config::option_table().size());
        CHECK(std::is_sorted(all.begin(), all.end()));
        CHECK(std::find(all.begin(), all.end(), "confMAX_HOP = 30") != all.end());
        CHECK(std::find(all.begin(), all.end(), "confLOG_LEVEL = 9") != all.end());
        CHECK(std::find(all.begin(), all.end(), "SMART_HOST = ") != all.end());
    }

    TEST_CASE("the table is well-formed: defaults pass their own checks") {
        std::set<std::string> names, cf_names;
        for (const auto& o : mail::config::option_table()) {
            std::string name(o.name);
            CAPTURE(name);
            CHECK(names.insert(name).second);
            if (!o.cf_name.empty()) CHECK(cf_names.insert(mail::to_lower(o.cf_name)).second);
            CHECK_FALSE(o.doc.empty());
            Config cfg;
            Status s = cfg.set(o.name, o.default_value);
            CHECK_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().message));
            CHECK(mail::config::find_option(o.name) == &o);
        }
    }
}
