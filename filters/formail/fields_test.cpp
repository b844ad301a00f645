// fields_test.cpp — unit tests for fields.h: where a field name ends, how
// partial names match, renaming.
#include "filters/formail/fields.h"

#include <doctest/doctest.h>

using namespace mail::filters::formail;

TEST_SUITE("formail.fields") {
    TEST_CASE("break_field") {
        struct Case { const char* line; int want; };
        for (auto c : {Case{"Subject: x\n", 8}, Case{"Subject :x\n", 9}, Case{"Subject\t  : x\n", 11},
                       Case{"From x y\n", 5}, Case{"From: x\n", 5}, Case{"From :\n", 6}, Case{":x\n", 0},
                       Case{" Subject: x\n", 0}, Case{"\n", 0}, Case{"X Y: z\n", -2}, Case{"Subject\n", -7},
                       Case{"Subject", -7}, Case{"X-", -2}, Case{"", 0}, Case{"Ab\x01: x", -2},
                       Case{"\xe9t\xe9: 8bit names are fine\n", 4}, Case{"Article 12 of x\n", -8}}) {
            CAPTURE(c.line);
            CHECK(break_field(c.line) == c.want);
        }
    }
    TEST_CASE("make_field: a partial name gets its length, except as a header's first field") {
        CHECK(make_field("Subject: x\n").id_len == 8);
        CHECK(make_field("X-\n").id_len == 2);
        CHECK(make_field("\n").id_len == 0);
        CHECK(make_field("Article 1\n", true).id_len == 0);
        CHECK(make_field("From a b\n").is_from_line());
    }
    TEST_CASE("find_pattern: prefix, any case, first match") {
        PatternList list;
        for (const char* p : {"X-\n", "Subject:\n", "subject\n"}) list.push_back(Pattern{make_field(p), {}, false});
        CHECK(find_pattern(make_field("x-foo: 1\n"), list) == list.begin());
        CHECK(find_pattern(make_field("SUBJECT: 1\n"), list) == std::next(list.begin()));
        CHECK(find_pattern(make_field("Subject2: 1\n"), list) == std::next(list.begin(), 2));
        CHECK(find_pattern(make_field("To: 1\n"), list) == list.end());
    }
    TEST_CASE("find_pattern: -u/-U lists get one entry per full name") {
        PatternList list;
        list.push_back(Pattern{make_field("X-\n"), {}, false});
        auto a = find_pattern(make_field("X-A: 1\n"), list, true);
        CHECK(a->field.text == "X-A:");
        CHECK(list.size() == 2);
        CHECK(find_pattern(make_field("x-a: 2\n"), list, true) == a);
        CHECK(list.size() == 2);
        find_pattern(make_field("X-B: 1\n"), list, true);
        CHECK(list.size() == 3);
    }
    TEST_CASE("find_field: a header field whose name is a prefix of the wanted one") {
        FieldList header{make_field("From a b\n", true), make_field("Content-Length: 5\n")};
        CHECK(find_field(make_field("Content-Length:"), header) == std::next(header.begin()));
        CHECK(find_field(make_field("Subject:"), header) == header.end());
    }
    TEST_CASE("concatenate keeps the last newline and leaves From_ lines alone") {
        Field f = make_field("To: a,\n  b,\n\tc\n");
        concatenate(f);
        CHECK(f.text == "To: a,   b, \tc\n");
        Field from = make_field("From a b\n>From c d\n");
        concatenate(from);
        CHECK(from.text == "From a b\n>From c d\n");
    }
    TEST_CASE("rename_field") {
        Field f = make_field("X-Foo: v\n");
        rename_field(f, 2, "Y-");
        CHECK(f.text == "Y-Foo: v\n");
        CHECK(f.id_len == 6);
        rename_field(f, 2, "Subject:");  // a complete new name replaces the whole name
        CHECK(f.text == "Subject: v\n");
        CHECK(f.id_len == 8);
        rename_field(f, 0, "Old-");
        CHECK(f.text == "Old-Subject: v\n");
        Field from = make_field("From a b\n>From c d\n", true);
        rename_field(from, 5, "X-From_:");
        CHECK(from.text == "X-From_:a b\n From c d\n");
        Field back = make_field("Return-Path: <a@b>\n  x\n");
        rename_field(back, 12, "From ");
        CHECK(back.text == "From  <a@b>\n> x\n");
    }
}
