// charset.cpp — see charset.h.
#include "libmail/mime/charset.h"

#include "libmail/util/strings.h"

#include <iconv.h>

#include <cerrno>
#include <cstddef>

namespace mail::mime {

namespace {

constexpr std::string_view k_replacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the UTF-8 sequence at s[i] if it is well formed (*valid set),
// else the length of its longest well-formed prefix, at least 1 (the
// "maximal subpart" that Unicode §3.9 replaces with one U+FFFD).
size_t utf8_sequence(std::string_view s, size_t i, bool* valid) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    *valid = false;
    if (c < 0x80) {
        *valid = true;
        return 1;
    }
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;  // no overlong forms
        if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
        return 1;
    }
    size_t k = 1;
    for (; k < need; ++k) {
        if (i + k >= s.size()) return k;
        unsigned char x = b(i + k);
        unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (x < l || x > h) return k;
    }
    *valid = true;
    return need;
}

enum class Kind { Utf8, PassThrough, Ascii, Iconv };

struct Resolved {
    Kind kind;
    std::string iconv_name;  // for Kind::Iconv
};

struct Alias {
    std::string_view name;
    std::string_view target;  // "utf-8", "-" (pass through), "ascii", or an iconv name
};

// Common names and misnamings seen in mail, mapped to what glibc converts.
constexpr Alias k_aliases[] = {
    {"utf-8", "utf-8"},
    {"utf8", "utf-8"},
    {"unicode-1-1-utf-8", "utf-8"},
    {"x-unicode20utf8", "utf-8"},
    {"us-ascii", "ascii"},
    {"ascii", "ascii"},
    {"us", "ascii"},
    {"ansi_x3.4-1968", "ascii"},
    {"iso646-us", "ascii"},
    {"iso-ir-6", "ascii"},
    {"csascii", "ascii"},
    {"646", "ascii"},
    {"unknown-8bit", "-"},
    {"x-unknown", "-"},
    {"unknown", "-"},
    {"8bit", "-"},
    {"default", "-"},
    {"x-user-defined", "-"},
    {"latin1", "latin1"},
    {"latin-1", "latin1"},
    {"l1", "latin1"},
    {"iso-8859-1", "latin1"},
    {"iso8859-1", "latin1"},
    {"iso_8859-1", "latin1"},
    {"iso_8859-1:1987", "latin1"},
    {"iso-ir-100", "latin1"},
    {"cp819", "latin1"},
    {"ibm819", "latin1"},
    {"csisolatin1", "latin1"},
    {"windows-1252", "WINDOWS-1252"},
    {"cp1252", "WINDOWS-1252"},
    {"x-cp1252", "WINDOWS-1252"},
    {"latin9", "ISO-8859-15"},
    {"latin-9", "ISO-8859-15"},
    {"gb2312", "GBK"},
    {"x-gbk", "GBK"},
    {"euc-cn", "GBK"},
    {"cp936", "GBK"},
    {"ks_c_5601-1987", "CP949"},
    {"ks_c_5601", "CP949"},
    {"euc-kr", "CP949"},
    {"korean", "CP949"},
    {"shift_jis", "CP932"},
    {"shift-jis", "CP932"},
    {"x-sjis", "CP932"},
    {"sjis", "CP932"},
    {"ms_kanji", "CP932"},
    {"csshiftjis", "CP932"},
    {"windows-31j", "CP932"},
    {"iso-8859-8-i", "ISO-8859-8"},
    {"iso-8859-8-e", "ISO-8859-8"},
    {"iso-8859-6-i", "ISO-8859-6"},
    {"iso-8859-6-e", "ISO-8859-6"},
};

// Resolves a charset label.  `for_output` chooses what latin1 and the ASCII
// names mean: reading mail takes them as windows-1252 and UTF-8 (supersets,
// to survive mislabelling); writing for a terminal takes them literally.
Resolved resolve(std::string_view raw, bool for_output) {
    std::string name = to_lower(trim(raw));
    while (!name.empty() && (name.front() == '"' || name.front() == '\'')) name.erase(0, 1);
    while (!name.empty() && (name.back() == '"' || name.back() == '\'')) name.pop_back();
    name = std::string(trim(name));
    if (name.empty() || name.size() > 40) return {Kind::PassThrough, {}};
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
                  c == '+' || c == '-';
        if (!ok) return {Kind::PassThrough, {}};
    }
    for (const Alias& a : k_aliases) {
        if (a.name != name) continue;
        if (a.target == "utf-8") return {Kind::Utf8, {}};
        if (a.target == "-") return {Kind::PassThrough, {}};
        if (a.target == "ascii") return {for_output ? Kind::Ascii : Kind::PassThrough, {}};
        if (a.target == "latin1") return {Kind::Iconv, for_output ? "ISO-8859-1" : "WINDOWS-1252"};
        return {Kind::Iconv, std::string(a.target)};
    }
    std::string upper = name;
    for (char& c : upper)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return {Kind::Iconv, upper};
}

