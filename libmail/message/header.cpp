// header.cpp — see header.h.
#include "libmail/message/header.h"

#include "libmail/util/strings.h"

#include <fmt/format.h>

#include <algorithm>

namespace mail::message {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// RFC 5322 §2.2: ftext = %d33-57 / %d59-126 (printable ASCII except ':').
bool is_ftext(char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 33 && u <= 126 && c != ':';
}

// Length of the field name at the start of `line` if the line is a field
// line (name, optional WSP, ':'); npos otherwise.  Sets *colon to the colon.
size_t field_name_length(std::string_view line, size_t* colon) {
    size_t i = 0;
    while (i < line.size() && is_ftext(line[i])) ++i;
    size_t name_len = i;
    if (name_len == 0) return std::string_view::npos;
    while (i < line.size() && is_wsp(line[i])) ++i;  // RFC 5322 §4.5 obs-optional
    if (i >= line.size() || line[i] != ':') return std::string_view::npos;
    if (colon) *colon = i;
    return name_len;
}

}  // namespace

std::string excerpt(std::string_view text) {
    constexpr size_t k_max = 60;
    std::string out;
    for (size_t i = 0; i < text.size() && i < k_max; ++i) {
        auto u = static_cast<unsigned char>(text[i]);
        out += (u < 32 || u == 127) && text[i] != '\t' ? '?' : text[i];
    }
    if (text.size() > k_max) out += "...";
    return out;
}

bool is_field_line(std::string_view line) { return field_name_length(line, nullptr) != std::string_view::npos; }

Result<Headers> Headers::parse(std::string_view text) {
    Headers h;
    size_t lineno = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++lineno;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;  // end of the header section
        if (is_wsp(line[0])) {
            // §2.2.3: a line starting with WSP continues the previous field.
            if (h.m_fields.empty())
                return make_error(EX_DATAERR, fmt::format("header line {}: continuation line before any field in \"{}\"",
                                                          lineno, excerpt(line)));
            Field& f = h.m_fields.back();
            f.value += '\n';
            f.value.append(line);
            continue;
        }
        size_t colon = 0;
        size_t name_len = field_name_length(line, &colon);
        if (name_len == std::string_view::npos) {
            if (line.find(':') == std::string_view::npos)
                return make_error(EX_DATAERR, fmt::format("header line {}: no colon in \"{}\"", lineno, excerpt(line)));
            return make_error(EX_DATAERR,
                              fmt::format("header line {}: bad field name in \"{}\"", lineno, excerpt(line)));
        }
        size_t value_start = colon + 1;
        while (value_start < line.size() && is_wsp(line[value_start])) ++value_start;
        Field f;
        f.name = std::string(line.substr(0, name_len));
        f.separator = std::string(line.substr(name_len, value_start - name_len));
        f.value = std::string(line.substr(value_start));
        h.m_fields.push_back(std::move(f));
    }
    return h;
}

const Field* Headers::find(std::string_view name) const {
    for (const Field& f : m_fields)
        if (iequals(f.name, name)) return &f;
    return nullptr;
}

std::vector<const Field*> Headers::find_all(std::string_view name) const {
    std::vector<const Field*> out;
    for (const Field& f : m_fields)
        if (iequals(f.name, name)) out.push_back(&f);
    return out;
}

size_t Headers::count(std::string_view name) const {
    return static_cast<size_t>(
        std::count_if(m_fields.begin(), m_fields.end(), [&](const Field& f) { return iequals(f.name, name); }));
}

void Headers::remove_all(std::string_view name) {
    std::erase_if(m_fields, [&](const Field& f) { return iequals(f.name, name); });
}

void Headers::append(std::string name, std::string value) {
    m_fields.push_back(Field{std::move(name), std::move(value)});
}

void Headers::prepend(std::string name, std::string value) {
    m_fields.insert(m_fields.begin(), Field{std::move(name), std::move(value)});
}

std::string Headers::serialize() const {
    std::string out;
    for (const Field& f : m_fields) {
        out += f.name;
        out += f.separator;
        out += f.value;
        out += '\n';
    }
    return out;
}

std::string_view strip_from_line(std::string_view text, std::string* from_line) {
    if (text.substr(0, 5) != "From ") return text;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (from_line) {
        std::string_view l = line;
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        *from_line = std::string(l);
    }
    return nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
}

std::string unfold(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (size_t i = 0; i < value.size(); ++i) {
        char c = value[i];
        // Drop CRLF or LF when the next byte is WSP (§2.2.3); keep the WSP.
        if (c == '\r' && i + 2 < value.size() && value[i + 1] == '\n' && is_wsp(value[i + 2])) {
            ++i;
            continue;
        }
        if (c == '\n' && i + 1 < value.size() && is_wsp(value[i + 1])) continue;
        out += c;
    }
    return std::string(trim(out));
}

std::string fold(std::string_view name, std::string_view value, size_t width) {
    std::string flat = unfold(value);
    for (char& c : flat)
        if (c == '\r' || c == '\n') c = ' ';
    std::string out(name);
    out += ':';
    size_t line_len = out.size();
    bool have_word = false;  // the current line holds a word after the name
    size_t i = 0;
    while (i < flat.size()) {
        size_t ws_end = i;
        while (ws_end < flat.size() && is_wsp(flat[ws_end])) ++ws_end;
        size_t word_end = ws_end;
        while (word_end < flat.size() && !is_wsp(flat[word_end])) ++word_end;
        std::string_view ws = std::string_view(flat).substr(i, ws_end - i);
        std::string_view word = std::string_view(flat).substr(ws_end, word_end - ws_end);
        if (ws.empty()) ws = " ";  // only the first word: one space after the colon
        if (have_word && line_len + ws.size() + word.size() > width) {
            // Fold before the white space so unfolding restores it exactly.
            out += '\n';
            line_len = 0;
        }
        out.append(ws);
        out.append(word);
        line_len += ws.size() + word.size();
        have_word = true;
        i = word_end;
    }
    return out;
}

}  // namespace mail::message
