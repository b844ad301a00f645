// message_text.cpp — see message_text.h.
#include "lists/archive/message_text.h"

#include "libmail/message/header.h"
#include "libmail/mime/mime.h"
#include "libmail/util/strings.h"

#include <array>

namespace mail::lists::archive {
namespace {

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}
bool is_ascii_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ascii_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string_view without_line_end(std::string_view line) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

// The line starting at `pos`, with its "\n" (if any).
std::string_view line_at(std::string_view text, std::size_t pos) {
    std::size_t nl = text.find('\n', pos);
    return text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos + 1);
}

void withhold(const mime::Part& p, MessageBody& out) {
    if (out.withheld.size() >= k_max_withheld) {
        ++out.more_withheld;
        return;
    }
    std::string name = p.filename;
    // An enclosed message without a file name is best known by its subject.
    if (name.empty() && p.content_type.is_message() && !p.children.empty())
        name = header_text(find_raw_field(p.children.front().header, "Subject"));
    out.withheld.push_back(WithheldPart{std::move(name), p.content_type.mime_type()});
}

bool is_inline_plain(const mime::Part& p) {
    return p.is_text() && p.content_type.subtype == "plain" && !p.disposition.is_attachment();
}

// Recursion is bounded by the parser's depth limit (32).
void walk(const mime::Part& p, MessageBody& out) {
    if (p.content_type.is_multipart()) {
        if (p.content_type.subtype == "alternative" && !p.opaque && !p.children.empty()) {
            // RFC 2046 §5.1.4: the same content in several forms; show the
            // plain one, else the first structured one, else the first.
            const mime::Part* pick = nullptr;
            for (const auto& c : p.children)
                if (is_inline_plain(c)) pick = &c;  // the last plain one is the preferred
            if (pick == nullptr)
                for (const auto& c : p.children)
                    if (c.content_type.is_multipart()) {
                        pick = &c;
                        break;
                    }
            walk(pick != nullptr ? *pick : p.children.front(), out);
            return;
        }
        for (const auto& c : p.children) walk(c, out);
        if (p.opaque) withhold(p, out);  // what the parser did not split
        return;
    }
    if (is_inline_plain(p) && !p.opaque) {
        if (auto text = mime::decoded_text(p)) {
            out.texts.push_back(mime::printable(*text));
            return;
        }
    }
    withhold(p, out);
}

// Prefixes mailers put before a subject; the first group marks replies.
constexpr std::array<std::string_view, 10> k_reply_prefixes = {"re",  "aw",  "sv",  "antw", "vs",
                                                               "rif", "odp", "res", "ynt",  "ref"};
constexpr std::array<std::string_view, 7> k_forward_prefixes = {"fwd", "fw", "wg",    "tr",
                                                                "enc", "rv", "doorst"};

bool is_ascii_word_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

bool is_local_part_char(unsigned char c) {
    return is_ascii_word_char(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '=';
}

}  // namespace

MessageBody message_body(std::string_view message) {
    MessageBody out;
    mime::Part root = mime::parse(message);
    walk(root, out);
    return out;
}

std::string header_text(std::string_view raw) {
    return std::string(trim(mime::decode_header(raw)));
}

SplitMessage split_message(std::string_view message) {
    message = message::strip_from_line(message);
    std::size_t pos = 0;
    while (pos < message.size()) {
        std::string_view first = line_at(message, pos);
        std::string_view line = without_line_end(first);
        if (line.empty()) return {message.substr(0, pos), message.substr(pos + first.size())};
        if (!is_wsp(line[0]) && !message::is_field_line(line)) break;
        pos += first.size();
    }
    return {message.substr(0, pos), message.substr(pos)};
}

