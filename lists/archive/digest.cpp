// digest.cpp — the MIME and RFC 1153 digests: mime_digest() and
// rfc1153_digest() (see archive.h for the layouts).
//
// Both open with a masthead shaped like Mailman's (where to post, how to
// subscribe or leave by mail, who runs the list, "edit your Subject line")
// and a table of contents, "Today's Topics:" with "   1. Subject (Author)"
// lines wrapped at 72 columns.
//
// SECURITY: the posts are hostile.  The digest's own header fields come
// from DigestInfo only, with control characters removed (addresses lose
// white space and <>,;: too), so nothing can add a header line.  Subjects
// and authors in the tables are decoded, printable, one line each.  In the
// MIME digest each post is enclosed as message/rfc822 with its header cut
// down to a fixed list of fields; the boundaries are derived from a hash of
// everything enclosed and checked not to occur in it, so a post cannot end
// its part early or forge another.  The plain digest blanks the first
// character of body lines that are exactly 30 hyphens (RFC 1153), so a post
// cannot fake a message boundary for undigestifiers.
// STANDARDS: RFC 1153, RFC 2046 §5.1.1 (boundaries), §5.1.5
// (multipart/digest), §5.2.1 (message/rfc822 encodings), RFC 2045 §6.4,
// RFC 5322 §2.1.1 (998-byte lines), RFC 2047.
#include "lists/archive/archive.h"
#include "lists/archive/message_text.h"

#include "libmail/address/address.h"
#include "libmail/message/header.h"
#include "libmail/mime/mime.h"
#include "libmail/util/clock.h"
#include "libmail/util/strings.h"

#include <array>
#include <cstdint>

#include <fmt/format.h>

namespace mail::lists::archive {
namespace {

constexpr std::string_view k_dashes70 =
    "----------------------------------------------------------------------";
constexpr std::string_view k_dashes30 = "------------------------------";
constexpr std::size_t k_max_line = 998;  // RFC 5322 §2.1.1
constexpr std::size_t k_toc_width = 72;

// Header fields a post keeps inside the MIME digest (besides Content-*).
constexpr std::array<std::string_view, 9> k_kept_fields = {
    "Date", "From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References", "MIME-Version"};

// The header lines of an RFC 1153 digest entry, in the RFC's order.
constexpr std::array<std::string_view, 7> k_plain_fields = {"Date",    "From",       "To",      "Cc",
                                                            "Subject", "Message-ID", "Keywords"};

// One line of printable text for a header we write.
std::string one_line(std::string_view s) {
    return std::string(trim(mime::printable(s, true)));
}

// An address for a header we write: no white space, controls or specials
// that could start another address or field.
std::string clean_address(std::string_view s) {
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7F || c == '<' || c == '>' || c == ',' || c == ';' || c == ':' || c == '"' ||
            c == '(' || c == ')' || c == '\\')
            continue;
        out += c;
    }
    return out;
}

struct Names {
    std::string list, post, request, owner, digest;
};

Names names_of(const DigestInfo& info) {
    Names n;
    n.list = one_line(info.list_name);
    if (n.list.empty()) n.list = "list";
    std::string host = clean_address(info.host);
    auto or_default = [&](std::string_view given, std::string_view suffix) {
        std::string a = clean_address(given);
        if (a.empty()) a = clean_address(n.list) + std::string(suffix) + (host.empty() ? "" : "@" + host);
        return a;
    };
    n.post = or_default(info.list_address, "");
    n.request = or_default(info.request_address, "-request");
    n.owner = or_default(info.owner_address, "-owner");
    n.digest = digest_name(info);
    return n;
}

bool has_8bit(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return true;
    return false;
}

// Cuts lines longer than k_max_line bytes, between UTF-8 characters.
std::string break_long_lines(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t col = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\n') {
            col = 0;
        } else if (col >= k_max_line - 3 && (static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            out += '\n';
            col = 0;
        }
        out += c;
        if (c != '\n') ++col;
    }
    return out;
}

std::size_t display_width(std::string_view s) {
    std::size_t n = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    return n;
}

// "  12. text" word-wrapped at k_toc_width, continuation lines indented.
std::string toc_entry(std::size_t number, std::string_view text) {
    std::string line = fmt::format("  {:2d}. ", number);
    const std::string indent(6, ' ');
    std::size_t width = display_width(line);
    bool first_word = true;
    for (const auto& word : split(text, " ")) {
        std::size_t w = display_width(word);
        if (!first_word && width + 1 + w > k_toc_width) {
            line += "\n" + indent;
            width = indent.size();
            first_word = true;
        }
        if (!first_word) {
            line += ' ';
            ++width;
        }
        line += word;
        width += w;
        first_word = false;
    }
    return line + "\n";
}

struct Summary {
    std::string subject, author;
};

