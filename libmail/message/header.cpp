// header.cpp — see header.h.
#include "libmail/message/header.h"

#include "libmail/util/strings.h"

#include <fmt/format.h>

namespace mail::message {

bool is_field_start(std::string_view line) {
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return false;
    for (size_t i = 0; i < colon; ++i) {
        unsigned char c = static_cast<unsigned char>(line[i]);
        if (c <= 32 || c >= 127) {
            // obsolete syntax (RFC 5322 §4.5.3) allows spaces before the colon
            if (c == ' ' || c == '\t') {
                if (trim(line.substr(i, colon - i)).empty()) return i > 0;
            }
            return false;
        }
    }
    return true;
}

Result<Headers> Headers::parse(std::string_view text) {
    Headers h;
    size_t pos = 0;
    int lineno = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++lineno;
        if (line.empty()) continue;
        if (line[0] == ' ' || line[0] == '\t') {
            if (h.m_fields.empty())
                return make_error(EX_DATAERR, fmt::format("header line {}: continuation without a field", lineno));
            h.m_fields.back().value += "\n";
            h.m_fields.back().value += line;
            continue;
        }
        if (!is_field_start(line)) {
            std::string shown(line.substr(0, 60));
            return make_error(EX_DATAERR, fmt::format("header line {}: no colon in \"{}\"", lineno, shown));
        }
        size_t colon = line.find(':');
        h.m_fields.push_back(Field{std::string(trim_right(line.substr(0, colon))), std::string(line.substr(colon + 1))});
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

size_t Headers::count(std::string_view name) const { return find_all(name).size(); }

void Headers::remove_all(std::string_view name) {
    std::erase_if(m_fields, [&](const Field& f) { return iequals(f.name, name); });
}

void Headers::append(std::string name, std::string value) { m_fields.push_back({std::move(name), std::move(value)}); }

void Headers::prepend(std::string name, std::string value) {
    m_fields.insert(m_fields.begin(), Field{std::move(name), std::move(value)});
}

std::string Headers::serialize() const {
    std::string out;
    for (const Field& f : m_fields) {
        out += f.name;
        out += ':';
        out += f.value;
        out += '\n';
    }
    return out;
}

std::string unfold(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (size_t i = 0; i < value.size(); ++i) {
        char c = value[i];
        if (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n') continue;
        if (c == '\n' && i + 1 < value.size() && (value[i + 1] == ' ' || value[i + 1] == '\t')) continue;
        out += c;
    }
    return std::string(trim(out));
}

std::string fold(std::string_view name, std::string_view value, size_t width) {
    std::string out = std::string(name) + ":";
    size_t line_len = out.size();
    for (const std::string& word : split(unfold(value), " \t")) {
        if (line_len + 1 + word.size() > width && line_len > name.size() + 1) {
            out += "\n\t";
            line_len = 1;
        } else {
            out += ' ';
            ++line_len;
        }
        out += word;
        line_len += word.size();
    }
    return out;
}

}  // namespace mail::message
