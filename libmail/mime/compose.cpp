// compose.cpp — see compose.h.
#include "libmail/mime/compose.h"

#include "libmail/mime/charset.h"
#include "libmail/mime/transfer.h"
#include "libmail/util/strings.h"

#include <fmt/format.h>

#include <fstream>
#include <random>
#include <sstream>

namespace mail::mime {

namespace {

constexpr size_t k_max_line = 998;  // RFC 5322 §2.1.1, RFC 2045 §2.7
constexpr size_t k_fold_width = 76;

bool is_token_char(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) return false;
    return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

// "type/subtype" of token characters, lower-cased; "" if malformed.
std::string clean_mime_type(std::string_view t) {
    t = trim(t);
    size_t slash = t.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == t.size()) return {};
    for (size_t i = 0; i < t.size(); ++i)
        if (i != slash && !is_token_char(t[i])) return {};
    return to_lower(t);
}

std::string random_hex() {
    std::random_device rd;
    std::uniform_int_distribution<unsigned> dist(0, 0xffffffffu);
    return fmt::format("{:08x}{:08x}{:08x}", dist(rd), dist(rd), dist(rd));
}

std::string last_component(std::string_view path) {
    size_t slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// RFC 2231 §7: attribute-char is a token character other than "*", "'" and "%".
bool is_attribute_char(char c) { return is_token_char(c) && c != '*' && c != '\'' && c != '%'; }

// The Content-Disposition value for an attachment called `filename`.
std::string disposition_value(std::string_view filename) {
    if (filename.empty()) return "attachment";
    constexpr size_t k_prefix = sizeof("Content-Disposition: attachment; ") - 1;
    std::vector<std::string> params;
    bool plain = true;
    for (char c : filename) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7F) plain = false;
    }
    if (plain) {
        std::string q = "filename=\"";
        for (char c : filename) {
            if (c == '"' || c == '\\') q += '\\';
            q += c;
        }
        q += '"';
        params.push_back(std::move(q));
    } else {
        // Percent-encode each character as a unit, so that continuations
        // never split a character or an escape.
        std::string name = repair_utf8(filename);
        std::vector<std::string> units;
        size_t enc_size = 0;
        for (size_t i = 0; i < name.size(); ++i) {
            auto u = static_cast<unsigned char>(name[i]);
            bool continuation = (u & 0xC0) == 0x80;
            if (!continuation || units.empty()) units.emplace_back();
            std::string& unit = units.back();
            if (is_attribute_char(name[i]))
                unit += name[i];
            else
                unit += fmt::format("%{:02X}", u);
        }
        for (const std::string& unit : units) enc_size += unit.size();
        // Each parameter goes on its own line " name*N*=[UTF-8'']value;" of
        // at most k_fold_width characters.
        constexpr std::string_view k_charset = "UTF-8''";
        if (1 + sizeof("filename*=") - 1 + k_charset.size() + enc_size <= k_fold_width) {
            std::string p = "filename*=" + std::string(k_charset);
            for (const std::string& unit : units) p += unit;
            params.push_back(std::move(p));
        } else {
            // RFC 2231 §3 continuations.
            size_t next = 0;
            for (int n = 0; next < units.size(); ++n) {
                std::string p = fmt::format("filename*{}*={}", n, n == 0 ? k_charset : "");
                size_t limit = k_fold_width - 2;  // the leading space and the ';'
                size_t first = next;
                while (next < units.size() && (next == first || p.size() + units[next].size() <= limit))
                    p += units[next++];
                params.push_back(std::move(p));
            }
        }
    }
    if (params.size() == 1 && k_prefix + params[0].size() <= k_fold_width) return "attachment; " + params[0];
    std::string out = "attachment";
    for (const std::string& p : params) out += ";\n " + p;
    return out;
}

// The charset parameter for text we pass on unchanged: "" if unknown.
std::string text_charset(std::string_view content) {
    if (is_ascii(content)) return "us-ascii";
    if (is_valid_utf8(content)) return "UTF-8";
    return {};
}

}  // namespace

