// mime.cpp — see mime.h.
#include "libmail/mime/mime.h"

#include "libmail/message/header.h"
#include "libmail/util/strings.h"

namespace mail::mime {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// One line of `text` at `pos`: the line without its end, and where the
// next line starts.
struct Line {
    std::string_view text;  // without "\n" (a "\r" before it is kept)
    size_t next = 0;
};

Line line_at(std::string_view text, size_t pos) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) return {text.substr(pos), text.size()};
    return {text.substr(pos, nl - pos), nl + 1};
}

std::string_view without_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

// Splits an entity into its header section and body (see mime.h).
void split_entity(std::string_view text, std::string_view* header, std::string_view* body) {
    size_t pos = 0;
    while (pos < text.size()) {
        Line l = line_at(text, pos);
        std::string_view line = without_cr(l.text);
        if (line.empty()) {
            *header = text.substr(0, pos);
            *body = text.substr(l.next);
            return;
        }
        bool continuation = pos > 0 && is_wsp(line[0]);
        if (!continuation && !message::is_field_line(line)) break;  // the body starts here
        pos = l.next;
    }
    *header = text.substr(0, pos);
    *body = text.substr(pos);
}

// Calls f(name, raw_value) for each field of a header section; raw_value
// runs from after the colon to the end of the last continuation line.
template <class F>
void for_each_field(std::string_view header, F f) {
    size_t pos = 0;
    while (pos < header.size()) {
        size_t line_start = pos;
        Line l = line_at(header, pos);
        std::string_view line = without_cr(l.text);
        size_t colon = line.find(':');
        pos = l.next;
        if (line.empty() || is_wsp(line[0]) || colon == std::string_view::npos) continue;
        size_t end = l.next;
        while (end < header.size() && is_wsp(header[end])) end = line_at(header, end).next;
        pos = end;
        std::string_view name = trim_right(line.substr(0, colon));
        size_t value_start = line_start + colon + 1;
        if (!f(name, header.substr(value_start, end - value_start))) return;
    }
}

bool is_identity(Encoding e) {
    return e == Encoding::SevenBit || e == Encoding::EightBit || e == Encoding::Binary;
}

// Splits a multipart body at its delimiter lines (RFC 2046 §5.1.1).  Stops
// after `max` parts and then sets *truncated.
std::vector<std::string_view> split_multipart(std::string_view body, std::string_view boundary, size_t max,
                                              bool* truncated) {
    std::vector<std::string_view> parts;
    std::string delimiter = "--" + std::string(boundary);
    size_t part_start = std::string_view::npos;  // npos: still in the preamble
    size_t pos = 0;
    while (pos < body.size()) {
        Line l = line_at(body, pos);
        if (l.text.size() >= delimiter.size() && l.text.substr(0, delimiter.size()) == delimiter) {
            std::string_view rest = l.text.substr(delimiter.size());
            bool close = rest.substr(0, 2) == "--";
            if (close) rest.remove_prefix(2);
            // Transport padding: only white space may follow the boundary.
            if (trim(rest).empty()) {
                if (part_start != std::string_view::npos) {
                    // The line end before the delimiter belongs to it.
                    size_t end = pos;
                    if (end > part_start && body[end - 1] == '\n') --end;
                    if (end > part_start && body[end - 1] == '\r') --end;
                    if (parts.size() == max) {
                        *truncated = true;
                        return parts;
                    }
                    parts.push_back(body.substr(part_start, end - part_start));
                }
                if (close) return parts;  // the epilogue is ignored
                part_start = l.next;
            }
        }
        pos = l.next;
    }
    if (part_start != std::string_view::npos) {
        // No close delimiter: the last part runs to the end.
        if (parts.size() == max)
            *truncated = true;
        else
            parts.push_back(body.substr(part_start));
    }
    return parts;
}

class Parser {
public:
    explicit Parser(const ParseLimits& limits) : m_limits(limits) {}