Summary summarise(std::string_view message) {
    SplitMessage parts = split_message(message);
    Summary s;
    s.subject = header_text(find_raw_field(parts.header, "Subject"));
    if (s.subject.empty()) s.subject = "(no subject)";
    std::string from = message::unfold(find_raw_field(parts.header, "From"));
    if (auto list = address::parse_address_list(from); list && !list->empty()) {
        const auto& mb = list->front();
        s.author = header_text(mb.display_name);
        if (s.author.empty()) s.author = one_line(mb.addr_spec());
    }
    if (s.author.empty()) s.author = header_text(from);
    if (s.author.empty()) s.author = "unknown";
    return s;
}

std::string masthead(const Names& n) {
    return fmt::format(
        "Send {0} mailing list submissions to\n"
        "\t{1}\n"
        "\n"
        "To subscribe or unsubscribe by email, send a message with subject or\n"
        "body 'help' to\n"
        "\t{2}\n"
        "\n"
        "You can reach the person managing the list at\n"
        "\t{3}\n"
        "\n"
        "When replying, please edit your Subject line so it is more specific\n"
        "than \"Re: Contents of {0} digest...\"\n",
        n.list, n.post, n.request, n.owner);
}

std::string topics(const std::vector<std::string>& messages) {
    std::string out = "Today's Topics:\n\n";
    for (std::size_t i = 0; i < messages.size(); ++i) {
        Summary s = summarise(messages[i]);
        out += toc_entry(i + 1, s.subject + " (" + s.author + ")");
    }
    return break_long_lines(out);
}

std::string trailer(const Names& n) {
    std::string end = "End of " + n.digest;
    return end + "\n" + std::string(display_width(end), '*') + "\n";
}

// The digest's own header fields, without the MIME ones.
std::string digest_header(const DigestInfo& info, const Names& n) {
    auto atext = [](std::string_view s) {
        std::string out;
        for (char c : s)
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                c == '-' || c == '_')
                out += c;
        return out;
    };
    std::string local = atext(n.list);
    std::string host = atext(info.host);
    std::string msgid =
        fmt::format("<{}.digest.{}.{}.{}@{}>", local.empty() ? "list" : local, info.volume, info.issue,
                    static_cast<long long>(info.date), host.empty() ? "localhost" : host);
    std::string out;
    out += "From: " + n.request + "\n";
    out += "To: " + n.post + "\n";
    out += "Reply-To: " + n.post + "\n";
    out += "Subject: " + mime::encode_header(n.digest, 7) + "\n";
    out += "Date: " + rfc5322_date(info.date) + "\n";
    out += "Message-ID: " + msgid + "\n";
    out += "Precedence: list\n";
    return out;
}

// ---------------------------------------------------------------- MIME

// A post as enclosed in the digest: the kept header fields, a blank line,
// the body; line ends "\n".
std::string enclosed(std::string_view message) {
    SplitMessage parts = split_message(message);
    std::string out;
    for (const auto& f : header_fields(parts.header)) {
        bool keep = istarts_with(f.name, "Content-");
        for (auto k : k_kept_fields)
            if (iequals(f.name, k)) keep = true;
        if (!keep) continue;
        std::string_view lines = f.lines;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            char c = lines[i];
            if (c == '\r') {
                if (i + 1 < lines.size() && lines[i + 1] == '\n') continue;
                c = ' ';  // a bare CR inside a field must not end it
            }
            out += c;
        }
        if (out.empty() || out.back() != '\n') out += '\n';
    }
    out += '\n';
    std::string_view body = parts.body;
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '\r' && i + 1 < body.size() && body[i + 1] == '\n') continue;
        out += body[i];
    }
    return out;
}

