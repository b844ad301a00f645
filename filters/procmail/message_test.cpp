// message_test.cpp — procmail's view of the message.
#include "filters/procmail/message.h"

#include <doctest/doctest.h>

using namespace mail::procmail;

TEST_SUITE("procmail.message") {
    TEST_CASE("header, body and the joined header") {
        Message m("From a@b  Mon Jan  6 10:00:00 2025\nReceived: x\n\tby y\nSubject: s\n\nbody\n\nmore\n");
        CHECK(m.header() == "From a@b  Mon Jan  6 10:00:00 2025\nReceived: x\n\tby y\nSubject: s\n\n");
        CHECK(m.body() == "body\n\nmore\n");
        CHECK(m.joined_header() == "From a@b  Mon Jan  6 10:00:00 2025\nReceived: x \tby y\nSubject: s\n\n");
        CHECK(m.from_line() == "From a@b  Mon Jan  6 10:00:00 2025");
    }
    TEST_CASE("no empty line: all header; leading empty lines belong to the header") {
        Message m("Subject: only\n");
        CHECK(m.header() == "Subject: only\n");
        CHECK(m.body().empty());
        Message e("\n\nSubject: s\n\nbody\n");
        CHECK(e.header() == "\n\nSubject: s\n\n");
        CHECK(e.body() == "body\n");
        Message none("");
        CHECK(none.header().empty());
    }
    TEST_CASE("replacing a part keeps the other") {
        Message m("A: 1\n\nbody\n");
        m.replace_header("B: 2\n\n");
        CHECK(m.text() == "B: 2\n\nbody\n");
        m.replace_body("new\n");
        CHECK(m.text() == "B: 2\n\nnew\n");
    }
    TEST_CASE("without the From_ line and its >From continuations") {
        Message m("From a  x\n>From b  y\nSubject: s\n\nb\n");
        CHECK(m.without_from_line() == "Subject: s\n\nb\n");
    }
    TEST_CASE("prepare_input: -f and -d make or refresh the From_ line") {
        FromOptions o;
        o.make_from_line = true;
        o.skip_leading_newlines = true;
        o.now = "Sun Nov 22 05:29:18 2026";
        o.sender = "sender@x.org";
        CHECK(prepare_input("\n\nSubject: s\n\nb\n", o) == "From sender@x.org  Sun Nov 22 05:29:18 2026\nSubject: s\n\nb\n");
        CHECK(prepare_input("From old@y  Mon Jan  6 10:00:00 2025\nS: s\n", o) ==
              "From sender@x.org  Sun Nov 22 05:29:18 2026\nS: s\n");
        o.sender = "-";
        CHECK(prepare_input("From old@y  Mon Jan  6 10:00:00 2025\nS: s\n", o) ==
              "From old@y  Sun Nov 22 05:29:18 2026\nS: s\n");
        o.sender.clear();
        o.default_sender = "root";
        CHECK(prepare_input("S: s\n", o) == "From root  Sun Nov 22 05:29:18 2026\nS: s\n");
        FromOptions plain;
        CHECK(prepare_input("S: s\n", plain) == "S: s\n");
    }
}
