// mime_view.h — a message body as the reader shows it: plain text as it
// is, MIME text parts decoded (transfer encoding and charset) and other
// parts listed with their type, size and file name, as s-nail shows them:
//   [-- #2 application/pdf, base64, 15321 bytes, "report.pdf" --]
#pragma once

#include <string>
#include <string_view>

namespace mailx {

std::string view_body(std::string_view header_text, std::string_view body);

}  // namespace mailx
