// strings_test.cpp — unit tests for strings.h.
#include "libmail/util/strings.h"

#include <doctest/doctest.h>

TEST_SUITE("util.strings") {
    TEST_CASE("trim") {
        struct Case { const char* in; const char* want; };
        for (auto c : {Case{"  a b \t\r\n", "a b"}, Case{"", ""}, Case{" \t ", ""}, Case{"x", "x"}}) {
            CAPTURE(c.in);
            CHECK(mail::trim(c.in) == c.want);
        }
    }
    TEST_CASE("split keeps or drops empty fields") {
        CHECK(mail::split("a,,b", ",") == std::vector<std::string>{"a", "b"});
        CHECK(mail::split("a,,b", ",", false) == std::vector<std::string>{"a", "", "b"});
        CHECK(mail::split("", ",").empty());
    }
    TEST_CASE("case-insensitive helpers") {
        CHECK(mail::iequals("From", "fROM"));
        CHECK_FALSE(mail::iequals("From", "Fro"));
        CHECK(mail::istarts_with("Received: x", "received:"));
        CHECK(mail::to_lower("MiXeD@Host") == "mixed@host");
    }
}
