// mime_send.cpp — see mime_send.h.  (Interim: text only until libmail/mime lands.)
#include "mailx/mime_send.h"

namespace mailx {

namespace {
bool ascii(const std::string& s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}
}  // namespace

std::string encode_subject(const std::string& utf8) { return utf8; }
std::string encode_address_header(const std::string& addresses) { return addresses; }

std::optional<MimeBody> mime_body(const std::string& text, const std::vector<std::string>& attachments,
                                  std::string* error) {
    if (!attachments.empty()) {
        if (error) *error = "attachments are not supported yet";
        return std::nullopt;
    }
    MimeBody b;
    b.body = text;
    if (!ascii(text))
        b.headers = "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n";
    return b;
}

}  // namespace mailx
