// util.cpp — the bounce parser's text helpers: status and reply codes,
// addresses, diagnostics, msg-ids (see detail.h), and plausible_address().
//
// SECURITY: all input is untrusted; every function is one or two linear
// passes over its argument and allocates at most its size.
//
// STANDARDS: RFC 3463 §2 (status code syntax), RFC 5321 §4.2 (reply codes),
// RFC 5322 §3.2.3 (atext), §3.4.1 (dot-atom local parts), §3.6.4 (msg-id),
// RFC 1035 §2.3.1 and RFC 1123 §2.1 (labels), RFC 6531 (UTF-8 addresses).
#include "lists/bounce/detail.h"

#include "libmail/message/header.h"
#include "libmail/mime/charset.h"
#include "libmail/util/strings.h"

#include <algorithm>
#include <cstring>

namespace mail::lists::bounce {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_alnum(char c) {
    return is_digit(c) || is_alpha(c);
}
bool is_high(char c) {
    return static_cast<unsigned char>(c) >= 0x80;
}
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// RFC 5322 §3.2.3 atext, plus UTF-8 bytes (RFC 6532 §3.2).
bool is_atext(char c) {
    return is_alnum(c) || is_high(c) || (c != '\0' && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr);
}

// Counts 1–3 digits at `i`; 0 if there are none or more than three.
size_t digits_at(std::string_view s, size_t i) {
    size_t n = 0;
    while (i + n < s.size() && is_digit(s[i + n])) ++n;
    return n <= 3 ? n : 0;
}

// The length of a status code "c.s.d" starting at `i`, 0 if none.
size_t status_at(std::string_view s, size_t i) {
    if (i >= s.size()) return 0;
    char c = s[i];
    if (c != '2' && c != '4' && c != '5') return 0;
    if (i + 1 >= s.size() || s[i + 1] != '.') return 0;
    size_t a = digits_at(s, i + 2);
    if (a == 0) return 0;
    size_t dot = i + 2 + a;
    if (dot >= s.size() || s[dot] != '.') return 0;
    size_t b = digits_at(s, dot + 1);
    if (b == 0) return 0;
    return dot + 1 + b - i;
}

// Removes RFC 5322 comments "(…)" (nested, with \-escapes), keeping the text
// outside them.  Quoted strings are kept whole.
std::string without_comments(std::string_view s) {
    std::string out;
    int depth = 0;
    bool quoted = false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '\\' && i + 1 < s.size()) {
            if (depth == 0) {
                out += c;
                out += s[i + 1];
            }
            ++i;
            continue;
        }
        if (quoted) {
            if (c == '"') quoted = false;
            out += c;
            continue;
        }
        if (c == '(') {
            ++depth;
            out += ' ';
        } else if (c == ')' && depth > 0) {
            --depth;
        } else if (depth == 0) {
            if (c == '"') quoted = true;
            out += c;
        }
    }
    return out;
}

// Cleans one address candidate: a source route "@a,@b:" is skipped,
// surrounding quotes and trailing ":,;." are dropped.
std::string_view tidy_candidate(std::string_view a) {
    if (!a.empty() && a[0] == '@') {
        size_t colon = a.find(':');
        a = colon == std::string_view::npos ? std::string_view() : a.substr(colon + 1);
    }
    while (!a.empty() && (a.front() == '"' || a.front() == '\'' || a.front() == '`')) a.remove_prefix(1);
    while (!a.empty() && std::strchr(":,;.'\"`", a.back()) != nullptr) a.remove_suffix(1);
    return a;
}

