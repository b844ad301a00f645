// post.cpp — see post.h and docs/lists.md "Posting".
#include "lists/post/post.h"

#include "libmail/address/address.h"
#include "libmail/mime/content_type.h"
#include "libmail/mime/rfc2047.h"
#include "libmail/mime/transfer.h"
#include "libmail/util/clock.h"
#include "libmail/util/strings.h"
#include "lists/store/store.h"

#include <fmt/format.h>

namespace mail::lists::post {

namespace {

// Headers a post loses on the way through: trace of the last hop, list
// headers of another list (or forged ones), and approval passwords.
constexpr std::string_view k_removed[] = {
    "Return-Path",      "Delivered-To",      "X-Original-To",   "List-Id",        "List-Help",
    "List-Post",        "List-Subscribe",    "List-Unsubscribe", "List-Owner",    "List-Archive",
    "List-Unsubscribe-Post", "Approved",     "Approve",         "Errors-To",      "Sender",
    "X-List-Sequence",
};

// "Name: value" → the value part of fold(), for Headers::append.
void put(message::Headers& h, std::string_view name, std::string_view value) {
    std::string line = message::fold(name, value);
    h.append(std::string(name), line.substr(name.size() + 2));
}

void replace(message::Headers& h, std::string_view name, std::string_view value) {
    h.remove_all(name);
    put(h, name, value);
}

bool is_ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

std::string list_id_value(const Settings& l) {
    std::string id = "<" + l.list_id() + ">";
    if (l.description.empty()) return id;
    // RFC 2919 §3: a phrase before the id; quoted, or encoded words.
    return mime::encode_phrase(l.description) + " " + id;
}

std::string boundary_for(std::string_view body, int64_t seq) {
    for (int n = 0;; ++n) {
        std::string b = fmt::format("=_listman_{}_{}", seq, n);
        if (body.find(b) == std::string_view::npos) return b;
    }
}

// The footer as a text/plain part (header lines and body).
std::string footer_part(std::string_view footer) {
    std::string charset = is_ascii(footer) ? "us-ascii" : "utf-8";
    return fmt::format("Content-Type: text/plain; charset=\"{}\"\nContent-Transfer-Encoding: {}\n"
                       "Content-Disposition: inline\n\n{}",
                       charset, charset == "us-ascii" ? "7bit" : "8bit", footer);
}

// Moves the MIME fields of `h` into a part header and makes `h` a
// multipart/mixed holding that part and the footer.
void wrap_with_footer(message::Headers& h, std::string& body, std::string_view footer, int64_t seq) {
    std::string inner;
    for (const auto& f : h.fields()) {
        if (istarts_with(f.name, "Content-")) inner += f.name + f.separator + f.value + "\n";
    }
    for (const char* n : {"Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Content-ID",
                          "Content-Description", "Content-Language", "Content-Location", "Content-MD5"})
        h.remove_all(n);
    std::string boundary = boundary_for(body + std::string(footer), seq);
    if (!h.find("MIME-Version")) put(h, "MIME-Version", "1.0");
    put(h, "Content-Type", fmt::format("multipart/mixed; boundary=\"{}\"", boundary));
    std::string out = fmt::format("--{}\n{}\n{}", boundary, inner, body);
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += fmt::format("--{}\n{}", boundary, footer_part(footer));
    if (out.back() != '\n') out += '\n';
    out += fmt::format("--{}--\n", boundary);
    body = std::move(out);
}

void add_footer(message::Headers& h, std::string& body, std::string_view footer, int64_t seq) {
    if (footer.empty()) return;
    const message::Field* ct_field = h.find("Content-Type");
    mime::ContentType ct = ct_field ? mime::parse_content_type(ct_field->value) : mime::default_content_type(false);
    const message::Field* cte_field = h.find("Content-Transfer-Encoding");
    mime::Encoding enc = cte_field ? mime::parse_encoding(message::unfold(cte_field->value)) : mime::Encoding::SevenBit;
    if (ct.type == "multipart" && (ct.subtype == "signed" || ct.subtype == "encrypted")) return;  // never inside
    if (ct.type == "application" && (ct.subtype == "pkcs7-mime" || ct.subtype == "x-pkcs7-mime")) return;
    const bool footer_ascii = is_ascii(footer);
    const std::string charset = ct.charset();
    const bool charset_fits = footer_ascii || iequals(charset, "utf-8");
    if (ct.mime_type() == "text/plain" && charset_fits &&
        (enc == mime::Encoding::SevenBit || enc == mime::Encoding::EightBit ||
         enc == mime::Encoding::QuotedPrintable)) {
        if (!footer_ascii && enc == mime::Encoding::SevenBit && cte_field)
            replace(h, "Content-Transfer-Encoding", "8bit");
        if (!body.empty() && body.back() != '\n') body += '\n';
        body += enc == mime::Encoding::QuotedPrintable ? mime::encode_quoted_printable(footer) : std::string(footer);
        if (body.back() != '\n') body += '\n';
        return;
    }
    if (ct.mime_type() == "multipart/mixed") {
        std::string boundary = ct.param("boundary");
        std::string close = "\n--" + boundary + "--";
        size_t at = boundary.empty() ? std::string::npos : body.rfind(close);
        if (at != std::string::npos) {
            body.insert(at + 1, fmt::format("--{}\n{}{}", boundary, footer_part(footer),
                                            footer.empty() || footer.back() == '\n' ? "" : "\n"));
            return;
        }
    }
    wrap_with_footer(h, body, footer, seq);
}

std::string prefixed_subject(std::string_view subject, std::string_view prefix) {
    if (prefix.empty()) return std::string(subject);
    std::string tag(trim(prefix));
    if (subject.empty()) return std::string(prefix) + "(no subject)";
    // Already there (a reply: "Re: [team] …"): leave it where it is.
    if (to_lower(mime::decode_header(subject)).find(to_lower(tag)) != std::string::npos) return std::string(subject);
    return std::string(prefix) + std::string(subject);
}

// "Name via team" <team@host>
std::string munged_from(const Poster& p, const Settings& l) {
    std::string who = !p.display.empty() ? p.display : p.address;
    return mime::encode_mailbox(who + " via " + l.name, l.address());
}

}  // namespace

Result<Parsed> parse(std::string_view message) {
    Parsed out;
    std::string text;
    text.reserve(message.size());
    for (size_t i = 0; i < message.size(); ++i) {
        if (message[i] == '\r' && i + 1 < message.size() && message[i + 1] == '\n') continue;
        text += message[i];
    }
    std::string_view rest = message::strip_from_line(text);
    size_t end = 0;
    if (rest.substr(0, 1) == "\n") {
        end = 0;
    } else {
        size_t blank = rest.find("\n\n");
        end = blank == std::string_view::npos ? rest.size() : blank + 1;
    }
    auto h = message::Headers::parse(rest.substr(0, end));
    if (!h) return h.error();
    out.headers = std::move(*h);
    size_t body_at = end < rest.size() && rest[end] == '\n' ? end + 1 : end;
    out.body = std::string(rest.substr(std::min(body_at, rest.size())));
    return out;
}

std::string header_value(const message::Headers& h, std::string_view name) {
    const message::Field* f = h.find(name);
    return f ? message::unfold(f->value) : std::string();
}

std::string subject_line(const message::Headers& h) {
    std::string s = mime::decode_header(header_value(h, "Subject"));
    for (char& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return std::string(trim(s)).substr(0, 200);
}

Poster poster(const message::Headers& h, std::string_view envelope_sender) {
    Poster p;
    for (const char* name : {"From", "Sender"}) {
        const message::Field* f = h.find(name);
        if (!f) continue;
        auto list = address::parse_address_list(f->value);
        if (list && !list->empty() && !(*list)[0].domain.empty()) {
            p.address = key_of((*list)[0].addr_spec());
            p.display = mime::decode_header((*list)[0].display_name);
            return p;
        }
    }
    p.address = key_of(envelope_sender);
    return p;
}

bool been_there(const message::Headers& h, std::string_view list_address) {
    for (const message::Field* f : h.find_all("X-BeenThere"))
        if (iequals(trim(message::unfold(f->value)), list_address)) return true;
    return false;
}

size_t recipient_count(const message::Headers& h) {
    size_t n = 0;
    for (const char* name : {"To", "Cc"})
        for (const message::Field* f : h.find_all(name)) {
            auto list = address::parse_address_list(f->value);
            n += list ? list->size() : 1;
        }
    return n;
}

std::string default_footer(const Settings& l) {
    return fmt::format("_______________________________________________\n"
                       "{} mailing list -- {}\n"
                       "To unsubscribe send an email to {}\n",
                       l.name, l.address(), l.suffixed("leave"));
}

std::string prepare(const Parsed& post, const Context& c) {
    const Settings& l = c.list;
    message::Headers h = post.headers;
    std::string body = post.body;
    for (std::string_view name : k_removed) h.remove_all(name);
    const Poster who = poster(post.headers, "");

    // The subject prefix (kept in its encoded form when the subject is
    // encoded: the prefix is ASCII and goes in front of the encoded words).
    {
        std::string subject = header_value(h, "Subject");
        replace(h, "Subject", prefixed_subject(subject, l.prefix_or_default()));
    }
    if (!h.find("Message-ID")) put(h, "Message-ID", fmt::format("<listman.{}.{}.{}@{}>", c.seq, c.now, l.name, l.host));
    if (!h.find("Date")) put(h, "Date", rfc5322_date(c.now));

    // DMARC: the list's From instead of a domain that forbids others to use it.
    std::string original_from = header_value(post.headers, "From");
    if (c.dmarc == Dmarc::WrapMessage) {
        std::string wrapped_boundary = boundary_for(body, c.seq);
        std::string original = h.serialize() + "\n" + body;
        message::Headers outer;
        put(outer, "From", munged_from(who, l));
        for (const char* n : {"To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References"})
            if (const message::Field* f = h.find(n)) put(outer, n, message::unfold(f->value));
        if (!original_from.empty()) put(outer, "Reply-To", original_from);
        put(outer, "MIME-Version", "1.0");
        put(outer, "Content-Type", fmt::format("multipart/mixed; boundary=\"{}\"", wrapped_boundary));
        body = fmt::format("--{b}\nContent-Type: text/plain; charset=\"us-ascii\"\n\n"
                           "The message from {w} is attached: its domain's DMARC policy does not allow\n"
                           "the list to send it on in that sender's name.\n\n"
                           "--{b}\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n{o}\n--{b}--\n",
                           fmt::arg("b", wrapped_boundary), fmt::arg("w", who.address), fmt::arg("o", original));
        h = std::move(outer);
    } else if (c.dmarc == Dmarc::MungeFrom) {
        replace(h, "From", munged_from(who, l));
        if (!original_from.empty()) {
            if (l.reply_to == "poster" && !h.find("Reply-To")) put(h, "Reply-To", original_from);
            else if (l.reply_to != "poster") {
                std::string cc = header_value(h, "Cc");
                replace(h, "Cc", cc.empty() ? original_from : cc + ", " + original_from);
            }
        }
    }

    if (l.reply_to == "list") replace(h, "Reply-To", l.address());
    else if (l.reply_to == "explicit" && !l.reply_to_address.empty()) replace(h, "Reply-To", l.reply_to_address);

    if (c.dmarc != Dmarc::WrapMessage) {
        std::string footer = l.footer == "none" ? "" : l.footer.empty() ? default_footer(l) : l.footer;
        if (!footer.empty() && footer.back() != '\n') footer += '\n';
        add_footer(h, body, footer, c.seq);
    }

    // The list's own headers (Mailman's order), after the poster's.
    put(h, "X-BeenThere", l.address());
    if (!h.find("Precedence")) put(h, "Precedence", "list");
    put(h, "List-Id", list_id_value(l));
    put(h, "List-Unsubscribe", fmt::format("<mailto:{}>, <mailto:{}?subject=unsubscribe>", l.suffixed("leave"),
                                           l.suffixed("request")));
    if (!c.archive_url.empty() && l.archive) put(h, "List-Archive", "<" + c.archive_url + ">");
    put(h, "List-Post", l.post_policy == "announce" ? "NO" : "<mailto:" + l.address() + ">");
    put(h, "List-Help", fmt::format("<mailto:{}?subject=help>", l.suffixed("request")));
    put(h, "List-Subscribe", fmt::format("<mailto:{}>, <mailto:{}?subject=subscribe>", l.suffixed("join"),
                                         l.suffixed("request")));
    put(h, "List-Owner", "<mailto:" + l.suffixed("owner") + ">");
    put(h, "X-List-Sequence", std::to_string(c.seq));
    put(h, "Sender", mime::encode_mailbox(l.name, l.suffixed("bounces")));
    std::string out = h.serialize();
    out += '\n';
    out += body;
    return out;
}

}  // namespace mail::lists::post
