// message.cpp — see message.h.
#include "filters/procmail/message.h"

namespace mail::procmail {

void Message::set_text(std::string text) {
    m_text = std::move(text);
    // The header ends after the first empty line, looked for after any
    // leading empty lines (procmail's readmail()); without one it is all
    // header.
    std::size_t start = m_text.find_first_not_of('\n');
    if (start == std::string::npos) start = m_text.size();
    std::size_t p = m_text.find("\n\n", start);
    std::size_t end = p == std::string::npos ? m_text.size() : p + 2;
    m_header_len = end;
    m_joined.assign(m_text, 0, end);
    // A newline followed by a space or tab continues the field before it.
    // The empty line that ends the header is never joined.
    for (std::size_t i = 0; i + 1 < m_joined.size(); ++i)
        if (m_joined[i] == '\n' && (m_joined[i + 1] == ' ' || m_joined[i + 1] == '\t') && i + 1 < end - 1) m_joined[i] = ' ';
}

void Message::replace_header(std::string_view header) {
    std::string t(header);
    t.append(body());
    set_text(std::move(t));
}

void Message::replace_body(std::string_view body) {
    std::string t(header());
    t.append(body);
    set_text(std::move(t));
}

std::string_view Message::from_line() const {
    if (!has_from_line()) return {};
    std::size_t nl = m_text.find('\n');
    return std::string_view(m_text).substr(0, nl == std::string::npos ? m_text.size() : nl);
}

std::string_view Message::without_from_line() const {
    std::string_view t = m_text;
    if (!has_from_line()) return t;
    std::size_t nl = t.find('\n');
    if (nl == std::string::npos) return {};
    t.remove_prefix(nl + 1);
    while (t.substr(0, 6) == ">From ") {
        nl = t.find('\n');
        if (nl == std::string::npos) return {};
        t.remove_prefix(nl + 1);
    }
    return t;
}

std::string prepare_input(std::string raw, const FromOptions& opts) {
    if (opts.skip_leading_newlines) {
        std::size_t n = raw.find_first_not_of('\n');
        raw.erase(0, n == std::string::npos ? raw.size() : n);
    }
    if (!opts.make_from_line) return raw;
    bool has = raw.compare(0, 5, "From ") == 0;
    std::string who = opts.sender;
    if (has && (who.empty() || who == "-")) {
        // Keep the sender of the existing line; "-" refreshes the date.
        std::size_t nl = raw.find('\n');
        std::string line = raw.substr(0, nl);
        if (who.empty()) return raw;
        std::size_t start = 5;
        while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) ++start;
        std::size_t stop = line.find_first_of(" \t", start);
        who = line.substr(start, stop == std::string::npos ? std::string::npos : stop - start);
    } else if (who.empty() || who == "-") {
        who = opts.default_sender;
    }
    if (has) {
        std::size_t nl = raw.find('\n');
        raw.erase(0, nl == std::string::npos ? raw.size() : nl + 1);
    }
    return "From " + who + "  " + opts.now + "\n" + raw;
}

}  // namespace mail::procmail
