// mc_reader_test.cpp — the sendmail.mc reader: every macro, every error path
// with its exact file:line text, warnings, include(), the .cf subset, and
// the kinds of sendmail.mc a RedHat-era and a Debian admin would have.
#include "libmail/config/config.h"
#include "libmail/config/test_files.h"

#include <doctest/doctest.h>

using mail::config::Config;
using mail::config::parse_cf;
using mail::config::parse_mc;
using mail::config::testing::TempDir;
using Strings = std::vector<std::string>;

namespace {

Strings warning_texts(const Config& c) {
    Strings out;
    for (const auto& w : c.warnings()) out.push_back(w.format());
    return out;
}

}  // namespace

TEST_SUITE("config") {
    TEST_CASE("every macro is stored with its arguments") {
        struct Case { const char* text; const char* macro; Strings want; };
        for (const auto& c : {
                 Case{"MASQUERADE_AS(`example.com')", "MASQUERADE_AS", {"example.com"}},
                 Case{"MASQUERADE_DOMAIN(`a.example b.example')", "MASQUERADE_DOMAIN", {"a.example b.example"}},
                 Case{"EXPOSED_USER(`root daemon')", "EXPOSED_USER", {"root daemon"}},
                 Case{"LOCAL_DOMAIN(`example.net')", "LOCAL_DOMAIN", {"example.net"}},
                 Case{"RELAY_DOMAIN(`client.example')", "RELAY_DOMAIN", {"client.example"}},
                 Case{"GENERICS_DOMAIN(`example.org')", "GENERICS_DOMAIN", {"example.org"}},
                 Case{"VIRTUSER_DOMAIN(`virt.example')", "VIRTUSER_DOMAIN", {"virt.example"}},
                 Case{"TRUST_AUTH_MECH(`PLAIN LOGIN')", "TRUST_AUTH_MECH", {"PLAIN LOGIN"}},
                 Case{"DAEMON_OPTIONS(`Port=587, Name=MSA, M=Ea')", "DAEMON_OPTIONS", {"Port=587, Name=MSA, M=Ea"}},
                 Case{"CLIENT_OPTIONS(`Family=inet6')", "CLIENT_OPTIONS", {"Family=inet6"}},
                 Case{"MAILER(`local')", "MAILER", {"local"}},
                 Case{"MAILER(smtp)", "MAILER", {"smtp"}},
                 Case{"MAILER(`procmail')", "MAILER", {"procmail"}},
                 Case{"INPUT_MAIL_FILTER(`f1', `S=local:/run/f1.sock, F=T')", "INPUT_MAIL_FILTER",
                      {"f1", "S=local:/run/f1.sock, F=T"}},
                 Case{"MAIL_FILTER(`f2', `S=inet:3333@localhost')", "MAIL_FILTER", {"f2", "S=inet:3333@localhost"}},
             }) {
            CAPTURE(c.text);
            auto r = parse_mc(c.text, "x.mc");
            REQUIRE_MESSAGE(r.ok(), r.error().message);
            CHECK(r->warnings().empty());
            auto got = r->macro(c.macro);
            REQUIRE(got.size() == 1);
            CHECK(got[0] == c.want);
        }
    }

    TEST_CASE("every FEATURE of the table is accepted, with its arguments") {
        for (const auto& f : mail::config::feature_table()) {
            std::string name(f.name);
            CAPTURE(name);
            auto r = parse_mc("FEATURE(`" + name + "')dnl\n", "x.mc");
            REQUIRE(r.ok());
            CHECK(r->feature(name));
            // use_cw_file warns that /etc/mail/local-host-names may be missing; nothing else warns.
            if (name != "use_cw_file" && name != "use_ct_file") CHECK(r->warnings().empty());
        }
        auto r = parse_mc("FEATURE(`access_db', , `skip')\nFEATURE(local_procmail, `', `procmail -t -Y -a $h -d $u')\n",
                          "x.mc");
        REQUIRE(r.ok());
        CHECK(r->feature_args("access_db") == Strings{"", "skip"});
        CHECK(r->feature_args("local_procmail") == Strings{"", "procmail -t -Y -a $h -d $u"});
    }

    TEST_CASE("define() sets options by their .mc name") {
        auto r = parse_mc("define(`SMART_HOST', `[smtp.example.com]')dnl\n"
                          "define(`RELAY_MAILER', `esmtp')dnl\n"
                          "define(`RELAY_MAILER_ARGS', `TCP $h 587')dnl\n"
                          "define(`ESMTP_MAILER_ARGS', `TCP $h 2526')dnl\n"
                          "define(`SMTP_MAILER_ARGS', `TCP $h 25')dnl\n"
                          "define(`LOCAL_MAILER_PATH', `/usr/lib/mailroom/mail.local')dnl\n"
                          "define(`LOCAL_MAILER_ARGS', `mail.local -l')dnl\n"
                          "define(`LOCAL_MAILER_FLAGS', `Prmn9')dnl\n"
                          "define(`QUEUE_DIR', `/var/spool/mqueue2')dnl\n"
                          "define(`ALIAS_FILE', `/etc/aliases,/etc/mail/lists')dnl\n"
                          "define(`confDEF_USER_ID', ``8:12'')dnl\n"
                          "define(`confTRY_NULL_MX_LIST',true)dnl\n"
                          "define(`confTO_QUEUERETURN', `3')dnl\n"
                          "define(`confDELIVERY_MODE', `q')dnl\n"
                          "define(`confPRIVACY_FLAGS',dnl\n"
                          "`needmailhelo,restrictqrun')dnl\n",
                          "x.mc");
        REQUIRE_MESSAGE(r.ok(), r.error().message);
        CHECK(r->str("SMART_HOST") == "[smtp.example.com]");
        CHECK(r->str("RELAY_MAILER") == "esmtp");
        CHECK(r->str("RELAY_MAILER_ARGS") == "TCP $h 587");
        CHECK(r->str("ESMTP_MAILER_ARGS") == "TCP $h 2526");
        CHECK(r->str("SMTP_MAILER_ARGS") == "TCP $h 25");
        CHECK(r->str("LOCAL_MAILER_PATH") == "/usr/lib/mailroom/mail.local");
        CHECK(r->str("LOCAL_MAILER_ARGS") == "mail.local -l");
        CHECK(r->str("LOCAL_MAILER_FLAGS") == "Prmn9");
        CHECK(r->str("QUEUE_DIR") == "/var/spool/mqueue2");
        CHECK(r->list("ALIAS_FILE") == Strings{"/etc/aliases", "/etc/mail/lists"});
        CHECK(r->str("confDEF_USER_ID") == "8:12");  // the second level of quotes goes too
        CHECK(r->duration("confTO_QUEUERETURN") == std::chrono::hours(72));  // bare number = days
        CHECK(r->str("confDELIVERY_MODE") == "queueonly");
        CHECK(r->str("confPRIVACY_FLAGS") == "needmailhelo,restrictqrun");  // dnl inside the arguments
        CHECK(warning_texts(*r) == Strings{"x.mc:12: unknown option confTRY_NULL_MX_LIST ignored"});
    }

    TEST_CASE("undefine() returns an option to its default") {
        auto r = parse_mc("define(`confMAX_HOP', `5')\nundefine(`confMAX_HOP')\nundefine(`confHOST_STATUS_DIRECTORY')\n",
                          "x.mc");
        REQUIRE(r.ok());
        CHECK_FALSE(r->is_set("confMAX_HOP"));
        CHECK(r->num("confMAX_HOP") == 25);
        CHECK(r->warnings().empty());
    }

    TEST_CASE("errors name file:line and the construct") {
        struct Case { const char* text; const char* want; };
        for (auto c : {
                 Case{"define()\n", "x.mc:1: define() needs a name"},
                 Case{"\nFEATURE()\n", "x.mc:2: FEATURE() needs a name"},
                 Case{"FEATURE(`greet_pause', `soon')\n", "x.mc:1: FEATURE(greet_pause): not milliseconds: \"soon\""},
                 Case{"LOCAL_CONFIG\n", "x.mc:1: LOCAL_CONFIG: rewriting rules are not supported"},
                 Case{"LOCAL_RULESETS\n", "x.mc:1: LOCAL_RULESETS: rewriting rules are not supported"},
                 Case{"LOCAL_NET_CONFIG\n", "x.mc:1: LOCAL_NET_CONFIG: rewriting rules are not supported"},
                 Case{"HACK(`cssubdomain')\n", "x.mc:1: HACK: rewriting rules are not supported"},
                 Case{"SITECONFIG(`uucp.ucbvax')\n", "x.mc:1: SITECONFIG: rewriting rules are not supported"},
                 Case{"MASQUERADE_AS()\n", "x.mc:1: MASQUERADE_AS: needs an argument"},
                 Case{"MASQUERADE_AS(`a b')\n", "x.mc:1: MASQUERADE_AS: not a domain name: \"a b\""},
                 Case{"MASQUERADE_AS(`a', `b')\n", "x.mc:1: MASQUERADE_AS: not a domain name: \"a, b\""},
                 Case{"MASQUERADE_DOMAIN(`ex$ample')\n", "x.mc:1: MASQUERADE_DOMAIN: not a domain name: \"ex$ample\""},
                 Case{"RELAY_DOMAIN(`user@example.com')\n",
                      "x.mc:1: RELAY_DOMAIN: not a domain name: \"user@example.com\""},
                 Case{"EXPOSED_USER(`root@host')\n", "x.mc:1: EXPOSED_USER: not a name: \"root@host\""},
                 Case{"MASQUERADE_DOMAIN_FILE(`/nonexistent/masq')\n",
                      "x.mc:1: MASQUERADE_DOMAIN_FILE: cannot read \"/nonexistent/masq\": No such file or directory"},
                 Case{"RELAY_DOMAIN_FILE(`a', `b')\n", "x.mc:1: RELAY_DOMAIN_FILE: needs one file name"},
                 Case{"DAEMON_OPTIONS(Port=25, Name=MTA)\n",
                      "x.mc:1: DAEMON_OPTIONS: needs one argument (quote it: `Port=587, Name=MSA')"},
                 Case{"DAEMON_OPTIONS(`Port=99999')\n",
                      "x.mc:1: DAEMON_OPTIONS: bad Port \"99999\" (a number 1-65535 or smtp, submission, smtps)"},
                 Case{"DAEMON_OPTIONS(`Prot=25')\n", "x.mc:1: DAEMON_OPTIONS: unknown key \"Prot\""},
                 Case{"DAEMON_OPTIONS(`Port=25, M=Ex')\n",
                      "x.mc:1: DAEMON_OPTIONS: unknown modifier 'x' in M=Ex (known: abcfsuACEOS)"},
                 Case{"DAEMON_OPTIONS(`Addr=::1')\n", "x.mc:1: DAEMON_OPTIONS: Addr \"::1\" is not a numeric IPv4 address"},
                 Case{"CLIENT_OPTIONS(`Family=inet7')\n", "x.mc:1: CLIENT_OPTIONS: bad Family \"inet7\" (inet or inet6)"},
                 Case{"MAILER(`local', `x')\n", "x.mc:1: MAILER: needs one mailer name"},
                 Case{"INPUT_MAIL_FILTER(`f1')\n", "x.mc:1: INPUT_MAIL_FILTER: needs a name and `S=socket, …'"},
                 Case{"INPUT_MAIL_FILTER(`f1', `F=T')\n", "x.mc:1: INPUT_MAIL_FILTER: no S= socket in \"F=T\""},
                 Case{"define(`confDELIVERY_MODE', `x')\n",
                      "x.mc:1: confDELIVERY_MODE: must be one of interactive background queueonly deferred, got \"x\""},
                 Case{"define(`MAILROOM_MAILBOX_FORMAT', `m')\n",
                      "x.mc:1: MAILROOM_MAILBOX_FORMAT: must be one of mbox maildir, got \"m\""},
                 Case{"define(`confPRIVACY_FLAGS', `novrfy,nosuch')\n",
                      "x.mc:1: confPRIVACY_FLAGS: unknown flag \"nosuch\" (known: public needmailhelo needexpnhelo "
                      "noexpn needvrfyhelo novrfy noetrn noverb restrictmailq restrictqrun restrictexpand noreceipts "
                      "nobodyreturn goaway authwarnings noactualrecipient)"},
                 Case{"define(`confAUTH_OPTIONS', `A P')\n",
                      "x.mc:1: confAUTH_OPTIONS: unknown flag \"P\" (known: A a c d f m p u y)"},
                 Case{"define(`confMAX_MESSAGE_SIZE', `big')\n", "x.mc:1: confMAX_MESSAGE_SIZE: not a size: \"big\""},
                 Case{"define(`MAILROOM_SYSLOG', `maybe')\n", "x.mc:1: MAILROOM_SYSLOG: not true or false: \"maybe\""},
                 Case{"define(`confTO_QUEUEWARN', `4x')\n",
                      "x.mc:1: confTO_QUEUEWARN: not a time (like 30s, 4h, 5d): \"4x\""},
                 Case{"include()\n", "x.mc:1: include() needs one file name"},
                 Case{"include(`missing.m4')\n",
                      "x.mc:1: cannot read include file \"missing.m4\": No such file or directory"},
             }) {
            CAPTURE(c.text);
            auto r = parse_mc(c.text, "x.mc");
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().message == c.want);
            CHECK(r.error().exit_code == EX_CONFIG);
        }
    }

    TEST_CASE("unknown constructs are warnings naming file:line") {
        struct Case { const char* text; Strings want; };
        for (const auto& c : {
                 Case{"FEATURE(`conncontrol', `nodelay')\n", {"x.mc:1: unknown FEATURE conncontrol ignored"}},
                 Case{"dnl\ndefine(`confFOO', `1')\n", {"x.mc:2: unknown option confFOO ignored"}},
                 Case{"define(`MaxHopCount', `3')\n", {"x.mc:1: unknown option MaxHopCount ignored"}},
                 Case{"ifdef(`x', `y')\n", {"x.mc:1: unknown construct ifdef ignored"}},
                 Case{"QUEUE_GROUP(`slow', `P=/q')\n", {"x.mc:1: unknown construct QUEUE_GROUP ignored"}},
                 Case{"\n\nCwlocalhost\n", {"x.mc:3: unknown construct Cwlocalhost ignored"}},
                 Case{"MAILER(`uucp')\n", {"x.mc:1: MAILER(uucp) is not supported, ignored"}},
                 Case{"DAEMON_OPTIONS(`Port=25, children=5, queueLA=8')\n",
                      {"x.mc:1: DAEMON_OPTIONS: key children ignored", "x.mc:1: DAEMON_OPTIONS: key queueLA ignored"}},
                 Case{"define(`confCW_FILE', `/nonexistent/lhn')\nFEATURE(`use_cw_file')\n",
                      {"x.mc:2: FEATURE(use_cw_file): cannot read \"/nonexistent/lhn\": No such file or directory"}},
                 Case{"define(`confCW_FILE', `-o /nonexistent/lhn')\nFEATURE(`use_cw_file')\n", {}},
                 Case{"divert(-1)dnl\nVERSIONID(`x')\nOSTYPE(`linux')\nDOMAIN(`generic')\nMAILERDEFS\ndivert(0)\n", {}},
             }) {
            CAPTURE(c.text);
            auto r = parse_mc(c.text, "x.mc");
            REQUIRE_MESSAGE(r.ok(), r.error().message);
            CHECK(warning_texts(*r) == c.want);
        }
    }

    TEST_CASE("ignored FEATUREs and MAILERs are not enabled") {
        auto r = parse_mc("FEATURE(`promiscuous_relay')\nMAILER(`uucp')\n", "x.mc");
        REQUIRE(r.ok());
        CHECK_FALSE(r->feature("promiscuous_relay"));
        CHECK(r->macro("MAILER").empty());
    }

    TEST_CASE("class macros and their _FILE variants") {
        TempDir t;
        t.write("masq", "# domains\nfoo.example bar.example\n\nBaz.Example\n");
        t.write("exposed", "root\npostmaster\n");
        t.write("relay", "client.example\n");
        t.write("generics", "gen.example\n");
        t.write("virt", "virt2.example\n");
        t.write("lhn", "mx.example\nwww.example # not a comment: a word\n");
        t.write("ct", "smmsp\n");
        std::string mc = t.write("sendmail.mc",
                                 "MASQUERADE_AS(`Example.COM')\n"
                                 "MASQUERADE_DOMAIN(`a.example')\n"
                                 "MASQUERADE_DOMAIN_FILE(`masq')\n"
                                 "EXPOSED_USER(`root')\n"
                                 "EXPOSED_USER_FILE(`" + t.file("exposed") + "')\n"
                                 "RELAY_DOMAIN(`r1.example r2.example')\n"
                                 "RELAY_DOMAIN_FILE(`-o relay')\n"
                                 "RELAY_DOMAIN_FILE(`-o missing')\n"
                                 "GENERICS_DOMAIN_FILE(`generics')\n"
                                 "VIRTUSER_DOMAIN(`virt1.example')\n"
                                 "VIRTUSER_DOMAIN_FILE(`virt')\n"
                                 "TRUST_AUTH_MECH(`plain LOGIN')\n"
                                 "define(`confCW_FILE', `lhn')\n"
                                 "FEATURE(`use_cw_file')\n"
                                 "define(`confTRUSTED_USERS', `www')\n"
                                 "define(`confCT_FILE', `ct')\n"
                                 "FEATURE(`use_ct_file')\n");
        auto r = mail::config::load(mc);
        REQUIRE_MESSAGE(r.ok(), r.error().message);
        CHECK(r->warnings().empty());
        CHECK(r->masquerade_as() == "example.com");
        CHECK(r->masquerade_domains() == Strings{"a.example", "foo.example", "bar.example", "baz.example"});
        CHECK(r->exposed_users() == std::set<std::string>{"root", "postmaster"});
        CHECK(r->relay_domains() == Strings{"r1.example", "r2.example", "client.example"});
        CHECK(r->generics_domains() == Strings{"gen.example"});
        CHECK(r->virtuser_domains() == Strings{"virt1.example", "virt2.example"});
        CHECK(r->trust_auth_mechs() == Strings{"PLAIN", "LOGIN"});
        CHECK(r->is_local_domain("mx.example"));
        CHECK(r->is_local_domain("www.example"));
        CHECK(r->trusted_users() == std::set<std::string>{"www", "smmsp"});
        CHECK(r->source() == mc);
    }

    TEST_CASE("include() reads files in place, relative to the including file") {
        TempDir t;
        t.write("inc/a.m4", "define(`confMAX_HOP', `7')dnl\ninclude(`b.m4')dnl\n");
        t.write("inc/b.m4", "dnl b\nFEATURE(`nosuch')\ndefine(`confLOG_LEVEL', `12')\n");
        std::string mc = t.write("sendmail.mc",
                                 "include(`/usr/share/sendmail/cf/m4/cf.m4')dnl\n"
                                 "include(`/usr/share/sendmail-cf/m4/cf.m4')dnl\n"
                                 "define(`confMAX_HOP', `3')dnl\n"
                                 "include(`inc/a.m4')dnl\n"
                                 "sinclude(`inc/optional.m4')dnl\n"
                                 "define(`confLOG_LEVEL', `14')dnl\n");
        auto r = mail::config::load(mc);
        REQUIRE_MESSAGE(r.ok(), r.error().message);
        CHECK(r->num("confMAX_HOP") == 7);    // the include came after the first define
        CHECK(r->num("confLOG_LEVEL") == 14);  // and before the second
        CHECK(warning_texts(*r) == Strings{t.file("inc/b.m4") + ":2: unknown FEATURE nosuch ignored"});

        // Errors inside an included file name that file and its line.
        t.write("inc/a.m4", "dnl\ndefine(`confMAX_HOP', `many')\n");
        auto bad = mail::config::load(mc);
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().message == t.file("inc/a.m4") + ":2: confMAX_HOP: not a number: \"many\"");
    }

    TEST_CASE("include loops and deep nesting are errors") {
        TempDir t;
        t.write("loop.m4", "dnl\ninclude(`loop.m4')\n");
        std::string mc = t.write("sendmail.mc", "include(`loop.m4')\n");
        auto r = mail::config::load(mc);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message == t.file("loop.m4") + ":2: include loop: \"loop.m4\" is already being read");

        for (int i = 1; i <= 12; ++i) t.write("f" + std::to_string(i) + ".m4", "include(`f" + std::to_string(i + 1) + ".m4')\n");
        std::string deep = t.write("deep.mc", "include(`f1.m4')\n");
        auto d = mail::config::load(deep);
        REQUIRE_FALSE(d.ok());
        CHECK(d.error().message == t.file("f10.m4") + ":1: include nesting deeper than 10 at \"f11.m4\"");
    }

    TEST_CASE("load() errors") {
        auto r = mail::config::load("/nonexistent/sendmail.mc");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message == "/nonexistent/sendmail.mc: cannot open: No such file or directory");
        CHECK(r.error().exit_code == EX_CONFIG);
    }

    TEST_CASE("sendmail.cf subset: every line kind and every error") {
        TempDir t;
        t.write("cw", "a.example\n# c\nb.example\n");
        std::string cf = t.write("sendmail.cf",
                                 "# hand-edited\n\nCwfuturetg.com www.futuretg.com\nFw" + t.file("cw") +
                                     "\nFw-o /nonexistent/cw\nDjmx.futuretg.com\nO MaxHopCount=30\n"
                                     "O DeliveryMode=q\nO timeout.queuereturn = 2d\n");
        auto c = mail::config::load(cf);
        REQUIRE_MESSAGE(c.ok(), c.error().message);
        CHECK(c->is_local_domain("www.futuretg.com"));
        CHECK(c->is_local_domain("b.example"));
        CHECK(c->hostname() == "mx.futuretg.com");
        CHECK(c->num("confMAX_HOP") == 30);
        CHECK(c->str("confDELIVERY_MODE") == "queueonly");
        CHECK(c->duration("confTO_QUEUERETURN") == std::chrono::hours(48));

        struct Case { const char* text; const char* want; };
        for (auto k : {
                 Case{"Cwa\n\nfuturetg.COM\n", "sendmail.cf: line 3: unknown configuration line \"futuretg.COM\""},
                 Case{"V10/Berkeley\n", "sendmail.cf: line 1: unknown configuration line \"V10/Berkeley\""},
                 Case{"S0\n", "sendmail.cf: line 1: unknown configuration line \"S0\""},
                 Case{"DS[smtp.example.com]\n", "sendmail.cf: line 1: unknown configuration line \"DS[smtp.example.com]\""},
                 Case{"CR relay.example\n", "sendmail.cf: line 1: unknown configuration line \"CR relay.example\""},
                 Case{"O MaxHopCount\n", "sendmail.cf: line 1: option without value \"O MaxHopCount\""},
                 Case{"O NoSuch=1\n", "sendmail.cf: line 1: unknown option \"NoSuch\""},
                 Case{"O confMAX_HOP=3\n", "sendmail.cf: line 1: unknown option \"confMAX_HOP\""},
                 Case{"O MaxHopCount=x\n", "sendmail.cf: line 1: MaxHopCount: not a number: \"x\""},
                 Case{"Fw/nonexistent/cw\n", "sendmail.cf: line 1: cannot read \"/nonexistent/cw\": No such file or directory"},
             }) {
            CAPTURE(k.text);
            auto r = parse_cf(k.text, "sendmail.cf");
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().message == k.want);
            CHECK(r.error().exit_code == EX_CONFIG);
        }
    }

    // What an admin of a RedHat-era box (Fedora/RHEL sendmail.mc, then
    // edited for a smart host and submission) would have.
    TEST_CASE("seed: RedHat-era sendmail.mc") {
        TempDir t;
        t.write("local-host-names", "mail.example.com\nexample.com\n");
        std::string mc = t.write("sendmail.mc", R"(divert(-1)dnl
dnl #
dnl # This is the sendmail macro config file for m4.
dnl #
include(`/usr/share/sendmail-cf/m4/cf.m4')dnl
VERSIONID(`setup for linux')dnl
OSTYPE(`linux')dnl
define(`SMART_HOST', `[smtp.example.com]')dnl
define(`RELAY_MAILER_ARGS', `TCP $h 587')dnl
define(`ESMTP_MAILER_ARGS', `TCP $h 587')dnl
define(`confDEF_USER_ID', ``8:12'')dnl
define(`confTO_CONNECT', `1m')dnl
define(`confTRY_NULL_MX_LIST', `True')dnl
define(`confDONT_PROBE_INTERFACES', `True')dnl
define(`PROCMAIL_MAILER_PATH', `/usr/bin/procmail')dnl
define(`ALIAS_FILE', `/etc/aliases')dnl
define(`confPRIVACY_FLAGS', `authwarnings,novrfy,noexpn,restrictqrun')dnl
define(`confAUTH_OPTIONS', `A p')dnl
TRUST_AUTH_MECH(`EXTERNAL DIGEST-MD5 CRAM-MD5 LOGIN PLAIN')dnl
define(`confAUTH_MECHANISMS', `EXTERNAL GSSAPI DIGEST-MD5 CRAM-MD5 LOGIN PLAIN')dnl
define(`confCACERT_PATH', `/etc/pki/tls/certs')dnl
define(`confCACERT', `/etc/pki/tls/certs/ca-bundle.crt')dnl
define(`confSERVER_CERT', `/etc/pki/tls/certs/sendmail.pem')dnl
define(`confSERVER_KEY', `/etc/pki/tls/private/sendmail.key')dnl
define(`confTO_IDENT', `0')dnl
dnl FEATURE(delay_checks)dnl
FEATURE(`no_default_msa', `dnl')dnl
FEATURE(`smrsh', `/usr/sbin/smrsh')dnl
FEATURE(`mailertable', `hash -o /etc/mail/mailertable.db')dnl
FEATURE(`virtusertable', `hash -o /etc/mail/virtusertable.db')dnl
FEATURE(`authinfo', `hash -o /etc/mail/authinfo.db')dnl
FEATURE(redirect)dnl
FEATURE(always_add_domain)dnl
define(`confCW_FILE', `local-host-names')dnl
FEATURE(use_cw_file)dnl
FEATURE(local_procmail, `', `procmail -t -Y -a $h -d $u')dnl
FEATURE(`access_db', `hash -T<TMPF> -o /etc/mail/access.db')dnl
FEATURE(`blacklist_recipients')dnl
EXPOSED_USER(`root')dnl
DAEMON_OPTIONS(`Port=smtp, Name=MTA')dnl
DAEMON_OPTIONS(`Port=submission, Name=MSA, M=Ea')dnl
DAEMON_OPTIONS(`Port=smtps, Name=TLSMTA, M=s')dnl
LOCAL_DOMAIN(`localhost.localdomain')dnl
MASQUERADE_AS(`example.com')dnl
FEATURE(masquerade_envelope)dnl
FEATURE(masquerade_entire_domain)dnl
MASQUERADE_DOMAIN(localhost)dnl
MASQUERADE_DOMAIN(`mydomain.lan')dnl
MAILER(smtp)dnl
MAILER(procmail)dnl
)");
        auto r = mail::config::load(mc);
        REQUIRE_MESSAGE(r.ok(), r.error().message);
        CHECK(warning_texts(*r) == Strings{
                  mc + ":13: unknown option confTRY_NULL_MX_LIST ignored",
                  mc + ":14: unknown option confDONT_PROBE_INTERFACES ignored",
                  mc + ":15: unknown option PROCMAIL_MAILER_PATH ignored",
              });
        CHECK(r->str("SMART_HOST") == "[smtp.example.com]");
        CHECK(r->str("RELAY_MAILER_ARGS") == "TCP $h 587");
        CHECK(r->str("confDEF_USER_ID") == "8:12");
        CHECK(r->duration("confTO_CONNECT") == std::chrono::minutes(1));
        CHECK(r->privacy_flags() ==
              std::set<std::string>{"authwarnings", "novrfy", "noexpn", "noverb", "restrictqrun"});
        CHECK(r->list("confAUTH_OPTIONS") == Strings{"A", "p"});
        CHECK(r->list("confAUTH_MECHANISMS") == Strings{"EXTERNAL", "GSSAPI", "DIGEST-MD5", "CRAM-MD5", "LOGIN", "PLAIN"});
        CHECK(r->trust_auth_mechs() == Strings{"EXTERNAL", "DIGEST-MD5", "CRAM-MD5", "LOGIN", "PLAIN"});
        CHECK(r->str("confSERVER_KEY") == "/etc/pki/tls/private/sendmail.key");
        for (const char* f : {"no_default_msa", "smrsh", "mailertable", "virtusertable", "authinfo", "redirect",
                              "always_add_domain", "use_cw_file", "local_procmail", "access_db",
                              "blacklist_recipients", "masquerade_envelope", "masquerade_entire_domain"}) {
            CAPTURE(f);
            CHECK(r->feature(f));
        }
        CHECK_FALSE(r->feature("delay_checks"));
        CHECK(r->feature_args("authinfo") == Strings{"hash -o /etc/mail/authinfo.db"});
        CHECK(r->exposed_users() == std::set<std::string>{"root"});
        CHECK(r->masquerade_as() == "example.com");
        CHECK(r->masquerade_domains() == Strings{"localhost", "mydomain.lan"});
        CHECK(r->is_local_domain("localhost.localdomain"));
        CHECK(r->is_local_domain("mail.example.com"));
        auto d = r->daemon_options();
        REQUIRE(d.size() == 3);
        CHECK(d[0] == mail::config::DaemonOptions{"MTA", 25, "", "inet", "", 0});
        CHECK(d[1] == mail::config::DaemonOptions{"MSA", 587, "", "inet", "Ea", 0});
        CHECK(d[2] == mail::config::DaemonOptions{"TLSMTA", 465, "", "inet", "s", 0});
        CHECK(d[1].has_modifier('a'));
        CHECK(d[2].has_modifier('s'));
        CHECK(r->macro("MAILER") == std::vector<Strings>{{"smtp"}, {"procmail"}});
    }

    // What a Debian admin would have: Debian's stock sendmail.mc (loopback
    // listeners, no_default_msa, sendmail.conf-controlled parts) edited for
    // a smart host with AUTH, masquerading and port 465.
    TEST_CASE("seed: Debian sendmail.mc") {
        TempDir t;
        t.write("m4/dialup.m4", "dnl empty, as Debian ships it\n");
        t.write("m4/provider.m4", "define(`confTO_QUEUEWARN', `6h')dnl\n");
        std::string mc = t.write("sendmail.mc", R"(divert(-1)dnl
#-----------------------------------------------------------------------------
# $Sendmail: debproto.mc,v 8.15.2 2020-03-08 00:39:49 cowboy Exp $
#-----------------------------------------------------------------------------
divert(0)dnl
include(`/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(`$Id: sendmail.mc, v 8.17.1.9-2 2022-10-29 18:47:51 cowboy Exp $')
OSTYPE(`debian')dnl
DOMAIN(`debian-mta')dnl
dnl # Items controlled by /etc/mail/sendmail.conf - DO NOT TOUCH HERE
undefine(`confHOST_STATUS_DIRECTORY')dnl        #DAEMON_HOSTSTATS=
dnl # Items controlled by /etc/mail/sendmail.conf - DO NOT TOUCH HERE
dnl #
FEATURE(`no_default_msa')dnl
DAEMON_OPTIONS(`Family=inet,  Name=MTA-v4, Port=smtp, Addr=127.0.0.1')dnl
DAEMON_OPTIONS(`Family=inet6, Name=MTA-v6, Port=smtp, Addr=::1')dnl
DAEMON_OPTIONS(`Family=inet,  Name=MSP-v4, Port=submission, M=Ea, Addr=127.0.0.1')dnl
DAEMON_OPTIONS(`Family=inet,  Name=TLS-v4, Port=465, M=s')dnl
dnl #
dnl # Be somewhat anal in what we allow
define(`confPRIVACY_FLAGS',dnl
`authwarnings,novrfy,noexpn,restrictqrun')dnl
dnl #
define(`confCONNECTION_RATE_THROTTLE', `15')dnl
define(`confCONNECTION_RATE_WINDOW_SIZE',`10m')dnl
FEATURE(`use_cw_file')dnl
define(`confCW_FILE', `-o /nonexistent/local-host-names')dnl
FEATURE(`access_db', , `skip')dnl
FEATURE(`greet_pause', `1000')dnl 1 seconds
FEATURE(`delay_checks', `friend', `n')dnl
define(`confBAD_RCPT_THROTTLE',`3')dnl
FEATURE(`conncontrol', `nodelay', `terminate')dnl
define(`SMART_HOST', `[smtp.example.com]')dnl
define(`RELAY_MAILER_ARGS', `TCP $h 587')dnl
define(`confAUTH_MECHANISMS', `EXTERNAL GSSAPI DIGEST-MD5 CRAM-MD5 LOGIN PLAIN')dnl
define(`confAUTH_OPTIONS', `A p y')dnl
FEATURE(`authinfo', `hash /etc/mail/authinfo')dnl
FEATURE(`mailertable')dnl
MASQUERADE_AS(`example.org')dnl
FEATURE(`masquerade_envelope')dnl
EXPOSED_USER(`root')dnl
define(`confDOMAIN_NAME', `mx.example.org')dnl
define(`confMAX_MESSAGE_SIZE', `20m')dnl
dnl #
dnl # Dialup/LAN connection overrides
dnl #
include(`m4/dialup.m4')dnl
include(`m4/provider.m4')dnl
dnl #
dnl # Default Mailer setup
MAILERDEFS
MAILER(`local')dnl
MAILER(`smtp')dnl
)");
        auto r = mail::config::load(mc);
        REQUIRE_MESSAGE(r.ok(), r.error().message);
        CHECK(warning_texts(*r) == Strings{
                  mc + ":25: unknown option confCONNECTION_RATE_WINDOW_SIZE ignored",
                  mc + ":31: unknown option confBAD_RCPT_THROTTLE ignored",
                  mc + ":32: unknown FEATURE conncontrol ignored",
              });
        auto d = r->daemon_options();
        REQUIRE(d.size() == 4);  // no_default_msa: no extra MSA
        CHECK(d[0] == mail::config::DaemonOptions{"MTA-v4", 25, "127.0.0.1", "inet", "", 0});
        CHECK(d[1] == mail::config::DaemonOptions{"MTA-v6", 25, "::1", "inet6", "", 0});
        CHECK(d[2] == mail::config::DaemonOptions{"MSP-v4", 587, "127.0.0.1", "inet", "Ea", 0});
        CHECK(d[3] == mail::config::DaemonOptions{"TLS-v4", 465, "", "inet", "s", 0});
        CHECK(r->privacy_flags() ==
              std::set<std::string>{"authwarnings", "novrfy", "noexpn", "noverb", "restrictqrun"});
        CHECK(r->privacy("restrictqrun"));
        CHECK_FALSE(r->privacy("needmailhelo"));
        CHECK(r->num("confCONNECTION_RATE_THROTTLE") == 15);
        CHECK(r->feature_args("greet_pause") == Strings{"1000"});
        CHECK(r->feature_args("delay_checks") == Strings{"friend", "n"});
        CHECK(r->str("SMART_HOST") == "[smtp.example.com]");
        CHECK(r->str("RELAY_MAILER_ARGS") == "TCP $h 587");
        CHECK(r->list("confAUTH_OPTIONS") == Strings{"A", "p", "y"});
        CHECK(r->feature("authinfo"));
        CHECK(r->feature("mailertable"));
        CHECK(r->feature("masquerade_envelope"));
        CHECK(r->masquerade_as() == "example.org");
        CHECK(r->exposed_users() == std::set<std::string>{"root"});
        CHECK(r->hostname() == "mx.example.org");
        CHECK(r->num("confMAX_MESSAGE_SIZE") == 20 * 1024 * 1024);
        CHECK(r->duration("confTO_QUEUEWARN") == std::chrono::hours(6));  // from the included provider.m4
    }
}
