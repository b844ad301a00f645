// mime_send.cpp — see mime_send.h.  The encoding rules are libmail/mime's
// (docs/mime.md): no MIME fields for 7-bit text, UTF-8 8bit or
// quoted-printable otherwise, multipart/mixed with base64 attachments.
#include "mailx/mime_send.h"

#include "mailx/aliases.h"

#include "libmail/mime/charset.h"
#include "libmail/mime/compose.h"
#include "libmail/mime/rfc2047.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mailx {

std::string encode_subject(const std::string& utf8) {
    return mail::mime::encode_header(utf8, std::strlen("Subject"));
}

std::string encode_address_header(const std::string& addresses) {
    std::string out;
    for (const auto& r : split_recipients(addresses)) {
        if (!out.empty()) out += ", ";
        std::string addr = bare_address(r);
        auto lt = r.find('<');
        std::string name = lt == std::string::npos ? "" : r.substr(0, lt);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
        if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
        out += name.empty() ? (lt == std::string::npos ? r : addr) : mail::mime::encode_mailbox(name, addr);
    }
    return out;
}

std::optional<MimeBody> mime_body(const std::string& text, const std::vector<std::string>& attachments,
                                  std::string* error) {
    std::vector<mail::mime::Attachment> files;
    for (const auto& path : attachments) {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            if (error) *error = path + ": " + std::strerror(errno);
            return std::nullopt;
        }
        std::ostringstream ss;
        ss << in.rdbuf();
        files.push_back({path, ss.str(), ""});
    }
    // Plain 7-bit text goes as it is, even with "From " or "." lines (the
    // MTA is run with -i and the MDA quotes From_ lines): a reader without
    // MIME then sees exactly what was typed.  Everything else is libmail's
    // choice.
    bool plain = files.empty() && mail::mime::is_ascii(text);
    for (std::size_t pos = 0, nl; plain && pos < text.size(); pos = nl + 1) {
        nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        if (nl - pos > 998) plain = false;
    }
    if (plain) return MimeBody{"", text};
    auto built = mail::mime::build_message(text, files);
    MimeBody b;
    b.headers = built.headers.serialize();
    b.body = std::move(built.body);
    return b;
}

}  // namespace mailx
