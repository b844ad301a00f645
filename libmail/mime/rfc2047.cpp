// rfc2047.cpp — see rfc2047.h.
#include "libmail/mime/rfc2047.h"

#include "libmail/message/header.h"
#include "libmail/mime/charset.h"
#include "libmail/mime/transfer.h"
#include "libmail/util/strings.h"

#include <algorithm>
#include <vector>

namespace mail::mime {

namespace {

constexpr size_t k_max_line = 76;         // RFC 2047 §2: lines with encoded words
constexpr size_t k_max_word_bytes = 45;   // 60 base64 characters + 12 = 72 ≤ 75
constexpr std::string_view k_word_start = "=?UTF-8?B?";
constexpr std::string_view k_word_end = "?=";
constexpr size_t k_word_overhead = 12;    // k_word_start + k_word_end

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// RFC 2047 §4.2: like quoted-printable, and "_" is a space.
std::string decode_q(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '_') {
            out += ' ';
        } else if (c == '=' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) << 4 | hex_value(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

struct Word {
    size_t end = 0;        // one past the closing "?="
    std::string charset;   // without an RFC 2231 language
    std::string bytes;     // decoded, still in `charset`
};

// Finds the next "?=" and the next white space at or after a position.
// Callers ask for non-decreasing positions, so each scan resumes where the
// last one stopped and the total work stays linear.
class Scanner {
public:
    explicit Scanner(std::string_view s) : m_s(s) {}
    size_t next_end(size_t from) {
        if (!m_end_known || (m_end != std::string_view::npos && m_end < from)) {
            m_end = m_s.find("?=", from);
            m_end_known = true;
        }
        return m_end;  // npos when there is none
    }
    size_t next_space(size_t from) {
        if (!m_space_known || m_space < from) {
            m_space = from;
            while (m_space < m_s.size() && !is_space(m_s[m_space])) ++m_space;
            m_space_known = true;
        }
        return m_space;  // m_s.size() when there is none
    }

private:
    std::string_view m_s;
    size_t m_end = 0;
    bool m_end_known = false;
    size_t m_space = 0;
    bool m_space_known = false;
};

// Parses an encoded word starting at s[p] ("=?"); false if malformed.
bool parse_word(std::string_view s, size_t p, Scanner& scan, Word* w) {
    size_t cs = p + 2;
    size_t q1 = s.find('?', cs);
    if (q1 == std::string_view::npos || q1 == cs || q1 + 2 >= s.size() || s[q1 + 2] != '?') return false;
    std::string_view charset = s.substr(cs, q1 - cs);
    if (std::any_of(charset.begin(), charset.end(), is_space)) return false;
    char enc = s[q1 + 1];
    if (enc != 'B' && enc != 'b' && enc != 'Q' && enc != 'q') return false;
    size_t text = q1 + 3;
    size_t end = scan.next_end(text);
    if (end == std::string_view::npos || scan.next_space(text) < end) return false;
    std::string_view encoded = s.substr(text, end - text);
    w->end = end + 2;
    w->charset = std::string(charset.substr(0, charset.find('*')));  // RFC 2231 §5: charset*language
    w->bytes = enc == 'B' || enc == 'b' ? decode_base64(encoded) : decode_q(encoded);
    return true;
}

// Takes whole UTF-8 characters from s[i..] totalling at most max_bytes.
size_t take_chars(std::string_view s, size_t i, size_t max_bytes) {
    size_t n = 0;
    while (i + n < s.size()) {
        size_t len = 1;
        auto u = static_cast<unsigned char>(s[i + n]);
        if (u >= 0xF0) len = 4;
        else if (u >= 0xE0) len = 3;
        else if (u >= 0xC0) len = 2;
        len = std::min(len, s.size() - i - n);
        if (n + len > max_bytes) break;
        n += len;
    }
    return n;
}

std::string encoded_word(std::string_view bytes) {
    std::string w(k_word_start);
    w += encode_base64(bytes, 0);
    w += k_word_end;
    return w;
}

// True if a word of the text must be encoded: non-ASCII, controls, or
// something a reader would take for an encoded word.
bool needs_encoding(std::string_view word) {
    for (char c : word) {
        auto u = static_cast<unsigned char>(c);
        if (u >= 0x7F || u < 0x20) return true;
    }
    return word.find("=?") != std::string_view::npos;
}

// Builds a folded header value from atoms, tracking the column.
class Folder {
public:
    explicit Folder(size_t first_column) : m_column(first_column) {}

    // Appends white space + an ASCII word; folds before the white space if
    // the word would pass the line limit.  `ws` is ignored at the start.
    void plain(std::string_view ws, std::string_view word) {
        if (m_out.empty()) ws = {};
        if (m_line_has_atom && m_column + ws.size() + word.size() > k_max_line) fold();
        m_out += ws;
        m_out += word;
        m_column += ws.size() + word.size();
        m_line_has_atom = true;
    }

    // Appends white space + `text` as one or more encoded words, each sized
    // to the room left on its line.
    void encoded(std::string_view ws, std::string_view text) {
        size_t i = 0;
        while (i < text.size()) {
            std::string_view sep = m_out.empty() ? std::string_view{} : ws;
            size_t used = m_column + sep.size() + k_word_overhead;
            size_t room = used < k_max_line ? k_max_line - used : 0;
            size_t n = take_chars(text, i, std::min(room / 4 * 3, k_max_word_bytes));
            // Fold rather than cut a word short if a fresh line holds more.
            size_t fresh_room = k_max_line - 1 - k_word_overhead;
            size_t n_fresh = take_chars(text, i, std::min(fresh_room / 4 * 3, k_max_word_bytes));
            if (n < n_fresh && m_line_has_atom) {
                fold();
                continue;
            }
            if (n == 0) n = take_chars(text, i, 4);  // no room even on a fresh line: never stall
            if (n == 0) n = 1;
            m_out += sep;
            m_out += encoded_word(text.substr(i, n));
            m_column += sep.size() + k_word_overhead + (n + 2) / 3 * 4;
            m_line_has_atom = true;
            i += n;
            ws = " ";  // between two encoded words; readers drop it (§6.2)
        }
    }

    std::string take() { return std::move(m_out); }

private:
    void fold() {
        m_out += '\n';
        m_column = 0;
        m_line_has_atom = false;
    }

    std::string m_out;
    size_t m_column;
    bool m_line_has_atom = false;
};

}  // namespace

std::string decode_header(std::string_view value) {
    std::string flat = message::unfold(value);
    std::string_view s = flat;
    Scanner scan(s);
    std::string out;
    std::string run_charset;  // the pending run of adjacent encoded words
    std::string run_bytes;
    bool in_run = false;
    auto flush = [&] {
        if (in_run) out += to_utf8(run_bytes, run_charset);
        in_run = false;
        run_bytes.clear();
    };
    size_t raw_start = 0;
    size_t i = 0;
    while ((i = s.find("=?", i)) != std::string_view::npos) {
        Word w;
        if (!parse_word(s, i, scan, &w)) {
            i += 2;
            continue;
        }
        std::string_view between = s.substr(raw_start, i - raw_start);
        bool adjacent = in_run && std::all_of(between.begin(), between.end(), is_space);
        if (adjacent && iequals(w.charset, run_charset)) {
            run_bytes += w.bytes;  // join first: a character may be split across words
        } else {
            flush();
            if (!adjacent) out += repair_utf8(between);
            run_charset = w.charset;
            run_bytes = std::move(w.bytes);
            in_run = true;
        }
        raw_start = i = w.end;
    }
    flush();
    out += repair_utf8(s.substr(raw_start));
    return printable(out, true);
}

std::string encode_header(std::string_view text, size_t field_name_length) {
    std::string flat = repair_utf8(text);
    for (char& c : flat)
        if (c == '\r' || c == '\n') c = ' ';
    std::string_view s = trim(flat);

    // Words with the white space before each; runs of words to encode are
    // merged with the white space between them.
    Folder folder(field_name_length + 2);
    std::string pending_ws, pending;  // the current run to encode
    bool have_pending = false;
    size_t i = 0;
    while (i < s.size()) {
        size_t ws_end = i;
        while (ws_end < s.size() && (s[ws_end] == ' ' || s[ws_end] == '\t')) ++ws_end;
        size_t word_end = ws_end;
        while (word_end < s.size() && s[word_end] != ' ' && s[word_end] != '\t') ++word_end;
        std::string_view ws = s.substr(i, ws_end - i);
        std::string_view word = s.substr(ws_end, word_end - ws_end);
        i = word_end;
        if (needs_encoding(word)) {
            if (have_pending) {
                pending += ws;
            } else {
                pending_ws = std::string(ws);
                have_pending = true;
            }
            pending += word;
            continue;
        }
        if (have_pending) {
            folder.encoded(pending_ws, pending);
            pending.clear();
            have_pending = false;
        }
        folder.plain(ws, word);
    }
    if (have_pending) folder.encoded(pending_ws, pending);
    return folder.take();
}

std::string encode_phrase(std::string_view display_name) {
    std::string name = repair_utf8(display_name);
    for (char& c : name)
        if (c == '\r' || c == '\n' || c == '\t') c = ' ';
    std::string_view s = trim(name);
    if (s.empty()) return {};
    bool encode = false, quote = false;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u >= 0x7F || u < 0x20) {
            encode = true;
            break;
        }
        // RFC 5322 §3.2.3 atext, plus the spaces between words.
        bool atext = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     std::string_view("!#$%&'*+-/=?^_`{|}~ ").find(c) != std::string_view::npos;
        if (!atext) quote = true;
    }
    if (!encode && s.find("=?") != std::string_view::npos) encode = true;
    if (encode) {
        std::string out;
        for (size_t i = 0; i < s.size();) {
            size_t n = take_chars(s, i, k_max_word_bytes);
            if (n == 0) n = 1;
            if (!out.empty()) out += ' ';
            out += encoded_word(s.substr(i, n));
            i += n;
        }
        return out;
    }
    if (!quote) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

std::string encode_mailbox(std::string_view display_name, std::string_view addr_spec) {
    std::string phrase = encode_phrase(display_name);
    if (phrase.empty()) return std::string(addr_spec);
    return phrase + " <" + std::string(addr_spec) + ">";
}

}  // namespace mail::mime
