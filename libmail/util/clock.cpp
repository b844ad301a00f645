// clock.cpp — see clock.h.
#include "libmail/util/clock.h"

#include <cstdlib>

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

std::string ctime_text(std::time_t t) {
    struct tm tm {};
    localtime_r(&t, &tm);
    char buf[64];
    size_t n = std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
    return std::string(buf, n);
}

}  // namespace mail
