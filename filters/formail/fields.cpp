// fields.cpp — see fields.h.
#include "filters/formail/fields.h"

namespace mail::filters::formail {

namespace {

// iscntrl(3) in the C locale (formail never calls setlocale): bytes 0–31
// and 127; bytes above 127 are not control characters.
bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

unsigned char fold(unsigned char c) { return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c; }

}  // namespace

int break_field(std::string_view line) {
    size_t left = line.size();
    size_t p = 0;
    while (left != 0) {
        unsigned char c = static_cast<unsigned char>(line[p]);
        if (c == ':') return p != 0 ? static_cast<int>(p + 1) : 0;
        if (c == ' ' || c == '\t') {
            // Blanks may only stand between a name and its colon.
            if (p > 0) {
                size_t q = ++p;
                while (--left != 0 && (line[q] == ' ' || line[q] == '\t')) ++q;
                if (left != 0 && line[q] == ':') return static_cast<int>(q + 1);
                if (line.substr(0, k_from_.size()) == k_from_) return static_cast<int>(k_from_.size());
            }
            break;
        }
        --left;
        if (is_control(c)) break;
        ++p;
    }
    return -static_cast<int>(p);
}

bool iequal_prefix(std::string_view a, std::string_view b, size_t n) {
    if (a.size() < n || b.size() < n) return false;
    for (size_t i = 0; i < n; ++i) {
        unsigned char x = fold(static_cast<unsigned char>(a[i]));
        unsigned char y = fold(static_cast<unsigned char>(b[i]));
        if (x != y) return false;
        if (x == '\0') return true;  // strncasecmp stops at a NUL in both
    }
    return true;
}

Field make_field(std::string text, bool first_of_header) {
    Field f;
    int n = break_field(text);
    f.id_len = n > 0 ? static_cast<size_t>(n) : first_of_header ? 0 : static_cast<size_t>(-n);
    f.text = std::move(text);
    return f;
}

PatternList::iterator find_pattern(const Field& f, PatternList& list, bool split_partial) {
    for (auto it = list.begin(); it != list.end(); ++it) {
        const Field& h = it->field;
        if (f.id_len >= h.id_len && iequal_prefix(f.text, h.text, h.id_len)) {
            if (split_partial && f.id_len > h.id_len) {
                Pattern full;
                full.field = make_field(f.text.substr(0, f.id_len));
                return list.insert(it, std::move(full));
            }
            return it;
        }
    }
    return list.end();
}

FieldList::iterator find_field(const Field& name, FieldList& list) {
    for (auto it = list.begin(); it != list.end(); ++it)
        if (name.id_len >= it->id_len && iequal_prefix(name.text, it->text, it->id_len)) return it;
    return list.end();
}

void concatenate(Field& f) {
    if (f.is_from_line() || f.text.empty()) return;
    for (size_t i = 0; i + 1 < f.text.size(); ++i)
        if (f.text[i] == '\n') f.text[i] = ' ';
}

void rename_field(Field& f, size_t old_len, std::string_view new_name) {
    std::string& t = f.text;
    if (t.empty()) return;
    // formail works on the field as a C string without its last byte: the
    // scans below stop at the first NUL.
    size_t end = t.find('\0');
    if (end == std::string::npos || end > t.size() - 1) end = t.size() - 1;
    if (f.is_from_line()) {
        // ">From" continuation lines become ordinary continuation lines.
        for (size_t i = 0; i + 1 < end; ++i)
            if (t[i] == '\n' && t[i + 1] == '>') t[i + 1] = ' ';
    }
    bool whole = false;
    if (new_name == k_from_) {
        for (size_t i = 0; i + 1 < end; ++i)
            if (t[i] == '\n' && (t[i + 1] == ' ' || t[i + 1] == '\t')) t[i + 1] = '>';
        whole = true;
    } else if (!new_name.empty() && new_name.back() == ':') {
        whole = true;
    }
    if (whole) old_len = f.id_len;
    if (old_len > t.size()) old_len = t.size();
    t.back() = '\n';
    f.id_len = f.id_len + new_name.size() - old_len;
    t.replace(0, old_len, new_name);
}

}  // namespace mail::filters::formail
