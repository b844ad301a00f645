// clock.cpp — see clock.h.
#include "libmail/util/clock.h"

#include <cstdlib>

#include <cstdio>

namespace mail {

std::time_t now() {
    if (const char* fake = std::getenv("MAILROOM_FAKE_TIME"); fake && *fake) {
        char* end = nullptr;
        long long v = std::strtoll(fake, &end, 10);
        if (end && *end == '\0') return static_cast<std::time_t>(v);
    }
    return std::time(nullptr);
}

std::string rfc5322_date(std::time_t t) {
    struct tm tm {};
    localtime_r(&t, &tm);
    char buf[64];
    // %z gives +hhmm as RFC 5322 §3.3 wants.
    size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S %z", &tm);
    return std::string(buf, n);
}

// asctime(3)'s layout ("Mon Jan  6 10:00:00 2025"), the date of mbox From_
// lines; "" when the time cannot be represented (never garbage).
std::string ctime_text(std::time_t t) {
    static constexpr const char* k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm {};
    if (localtime_r(&t, &tm) == nullptr) return {};
    if (tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 || tm.tm_mon > 11) return {};
    char text[64];
    int n = std::snprintf(text, sizeof text, "%.3s %.3s%3d %.2d:%.2d:%.2d %lld", k_days[tm.tm_wday],
                          k_months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                          static_cast<long long>(tm.tm_year) + 1900);
    if (n <= 0) return {};
    return std::string(text, static_cast<size_t>(n) < sizeof text ? static_cast<size_t>(n) : sizeof text - 1);
}

}  // namespace mail