std::vector<RawField> header_fields(std::string_view header) {
    std::vector<RawField> fields;
    std::size_t pos = 0;
    while (pos < header.size()) {
        std::size_t start = pos;
        std::string_view first = line_at(header, pos);
        pos += first.size();
        std::string_view line = without_line_end(first);
        if (line.empty() || is_wsp(line[0]) || !message::is_field_line(line)) continue;
        while (pos < header.size() && is_wsp(header[pos])) pos += line_at(header, pos).size();
        std::size_t colon = line.find(':');
        RawField f;
        f.name = trim_right(line.substr(0, colon));
        f.lines = header.substr(start, pos - start);
        f.value = header.substr(start + colon + 1, pos - start - colon - 1);
        fields.push_back(f);
    }
    return fields;
}

std::string_view find_raw_field(std::string_view header, std::string_view name) {
    for (const auto& f : header_fields(header))
        if (iequals(f.name, name)) return f.value;
    return {};
}

SubjectKey subject_key(std::string_view subject) {
    SubjectKey out;
    std::string text = header_text(subject);
    std::string_view v = text;
    for (;;) {
        v = trim_left(v);
        if (v.empty()) break;
        if (v[0] == '[') {  // a list tag: "[team]", "[team 123]"
            std::size_t close = v.find(']');
            if (close == std::string_view::npos) break;
            v.remove_prefix(close + 1);
            continue;
        }
        std::size_t i = 0;
        while (i < v.size() && i <= 6 && is_ascii_alpha(v[i])) ++i;
        if (i == 0 || i > 6) break;
        std::string word = to_lower(v.substr(0, i));
        bool reply = false, known = false;
        for (auto p : k_reply_prefixes)
            if (word == p) reply = known = true;
        for (auto p : k_forward_prefixes)
            if (word == p) known = true;
        if (!known) break;
        std::size_t j = i;
        // "Re[2]:", "Re(2):", "Re^2:" counters.
        if (j < v.size() && (v[j] == '[' || v[j] == '(' || v[j] == '^')) {
            std::size_t k = j + 1;
            while (k < v.size() && is_ascii_digit(v[k])) ++k;
            if (v[j] == '^' && k > j + 1) {
                j = k;
            } else if (k > j + 1 && k < v.size() && v[k] == (v[j] == '[' ? ']' : ')')) {
                j = k + 1;
            }
        }
        while (j < v.size() && v[j] == ' ') ++j;  // "Re :" as French mailers write it
        if (j >= v.size() || v[j] != ':') break;
        v.remove_prefix(j + 1);
        out.reply = out.reply || reply;
    }
    // Collapse white space and fold ASCII case.
    bool space = false;
    for (char c : v) {
        if (c == ' ' || c == '\t') {
            space = true;
            continue;
        }
        if (space && !out.key.empty()) out.key += ' ';
        space = false;
        out.key += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
}

std::string msgid_key(std::string_view id) {
    id = trim(id);
    if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
    std::string out;
    for (char c : id)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out += c;
    return out;
}

std::vector<std::string> msgid_list(std::string_view value) {
    std::vector<std::string> ids;
    std::size_t pos = 0;
    bool any_bracket = false;
    while ((pos = value.find('<', pos)) != std::string_view::npos) {
        any_bracket = true;
        std::size_t close = value.find('>', pos + 1);
        if (close == std::string_view::npos) break;
        std::string key = msgid_key(value.substr(pos + 1, close - pos - 1));
        if (!key.empty()) ids.push_back(std::move(key));
        pos = close + 1;
    }
    if (!any_bracket) {
        std::string key = msgid_key(value);
        if (!key.empty()) ids.push_back(std::move(key));
    }
    return ids;
}

std::string obfuscate_addresses(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '@' && i > 0 && i + 1 < text.size() &&
            is_local_part_char(static_cast<unsigned char>(text[i - 1])) &&
            is_ascii_word_char(static_cast<unsigned char>(text[i + 1]))) {
            out += " at ";
            continue;
        }
        out += c;
    }
    return out;
}

}  // namespace mail::lists::archive
