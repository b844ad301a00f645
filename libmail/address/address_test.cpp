// address_test.cpp — unit tests for address.h.
#include "libmail/address/address.h"

#include <doctest/doctest.h>

#include <string>

namespace addr = mail::address;

namespace {

// "display|local|domain" per mailbox, joined with "; ", or "error: <message>".
std::string show_list(std::string_view in) {
    auto r = addr::parse_address_list(in);
    if (!r) return "error: " + r.error().message;
    std::string out;
    for (const auto& m : *r) {
        if (!out.empty()) out += "; ";
        out += m.display_name + "|" + m.local + "|" + m.domain;
    }
    return out;
}

std::string show_path(std::string_view in, bool allow_null) {
    auto r = addr::parse_path(in, allow_null);
    if (!r) return "error: " + r.error().message;
    if (r->null) return "null";
    return r->raw_route + "|" + r->local + "|" + r->domain;
}

std::string show_arg(std::string_view in, bool allow_null = true) {
    auto r = addr::parse_mail_rcpt_argument(in, allow_null);
    if (!r) return "error: " + r.error().message;
    std::string out = r->path.null ? std::string("<>") : "<" + r->path.local + "@" + r->path.domain + ">";
    for (const auto& [k, v] : r->params) out += " " + k + "=" + v;
    return out;
}

struct Case {
    std::string in;
    std::string want;
};

}  // namespace

