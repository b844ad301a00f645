// content_type.cpp — see content_type.h.
#include "libmail/mime/content_type.h"

#include "libmail/mime/charset.h"
#include "libmail/util/strings.h"

#include <algorithm>
#include <cstddef>

namespace mail::mime {

namespace {

constexpr int k_max_sections = 10000;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// RFC 2045 §5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>
bool is_token_char(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u == 127) return false;
    return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

// Skips white space and comments (nested, with quoted pairs).
size_t skip_cfws(std::string_view s, size_t i) {
    while (i < s.size()) {
        if (is_space(s[i])) {
            ++i;
        } else if (s[i] == '(') {
            int depth = 0;
            for (; i < s.size(); ++i) {
                if (s[i] == '\\') {
                    if (i + 1 < s.size()) ++i;  // a quoted pair; a final backslash is just itself
                    continue;
                }
                if (s[i] == '(') ++depth;
                if (s[i] == ')' && --depth == 0) {
                    ++i;
                    break;
                }
            }
        } else {
            break;
        }
    }
    return i;
}

size_t skip_token(std::string_view s, size_t i) {
    while (i < s.size() && is_token_char(s[i])) ++i;
    return i;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) << 4 | hex_value(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// One parameter as written, before RFC 2231 assembly.
struct RawParam {
    std::string base;      // name without the RFC 2231 suffix
    int section = -1;      // "*N"; -1 when absent
    bool encoded = false;  // trailing "*"
    std::string value;
    size_t order = 0;      // position in the field
};

// Splits "name*0*" into base "name", section 0, encoded.
RawParam split_name(std::string name) {
    RawParam p;
    if (!name.empty() && name.back() == '*') {
        p.encoded = true;
        name.pop_back();
    }
    size_t star = name.rfind('*');
    if (star != std::string::npos && star + 1 < name.size() && name.size() - star - 1 <= 5) {
        std::string_view digits = std::string_view(name).substr(star + 1);
        if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            int n = std::stoi(std::string(digits));
            if (n < k_max_sections) {
                p.section = n;
                name.resize(star);
            }
        }
    }
    p.base = std::move(name);
    return p;
}

// True if s[i..] starts with "token =" (the start of another parameter).
bool at_parameter(std::string_view s, size_t i) {
    size_t e = skip_token(s, i);
    if (e == i) return false;
    e = skip_cfws(s, e);
    return e < s.size() && s[e] == '=';
}

// Joins the raw parameters of one base name (RFC 2231 §3, §4).
std::string assemble(std::vector<RawParam>::iterator first, std::vector<RawParam>::iterator last) {
    // The group is sorted by (section, order); section -1 is a plain value or "name*=".
    bool any_2231 = std::any_of(first, last, [](const RawParam& p) { return p.section >= 0 || p.encoded; });
    if (!any_2231) return first->value;
    // "name*=" alone, or continuations from section 0.
    auto single = std::find_if(first, last, [](const RawParam& p) { return p.section < 0 && p.encoded; });
    std::string charset;
    std::string bytes;
    bool any_encoded = false;
    auto decode_first = [&](const RawParam& p) {
        // charset'language'value; tolerate a value without the two quotes.
        std::string_view v = p.value;
        size_t q1 = v.find('\'');
        size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
        if (q2 != std::string_view::npos) {
            charset = std::string(v.substr(0, q1));
            v = v.substr(q2 + 1);
        }
        bytes += percent_decode(v);
    };
    if (single != last) {
        decode_first(*single);
        any_encoded = true;
    } else {
        int previous = -1;
        for (auto it = first; it != last; ++it) {
            if (it->section < 0 || it->section == previous) continue;  // duplicates: the first wins
            previous = it->section;
            if (it->encoded) {
                any_encoded = true;
                if (it->section == 0)
                    decode_first(*it);
                else
                    bytes += percent_decode(it->value);
            } else {
                bytes += it->value;
            }
        }
        if (previous < 0) return first->value;  // only a plain value after all
    }
    return any_encoded ? to_utf8(bytes, charset) : bytes;
}

}  // namespace

const Param* find_param(const Params& params, std::string_view name) {
    for (const Param& p : params)
        if (p.name == name) return &p;
    return nullptr;
}

Params parse_params(std::string_view s) {
    std::vector<RawParam> raw;
    size_t i = 0;
    while (i < s.size()) {
        i = skip_cfws(s, i);
        if (i < s.size() && s[i] == ';') {
            ++i;
            continue;
        }
        if (i >= s.size()) break;
        size_t name_end = skip_token(s, i);
        size_t next = skip_cfws(s, name_end);
        if (name_end == i || next >= s.size() || s[next] != '=') {
            // Garbage, or an attribute without a value: skip to the next ';'.
            size_t semi = s.find(';', i + 1);
            i = semi == std::string_view::npos ? s.size() : semi;
            continue;
        }
        std::string name = to_lower(s.substr(i, name_end - i));
        i = skip_cfws(s, next + 1);
        std::string value;
        if (i < s.size() && s[i] == '"') {
            for (++i; i < s.size() && s[i] != '"'; ++i) {
                if (s[i] == '\\' && i + 1 < s.size()) ++i;
                value += s[i];
            }
            if (i < s.size()) ++i;  // the closing quote; an unterminated string ends at the end
        } else {
            size_t start = i;
            while (i < s.size() && s[i] != ';' && !is_space(s[i]) && s[i] != '(' && s[i] != '"') ++i;
            size_t end = i;
            size_t after = skip_cfws(s, i);
            if (after < s.size() && s[after] != ';' && !at_parameter(s, after)) {
                // "name=my file.txt": broken, but meant as one value.
                size_t semi = s.find(';', after);
                end = semi == std::string_view::npos ? s.size() : semi;
                after = end;
            }
            value = std::string(trim(s.substr(start, end - start)));
            i = after;
        }
        RawParam p = split_name(std::move(name));
        p.value = std::move(value);
        p.order = raw.size();
        raw.push_back(std::move(p));
    }

    // Group by base name, keep the groups in the order they first appear.
    std::stable_sort(raw.begin(), raw.end(), [](const RawParam& a, const RawParam& b) {
        if (a.base != b.base) return a.base < b.base;
        return a.section < b.section;
    });
    std::vector<std::pair<size_t, Param>> groups;  // (first order, param)
    for (auto it = raw.begin(); it != raw.end();) {
        auto end = std::find_if(it, raw.end(), [&](const RawParam& p) { return p.base != it->base; });
        size_t first_order = std::min_element(it, end, [](const RawParam& a, const RawParam& b) {
                                 return a.order < b.order;
                             })->order;
        groups.push_back({first_order, Param{it->base, assemble(it, end)}});
        it = end;
    }
    std::sort(groups.begin(), groups.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    Params out;
    out.reserve(groups.size());
    for (auto& g : groups) out.push_back(std::move(g.second));
    return out;
}

std::string ContentType::param(std::string_view name) const {
    const Param* p = find_param(params, name);
    return p ? p->value : std::string();
}

std::string ContentType::charset() const {
    std::string c = param("charset");
    return c.empty() ? "us-ascii" : c;
}

std::string ContentDisposition::param(std::string_view name) const {
    const Param* p = find_param(params, name);
    return p ? p->value : std::string();
}

ContentType default_content_type(bool in_digest) {
    ContentType ct;
    if (in_digest) {
        ct.type = "message";
        ct.subtype = "rfc822";
    } else {
        ct.params.push_back({"charset", "us-ascii"});
    }
    return ct;
}

ContentType parse_content_type(std::string_view value) {
    ContentType ct;
    size_t i = skip_cfws(value, 0);
    size_t type_end = skip_token(value, i);
    size_t slash = skip_cfws(value, type_end);
    if (type_end > i && slash < value.size() && value[slash] == '/') {
        size_t sub = skip_cfws(value, slash + 1);
        size_t sub_end = skip_token(value, sub);
        if (sub_end > sub) {
            ct.type = to_lower(value.substr(i, type_end - i));
            ct.subtype = to_lower(value.substr(sub, sub_end - sub));
            ct.defaulted = false;
            ct.params = parse_params(value.substr(sub_end));
            return ct;
        }
    }
    // RFC 2045 §5.2: a syntactically invalid Content-Type means text/plain;
    // keep the parameters that follow the first ';' (a charset is useful).
    size_t semi = value.find(';');
    if (semi != std::string_view::npos) ct.params = parse_params(value.substr(semi));
    return ct;
}

Encoding parse_encoding(std::string_view value) {
    size_t i = skip_cfws(value, 0);
    size_t end = skip_token(value, i);
    std::string name = to_lower(value.substr(i, end - i));
    if (name.empty() || name == "7bit") return Encoding::SevenBit;
    if (name == "8bit") return Encoding::EightBit;
    if (name == "binary") return Encoding::Binary;
    if (name == "quoted-printable") return Encoding::QuotedPrintable;
    if (name == "base64") return Encoding::Base64;
    return Encoding::Other;
}

std::string_view encoding_name(Encoding e) {
    switch (e) {
        case Encoding::SevenBit: return "7bit";
        case Encoding::EightBit: return "8bit";
        case Encoding::Binary: return "binary";
        case Encoding::QuotedPrintable: return "quoted-printable";
        case Encoding::Base64: return "base64";
        case Encoding::Other: break;
    }
    return "unknown";
}

ContentDisposition parse_content_disposition(std::string_view value) {
    ContentDisposition cd;
    size_t i = skip_cfws(value, 0);
    size_t end = skip_token(value, i);
    cd.kind = to_lower(value.substr(i, end - i));
    size_t next = skip_cfws(value, end);
    if (next < value.size() && value[next] == '=') {
        // No disposition type, only parameters ("filename=x"): read them all.
        cd.kind.clear();
        cd.params = parse_params(value.substr(i));
        return cd;
    }
    cd.params = parse_params(value.substr(end));
    return cd;
}

}  // namespace mail::mime
