// display.h — printing messages: `print`/`type` (header fields filtered by
// ignore/retain), `Print`/`Type` (all fields), `top`, and the MIME decoding
// that makes encoded mail readable (docs/mailx.md).
#pragma once

#include "mailx/session.h"

#include <string>

namespace mailx {

// The text shown for message `n`: "Message N:" line, From_ line, header
// fields (Status made from the session's flags), blank line, body decoded
// for the terminal.  `top_lines` > 0 cuts after that many lines of header
// and body (top).
std::string render_message(const Session& s, std::size_t n, bool all_headers, std::size_t top_lines = 0);

// Writes `text` to stdout, through $PAGER when `crt` says the text is too
// long for the screen and stdout is a terminal.
void page_out(Session& s, const std::string& text);

// The header section of message `n` with Status: replaced by `status`
// ("" drops it) — used when messages are written to files.
std::string header_with_status(const Folder& f, std::size_t n, const std::string& status);

}  // namespace mailx