    Part entity(std::string_view text, int depth, bool in_digest) {
        ++m_parts;
        Part p;
        p.depth = depth;
        split_entity(text, &p.header, &p.body);
        std::optional<std::string> type, cte, disposition;
        for_each_field(p.header, [&](std::string_view name, std::string_view value) {
            if (!type && iequals(name, "Content-Type")) type = message::unfold(value);
            if (!cte && iequals(name, "Content-Transfer-Encoding")) cte = message::unfold(value);
            if (!disposition && iequals(name, "Content-Disposition")) disposition = message::unfold(value);
            return !(type && cte && disposition);
        });
        p.content_type = type ? parse_content_type(*type) : default_content_type(in_digest);
        if (cte) {
            p.encoding = parse_encoding(*cte);
            p.encoding_label = to_lower(trim(*cte));
        }
        if (disposition) p.disposition = parse_content_disposition(*disposition);
        std::string name = p.disposition.param("filename");
        if (name.empty()) name = p.content_type.param("name");
        p.filename = decode_header(name);  // also makes it printable; many mailers RFC 2047-encode names

        if (p.content_type.is_multipart()) {
            std::string boundary = p.content_type.param("boundary");
            if (boundary.empty() || !is_identity(p.encoding) || depth >= m_limits.max_depth) {
                p.opaque = true;
                return p;
            }
            bool truncated = false;
            size_t room = m_parts < m_limits.max_parts ? m_limits.max_parts - m_parts : 0;
            auto bodies = split_multipart(p.body, boundary, room, &truncated);
            bool digest = p.content_type.subtype == "digest";
            p.children.reserve(bodies.size());
            for (std::string_view b : bodies) {
                if (m_parts >= m_limits.max_parts) {
                    truncated = true;
                    break;
                }
                p.children.push_back(entity(b, depth + 1, digest));
            }
            p.opaque = truncated;
        } else if (p.content_type.is_message()) {
            if (!is_identity(p.encoding) || depth >= m_limits.max_depth || m_parts >= m_limits.max_parts) {
                p.opaque = true;
                return p;
            }
            p.children.push_back(entity(p.body, depth + 1, false));
        }
        return p;
    }

private:
    const ParseLimits& m_limits;
    size_t m_parts = 0;
};

}  // namespace

bool Part::is_attachment() const {
    if (disposition.is_attachment()) return true;
    return !is_text() && !content_type.is_multipart() && !content_type.is_message();
}

Part parse(std::string_view message, const ParseLimits& limits) {
    Parser parser(limits);
    return parser.entity(message::strip_from_line(message), 0, false);
}

std::optional<std::string> find_field(std::string_view header, std::string_view name) {
    std::optional<std::string> out;
    for_each_field(header, [&](std::string_view n, std::string_view value) {
        if (!iequals(n, name)) return true;
        out = message::unfold(value);
        return false;
    });
    return out;
}

std::string decoded_body(const Part& part) {
    switch (part.encoding) {
        case Encoding::Base64: return decode_base64(part.body);
        case Encoding::QuotedPrintable: return decode_quoted_printable(part.body);
        default: return std::string(part.body);
    }
}

std::optional<std::string> decoded_text(const Part& part) {
    if (!part.is_text() || part.encoding == Encoding::Other) return std::nullopt;
    std::string text = to_utf8(decoded_body(part), part.content_type.charset());
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i)
        if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) out += text[i];
    return out;
}

std::string safe_filename(std::string_view name) {
    std::string s = printable(name, true);
    size_t slash = s.find_last_of("/\\");
    if (slash != std::string::npos) s.erase(0, slash + 1);
    size_t lead = s.find_first_not_of(". -");
    s.erase(0, lead == std::string::npos ? s.size() : lead);
    while (!s.empty() && s.back() == ' ') s.pop_back();
    if (s.size() > 255) {
        size_t cut = 255;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
        s.resize(cut);
    }
    return s;
}

}  // namespace mail::mime