// The candidates in `text`: every "<…>" without white space or '<' inside
// that holds an '@', then (or, when !angle_first, in order of appearance
// with them) every word holding an '@', words separated by white space and
// <>()[],;".  Each is tidied; only plausible addresses are kept.
std::vector<std::string> candidates(std::string_view text, bool angle_first, size_t max) {
    struct Hit {
        size_t pos;
        bool angle;
        std::string address;
    };
    std::vector<Hit> hits;
    // Angle-bracketed.
    for (size_t lt = text.find('<'); lt != std::string_view::npos && hits.size() < max;
         lt = text.find('<', lt + 1)) {
        size_t end = lt + 1;
        while (end < text.size() && text[end] != '>' && text[end] != '<' && !is_space(text[end])) ++end;
        if (end >= text.size() || text[end] != '>') continue;
        std::string_view inner = tidy_candidate(text.substr(lt + 1, end - lt - 1));
        if (inner.find('@') != std::string_view::npos && plausible_address(inner))
            hits.push_back({lt, true, std::string(inner)});
    }
    // Bare words.
    size_t i = 0;
    auto separator = [](char c) {
        return is_space(c) || (c != '\0' && std::strchr("<>()[],;\"", c) != nullptr);
    };
    size_t bare = 0;
    while (i < text.size() && bare < max) {
        while (i < text.size() && separator(text[i])) ++i;
        size_t start = i;
        while (i < text.size() && !separator(text[i])) ++i;
        std::string_view word = text.substr(start, i - start);
        // Inside "<…>"?  Already taken above.
        if (start > 0 && text[start - 1] == '<') continue;
        word = tidy_candidate(word);
        if (word.find('@') != std::string_view::npos && plausible_address(word)) {
            hits.push_back({start, false, std::string(word)});
            ++bare;
        }
    }
    std::stable_sort(hits.begin(), hits.end(), [angle_first](const Hit& a, const Hit& b) {
        if (angle_first && a.angle != b.angle) return a.angle;
        return a.pos < b.pos;
    });
    std::vector<std::string> out;
    for (Hit& h : hits)
        if (out.size() < max) out.push_back(std::move(h.address));
    return out;
}

bool has_word(std::string_view text, std::string_view word) {
    if (word.size() > text.size()) return false;
    for (size_t i = 0; i + word.size() <= text.size(); ++i)
        if (iequals(text.substr(i, word.size()), word)) return true;
    return false;
}

}  // namespace

bool plausible_address(std::string_view a) {
    size_t at = a.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= a.size()) return false;
    std::string_view local = a.substr(0, at);
    std::string_view domain = a.substr(at + 1);
    if (local.size() > 64 || domain.size() > 253) return false;
    if (!mime::is_valid_utf8(a)) return false;
    // Local part: a dot-atom.
    if (local.front() == '.' || local.back() == '.') return false;
    for (size_t i = 0; i < local.size(); ++i) {
        char c = local[i];
        if (c == '.') {
            if (local[i + 1] == '.') return false;  // local.back() is not '.', so i + 1 is inside
        } else if (!is_atext(c)) {
            return false;
        }
    }
    // Domain: LDH labels (UTF-8 allowed for IDNs written as U-labels).
    size_t start = 0;
    while (start <= domain.size()) {
        size_t dot = domain.find('.', start);
        if (dot == std::string_view::npos) dot = domain.size();
        std::string_view label = domain.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        for (char c : label)
            if (!is_alnum(c) && !is_high(c) && c != '-') return false;
        start = dot + 1;
    }
    return true;
}

