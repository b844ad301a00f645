// address_test.cpp — unit tests for address.h: formail's address
// reduction and sender weights (reference procmail.md §2.2; the expected
// values were checked against Debian's formail).
#include "filters/formail/address.h"

#include <doctest/doctest.h>

using namespace mail::filters::formail;

namespace {

std::string first_address(std::string text) {
    text += '\0';
    size_t end = skip_words(text, 0);
    (void)end;
    return text.substr(0, text.find('\0'));
}

std::optional<std::string> pick(SenderMode mode, std::initializer_list<const char*> fields) {
    SenderPicker picker(mode);
    bool first = true;
    for (const char* f : fields) {
        picker.consider(make_field(f, first), first);
        first = false;
    }
    return picker.sender();
}

}  // namespace

TEST_SUITE("formail.address") {
    TEST_CASE("skip_words reduces one address") {
        struct Case { const char* in; const char* want; };
        for (auto c : {Case{"<dave@x.org>", "dave@x.org"}, Case{"a . b @ c . d", "a.b@c.d"},
                       Case{"x@y (Name)", "x@y"}, Case{"\"a b\" @ c", "\"a b\"@c"}, Case{"a@b, c@d", "a@b"},
                       Case{"grp: a@b, c@d;", "grp:a@b,c@d;"}, Case{"<moo@example.com, x>", "<moo@example.com,x>"},
                       Case{"<moo@example.com,", "<moo@example.com,>"}, Case{"foo\\", "foo\\"}, Case{"<a@b,\\", "<a@b,\\>"},
                       Case{"\"abc", "\"abc"}, Case{"[1.2.3.4]", "[1.2.3.4]"}, Case{"a b c", "a"},
                       Case{"<<a@b>>", "a@b"}, Case{"x (unterminated", "x"}, Case{"x (a\\", "x"}}) {
            CAPTURE(c.in);
            CHECK(first_address(c.in) == c.want);
        }
    }
    TEST_CASE("deeply nested comments do not recurse") {
        std::string deep = "a@b.c " + std::string(100000, '(') + "x";
        CHECK(first_address(deep) == "a@b.c");
    }
    TEST_CASE("envelope order: From_ beats Return-Path beats From:") {
        CHECK(pick(SenderMode::envelope, {"From env@a.example  Mon Jan  6 10:00:00 2025\n", "Return-Path: <rp@a.example>\n",
                                          "From: f@a.example\n"}) == "env@a.example");
        CHECK(pick(SenderMode::envelope, {"Reply-To: r@a.example\n", "From: f@a.example\n"}) == "f@a.example");
        CHECK(pick(SenderMode::envelope, {"Sender: s@a.example\n", "Errors-To: e@a.example\n"}) == "e@a.example");
    }
    TEST_CASE("header order (-t): Reply-To first; Resent- only with -a Resent-") {
        auto fields = {"From env@a.example  Mon Jan  6 10:00:00 2025\n", "Resent-From: rf@a.example\n",
                       "From: f@a.example\n", "Reply-To: Name <r@a.example>\n"};
        CHECK(pick(SenderMode::header, fields) == "r@a.example");
        CHECK(pick(SenderMode::header_resent, fields) == "rf@a.example");
    }
    TEST_CASE("a From_ line counts only first; \">From\" lines cost 2") {
        CHECK(pick(SenderMode::envelope, {"Subject: x\n", "From late@a.example  Mon Jan  6 10:00:00 2025\n"}) ==
              std::nullopt);
        CHECK(pick(SenderMode::header, {"From e@a.example  Mon Jan  6 10:00:00 2025\n>From o@b.example  x\n",
                                        "Errors-To: err@a.example\n"}) == "err@a.example");
    }
    TEST_CASE("uucp From_ lines become bang paths") {
        CHECK(pick(SenderMode::envelope, {"From user  Tue Jan  7 09:00:00 2025 remote from hosta\n"}) ==
              "hosta!user");
    }
    TEST_CASE("penalties: local user, .UUCP, user@host, bang path") {
        CHECK(pick(SenderMode::envelope, {"From: local\n", "Reply-To: r@a.example\n"}) == "r@a.example");
        CHECK(pick(SenderMode::header, {"Reply-To: x@y.UUCP\n", "From: f@host\n"}) == "f@host");
        CHECK(pick(SenderMode::header, {"Reply-To: r@host\n", "From: a!b\n"}) == "a!b");
    }
    TEST_CASE("Return-Path: <> wins over everything") {
        CHECK(pick(SenderMode::header, {"Return-Path: <>\n", "Reply-To: r@a.example\n"}) == "<>");
        CHECK(pick(SenderMode::envelope, {"Return-Path: \n", "From: f@a.example\n"}) == "f@a.example");
    }
}
