// display.cpp — see display.h.
#include "mailx/display.h"

#include "mailx/mime_view.h"

#include "libmail/mime/charset.h"
#include "libmail/mime/rfc2047.h"
#include "libmail/util/strings.h"

#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace mailx {

namespace {

// Splits a header section into fields (a field with its continuation lines).
template <class F>
void for_each_field(std::string_view headers, F&& fn) {
    std::size_t i = 0;
    while (i < headers.size()) {
        std::size_t end = i;
        do {
            auto nl = headers.find('\n', end);
            end = nl == std::string_view::npos ? headers.size() : nl + 1;
        } while (end < headers.size() && (headers[end] == ' ' || headers[end] == '\t'));
        std::string_view field = headers.substr(i, end - i);
        auto colon = field.find(':');
        std::string_view name = colon == std::string_view::npos ? std::string_view() : mail::trim(field.substr(0, colon));
        fn(name, field);
        i = end;
    }
}

std::string session_status(const MessageState& st) {
    std::string v;
    if (st.read || st.read_before) v += 'R';
    if (st.seen_before) v += 'O';
    return v;
}

}  // namespace

std::string header_with_status(const Folder& f, std::size_t n, const std::string& status) {
    std::string out;
    for_each_field(f.header_text(n), [&](std::string_view name, std::string_view field) {
        if (mail::iequals(name, "Status")) return;
        out.append(field);
        if (out.back() != '\n') out += '\n';
    });
    if (!status.empty()) out += "Status: " + status + "\n";
    return out;
}

std::string render_message(const Session& s, std::size_t n, bool all_headers, std::size_t top_lines) {
    const Folder& f = *s.folder;
    std::string head;
    for_each_field(f.header_text(n), [&](std::string_view name, std::string_view field) {
        if (mail::iequals(name, "Status")) return;
        if (!all_headers && !name.empty() && !s.filter.shows(mail::to_lower(name))) return;
        auto colon = field.find(':');
        if (colon != std::string_view::npos && field.find("=?") != std::string_view::npos) {
            // RFC 2047 words are shown decoded (the field unfolded).
            head += std::string(name) + ": " + mail::mime::decode_header(mail::trim(field.substr(colon + 1))) + "\n";
            return;
        }
        head.append(field);
        if (head.back() != '\n') head += '\n';
    });
    std::string status = session_status(f.at(n).state);
    if (!status.empty() && (all_headers || s.filter.shows("status"))) head += "Status: " + status + "\n";

    std::string text = mail::mime::printable(f.from_line(n)) + "\n" + mail::mime::printable(head) + "\n";
    text += view_body(f.header_text(n), f.body(n));
    if (top_lines > 0) {
        // top: the From_ line does not count; header and body lines do.
        std::size_t pos = text.find('\n') + 1, lines = 0;
        while (pos < text.size() && lines < top_lines) {
            auto nl = text.find('\n', pos);
            pos = nl == std::string::npos ? text.size() : nl + 1;
            ++lines;
        }
        text.resize(pos);
    }
    return fmt::format("Message {}:\n", n) + text;
}

void page_out(Session& s, const std::string& text) {
    std::size_t lines = 0;
    for (char c : text) lines += c == '\n';
    long crt = s.vars.number("crt", -1, static_cast<long>(s.screen_height()));
    bool page = crt >= 0 && isatty(1) && lines > static_cast<std::size_t>(crt);
    if (page) {
        std::fflush(stdout);
        std::string pager = s.vars.str("PAGER", "more");
        if (FILE* p = ::popen(pager.c_str(), "w")) {
            struct sigaction ignore {}, saved {};
            ignore.sa_handler = SIG_IGN;  // quitting the pager early must not kill us
            sigaction(SIGPIPE, &ignore, &saved);
            std::fwrite(text.data(), 1, text.size(), p);
            ::pclose(p);
            sigaction(SIGPIPE, &saved, nullptr);
            return;
        }
    }
    std::fwrite(text.data(), 1, text.size(), stdout);
}

bool HeaderFilter::shows(std::string_view field) const {
    std::string f = mail::to_lower(field);
    if (!retained.empty()) return retained.count(f) != 0;
    return ignored.count(f) == 0;
}

}  // namespace mailx