TEST_SUITE("address") {
    TEST_CASE("parse_address_list: RFC 5322 Appendix A") {
        const Case cases[] = {
            // A.1.1
            {"John Doe <jdoe@machine.example>", "John Doe|jdoe|machine.example"},
            {"Mary Smith <mary@example.net>", "Mary Smith|mary|example.net"},
            // A.1.2
            {"\"Joe Q. Public\" <john.q.public@example.com>", "Joe Q. Public|john.q.public|example.com"},
            {"Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
             "Mary Smith|mary|x.test; |jdoe|example.org; Who?|one|y.test"},
            {"<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
             "|boss|nil.test; Giant; \"Big\" Box|sysservices|example.net"},
            // A.1.3
            {"A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
             "Ed Jones|c|a.test; |joe|where.test; John|jdoe|one.test"},
            {"Undisclosed recipients:;", ""},
            // A.5
            {"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", "Pete|pete|silly.test"},
            {"A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
             "         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group)",
             "Chris Jones|c|public.example; |joe|example.org; John|jdoe|one.test"},
            // A.6.1 / A.6.3 obsolete forms
            {"Joe Q. Public <john.q.public@example.com>", "Joe Q. Public|john.q.public|example.com"},
            {"Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
             "Mary Smith|mary|example.net; |jdoe|test.example"},
            {"John Doe <jdoe@machine(comment).  example>", "John Doe|jdoe|machine.example"},
            {"Mary Smith\n    \n\t<mary@example.net>", "Mary Smith|mary|example.net"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(show_list(c.in) == c.want);
        }
    }

    TEST_CASE("parse_address_list: everyday and tolerated forms") {
        const Case cases[] = {
            {"john", "|john|"},
            {"john, peter", "|john|; |peter|"},
            {"a@b c@d", "|a|b; |c|d"},
            {"<a@b> <c@d>", "|a|b; |c|d"},
            {"A <a@b> B <c@d>", "A|a|b; B|c|d"},
            {"a@b (Full Name)", "Full Name|a|b"},
            {"(Lead) a@b", "Lead|a|b"},
            {"a@b (x), c@d (y)", "x|a|b; y|c|d"},
            {"((nested) comment) a@b", "(nested) comment|a|b"},
            {"\"john smith\"@x", "|john smith|x"},
            {"\"a\\\"b\"@x", "|a\"b|x"},
            {"\"john\".smith@x", "|john.smith|x"},
            {"john . smith @ example . com", "|john.smith|example.com"},
            {"user@[1.2.3.4]", "|user|[1.2.3.4]"},
            {"user@[IPv6:::1]", "|user|[IPv6:::1]"},
            {"=?UTF-8?Q?J=C3=B6rg?= <j@x>", "=?UTF-8?Q?J=C3=B6rg?=|j|x"},
            {"J\xc3\xb6rg M\xc3\xbcller <jm@x>", "J\xc3\xb6rg M\xc3\xbcller|jm|x"},
            {"j\xc3\xb6rg@b\xc3\xbc.example", "|j\xc3\xb6rg|b\xc3\xbc.example"},
            {"", ""},
            {"   ", ""},
            {",,,", ""},
            {"(just a comment)", ""},
            {"undisclosed-recipients:;", ""},
            {"undisclosed-recipients:", ""},
            {"team: a@b, c@d;", "|a|b; |c|d"},
            {"a@b, team: c@d; e@f", "|a|b; |c|d; |e|f"},
            {"team: a@b; other: c@d;", "|a|b; |c|d"},
            {"a@b.", "|a|b."},
            {"a..b@c", "|a..b|c"},
            {"john@x <j@x>", "john@x|j|x"},
            {"<@a,@b:x@y>", "|x|y"},
            {"\"\" <a@b>", "|a|b"},
            {"a@b,\r\n c@d", "|a|b; |c|d"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(show_list(c.in) == c.want);
        }
    }

    TEST_CASE("parse_address_list: errors name the problem and quote the input") {
        const Case cases[] = {
            {"John <j@x", "unbalanced '<' in \"John <j@x\""},
            {"j@x>", "unbalanced '>' in \"j@x>\""},
            {"<<a@b>>", "unbalanced '<' in \"<<a@b>>\""},
            {"a@b (unclosed", "unbalanced '(' in \"a@b (unclosed\""},
            {"a@b (x (y)", "unbalanced '(' in \"a@b (x (y)\""},
            {"a@b)", "unbalanced ')' in \"a@b)\""},
            {"a@b]", "unbalanced ']' in \"a@b]\""},
            {"\"unterminated@x", "unterminated quoted string in \"\"unterminated@x\""},
            {"\"", "unterminated quoted string in \"\"\""},
            {"a@[1.2.3.4", "unbalanced '[' in \"a@[1.2.3.4\""},
            {"a@[1.[2]", "unbalanced '[' in \"a@[1.[2]\""},
            {"a@", "missing domain after '@' in \"a@\""},
            {"a@.b", "missing domain after '@' in \"a@.b\""},
            {"@x", "missing local part in \"@x\""},
            {"a@b@c", "unexpected '@' in \"a@b@c\""},
            {"<>", "empty address <> in \"<>\""},
            {"John <>", "empty address <> in \"John <>\""},
            {"a: b: c;", "nested group in \"a: b: c;\""},
            {"a@b;", "unexpected ';' in \"a@b;\""},
            {"x@y:z", "unexpected ':' in \"x@y:z\""},
            {":;", "unexpected ':' in \":;\""},
            {"<@a,@b>", "bad source route in \"<@a,@b>\""},
            {"<a@b c>", "unexpected 'c' in angle address in \"<a@b c>\""},
            {".", "unexpected '.' in \".\""},
            {"[1.2.3.4]", "unexpected '[1.2.3.4]' in \"[1.2.3.4]\""},
            {"a\\b@c", "stray '\\' in \"a\\b@c\""},
            {"a\x01@b", "invalid character in \"a?@b\""},
            {"(", "unbalanced '(' in \"(\""},
            {"<", "unbalanced '<' in \"<\""},
            {"a@b, <", "unbalanced '<' in \"a@b, <\""},
            {"\\", "stray '\\' in \"\\\""},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(show_list(c.in) == "error: " + c.want);
            auto r = addr::parse_address_list(c.in);
            if (!r) CHECK(r.error().exit_code == EX_DATAERR);
        }
        // A long input is quoted only in part.
        std::string long_in = "<" + std::string(200, 'a');
        CHECK(show_list(long_in) == "error: unbalanced '<' in \"<" + std::string(79, 'a') + "...\"");
    }

    TEST_CASE("parse_mailbox wants exactly one") {
        const Case cases[] = {
            {"john", "|john|"},
            {"John Doe <jdoe@x>", "John Doe|jdoe|x"},
            {"a@b, c@d", "error: more than one address in \"a@b, c@d\""},
            {"", "error: no address in \"\""},
            {"undisclosed-recipients:;", "error: no address in \"undisclosed-recipients:;\""},
            {"John <j", "error: unbalanced '<' in \"John <j\""},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            auto r = addr::parse_mailbox(c.in);
            std::string got = r ? r->display_name + "|" + r->local + "|" + r->domain : "error: " + r.error().message;
            CHECK(got == c.want);
        }
    }

    TEST_CASE("Mailbox::addr_spec and quote_local_part") {
        const Case quote[] = {
            {"john", "john"},
            {"john.q.public", "john.q.public"},
            {"john smith", "\"john smith\""},
            {"a\"b", "\"a\\\"b\""},
            {"a\\b", "\"a\\\\b\""},
            {"a..b", "\"a..b\""},
            {".a", "\".a\""},
            {"a.", "\"a.\""},
            {"", "\"\""},
            {"j\xc3\xb6rg", "j\xc3\xb6rg"},
            {"a@b", "\"a@b\""},
        };
        for (const auto& c : quote) {
            CAPTURE(c.in);
            CHECK(addr::quote_local_part(c.in) == c.want);
        }
        CHECK(addr::Mailbox{"", "john smith", "x.org"}.addr_spec() == "\"john smith\"@x.org");
        CHECK(addr::Mailbox{"John", "john", ""}.addr_spec() == "john");
        // Round trip: parse, print, parse again gives the same mailbox.
        auto m = addr::parse_mailbox("\"a \\\"q\\\" b\"@x");
        REQUIRE(m.ok());
        auto again = addr::parse_mailbox(m->addr_spec());
        REQUIRE(again.ok());
        CHECK(again->local == m->local);
    }

    TEST_CASE("canonical") {
        const Case cases[] = {
            {"Example.COM.", "example.com"}, {"example.com", "example.com"}, {"a..", "a."}, {"", ""}, {".", ""},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(addr::canonical(c.in) == c.want);
        }
    }

    TEST_CASE("parse_path") {
        struct PathCase {
            std::string in;
            bool allow_null;
            std::string want;
        };
        const PathCase cases[] = {
            {"<a@b.example>", false, "|a|b.example"},
            {"  <a@b>  ", false, "|a|b"},
            {"a@b", false, "|a|b"},
            {"<>", true, "null"},
            {"<>", false, "error: User address required"},
            {"<@x,@y.z:a@b>", false, "@x,@y.z|a|b"},
            {"<\"john smith\"@x>", false, "|john smith|x"},
            {"<\"a\\\"b\"@c>", false, "|a\"b|c"},
            {"<a@[1.2.3.4]>", false, "|a|[1.2.3.4]"},
            {"<a@[IPv6:2001:db8::1]>", false, "|a|[IPv6:2001:db8::1]"},
            {"<a@[x-tag:abc]>", false, "|a|[x-tag:abc]"},
            {"<postmaster>", false, "|postmaster|"},
            {"<a@b.>", false, "|a|b."},
            {"<a%b@c>", false, "|a%b|c"},
            {"<b!a@c>", false, "|b!a|c"},
            {"<j\xc3\xb6rg@b\xc3\xbc.example>", false, "|j\xc3\xb6rg|b\xc3\xbc.example"},
            {"<a_b@under_score.example>", false, "|a_b|under_score.example"},
            {"<a@b", false, "error: Unbalanced '<'"},
            {"<", false, "error: Unbalanced '<'"},
            {"a@b>", false, "error: Unbalanced '>'"},
            {"", false, "error: Syntax error in mailbox address"},
            {"<a..b@c>", false, "error: Syntax error in mailbox address"},
            {"<.a@c>", false, "error: Syntax error in mailbox address"},
            {"<a.@c>", false, "error: Syntax error in mailbox address"},
            {"<a@-b.c>", false, "error: Syntax error in mailbox address"},
            {"<a@b..c>", false, "error: Syntax error in mailbox address"},
            {"<a@>", false, "error: Syntax error in mailbox address"},
            {"<@>", false, "error: Syntax error in mailbox address"},
            {"<@x:>", false, "error: Syntax error in mailbox address"},
            {"<@x a@b>", false, "error: Syntax error in mailbox address"},
            {"<@x,y:a@b>", false, "error: Syntax error in mailbox address"},
            {"<a b@c>", false, "error: Syntax error in mailbox address"},
            {"<a@b@c>", false, "error: Syntax error in mailbox address"},
            {"<\"a@c>", false, "error: Syntax error in mailbox address"},
            {"<\"a\x01\"@c>", false, "error: Syntax error in mailbox address"},
            {"<\"a\\", false, "error: Unbalanced '<'"},
            {"<a@[IPv6:zz]>", false, "error: Syntax error in mailbox address"},
            {"<a@[1.2.3.256]>", false, "error: Syntax error in mailbox address"},
            {"<a@[1.2.3]>", false, "error: Syntax error in mailbox address"},
            {"<a@[]>", false, "error: Syntax error in mailbox address"},
            {"<a(comment)@b>", false, "error: Syntax error in mailbox address"},
            {"<a@" + std::string(300, 'd') + ">", false, "error: Domain name too long"},
            {"<" + std::string(1100, 'a') + ">", false, "error: Path too long"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CAPTURE(c.allow_null);
            CHECK(show_path(c.in, c.allow_null) == c.want);
        }
    }

    TEST_CASE("parse_mail_rcpt_argument") {
        const Case cases[] = {
            {"<a@b>", "<a@b>"},
            {" <a@b>", "<a@b>"},
            {"<a@b> SIZE=123 BODY=8BITMIME", "<a@b> SIZE=123 BODY=8BITMIME"},
            {"<a@b>  NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@b ", "<a@b> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@b"},
            {"<a@b> size=1 smtputf8", "<a@b> SIZE=1 SMTPUTF8="},
            {"<> SIZE=0", "<> SIZE=0"},
            {"a@b SIZE=1", "<a@b> SIZE=1"},
            {"<\"a> b\"@c> SIZE=1", "<a> b@c> SIZE=1"},
            {"<a@b> X-EXT=1", "<a@b> X-EXT=1"},
            {"<a@b>SIZE=1", "error: Syntax error in mailbox address"},
            {"<a@b> SIZE=", "error: Syntax error in parameter \"SIZE=\""},
            {"<a@b> =x", "error: Syntax error in parameter \"=x\""},
            {"<a@b> SI_ZE=1", "error: Syntax error in parameter \"SI_ZE=1\""},
            {"<a@b> -X=1", "error: Syntax error in parameter \"-X=1\""},
            {"<a@b> SIZE=1=2", "error: Syntax error in parameter \"SIZE=1=2\""},
            {"<a@b> X=\x01", "error: Syntax error in parameter \"X=?\""},
            {"<a@b> X=\xc3\xa9", "error: Syntax error in parameter \"X=\xc3\xa9\""},
            {"<a@b\tSIZE=1", "error: Unbalanced '<'"},
            {"<a@b", "error: Unbalanced '<'"},
            {"", "error: Syntax error in mailbox address"},
            {"<a b@c> SIZE=1", "error: Syntax error in mailbox address"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(show_arg(c.in) == c.want);
        }
        CHECK(show_arg("<> ", false) == "error: User address required");
        REQUIRE_FALSE(addr::parse_mail_rcpt_argument("<a", true).ok());
        CHECK(addr::parse_mail_rcpt_argument("<a", true).error().exit_code == EX_DATAERR);
    }

    TEST_CASE("classify finds every relay trick") {
        using namespace mail::address;
        struct TrickCase {
            std::string in;
            unsigned want;
        };
        const TrickCase cases[] = {
            {"<victim@remote.example>", 0},
            {"victim@remote.example", 0},
            {"<postmaster>", 0},
            {"<victim%remote.example@ourhost>", PercentHack},
            {"<victim%remote.example%ourhost@ourhost>", PercentHack},
            {"<remote.example!victim@ourhost>", BangPath},
            {"<remote.example!victim>", BangPath},
            {"<@ourhost:victim@remote.example>", SourceRoute},
            {"<@ourhost,@hop2:victim@remote.example>", SourceRoute},
            {"<\"victim@remote.example\">", QuotedLocalPart},
            {"<\"victim@remote.example\"@ourhost>", QuotedLocalPart | DoubleAt},
            {"<\"victim\"@ourhost>", QuotedLocalPart},
            {"<victim@remote.example@ourhost>", DoubleAt},
            {"<victim@[1.2.3.4]>", DomainLiteral},
            {"<victim@remote.example.>", TrailingDot},
            {"<victim@REMOTE.EXAMPLE>", 0},
            {"<@x:a%b!c@d@[1.2.3.4]>", SourceRoute | PercentHack | BangPath | DoubleAt | DomainLiteral},
            {"", 0},
            {"<", 0},
            {"@", SourceRoute},
            {"\"unterminated@x", QuotedLocalPart},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            unsigned got = classify(c.in);
            CAPTURE(describe_tricks(got));
            CHECK(got == c.want);
        }
        CHECK(describe_tricks(0) == "");
        CHECK(describe_tricks(PercentHack | TrailingDot) == "percent-hack,trailing-dot");
        CHECK(describe_tricks(0x7f) ==
              "percent-hack,bang-path,source-route,quoted-local-part,double-at,domain-literal,trailing-dot");
    }

    TEST_CASE("long and hostile inputs stay linear and do not crash") {
        std::string many_commas(100000, ',');
        CHECK(show_list(many_commas) == "");
        std::string deep = std::string(50000, '(') + std::string(50000, ')') + " a@b";
        auto r = addr::parse_address_list(deep);
        REQUIRE(r.ok());
        CHECK(r->size() == 1);
        std::string opens(100000, '<');
        CHECK(show_list(opens).rfind("error: unbalanced '<'", 0) == 0);
        std::string list;
        for (int i = 0; i < 20000; ++i) list += "u" + std::to_string(i) + "@x, ";
        auto big = addr::parse_address_list(list);
        REQUIRE(big.ok());
        CHECK(big->size() == 20000);
    }
}
