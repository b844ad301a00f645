// address.cpp — see address.h.
#include "filters/formail/address.h"

#include <array>
#include <string_view>

namespace mail::filters::formail {

namespace {

char at(const std::string& s, size_t i) { return i < s.size() ? s[i] : '\0'; }

void put(std::string& s, size_t i, char c) {
    if (i >= s.size()) s.resize(i + 1, '\0');
    s[i] = c;
}

// strchr(3) from `from`: the index of c before the string's first NUL.
size_t cfind(const std::string& s, size_t from, char c) {
    for (size_t i = from; i < s.size() && s[i] != '\0'; ++i)
        if (s[i] == c) return i;
    return std::string::npos;
}

// strstr(3) from `from`.
size_t cfind(const std::string& s, size_t from, std::string_view needle) {
    size_t end = s.find('\0', from);
    if (end == std::string::npos) end = s.size();
    if (from > end) return std::string::npos;
    size_t p = std::string_view(s).substr(0, end).find(needle, from);
    return p;
}

std::string_view cstr(const std::string& s, size_t from) {
    if (from >= s.size()) return {};
    std::string_view v(s);
    v.remove_prefix(from);
    return v.substr(0, v.find('\0'));
}

// At s[start] == '(': returns the index of the matching ')' or, for an
// unterminated comment, of the last byte before the end.  formail recursed
// for nested comments; a depth count gives the same answer without a stack.
size_t skip_comment(const std::string& s, size_t start) {
    size_t depth = 1;
    for (;;) {
        char c = at(s, ++start);
        if (c == '\0') return start - 1;
        if (c == ')') {
            if (--depth == 0) return start;
        } else if (c == '\\') {
            if (at(s, start + 1) == '\0') return start;  // formail read past the end here
            ++start;
        } else if (c == '(') {
            ++depth;
        }
    }
}

struct SenderField {
    std::string_view name;
    int header;  // weight with -r -t
    int resent;  // weight with -r -t -a Resent-
};

// formail's sest[] table; the envelope weight is the index.
constexpr std::array<SenderField, 11> k_sender_fields{{
    {"Reply-To:", 8, 7},
    {"From:", 7, 6},
    {"Sender:", 6, 5},
    {"Resent-Reply-To:", 0, 10},
    {"Resent-From:", 0, 9},
    {"Resent-Sender:", 0, 8},
    {"Path:", 1, 0},
    {"Return-Receipt-To:", 2, 1},
    {"Errors-To:", 3, 2},
    {"Return-Path:", 5, 4},
    {"From ", 4, 3},
}};
constexpr int k_return_path = 9;
constexpr int k_from_line = 10;
constexpr int k_penalty = 12;  // formail's maxindex(sest)+2

// The address of a From_ line's content ("user  date", possibly with
// ">From" continuation lines and uucp "remote from" hops), as "<address"
// (formail prepends the '<' and no '>').  Empty when there is no blank
// after the address; `scan` is then where formail goes on looking for an
// address: after the last ">From" line's first blank.
std::string from_line_address(const std::string& tmp, size_t& scan) {
    size_t saddr = 0;
    if (at(tmp, 0) == '\n') {
        size_t p = cfind(tmp, 0, ' ');
        if (p != std::string::npos) saddr = p + 1;
    }
    size_t chp = saddr;
    for (;;) {  // the address of the last ">From" line
        size_t p = cfind(tmp, chp, '\n');
        if (p == std::string::npos) break;
        p = cfind(tmp, p, ' ');
        if (p == std::string::npos) break;
        chp = p + 1;
    }
    scan = chp;
    size_t end = cfind(tmp, chp, ' ');
    if (end == std::string::npos) return {};
    std::string addr = tmp.substr(chp, end - chp);
    if (addr.find('@') != std::string::npos) return "<" + addr;
    // A uucp path: the hosts of " remote from h" / " forwarded by h", in
    // order, each followed by '!', then the user.
    std::string path;
    size_t rd = saddr;
    for (;;) {
        size_t remote = cfind(tmp, rd, std::string_view(" remote from "));
        size_t forwarded = cfind(tmp, rd, std::string_view(" forwarded by "));
        if (remote == std::string::npos && forwarded == std::string::npos) break;
        size_t p;
        if (remote == std::string::npos || (forwarded != std::string::npos && forwarded < remote))
            p = forwarded + 14;
        else
            p = remote + 13;
        bool last = false;
        for (;;) {
            char c = at(tmp, p++);
            if (c == '\0' || c == '\n') {
                path += '!';
                last = c == '\0';
                break;
            }
            path += c;
        }
        rd = p;
        if (last) break;  // formail went on reading past the end
    }
    return "<" + path + addr;
}

}  // namespace

size_t skip_words(std::string& s, size_t start) {
    int group = 1, hitspc = 0, machref = 0;
    size_t target = start, oldstart = start;
    if (at(s, start) == '<') ++start, machref = 1;
    for (;;) {
        char c = at(s, start);
        char delim = 0;
        switch (c) {
            case '<':  // a machine reference; nested ones start over
                if (machref) {
                    target = oldstart;
                    hitspc = 0;
                    ++start;
                    continue;
                }
                return start;
            case '(':
                start = skip_comment(s, start);
                [[fallthrough]];
            case ' ':
            case '\t':
            case '\n':
                hitspc |= 1;
                ++start;
                continue;
            case ';':
                if (group == 2) put(s, start + 1, '\0');  // the end of a group
                [[fallthrough]];
            case ',':
                if (group == 2 || machref) {
                    if (group != 2) machref = 2;  // sendmail allows ",;" inside <>
                    hitspc = 0;
                    put(s, target++, s[start]);
                    ++start;
                    continue;
                }
                put(s, target, '\0');
                return start;
            case ':':
            case '@':
            case '.':
                if (c == ':' && group == 1) group = 2;
                if (group == 1) group = 0;
                hitspc = 0;
                put(s, target++, c);
                ++start;
                continue;
            case '[':
                delim = ']';
                break;
            case '"':
                put(s, target++, '"');
                delim = '"';
                ++start;
                break;
            default:
                if (c != '\0' && c != '>' && !(machref == 0 && hitspc == 3 && target > oldstart)) {
                    // A normal word character.
                    if (c == '\\') {
                        put(s, target++, '\\');
                        ++start;
                        // A backslash at the very end: formail 3.22 copied the
                        // NUL and read on (Debian #769937); Debian's fix ends
                        // the address here, as at the end of the string.
                        if (at(s, start) == '\0') goto end;
                    }
                    hitspc = 2;
                    put(s, target++, s[start]);
                    ++start;
                    continue;
                }
            end:
                // The end: of the string, of a <reference>, or a second word.
                if (machref == 2) {  // re-wrap a reference with ",;" in it
                    put(s, target++, '>');
                    for (size_t k = target; k > oldstart; --k) put(s, k, s[k - 1]);
                    s[oldstart] = '<';
                    ++target;
                }
                put(s, target, '\0');
                return start;
        }
        // A quoted string or a domain literal, copied as it is.
        while (at(s, start) != '\0') {
            char q = s[start++];
            put(s, target++, q);
            if (q == delim) break;
            if (q == '\\' && at(s, start) != '\0') put(s, target++, s[start++]);
        }
        hitspc = 2;
    }
}

void SenderPicker::consider(const Field& f, bool first) {
    int index = -1;
    for (int i = static_cast<int>(k_sender_fields.size()) - 1; i >= 0; --i) {
        std::string_view name = k_sender_fields[static_cast<size_t>(i)].name;
        if (name.size() == f.id_len && iequal_prefix(name, f.text, f.id_len)) {
            index = i;
            break;
        }
    }
    if (index < 0 || (index == k_from_line && !first)) return;
    const SenderField& sf = k_sender_fields[static_cast<size_t>(index)];
    int weight = m_mode == SenderMode::envelope ? index : m_mode == SenderMode::header ? sf.header : sf.resent;
    if (f.text.size() <= f.id_len) return;
    std::string tmp = f.text.substr(f.id_len);
    tmp.back() = '\0';  // the field's newline
    size_t chp = 0;
    if (index == k_from_line) {
        if (cfind(tmp, 0, '\n') != std::string::npos) weight -= 2;  // ">From" lines: less trustworthy
        std::string addr = from_line_address(tmp, chp);
        if (!addr.empty()) tmp = addr + '\0', chp = 0;
    }
    for (;;) {
        while (at(tmp, chp) == ' ' || at(tmp, chp) == '\t') ++chp;
        if (at(tmp, chp) != '\n') break;
        ++chp;
    }
    std::optional<size_t> saddr;
    for (;;) {
        char c = at(tmp, chp);
        if (c == '\0') break;
        if (c == '<') {
            saddr = chp;
            skip_words(tmp, chp);
            break;
        }
        if (!saddr) saddr = chp;
        chp = skip_words(tmp, chp);
    }
    if (!saddr) return;
    std::string_view a = cstr(tmp, *saddr);
    if (!a.empty()) {
        if (a.find_first_of("@!/") == std::string_view::npos)
            weight -= k_penalty * 4;  // a local "user"
        else if (a.find(".UUCP") != std::string_view::npos)
            weight -= k_penalty * 3;
        else if (a.find('@') != std::string_view::npos && a.find('.') == std::string_view::npos)
            weight -= k_penalty * 2;  // user@host
        else if (a.find('!') != std::string_view::npos)
            weight -= k_penalty;  // a bang path
        if (!m_sender || weight > m_weight) {
            m_weight = weight;
            m_sender = std::string(a);
        }
    } else if (index == k_return_path) {  // "Return-Path: <>" wins over everything
        m_weight = k_penalty;
        m_sender = "<>";
    }
}

}  // namespace mail::filters::formail