namespace detail {

std::vector<std::string_view> lines_of(std::string_view text, size_t max) {
    std::vector<std::string_view> out;
    size_t pos = 0;
    while (pos < text.size() && out.size() < max) {
        size_t nl = text.find('\n', pos);
        size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.push_back(line);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    return out;
}

bool valid_status(std::string_view s) {
    return !s.empty() && status_at(s, 0) == s.size();
}

std::string find_status(std::string_view text) {
    for (size_t i = 0; i < text.size(); ++i) {
        if (i > 0 && (is_alnum(text[i - 1]) || text[i - 1] == '.')) continue;
        size_t n = status_at(text, i);
        if (n == 0) continue;
        size_t end = i + n;
        // Not part of a longer dotted run such as an IP address.
        if (end < text.size() &&
            (is_alnum(text[end]) || (text[end] == '.' && end + 1 < text.size() && is_digit(text[end + 1]))))
            continue;
        return std::string(text.substr(i, n));
    }
    return "";
}

int find_reply_code(std::string_view text) {
    for (size_t i = 0; i + 3 <= text.size(); ++i) {
        char c = text[i];
        if (c < '2' || c > '5' || text[i + 1] < '0' || text[i + 1] > '5' || !is_digit(text[i + 2])) continue;
        if (i > 0) {
            char p = text[i - 1];
            if (is_alnum(p) || p == '.' || p == '[' || p == '-' || is_high(p)) continue;
        }
        if (i + 3 < text.size()) {
            char n = text[i + 3];
            if (n != ' ' && n != '\t' && n != '-') continue;
        }
        return (c - '0') * 100 + (text[i + 1] - '0') * 10 + (text[i + 2] - '0');
    }
    return 0;
}

Severity severity_of(std::string_view status, std::string_view diagnostic, Severity fallback) {
    diagnostic = diagnostic.substr(0, 4096);
    if (valid_status(status) && status[0] != '2') return status[0] == '5' ? Severity::Hard : Severity::Soft;
    std::string found = find_status(diagnostic);
    if (!found.empty() && found[0] != '2') return found[0] == '5' ? Severity::Hard : Severity::Soft;
    int code = find_reply_code(diagnostic);
    if (code >= 500) return Severity::Hard;
    if (code >= 400) return Severity::Soft;
    // Text of temporary failures that ran out of time (Exim retry.c,
    // qmail-send, Postfix "delivery temporarily suspended", timeouts).
    static constexpr std::string_view k_transient[] = {
        "retry timeout exceeded",
        "retry time not reached",
        "failing for a long time",
        "in the queue too long",
        "temporarily",
        "temporary failure",
        "timed out",
        "try again later",
    };
    for (std::string_view w : k_transient)
        if (has_word(diagnostic, w)) return Severity::Soft;
    return fallback;
}

std::string clean_diagnostic(std::string_view text) {
    std::string utf8 = mime::repair_utf8(text.substr(0, 4 * k_diagnostic_max));
    std::string out;
    bool space = true;  // drops leading white space
    for (size_t i = 0; i < utf8.size() && out.size() < k_diagnostic_max + 4; ++i) {
        unsigned char c = static_cast<unsigned char>(utf8[i]);
        bool blank = c < 0x20 || c == 0x7f;
        // C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8.
        if (c == 0xC2 && i + 1 < utf8.size() && static_cast<unsigned char>(utf8[i + 1]) <= 0x9F) {
            ++i;
            blank = true;
        }
        if (blank || c == ' ') {
            if (!space) out += ' ';
            space = true;
            continue;
        }
        out += static_cast<char>(c);
        space = false;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (out.size() > k_diagnostic_max) {
        size_t cut = k_diagnostic_max;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
        out.resize(cut);
        while (!out.empty() && out.back() == ' ') out.pop_back();
    }
    return out;
}

std::optional<std::string> extract_address(std::string_view text) {
    std::string flat = without_comments(text.substr(0, 2000));
    std::string_view v = trim(flat);
    // "rfc822; addr": drop an address type (RFC 3464 §2.3.2).
    size_t semi = v.find(';');
    if (semi != std::string_view::npos && semi < v.find('@') && semi < v.find('<'))
        v = trim(v.substr(semi + 1));
    std::vector<std::string> found = candidates(v, true, 1);
    if (found.empty()) return std::nullopt;
    return found.front();
}

std::vector<std::string> addresses_in(std::string_view line, size_t max) {
    return candidates(line.substr(0, 2000), false, max);
}

std::string_view header_section(std::string_view text) {
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;
        bool continuation = pos > 0 && (line[0] == ' ' || line[0] == '\t');
        if (!continuation && !message::is_field_line(line)) break;
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    return text.substr(0, pos);
}

std::string clean_message_id(std::string_view value) {
    std::string_view v = trim(value);
    std::string_view id;
    size_t lt = v.find('<');
    if (lt != std::string_view::npos) {
        size_t gt = v.find('>', lt);
        if (gt == std::string_view::npos || gt == lt + 1) return "";
        id = v.substr(lt, gt - lt + 1);
        if (id.substr(1).find('<') != std::string_view::npos) return "";
    } else {
        if (v.find('@') == std::string_view::npos) return "";
        id = v;
    }
    if (id.size() > 250) return "";
    for (char c : id)
        if (c <= ' ' || c >= 0x7f) return "";
    if (id.front() == '<') return std::string(id);
    return "<" + std::string(id) + ">";
}

void add_bounce(Report& r, Bounce b) {
    for (Bounce& have : r.bounces) {
        if (!iequals(have.address, b.address)) continue;
        if (have.severity == Severity::Soft && b.severity == Severity::Hard) have = std::move(b);
        return;
    }
    if (r.bounces.size() < k_max_bounces) r.bounces.push_back(std::move(b));
}

}  // namespace detail

}  // namespace mail::lists::bounce
