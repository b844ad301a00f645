// mime_view.cpp — see mime_view.h.
#include "mailx/mime_view.h"

#include "libmail/mime/charset.h"
#include "libmail/mime/mime.h"

#include <fmt/format.h>

namespace mailx {

namespace {

bool needs_mime(const mail::mime::Part& top) {
    using mail::mime::Encoding;
    if (!top.children.empty() || top.opaque) return true;
    if (top.encoding == Encoding::QuotedPrintable || top.encoding == Encoding::Base64) return true;
    if (!top.is_text()) return !top.content_type.defaulted;
    std::string cs = top.content_type.charset();
    return !cs.empty() && cs != "us-ascii" && cs != "utf-8";
}

void show(const mail::mime::Part& p, const std::string& number, bool top, std::string& out) {
    if (!p.children.empty()) {
        bool alternative = p.content_type.subtype == "alternative";
        for (std::size_t i = 0; i < p.children.size(); ++i) {
            const auto& c = p.children[i];
            std::string n = number.empty() ? std::to_string(i + 1) : number + "." + std::to_string(i + 1);
            // multipart/alternative: show the plain text version only, list the rest.
            if (alternative && i > 0 && !c.children.size() && p.children[0].is_text() &&
                p.children[0].content_type.subtype == "plain") {
                out += fmt::format("[-- #{} {}, {} bytes (alternative, not shown) --]\n", n,
                                   c.content_type.mime_type(), c.body.size());
                continue;
            }
            show(c, n, false, out);
        }
        return;
    }
    auto text = p.is_attachment() ? std::nullopt : mail::mime::decoded_text(p);
    if (!top || !text) {
        std::string label = fmt::format("[-- #{} {}", number.empty() ? "1" : number, p.content_type.mime_type());
        if (!p.encoding_label.empty()) label += ", " + p.encoding_label;
        if (!text) label += fmt::format(", {} bytes", mail::mime::decoded_body(p).size());
        if (!p.filename.empty()) label += fmt::format(", \"{}\"", mail::mime::printable(p.filename, true));
        out += label + " --]\n";
    }
    if (text) {
        out += mail::mime::printable(*text);
        if (!out.empty() && out.back() != '\n') out += '\n';
    }
}

}  // namespace

std::string view_body(std::string_view header_text, std::string_view body) {
    // The part tree points into `whole`, which lives until we return.
    std::string whole;
    whole.reserve(header_text.size() + 1 + body.size());
    whole.append(header_text);
    whole += '\n';
    whole.append(body);
    auto top = mail::mime::parse(std::string_view(whole));
    // Control characters never reach the terminal (an ESC in a message
    // could rewrite the screen); save, write and pipe keep the raw bytes.
    if (!needs_mime(top)) return mail::mime::printable(body);
    std::string out;
    show(top, "", true, out);
    return out;
}

}  // namespace mailx
