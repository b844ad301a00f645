// transfer.cpp — see transfer.h.
#include "libmail/mime/transfer.h"

#include <array>

namespace mail::mime {

namespace {

constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char k_hex[] = "0123456789ABCDEF";

// Value of each byte in the base64 alphabet, -1 for the others.
constexpr std::array<signed char, 256> make_base64_table() {
    std::array<signed char, 256> t{};
    for (auto& v : t) v = -1;
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(k_alphabet[i])] = static_cast<signed char>(i);
    return t;
}
constexpr auto k_base64_value = make_base64_table();

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

void append_escape(std::string& out, unsigned char u) {
    out += '=';
    out += k_hex[u >> 4];
    out += k_hex[u & 15];
}

}  // namespace

std::string decode_base64(std::string_view in) {
    std::string out;
    out.reserve(in.size() / 4 * 3 + 3);
    unsigned bits = 0;  // pending bits, right-aligned
    int nbits = 0;
    for (char c : in) {
        if (c == '=') {
            // Padding ends the group; the bits it stood in for are zero fill.
            bits = 0;
            nbits = 0;
            continue;
        }
        int v = k_base64_value[static_cast<unsigned char>(c)];
        if (v < 0) continue;  // white space and garbage (RFC 2045 §6.8: ignore)
        bits = (bits << 6) | static_cast<unsigned>(v);
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out += static_cast<char>((bits >> nbits) & 0xff);
            bits &= (1u << nbits) - 1;
        }
    }
    return out;
}

std::string encode_base64(std::string_view data, size_t line_length) {
    std::string out;
    if (data.empty()) return out;
    if (line_length > 0) line_length = line_length < 4 ? 4 : line_length / 4 * 4;
    size_t encoded = (data.size() + 2) / 3 * 4;
    out.reserve(encoded + (line_length ? encoded / line_length + 1 : 0));
    size_t column = 0;
    auto put = [&](char c) {
        out += c;
        if (line_length && ++column == line_length) {
            out += '\n';
            column = 0;
        }
    };
    size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        unsigned v = static_cast<unsigned char>(data[i]) << 16 | static_cast<unsigned char>(data[i + 1]) << 8 |
                     static_cast<unsigned char>(data[i + 2]);
        put(k_alphabet[v >> 18]);
        put(k_alphabet[(v >> 12) & 63]);
        put(k_alphabet[(v >> 6) & 63]);
        put(k_alphabet[v & 63]);
    }
    if (size_t rest = data.size() - i; rest > 0) {
        unsigned v = static_cast<unsigned char>(data[i]) << 16;
        if (rest == 2) v |= static_cast<unsigned char>(data[i + 1]) << 8;
        put(k_alphabet[v >> 18]);
        put(k_alphabet[(v >> 12) & 63]);
        put(rest == 2 ? k_alphabet[(v >> 6) & 63] : '=');
        put('=');
    }
    if (line_length && column != 0) out += '\n';
    return out;
}

std::string decode_quoted_printable(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    size_t pos = 0;
    while (pos < in.size()) {
        size_t nl = in.find('\n', pos);
        bool has_nl = nl != std::string_view::npos;
        std::string_view line = in.substr(pos, has_nl ? nl - pos : std::string_view::npos);
        pos = has_nl ? nl + 1 : in.size();
        // Rule 3: trailing white space (and the CR of CRLF) was added in transport.
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
            line.remove_suffix(1);
        bool soft = !line.empty() && line.back() == '=';
        if (soft) line.remove_suffix(1);
        for (size_t i = 0; i < line.size(); ++i) {
            char c = line[i];
            if (c == '=') {
                int hi = i + 1 < line.size() ? hex_value(line[i + 1]) : -1;
                int lo = i + 2 < line.size() ? hex_value(line[i + 2]) : -1;
                if (hi >= 0 && lo >= 0) {
                    out += static_cast<char>(hi << 4 | lo);
                    i += 2;
                    continue;
                }
            }
            out += c;  // a bad escape stays as it was (RFC 2045 §6.7 note 2)
        }
        if (has_nl && !soft) out += '\n';
    }
    return out;
}

std::string encode_quoted_printable(std::string_view text) {
    constexpr size_t k_max_line = 76;
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        bool has_nl = nl != std::string_view::npos;
        std::string_view line = text.substr(pos, has_nl ? nl - pos : std::string_view::npos);
        pos = has_nl ? nl + 1 : text.size();
        if (has_nl && !line.empty() && line.back() == '\r') line.remove_suffix(1);

        size_t column = 0;
        std::string token;
        for (size_t i = 0; i < line.size(); ++i) {
            auto u = static_cast<unsigned char>(line[i]);
            bool last = i + 1 == line.size();
            // The token for this byte depends on the column (From_ and lone
            // dot are about the start of a physical line), so it may be
            // computed twice: once before and once after a soft break.
            for (int attempt = 0; attempt < 2; ++attempt) {
                bool literal = (u >= 33 && u <= 126 && u != '=') || ((u == ' ' || u == '\t') && !last);
                if (column == 0 && u == 'F' && line.substr(i, 5) == "From ") literal = false;
                if (column == 0 && u == '.' && last) literal = false;
                token.clear();
                if (literal)
                    token += static_cast<char>(u);
                else
                    append_escape(token, u);
                // A soft break needs one column for its "="; the last token
                // of the line may use the full width.
                size_t limit = last ? k_max_line : k_max_line - 1;
                if (column > 0 && column + token.size() > limit) {
                    out += "=\n";
                    column = 0;
                    continue;
                }
                break;
            }
            out += token;
            column += token.size();
        }
        if (has_nl) out += '\n';
    }
    return out;
}

}  // namespace mail::mime
