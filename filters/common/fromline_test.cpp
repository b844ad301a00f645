// fromline_test.cpp — unit tests for fromline.h (ctime text, From_ lines).
#include "filters/common/fromline.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <string>

namespace {

// Runs the body with $TZ set, restoring the old value afterwards.
class ZoneGuard {
public:
    explicit ZoneGuard(const char* zone) {
        const char* old = std::getenv("TZ");
        if (old) m_old = old, m_had = true;
        setenv("TZ", zone, 1);
        tzset();
    }
    ~ZoneGuard() {
        if (m_had)
            setenv("TZ", m_old.c_str(), 1);
        else
            unsetenv("TZ");
        tzset();
    }

private:
    std::string m_old;
    bool m_had = false;
};

}  // namespace

TEST_SUITE("filters.fromline") {
    TEST_CASE("ctime_text is ctime(3) without the newline") {
        ZoneGuard utc("UTC");
        struct Case { time_t t; const char* want; };
        for (auto c : {Case{1736157600, "Mon Jan  6 10:00:00 2025"},   // single-digit day: padded
                       Case{0, "Thu Jan  1 00:00:00 1970"},
                       Case{1795325366, "Sun Nov 22 05:29:26 2026"},   // two-digit day
                       Case{951782400, "Tue Feb 29 00:00:00 2000"}}) {
            CAPTURE(c.t);
            CHECK(mail::filters::ctime_text(c.t) == c.want);
            std::string libc = std::ctime(&c.t);
            CHECK(mail::filters::ctime_text(c.t) + "\n" == libc);
        }
    }
    TEST_CASE("ctime_text follows TZ") {
        ZoneGuard berlin("Europe/Berlin");
        CHECK(mail::filters::ctime_text(1736157600) == "Mon Jan  6 11:00:00 2025");
    }
    TEST_CASE("ctime_text of an unrepresentable time is empty") {
        ZoneGuard utc("UTC");
        time_t huge = static_cast<time_t>(1) << 62;
        CHECK(mail::filters::ctime_text(huge).empty());
    }
    TEST_CASE("from_line: two spaces, no newline") {
        ZoneGuard utc("UTC");
        CHECK(mail::filters::from_line("alice@example.com", 1736157600) ==
              "From alice@example.com  Mon Jan  6 10:00:00 2025");
        CHECK(mail::filters::from_line("root", 0) == "From root  Thu Jan  1 00:00:00 1970");
        CHECK(mail::filters::from_line("", 0) == "From   Thu Jan  1 00:00:00 1970");
    }
}
