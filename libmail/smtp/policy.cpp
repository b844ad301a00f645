// policy.cpp — the small value types of policy.h: formatting a reply and
// the client's relay= text.
//
// SECURITY: reply texts may come from configuration or the access map and
// the client's name from DNS; both are cleaned of control characters here
// so that nothing can inject a line into the SMTP stream or a log.
// STANDARDS: RFC 5321 §4.2 (reply lines, "code-" continuation), RFC 2034
// (enhanced status code after the reply code).
#include "libmail/smtp/policy.h"

#include <algorithm>

#include <fmt/format.h>

namespace mail::smtp {
namespace {

std::string clean(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
    return out;
}

std::string format_line(int code, char sep, std::string_view enhanced, std::string_view text) {
    std::string out = fmt::format("{:03d}{}", std::clamp(code, 0, 999), sep);
    std::string enh = clean(enhanced);
    if (!enh.empty()) {
        out += enh;
        if (!text.empty()) out += ' ';
    }
    out += clean(text);
    return out;
}

}  // namespace

std::string Reply::line() const {
    std::string joined = text;
    std::replace(joined.begin(), joined.end(), '\n', ' ');
    return format_line(code, ' ', enhanced, joined);
}

std::vector<std::string> Reply::lines() const {
    std::vector<std::string> parts;
    std::string_view rest = text;
    for (;;) {
        auto nl = rest.find('\n');
        parts.emplace_back(rest.substr(0, nl));
        if (nl == std::string_view::npos) break;
        rest.remove_prefix(nl + 1);
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < parts.size(); ++i)
        out.push_back(format_line(code, i + 1 == parts.size() ? ' ' : '-', enhanced, parts[i]));
    return out;
}

std::string Client::relay_text() const {
    // sendmail shows IPv6 peers as [IPv6:::1].
    std::string ip;
    if (!addr.empty())
        ip = addr.find(':') != std::string::npos ? "[IPv6:" + clean(addr) + "]" : "[" + clean(addr) + "]";
    if (ip.empty()) return name.empty() ? "localhost" : clean(name);
    return name.empty() ? ip : clean(name) + " " + ip;
}

}  // namespace mail::smtp
