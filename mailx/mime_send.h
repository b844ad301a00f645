// mime_send.h — the MIME side of sending: RFC 2047 subjects and display
// names, and the body with the headers it needs (none for 7-bit ASCII
// text; charset and transfer encoding for other text; multipart/mixed with
// base64 attachments for -a and ~@).
#pragma once

#include "libmail/util/result.h"

#include <optional>
#include <string>
#include <vector>

namespace mailx {

std::string encode_subject(const std::string& utf8);
std::string encode_address_header(const std::string& addresses);

struct MimeBody {
    std::string headers;  // complete lines, "" for plain ASCII text
    std::string body;
};

// Reads the attachment files; an unreadable one is an error (the message
// is not sent, the caller keeps it in DEAD).
std::optional<MimeBody> mime_body(const std::string& text, const std::vector<std::string>& attachments,
                                  std::string* error);

}  // namespace mailx
