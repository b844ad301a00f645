// fromline.cpp — see fromline.h.
#include "filters/common/fromline.h"

#include <cstdio>

namespace mail::filters {

std::string ctime_text(time_t t) {
    static constexpr const char* k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm {};
    if (localtime_r(&t, &tm) == nullptr) return {};
    if (tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 || tm.tm_mon > 11) return {};
    // asctime(3)'s layout: "%.3s %.3s%3d %.2d:%.2d:%.2d %d".
    char text[64];
    int n = std::snprintf(text, sizeof text, "%.3s %.3s%3d %.2d:%.2d:%.2d %lld", k_days[tm.tm_wday],
                          k_months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                          static_cast<long long>(tm.tm_year) + 1900);
    if (n <= 0) return {};
    return std::string(text, static_cast<size_t>(n) < sizeof text ? static_cast<size_t>(n) : sizeof text - 1);
}

std::string from_line(std::string_view who, time_t t) {
    std::string line = "From ";
    line.append(who);
    line += "  ";
    line += ctime_text(t);
    return line;
}

}  // namespace mail::filters
