// fuzz_lists_request.cpp — libFuzzer target for listman's LIST-request
// command engine (lists/request/request.h).
//
// SECURITY: the data is a command mail from anyone (style.md §12).  It is
// fed to parse() as a whole message, to parse_lines() split at "\n", to
// strip_subject_prefixes() and, with its first line as the envelope sender,
// to may_auto_reply(); the commands are run through a fake handler and the
// reply is formatted.
//
// Invariants checked (abort on violation):
//   - at most k_max_lines + 1 commands (the Subject's and the body's);
//   - at most k_max_ignored + 1 ignored lines (the kept ones and the note);
//   - every text that reaches the reply (command lines, unprocessed lines
//     and reasons, ignored lines) has no CR, LF or NUL, and command lines
//     are at most k_max_line bytes;
//   - a confirmation string is 32 lower-case hex digits and named once;
//   - an address= value is printable ASCII with an "@";
//   - the reply starts with Mailman's first line and ends with "- Done.";
//   - strip_subject_prefixes() returns a suffix of its input;
//   - a "no" from may_auto_reply() always has a reason, a "yes" none.
#include "lists/request/request.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace req = mail::lists::request;

class Handler : public req::Handler {
public:
    explicit Handler(bool moderator) : m_moderator(moderator) {}
    bool is_moderator() override { return m_moderator; }
    std::vector<std::string> proceed(const req::Command& c) override {
        // Echo hostile text back, as a careless proceed side might.
        return {c.line + std::string("\r\n\0x", 4), "second\nline"};
    }

private:
    bool m_moderator;
};

void check_line(std::string_view s) {
    if (s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) std::abort();
}

void check(const req::Parsed& p) {
    if (p.commands.size() > req::k_max_lines + 1) std::abort();
    if (p.ignored.size() > req::k_max_ignored + 1) std::abort();
    std::set<std::string> tokens;
    for (const req::Command& c : p.commands) {
        check_line(c.line);
        if (c.line.size() > req::k_max_line) std::abort();
        if (auto t = c.options.find("token"); t != c.options.end()) {
            if (t->second.size() != req::k_token_length) std::abort();
            for (char ch : t->second)
                if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) std::abort();
            if (!tokens.insert(t->second).second) std::abort();
        }
        if (auto a = c.options.find("address"); a != c.options.end()) {
            if (a->second.find('@') == std::string::npos) std::abort();
            for (char ch : a->second)
                if (ch <= ' ' || ch >= 127) std::abort();
        }
    }
    for (const req::Unprocessed& u : p.unprocessed) {
        check_line(u.line);
        check_line(u.why);
    }
    for (const std::string& i : p.ignored) check_line(i);
}

void reply(const req::Parsed& p, bool moderator) {
    Handler h(moderator);
    std::string r = req::format_reply(req::run(p, h), p.unprocessed, p.ignored);
    if (r.find('\r') != std::string::npos || r.find('\0') != std::string::npos) std::abort();
    if (r.rfind("The results of your email command are provided below.\n", 0) != 0) std::abort();
    if (r.size() < 9 || r.compare(r.size() - 9, 9, "- Done.\n\n") == 0 ||
        r.compare(r.size() - 8, 8, "- Done.\n") != 0)
        std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);

    req::Parsed whole = req::parse(in);
    check(whole);
    reply(whole, size % 2 == 0);

    std::vector<std::string> lines;
    for (size_t pos = 0; pos <= in.size() && lines.size() < 4096;) {
        size_t nl = in.find('\n', pos);
        if (nl == std::string_view::npos) nl = in.size();
        lines.emplace_back(in.substr(pos, nl - pos));
        pos = nl + 1;
    }
    req::Parsed body = req::parse_lines(lines);
    check(body);
    reply(body, size % 2 == 1);

    std::string_view stripped = req::strip_subject_prefixes(in);
    if (stripped.size() > in.size() || in.substr(in.size() - stripped.size()) != stripped) std::abort();

    std::string_view sender = in.substr(0, std::min(in.find('\n'), in.size()));
    req::ReplyDecision d = req::may_auto_reply(in, sender, "team@example.org");
    if (d.reply != d.why.empty()) std::abort();
    check_line(d.why);
    return 0;
}