// RAII for an iconv descriptor.
class Converter {
public:
    Converter(const std::string& to, const std::string& from) : m_cd(iconv_open(to.c_str(), from.c_str())) {}
    ~Converter() {
        if (ok()) iconv_close(m_cd);
    }
    Converter(const Converter&) = delete;
    Converter& operator=(const Converter&) = delete;
    bool ok() const { return m_cd != reinterpret_cast<iconv_t>(-1); }

    // Converts all of `in`.  At an invalid or unconvertible sequence,
    // appends `replacement` and skips skip(in, offset) bytes.
    template <class Skip>
    std::string run(std::string_view in, std::string_view replacement, Skip skip) {
        std::string out;
        out.resize(in.size() + in.size() / 2 + 16);
        size_t used = 0;
        size_t offset = 0;
        auto grow = [&](size_t at_least) {
            if (out.size() - used < at_least) out.resize(out.size() * 2 + at_least);
        };
        while (offset < in.size()) {
            char* inp = const_cast<char*>(in.data() + offset);  // iconv's prototype is not const-correct
            size_t in_left = in.size() - offset;
            char* outp = out.data() + used;
            size_t out_left = out.size() - used;
            size_t r = iconv(m_cd, &inp, &in_left, &outp, &out_left);
            int err = errno;
            used = static_cast<size_t>(outp - out.data());
            offset = in.size() - in_left;
            if (r != static_cast<size_t>(-1)) break;
            if (err == E2BIG) {
                grow(64);
                continue;
            }
            grow(replacement.size() + 64);
            out.replace(used, replacement.size(), replacement);
            used += replacement.size();
            if (err != EILSEQ && err != EINVAL) break;  // cannot happen with glibc; stop safely
            offset += skip(in, offset);
        }
        // Return a stateful target encoding to its initial state.
        for (int tries = 0; tries < 8; ++tries) {
            grow(64);
            char* outp = out.data() + used;
            size_t out_left = out.size() - used;
            size_t r = iconv(m_cd, nullptr, nullptr, &outp, &out_left);
            used = static_cast<size_t>(outp - out.data());
            if (r != static_cast<size_t>(-1) || errno != E2BIG) break;
        }
        out.resize(used);
        return out;
    }

private:
    iconv_t m_cd;
};

}  // namespace

bool is_ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

bool is_valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        bool valid = false;
        i += utf8_sequence(s, i, &valid);
        if (!valid) return false;
    }
    return true;
}

std::string repair_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        bool valid = false;
        size_t n = utf8_sequence(s, i, &valid);
        if (valid)
            out.append(s.substr(i, n));
        else
            out.append(k_replacement);
        i += n;
    }
    return out;
}

std::string to_utf8(std::string_view bytes, std::string_view charset) {
    Resolved r = resolve(charset, false);
    if (r.kind == Kind::Iconv) {
        // Even pure ASCII input goes through iconv: stateful charsets
        // (ISO-2022-JP, UTF-7) are 7-bit.
        Converter conv("UTF-8", r.iconv_name);
        if (conv.ok()) return conv.run(bytes, k_replacement, [](std::string_view, size_t) { return size_t{1}; });
    }
    return repair_utf8(bytes);
}

std::string from_utf8(std::string_view utf8, std::string_view charset) {
    Resolved r = resolve(charset, true);
    if (r.kind == Kind::Ascii) {
        std::string out;
        out.reserve(utf8.size());
        for (size_t i = 0; i < utf8.size();) {
            bool valid = false;
            size_t n = utf8_sequence(utf8, i, &valid);
            out += n == 1 && valid ? utf8[i] : '?';
            i += n;
        }
        return out;
    }
    if (r.kind == Kind::Iconv) {
        Converter conv(r.iconv_name + "//TRANSLIT", "UTF-8");
        if (conv.ok())
            return conv.run(utf8, "?", [](std::string_view s, size_t i) {
                bool valid = false;
                return utf8_sequence(s, i, &valid);
            });
    }
    return repair_utf8(utf8);
}

std::string printable(std::string_view utf8, bool one_line) {
    std::string in = repair_utf8(utf8);
    std::string out;
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        auto u = static_cast<unsigned char>(in[i]);
        if (u == '\r' && i + 1 < in.size() && in[i + 1] == '\n') continue;  // CRLF is one line end
        if (u == '\n' || u == '\t') {
            out += one_line ? ' ' : static_cast<char>(u);
            continue;
        }
        if (u == '\r') {
            if (one_line)
                out += ' ';
            else
                out.append(k_replacement);
            continue;
        }
        if (u < 0x20 || u == 0x7F) {
            out.append(k_replacement);
            continue;
        }
        // C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8.
        if (u == 0xC2 && i + 1 < in.size() && static_cast<unsigned char>(in[i + 1]) <= 0x9F) {
            out.append(k_replacement);
            ++i;
            continue;
        }
        out += static_cast<char>(u);
    }
    return out;
}

}  // namespace mail::mime
