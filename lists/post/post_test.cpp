// post_test.cpp — unit tests for what a post becomes.
#include "lists/post/post.h"

#include "libmail/mime/mime.h"

#include <doctest/doctest.h>

using namespace mail;
using namespace mail::lists;

namespace {

Settings team() {
    Settings s = defaults("team", "lists.example.org");
    return s;
}

std::string run(std::string_view msg, const Settings& s, post::Dmarc d = post::Dmarc::None, std::string url = "") {
    auto p = post::parse(msg);
    REQUIRE(p.ok());
    post::Context c{s, 7, 1'800'000'000, d, url};
    return post::prepare(*p, c);
}

std::string header_of(const std::string& out, std::string_view name) {
    auto p = post::parse(out);
    REQUIRE(p.ok());
    const message::Field* f = p->headers.find(name);
    return f ? message::unfold(f->value) : "<absent>";
}

std::string body_of(const std::string& out) { return out.substr(out.find("\n\n") + 2); }

constexpr const char* k_plain =
    "Return-Path: <tony@example.com>\r\n"
    "Delivered-To: team@lists.example.org\r\n"
    "From: Tony Stark <tony@example.com>\r\n"
    "To: team@lists.example.org\r\n"
    "Subject: hello all\r\n"
    "Message-ID: <a1@example.com>\r\n"
    "List-Id: <forged.example>\r\n"
    "Approved: secret\r\n"
    "\r\n"
    "Hi.\r\n";

}  // namespace

TEST_SUITE("lists.post") {
    TEST_CASE("parse: CRLF made LF, From_ line dropped, header/body split") {
        auto p = post::parse("From x@y  Mon Jan  1 00:00:00 2024\nSubject: a\n\nbody\n");
        REQUIRE(p.ok());
        CHECK(p->headers.size() == 1);
        CHECK(p->body == "body\n");
        auto q = post::parse(k_plain);
        REQUIRE(q.ok());
        CHECK(q->body == "Hi.\n");
        auto none = post::parse("no header here\n\nbody");
        CHECK_FALSE(none.ok());
        auto empty_body = post::parse("Subject: x\n");
        REQUIRE(empty_body.ok());
        CHECK(empty_body->body.empty());
    }

    TEST_CASE("poster, loops, recipient count") {
        auto p = post::parse("From: \"T. Stark\" <Tony@Example.COM>\nSender: s@x.org\nTo: a@x, b@x\nCc: c@x\n"
                             "X-BeenThere: other@lists.example.org\nX-BeenThere: TEAM@lists.example.org\n\n");
        REQUIRE(p.ok());
        auto who = post::poster(p->headers, "env@x.org");
        CHECK(who.address == "tony@example.com");
        CHECK(who.display == "T. Stark");
        CHECK(post::been_there(p->headers, "team@lists.example.org"));
        CHECK_FALSE(post::been_there(p->headers, "dev@lists.example.org"));
        CHECK(post::recipient_count(p->headers) == 3);
        auto q = post::parse("Subject: no from\n\n");
        CHECK(post::poster(q->headers, "Env@X.org").address == "env@x.org");
        auto r = post::parse("From: garbage <<<\nSender: real@x.org\n\n");
        CHECK(post::poster(r->headers, "").address == "real@x.org");
    }

    TEST_CASE("list headers, removed headers, prefix, footer") {
        std::string out = run(k_plain, team(), post::Dmarc::None, "https://lists.example.org/team/");
        CHECK(header_of(out, "Return-Path") == "<absent>");
        CHECK(header_of(out, "Delivered-To") == "<absent>");
        CHECK(header_of(out, "Approved") == "<absent>");
        CHECK(header_of(out, "List-Id") == "<team.lists.example.org>");
        CHECK(header_of(out, "List-Post") == "<mailto:team@lists.example.org>");
        CHECK(header_of(out, "List-Help") == "<mailto:team-request@lists.example.org?subject=help>");
        CHECK(header_of(out, "List-Unsubscribe") ==
              "<mailto:team-leave@lists.example.org>, <mailto:team-request@lists.example.org?subject=unsubscribe>");
        CHECK(header_of(out, "List-Subscribe") ==
              "<mailto:team-join@lists.example.org>, <mailto:team-request@lists.example.org?subject=subscribe>");
        CHECK(header_of(out, "List-Owner") == "<mailto:team-owner@lists.example.org>");
        CHECK(header_of(out, "List-Archive") == "<https://lists.example.org/team/>");
        CHECK(header_of(out, "X-BeenThere") == "team@lists.example.org");
        CHECK(header_of(out, "Precedence") == "list");
        CHECK(header_of(out, "X-List-Sequence") == "7");
        CHECK(header_of(out, "Sender") == "team <team-bounces@lists.example.org>");
        CHECK(header_of(out, "Subject") == "[team] hello all");
        CHECK(header_of(out, "From") == "Tony Stark <tony@example.com>");
        CHECK(header_of(out, "Message-ID") == "<a1@example.com>");
        CHECK(body_of(out) == "Hi.\n" + post::default_footer(team()));
        CHECK(out.find('\r') == std::string::npos);
        // The output is itself a parseable post whose loop check fires.
        auto again = post::parse(out);
        REQUIRE(again.ok());
        CHECK(post::been_there(again->headers, "team@lists.example.org"));
    }

    TEST_CASE("subject prefix is added once") {
        struct Case {
            const char* subject;
            const char* want;
        };
        for (Case c : {Case{"Re: [team] hello", "Re: [team] hello"}, Case{"[TEAM] hi", "[TEAM] hi"},
                       Case{"=?UTF-8?B?W3RlYW1dIGjDqQ==?=", "=?UTF-8?B?W3RlYW1dIGjDqQ==?="},
                       Case{"plain", "[team] plain"}}) {
            CAPTURE(c.subject);
            CHECK(header_of(run(std::string("From: a@x.org\nSubject: ") + c.subject + "\n\nx\n", team()), "Subject") ==
                  c.want);
        }
        CHECK(header_of(run("From: a@x.org\n\nx\n", team()), "Subject") == "[team] (no subject)");
        Settings s = team();
        REQUIRE(s.set("subject_prefix", "none").ok());
        CHECK(header_of(run("From: a@x.org\nSubject: s\n\nx\n", s), "Subject") == "s");
    }

    TEST_CASE("header injection through the list's settings or the post is impossible") {
        Settings s = team();
        s.description = "Team\r\nBcc: victim@example.org";  // bypassing set(), as a corrupt database would
        std::string out = run("From: a@x.org\nSubject: hi\n\nx\n", s);
        auto p = post::parse(out);
        REQUIRE(p.ok());
        CHECK(p->headers.find("Bcc") == nullptr);
        std::string out2 = run("From: a@x.org\nSubject: hi\n =?UTF-8?Q?=0D=0ABcc:_v@x.org?=\n\nx\n", team());
        auto p2 = post::parse(out2);
        REQUIRE(p2.ok());
        CHECK(p2->headers.find("Bcc") == nullptr);
    }

    TEST_CASE("footer: quoted-printable, base64, multipart/mixed, signed, alternative") {
        Settings s = team();
        REQUIRE(s.set("footer", "-- \nteam=list").ok());
        std::string qp = run("From: a@x.org\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
                             "caf=C3=A9\n",
                             s);
        CHECK(body_of(qp) == "caf=C3=A9\n--=20\nteam=3Dlist\n");  // trailing blank and '=' encoded
        std::string b64 = run("From: a@x.org\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGk=\n", s);
        CHECK(header_of(b64, "Content-Type").rfind("multipart/mixed;", 0) == 0);
        {
            auto top = mime::parse(b64);
            REQUIRE(top.children.size() == 2);
            CHECK(mime::decoded_body(top.children[0]) == "hi");
            CHECK(mime::decoded_body(top.children[1]) == "-- \nteam=list");  // the last newline belongs to the boundary
        }
        std::string mixed = run("From: a@x.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n"
                                "--b1\nContent-Type: text/plain\n\none\n--b1\nContent-Type: application/pdf\n\n%PDF\n"
                                "--b1--\n",
                                s);
        {
            auto top = mime::parse(mixed);
            REQUIRE(top.children.size() == 3);
            CHECK(mime::decoded_body(top.children[2]).find("team=list") != std::string::npos);
        }
        std::string sig = "From: a@x.org\nContent-Type: multipart/signed; boundary=s; protocol=\"application/pgp-signature\"\n\n"
                          "--s\n\nsigned\n--s\nContent-Type: application/pgp-signature\n\nSIG\n--s--\n";
        CHECK(body_of(run(sig, s)) == "--s\n\nsigned\n--s\nContent-Type: application/pgp-signature\n\nSIG\n--s--\n");
        std::string alt = run("From: a@x.org\nContent-Type: multipart/alternative; boundary=a\n\n--a\n\nx\n--a\n"
                              "Content-Type: text/html\n\n<p>x</p>\n--a--\n",
                              s);
        {
            auto top = mime::parse(alt);
            CHECK(top.content_type.mime_type() == "multipart/mixed");
            REQUIRE(top.children.size() == 2);
            CHECK(top.children[0].content_type.mime_type() == "multipart/alternative");
            CHECK(top.children[0].children.size() == 2);
        }
        REQUIRE(s.set("footer", "Ünïcode footer").ok());
        std::string u = run("From: a@x.org\nContent-Type: text/plain; charset=us-ascii\n\nx\n", s);
        CHECK(header_of(u, "Content-Type").rfind("multipart/mixed;", 0) == 0);
        std::string u8 = run("From: a@x.org\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 7bit\n\nx\n", s);
        CHECK(header_of(u8, "Content-Transfer-Encoding") == "8bit");
        CHECK(body_of(u8) == "x\nÜnïcode footer\n");
        REQUIRE(s.set("footer", "none").ok());
        CHECK(body_of(run("From: a@x.org\n\nx\n", s)) == "x\n");
    }

    TEST_CASE("reply-to policies") {
        Settings s = team();
        CHECK(header_of(run("From: a@x.org\nReply-To: r@x.org\n\nx\n", s), "Reply-To") == "r@x.org");
        REQUIRE(s.set("reply_to", "list").ok());
        CHECK(header_of(run("From: a@x.org\nReply-To: r@x.org\n\nx\n", s), "Reply-To") == "team@lists.example.org");
        REQUIRE(s.set("reply_to", "explicit").ok());
        REQUIRE(s.set("reply_to_address", "desk@example.org").ok());
        CHECK(header_of(run("From: a@x.org\n\nx\n", s), "Reply-To") == "desk@example.org");
    }

    TEST_CASE("announce lists say List-Post: NO; descriptions are phrases") {
        Settings s = team();
        REQUIRE(s.set("post_policy", "announce").ok());
        REQUIRE(s.set("description", "The \"A\" Team").ok());
        std::string out = run("From: a@x.org\n\nx\n", s);
        CHECK(header_of(out, "List-Post") == "NO");
        CHECK(header_of(out, "List-Id") == "\"The \\\"A\\\" Team\" <team.lists.example.org>");
    }

    TEST_CASE("DMARC: munge From, wrap the message") {
        Settings s = team();
        std::string munged = run(k_plain, s, post::Dmarc::MungeFrom);
        CHECK(header_of(munged, "From") == "Tony Stark via team <team@lists.example.org>");
        CHECK(header_of(munged, "Reply-To") == "Tony Stark <tony@example.com>");
        REQUIRE(s.set("reply_to", "list").ok());
        std::string munged_list = run(k_plain, s, post::Dmarc::MungeFrom);
        CHECK(header_of(munged_list, "Reply-To") == "team@lists.example.org");
        CHECK(header_of(munged_list, "Cc") == "Tony Stark <tony@example.com>");
        std::string wrapped = run(k_plain, team(), post::Dmarc::WrapMessage);
        CHECK(header_of(wrapped, "From") == "Tony Stark via team <team@lists.example.org>");
        CHECK(header_of(wrapped, "Subject") == "[team] hello all");
        CHECK(header_of(wrapped, "X-BeenThere") == "team@lists.example.org");
        auto top = mime::parse(wrapped);
        REQUIRE(top.children.size() == 2);
        CHECK(top.children[1].content_type.mime_type() == "message/rfc822");
        CHECK(std::string(top.children[1].body).find("From: Tony Stark <tony@example.com>") != std::string::npos);
    }

    TEST_CASE("missing Message-ID and Date are supplied") {
        std::string out = run("From: a@x.org\n\nx\n", team());
        CHECK(header_of(out, "Message-ID") == "<listman.7.1800000000.team@lists.example.org>");
        CHECK(header_of(out, "Date") != "<absent>");
    }
}
