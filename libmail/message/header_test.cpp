// header_test.cpp — unit tests for header.h.
#include "libmail/message/header.h"

#include "libmail/util/strings.h"

#include <doctest/doctest.h>

#include <string>

using mail::message::Headers;

TEST_SUITE("message.header") {
    TEST_CASE("parse splits fields, keeps folding and separators") {
        auto h = Headers::parse("From: a@b\nSubject: hello\n  world\nX-Empty:\nX-Tight:v\nX-Obs :  v2\n");
        REQUIRE(h.ok());
        REQUIRE(h->size() == 5);
        struct Want { const char* name; const char* sep; const char* value; };
        const Want want[] = {{"From", ": ", "a@b"},
                             {"Subject", ": ", "hello\n  world"},
                             {"X-Empty", ":", ""},
                             {"X-Tight", ":", "v"},
                             {"X-Obs", " :  ", "v2"}};
        for (size_t i = 0; i < 5; ++i) {
            const auto& f = h->fields()[i];
            CAPTURE(i);
            CHECK(f.name == want[i].name);
            CHECK(f.separator == want[i].sep);
            CHECK(f.value == want[i].value);
        }
    }

    TEST_CASE("parse errors name the line and the text") {
        struct Case { const char* in; const char* want; };
        const Case cases[] = {
            {"From: a\nTo: b\ngarbage\n", "header line 3: no colon in \"garbage\""},
            {" leading\n", "header line 1: continuation line before any field in \" leading\""},
            {": novalue\n", "header line 1: bad field name in \": novalue\""},
            {"Bad Name: x\n", "header line 1: bad field name in \"Bad Name: x\""},
            {"ctl\x01: x\n", "header line 1: bad field name in \"ctl?: x\""},
        };
        for (const auto& c : cases) {
            CAPTURE(std::string(c.in));
            auto h = Headers::parse(c.in);
            REQUIRE_FALSE(h.ok());
            CHECK(h.error().message == c.want);
            CHECK(h.error().exit_code == EX_DATAERR);
        }
        // Long garbage is cut to a short excerpt.
        auto h = Headers::parse("A: b\n" + std::string(100, 'x') + "\n");
        REQUIRE_FALSE(h.ok());
        CHECK(h.error().message == "header line 2: no colon in \"" + std::string(60, 'x') + "...\"");
    }

    TEST_CASE("parse: empty input, CRLF, stop at blank line, no final newline") {
        auto e = Headers::parse("");
        REQUIRE(e.ok());
        CHECK(e->empty());
        auto crlf = Headers::parse("A: 1\r\nB: 2\r\n\tmore\r\n\r\nbody: no\r\n");
        REQUIRE(crlf.ok());
        REQUIRE(crlf->size() == 2);
        CHECK(crlf->find("b")->value == "2\n\tmore");
        CHECK(crlf->serialize() == "A: 1\nB: 2\n\tmore\n");
        auto nonl = Headers::parse("A: 1");
        REQUIRE(nonl.ok());
        CHECK(nonl->find("A")->value == "1");
    }

    TEST_CASE("serialize reproduces parsed bytes exactly") {
        const char* inputs[] = {
            "From: a@b\n",
            "Subject:no-space\nX:\t tab-and-space\n",
            "Received: from x\n\tby y;\n  Mon, 1 Jan 2024 00:00:00 +0000\nTo: z\n",
            "X-Obs  :  spaced\nX-Empty:\nX-Empty2:   \n",
            "Subject:\n folded-first\n",
            "Subject: =?UTF-8?B?w6k=?= caf\xc3\xa9\n",
        };
        for (const char* in : inputs) {
            CAPTURE(std::string(in));
            auto h = Headers::parse(in);
            REQUIRE(h.ok());
            CHECK(h->serialize() == in);
        }
    }

    TEST_CASE("find, find_all, count, remove_all, append, prepend") {
        auto h = Headers::parse("Received: 1\nTo: a\nreceived: 2\nRECEIVED: 3\n");
        REQUIRE(h.ok());
        CHECK(h->find("RECEIVED")->value == "1");
        CHECK(h->find("Cc") == nullptr);
        auto all = h->find_all("Received");
        REQUIRE(all.size() == 3);
        CHECK(all[2]->value == "3");
        CHECK(h->count("received") == 3);
        CHECK(h->count("to") == 1);
        h->remove_all("received");
        CHECK(h->serialize() == "To: a\n");
        h->append("Subject", "s");
        h->prepend("Return-Path", "<x@y>");
        CHECK(h->serialize() == "Return-Path: <x@y>\nTo: a\nSubject: s\n");
        std::string names;
        for (const auto& f : *h) names += f.name + ",";
        CHECK(names == "Return-Path,To,Subject,");
    }

    TEST_CASE("strip_from_line") {
        std::string from;
        CHECK(mail::message::strip_from_line("From a@b Mon Jan 1\nTo: x\n", &from) == "To: x\n");
        CHECK(from == "From a@b Mon Jan 1");
        CHECK(mail::message::strip_from_line("From a@b\r\n", &from) == "");
        CHECK(from == "From a@b");
        from = "untouched";
        CHECK(mail::message::strip_from_line("From: a@b\n", &from) == "From: a@b\n");
        CHECK(mail::message::strip_from_line("From x", nullptr) == "");
        CHECK(from == "untouched");
    }

    TEST_CASE("unfold") {
        struct Case { const char* in; const char* want; };
        const Case cases[] = {
            {"hello\n  world", "hello  world"},
            {"a\r\n\tb", "a\tb"},
            {"  padded  ", "padded"},
            {"\n folded-first", "folded-first"},
            {"no fold", "no fold"},
            {"", ""},
            {"x\ny", "x\ny"},  // LF not followed by WSP is not folding
        };
        for (const auto& c : cases) {
            CAPTURE(std::string(c.in));
            CHECK(mail::message::unfold(c.in) == c.want);
        }
    }

    TEST_CASE("fold") {
        using mail::message::fold;
        struct Case { const char* name; const char* value; size_t width; const char* want; };
        const Case cases[] = {
            {"Subject", "short", 78, "Subject: short"},
            {"Subject", "", 78, "Subject:"},
            {"To", "aaaa, bbbb, cccc", 12, "To: aaaa,\n bbbb, cccc"},
            {"To", "a\tb", 4, "To: a\n\tb"},
            {"X", "averyveryverylongword next", 5, "X: averyveryverylongword\n next"},
            {"X", "already\n folded", 78, "X: already folded"},
            {"X", "inject\nBcc: evil", 78, "X: inject Bcc: evil"},
            {"X", "  two  spaces", 78, "X: two  spaces"},
        };
        for (const auto& c : cases) {
            CAPTURE(std::string(c.value));
            CAPTURE(c.width);
            CHECK(fold(c.name, c.value, c.width) == c.want);
        }
    }

    TEST_CASE("fold then unfold restores the value, lines stay within width") {
        std::string value;
        for (int i = 0; i < 40; ++i) value += "word" + std::to_string(i) + (i % 3 ? " " : "\t");
        std::string value_trimmed = std::string(mail::trim(value));
        std::string folded = mail::message::fold("References", value, 40);
        auto h = Headers::parse(folded + "\n");
        REQUIRE(h.ok());
        CHECK(mail::message::unfold(h->find("References")->value) == value_trimmed);
        size_t start = 0;
        while (start < folded.size()) {
            size_t nl = folded.find('\n', start);
            size_t len = (nl == std::string::npos ? folded.size() : nl) - start;
            CHECK(len <= 40);
            start = nl == std::string::npos ? folded.size() : nl + 1;
        }
    }

    TEST_CASE("is_field_line") {
        CHECK(mail::message::is_field_line("To: x"));
        CHECK(mail::message::is_field_line("X-A \t: x"));
        CHECK_FALSE(mail::message::is_field_line("no colon"));
        CHECK_FALSE(mail::message::is_field_line(" To: x"));
        CHECK_FALSE(mail::message::is_field_line(""));
    }
}
