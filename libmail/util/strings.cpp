// strings.cpp — see strings.h.
#include "libmail/util/strings.h"

namespace mail {

namespace {
constexpr std::string_view k_space = " \t\r\n";

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

std::string_view trim_left(std::string_view s) {
    auto p = s.find_first_not_of(k_space);
    return p == std::string_view::npos ? std::string_view{} : s.substr(p);
}

std::string_view trim_right(std::string_view s) {
    auto p = s.find_last_not_of(k_space);
    return p == std::string_view::npos ? std::string_view{} : s.substr(0, p + 1);
}

std::string_view trim(std::string_view s) { return trim_right(trim_left(s)); }

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::vector<std::string> split(std::string_view s, std::string_view seps, bool skip_empty) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find_first_of(seps, start);
        if (end == std::string_view::npos) end = s.size();
        if (!skip_empty || end > start) out.emplace_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += sep;
        out += items[i];
    }
    return out;
}

bool is_printable_ascii(std::string_view s) {
    for (unsigned char c : s)
        if (!(c == '\t' || (c >= 0x20 && c < 0x7f))) return false;
    return true;
}

}  // namespace mail
