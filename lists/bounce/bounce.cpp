// bounce.cpp — parse(): finds a bounce's parts and hands them to the DSN
// reader (dsn.cpp) or the text readers (text.cpp); see bounce.h.
//
// The MIME tree comes from libmail/mime.  The parts that matter are found
// in one walk that does not enter returned messages (message/rfc822,
// message/global): a list post that itself carried a DSN must not be read
// as this bounce's report.
//   - the status part: message/delivery-status or
//     message/global-delivery-status (RFC 6533);
//   - the human-readable text: the first text/plain part (the whole body
//     of a non-MIME bounce);
//   - the returned original: a message/rfc822 or message/global part (its
//     header), or a text/rfc822-headers or message/global-headers part;
//     failing those, the header of a copy quoted in the text after a line
//     such as "--- Below this line is a copy of the message.".
//
// SECURITY: the message is untrusted.  Only the first k_scan_limit bytes
// are parsed; the tree is limited to 8 levels and 500 parts; everything
// after that is linear in the bytes looked at.
//
// STANDARDS: RFC 3462/6522 (multipart/report), RFC 3464 (delivery-status
// and returning the original as message/rfc822 or text/rfc822-headers),
// RFC 6533 §3 and §5 (message/global-delivery-status,
// message/global-headers), RFC 5322 §3.6.4 (Message-ID).
#include "lists/bounce/bounce.h"

#include "libmail/message/header.h"
#include "libmail/mime/mime.h"
#include "libmail/util/strings.h"
#include "lists/bounce/detail.h"

namespace mail::lists::bounce {

namespace {

struct Parts {
    const mime::Part* status = nullptr;
    const mime::Part* text = nullptr;
    const mime::Part* original = nullptr;  // message/rfc822 or a headers part
};

bool is_status(const mime::ContentType& t) {
    return t.type == "message" && (t.subtype == "delivery-status" || t.subtype == "global-delivery-status");
}

bool is_headers(const mime::ContentType& t) {
    return (t.type == "text" && t.subtype == "rfc822-headers") ||
           (t.type == "message" && t.subtype == "global-headers");
}

Parts find_parts(const mime::Part& root) {
    Parts found;
    std::vector<const mime::Part*> stack{&root};
    while (!stack.empty()) {
        const mime::Part* p = stack.back();
        stack.pop_back();
        const mime::ContentType& t = p->content_type;
        if (is_status(t)) {
            if (!found.status) found.status = p;
        } else if (t.is_message() || is_headers(t)) {
            if (!found.original) found.original = p;
            continue;  // never look inside a returned message
        } else if (t.type == "text" && t.subtype == "plain") {
            if (!found.text) found.text = p;
        }
        // Children in reverse so that the walk visits them in order.
        for (auto c = p->children.rbegin(); c != p->children.rend(); ++c) stack.push_back(&*c);
    }
    return found;
}

std::string_view skip_blank_lines(std::string_view s) {
    while (!s.empty() && (s[0] == '\n' || s[0] == '\r')) s.remove_prefix(1);
    return s;
}

// Digits only, as listman writes X-List-Sequence: N.
std::string clean_sequence(std::string_view value) {
    std::string_view v = trim(value);
    if (v.empty() || v.size() > 20) return "";
    for (char c : v)
        if (c < '0' || c > '9') return "";
    return std::string(v);
}

}  // namespace

Report parse(std::string_view message) {
    Report r;
    std::string_view scanned = message::strip_from_line(message.substr(0, k_scan_limit));
    mime::ParseLimits limits;
    limits.max_depth = 8;
    limits.max_parts = 500;
    mime::Part root = mime::parse(scanned, limits);
    Parts parts = find_parts(root);

    size_t groups = 0;
    if (parts.status) {
        size_t failed = 0;
        groups = detail::parse_delivery_status(mime::decoded_body(*parts.status), r, &failed);
        if (groups > 0) {
            r.format = "dsn";
            r.is_bounce = failed > 0;
        }
    }

    std::string text;
    if (parts.text) text = mime::decoded_text(*parts.text).value_or("");
    detail::Split split = detail::split_returned(text);
    if (groups == 0) {
        detail::Envelope env;
        env.from = mime::find_field(root.header, "From").value_or("");
        env.to = mime::find_field(root.header, "To").value_or("");
        env.x_failed_recipients = mime::find_field(root.header, "X-Failed-Recipients").value_or("");
        detail::parse_text(split.report, env, r);
    }

    // The returned original's header section.
    std::string storage;  // decoded bytes the header may point into
    std::string_view header;
    if (parts.original) {
        const mime::Part& o = *parts.original;
        if (o.content_type.is_message() && !o.children.empty()) {
            header = o.children.front().header;
        } else {
            // A headers part, or a message part left opaque (encoded).
            storage = o.is_text() ? mime::decoded_text(o).value_or("") : mime::decoded_body(o);
            header = detail::header_section(message::strip_from_line(skip_blank_lines(storage)));
        }
    }
    if (header.empty() && !split.original.empty())
        header = detail::header_section(message::strip_from_line(split.original));
    if (!header.empty()) {
        r.original_message_id = detail::clean_message_id(mime::find_field(header, "Message-ID").value_or(""));
        r.list_sequence = clean_sequence(mime::find_field(header, "X-List-Sequence").value_or(""));
    }
    return r;
}

}  // namespace mail::lists::bounce