TextEncoding choose_text_encoding(std::string_view text) {
    TextEncoding te;
    bool ascii = is_ascii(text);
    te.charset = ascii ? "us-ascii" : is_valid_utf8(text) ? "UTF-8" : "unknown-8bit";
    bool qp = false;
    size_t pos = 0;
    while (pos < text.size() && !qp) {
        size_t nl = text.find('\n', pos);
        bool has_nl = nl != std::string_view::npos;
        std::string_view line = text.substr(pos, has_nl ? nl - pos : std::string_view::npos);
        pos = has_nl ? nl + 1 : text.size();
        if (has_nl && !line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF is a line end
        qp = line.size() > k_max_line || line.substr(0, 5) == "From " || line == "." ||
             line.find('\0') != std::string_view::npos || line.find('\r') != std::string_view::npos;
    }
    te.encoding = qp ? Encoding::QuotedPrintable : ascii ? Encoding::SevenBit : Encoding::EightBit;
    return te;
}

MimeBody build_text(std::string_view text) {
    MimeBody out;
    TextEncoding te = choose_text_encoding(text);
    if (te.encoding == Encoding::SevenBit) {
        out.body = std::string(text);
        return out;
    }
    out.headers.append("MIME-Version", "1.0");
    out.headers.append("Content-Type", "text/plain; charset=" + te.charset);
    out.headers.append("Content-Transfer-Encoding", std::string(encoding_name(te.encoding)));
    out.body = te.encoding == Encoding::QuotedPrintable ? encode_quoted_printable(text) : std::string(text);
    return out;
}

MimeBody build_message(std::string_view text, const std::vector<Attachment>& attachments,
                       std::string_view boundary_wanted) {
    if (attachments.empty()) return build_text(text);
    TextEncoding te = choose_text_encoding(text);
    std::string text_body = te.encoding == Encoding::QuotedPrintable ? encode_quoted_printable(text)
                                                                     : std::string(text);
    // Base64 and quoted-printable output never contains "=_", so only
    // unencoded text can collide with a boundary that starts with it.
    std::string boundary = boundary_wanted.empty() ? "=_mailroom_" + random_hex() : std::string(boundary_wanted);
    while (text_body.find("--" + boundary) != std::string::npos) boundary += "_" + random_hex();

    MimeBody out;
    out.headers.append("MIME-Version", "1.0");
    out.headers.append("Content-Type", "multipart/mixed; boundary=\"" + boundary + "\"");
    out.headers.append("Content-Transfer-Encoding", te.encoding == Encoding::EightBit ? "8bit" : "7bit");

    std::string& body = out.body;
    if (!text.empty()) {
        body += "--" + boundary + "\n";
        body += "Content-Type: text/plain; charset=" + te.charset + "\n";
        body += "Content-Transfer-Encoding: " + std::string(encoding_name(te.encoding)) + "\n\n";
        body += text_body;
        body += '\n';  // belongs to the delimiter (RFC 2046 §5.1.1), so the text comes back exactly
    }
    for (const Attachment& a : attachments) {
        std::string type = clean_mime_type(a.mime_type);
        if (type.empty()) type = mime_type_for(a.path, a.content);
        if (type.substr(0, 5) == "text/") {
            std::string cs = text_charset(a.content);
            if (!cs.empty()) type += "; charset=" + cs;
        }
        body += "--" + boundary + "\n";
        body += "Content-Type: " + type + "\n";
        body += "Content-Disposition: " + disposition_value(last_component(a.path)) + "\n";
        body += "Content-Transfer-Encoding: base64\n\n";
        std::string encoded = encode_base64(a.content);
        body += encoded.empty() ? "\n" : encoded;
    }
    body += "--" + boundary + "--\n";
    return out;
}

MimeTypes MimeTypes::parse(std::string_view text) {
    MimeTypes t;
    for (const std::string& raw : split(text, "\n")) {
        std::string_view line = raw;
        line = line.substr(0, line.find('#'));
        auto words = split(line, " \t\r");
        if (words.size() < 2 || clean_mime_type(words[0]).empty()) continue;
        for (size_t i = 1; i < words.size(); ++i) t.m_types.emplace(to_lower(words[i]), words[0]);
    }
    return t;
}

const MimeTypes& MimeTypes::system() {
    static const MimeTypes table = [] {
        std::ifstream in("/etc/mime.types");
        if (!in) return MimeTypes{};
        std::ostringstream text;
        text << in.rdbuf();
        return parse(text.str());
    }();
    return table;
}

const MimeTypes& MimeTypes::builtin() {
    static const MimeTypes table = parse(
        "text/plain txt\n"
        "text/html html htm\n"
        "text/csv csv\n"
        "application/pdf pdf\n"
        "application/zip zip\n"
        "application/gzip gz\n"
        "application/x-tar tar\n"
        "application/json json\n"
        "application/xml xml\n"
        "image/png png\n"
        "image/jpeg jpg jpeg\n"
        "image/gif gif\n");
    return table;
}

std::string MimeTypes::find(std::string_view extension) const {
    auto it = m_types.find(to_lower(extension));
    return it == m_types.end() ? std::string() : it->second;
}

std::string mime_type_for(std::string_view path, std::string_view content, const MimeTypes& table) {
    std::string name = last_component(path);
    size_t dot = name.rfind('.');
    if (dot != std::string::npos && dot > 0 && dot + 1 < name.size()) {
        std::string ext = name.substr(dot + 1);
        std::string t = table.find(ext);
        if (t.empty()) t = MimeTypes::builtin().find(ext);
        if (!t.empty()) return t;
    }
    if (content.find('\0') == std::string_view::npos && is_valid_utf8(content)) return "text/plain";
    return "application/octet-stream";
}

std::string mime_type_for(std::string_view path, std::string_view content) {
    return mime_type_for(path, content, MimeTypes::system());
}

}  // namespace mail::mime