std::uint64_t fnv1a(std::uint64_t h, std::string_view s) {
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::string text_part(std::string_view text, std::string_view description) {
    bool eight = has_8bit(text);
    std::string out = fmt::format("Content-Type: text/plain; charset=\"{}\"\n", eight ? "utf-8" : "us-ascii");
    if (eight) out += "Content-Transfer-Encoding: 8bit\n";
    out += "Content-Description: " + mime::encode_header(description, 19) + "\n\n";
    out += text;
    return out;
}

// Appends a part and the delimiter after it.  The line end before a
// delimiter belongs to the delimiter (RFC 2046 §5.1.1), so a part that
// ends with "\n" gets one more.
void add_part(std::string& out, std::string_view part, std::string_view delimiter) {
    out += part;
    if (part.empty() || part.back() != '\n') out += '\n';
    out += '\n';
    out += delimiter;
}

// ---------------------------------------------------------------- RFC 1153

// The text of one post for the plain digest.
std::string plain_entry(std::string_view message) {
    SplitMessage parts = split_message(message);
    std::string out;
    for (auto name : k_plain_fields) {
        std::string value = header_text(find_raw_field(parts.header, name));
        if (value.empty()) continue;
        out += std::string(name) + ": " + value + "\n";
    }
    out += '\n';

    MessageBody mb = message_body(message);
    std::string text;
    for (const auto& t : mb.texts) {
        if (!text.empty() && text.back() != '\n') text += '\n';
        text += t;
    }
    for (const auto& w : mb.withheld) {
        if (!text.empty() && text.back() != '\n') text += '\n';
        std::string name = one_line(w.name);
        text += fmt::format("[Not included: {} ({})]\n", name.empty() ? "an unnamed part" : name,
                            one_line(w.mime_type));
    }
    if (mb.more_withheld > 0) text += fmt::format("[Not included: {} more parts]\n", mb.more_withheld);

    // RFC 1153: no leading or trailing blank lines; a line of exactly 30
    // hyphens gets a blank first character.
    std::vector<std::string_view> lines;
    std::string_view rest = text;
    while (!rest.empty()) {
        std::size_t nl = rest.find('\n');
        lines.push_back(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
    std::size_t first = 0, last = lines.size();
    while (first < last && trim(lines[first]).empty()) ++first;
    while (last > first && trim(lines[last - 1]).empty()) --last;
    for (std::size_t i = first; i < last; ++i) {
        if (lines[i] == k_dashes30)
            out += " " + std::string(k_dashes30.substr(1));
        else
            out += lines[i];
        out += '\n';
    }
    return out;
}

}  // namespace

std::string digest_name(const DigestInfo& info) {
    std::string list = one_line(info.list_name);
    return fmt::format("{} Digest, Vol {}, Issue {}", list.empty() ? "list" : list, info.volume, info.issue);
}

std::string mime_digest(const DigestInfo& info, const std::vector<std::string>& messages) {
    Names n = names_of(info);
    std::string head = masthead(n);
    std::string toc = topics(messages);
    std::string end = trailer(n);
    std::vector<std::string> posts;
    posts.reserve(messages.size());
    for (const auto& m : messages) posts.push_back(enclosed(m));

    // A boundary that occurs in nothing it encloses (RFC 2046 §5.1.1).
    // Derived from the content, so a post cannot know it in advance.
    std::uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv1a(
        h, fmt::format("{}/{}/{}/{}", n.digest, info.volume, info.issue, static_cast<long long>(info.date)));
    for (const auto& p : posts) h = fnv1a(h, p);
    std::string base;
    for (unsigned attempt = 0;; ++attempt) {
        base = fmt::format("=_mailroom_digest_{:016x}_{}", fnv1a(h, std::to_string(attempt)), attempt);
        bool clash = head.find(base) != std::string::npos || toc.find(base) != std::string::npos ||
                     end.find(base) != std::string::npos || n.list.find(base) != std::string::npos;
        for (const auto& p : posts) clash = clash || p.find(base) != std::string::npos;
        if (!clash) break;
    }
    const std::string outer = base + "m", inner = base + "d";  // neither is a prefix of the other

    bool eight = has_8bit(toc);
    for (const auto& p : posts) eight = eight || has_8bit(p);

    std::string out = digest_header(info, n);
    out += "MIME-Version: 1.0\n";
    out += "Content-Type: multipart/mixed; boundary=\"" + outer + "\"\n";
    if (eight) out += "Content-Transfer-Encoding: 8bit\n";
    out += "\nThis is a MIME digest of the " + n.list + " mailing list.\n";
    const std::string next_outer = "--" + outer + "\n";
    out += "\n" + next_outer;
    add_part(out, text_part(head, n.digest), next_outer);
    add_part(out,
             text_part(toc, fmt::format("Today's Topics ({} message{})", messages.size(),
                                        messages.size() == 1 ? "" : "s")),
             next_outer);

    std::string digest = "Content-Type: multipart/digest; boundary=\"" + inner + "\"\n";
    bool digest_eight = false;
    for (const auto& p : posts) digest_eight = digest_eight || has_8bit(p);
    if (digest_eight) digest += "Content-Transfer-Encoding: 8bit\n";
    digest += "\n";
    const std::string next_inner = "--" + inner + "\n";
    digest += next_inner;
    if (posts.empty()) posts.push_back("");  // RFC 2046 §5.1.1 wants one body part: an empty message
    for (std::size_t i = 0; i < posts.size(); ++i) {
        std::string part = "Content-Type: message/rfc822\n";
        if (has_8bit(posts[i])) part += "Content-Transfer-Encoding: 8bit\n";
        part += "\n" + posts[i];
        add_part(digest, part, i + 1 < posts.size() ? next_inner : "--" + inner + "--\n");
    }
    add_part(out, digest, next_outer);
    add_part(out, text_part(end, "Digest Footer"), "--" + outer + "--\n");
    return out;
}

std::string rfc1153_digest(const DigestInfo& info, const std::vector<std::string>& messages) {
    Names n = names_of(info);
    std::string body = masthead(n);
    body += "\n";
    body += topics(messages);
    body += "\n";
    body += std::string(k_dashes70) + "\n\n";
    for (const auto& m : messages) {
        body += plain_entry(m);
        body += "\n" + std::string(k_dashes30) + "\n\n";
    }
    body += trailer(n);
    body = break_long_lines(body);

    std::string out = digest_header(info, n);
    out += "MIME-Version: 1.0\n";
    bool eight = has_8bit(body);
    out += fmt::format("Content-Type: text/plain; charset=\"{}\"\n", eight ? "utf-8" : "us-ascii");
    out += fmt::format("Content-Transfer-Encoding: {}\n", eight ? "8bit" : "7bit");
    out += "\n";
    out += body;
    return out;
}

}  // namespace mail::lists::archive
