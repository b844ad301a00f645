// mime.h — MIME messages: the part tree, decoding parts for display, and
// (via compose.h) building messages with attachments.  Including this header
// gives the whole module: transfer.h, charset.h, rfc2047.h, content_type.h,
// compose.h.  docs/mime.md describes the behaviour for users.
//
// parse() splits a message into a tree of Parts without copying the
// message: every Part holds string_views into the caller's buffer, which
// must outlive the tree.  It never fails; a message without MIME fields is
// one text/plain part.  Rules:
//   - a leading mbox From_ line is skipped;
//   - header sections end at an empty line, or at the first line that is
//     neither a field nor a continuation (that line starts the body);
//     LF and CRLF line ends are both understood;
//   - multipart bodies are split at lines "--boundary" followed only by
//     white space; "--boundary--" closes; the preamble and the epilogue are
//     ignored; a missing close delimiter ends the last part at the end of
//     the body; the line end before a delimiter belongs to the delimiter;
//   - parts of multipart/digest without Content-Type are message/rfc822;
//   - message/rfc822 and message/global bodies are parsed as messages;
//   - limits: a container below depth 32 or after 10,000 parts, a
//     multipart without a boundary, and a container with a base64 or
//     quoted-printable encoding (forbidden by RFC 2045 §6.4) are left
//     unparsed and marked `opaque`.
//
// Thread-safety: everything is reentrant; a Part tree is immutable data.
//
// SECURITY: the message is untrusted.  Parsing is iterative per level and
// recursive only across levels (bounded by max_depth); work is linear in the
// message size times the depth, memory linear in the number of parts.
// Filenames are printable UTF-8 but may contain "/" and ".."; use
// safe_filename() before creating a file.
//
// STANDARDS: RFC 2045 (MIME header fields, defaults, encodings), RFC 2046
// §5.1 (multipart syntax, boundaries, digest), §5.2 (message/rfc822),
// RFC 2183 (Content-Disposition), RFC 2231 (parameters), RFC 6532 §3.7
// (message/global).
#pragma once

#include "libmail/mime/charset.h"
#include "libmail/mime/compose.h"
#include "libmail/mime/content_type.h"
#include "libmail/mime/rfc2047.h"
#include "libmail/mime/transfer.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mail::mime {

struct Part {
    std::string_view header;  // the header section, each line with its line end; no blank line
    std::string_view body;    // the body as it is in the message (still transfer-encoded)
    ContentType content_type;
    Encoding encoding = Encoding::SevenBit;
    std::string encoding_label;  // the Content-Transfer-Encoding as written, lower case; "" if absent
    ContentDisposition disposition;
    // UTF-8, printable, one line: the disposition's filename, else the
    // type's name parameter (RFC 2231 decoded, or RFC 2047 decoded as many
    // mailers write it); "" if none.  Not safe as a path: see safe_filename().
    std::string filename;
    // multipart: the body parts in order; message/rfc822: one Part, the
    // embedded message; others: none.
    std::vector<Part> children;
    int depth = 0;        // 0 for the message itself
    bool opaque = false;  // a container whose contents were not (all) parsed

    bool is_text() const { return content_type.type == "text"; }
    // Shown as an attachment rather than inline: Content-Disposition says
    // so, or the part is neither text, multipart nor a message.
    bool is_attachment() const;
};

struct ParseLimits {
    int max_depth = 32;        // containers deeper than this stay opaque
    size_t max_parts = 10000;  // parts after this many are not parsed
};

// Parses a message (header section, blank line, body) into a tree.  The
// tree points into `message`, so parsing a temporary std::string does not
// compile.
Part parse(std::string_view message, const ParseLimits& limits = {});
Part parse(std::string&& message, const ParseLimits& limits = {}) = delete;
inline Part parse(const char* message, const ParseLimits& limits = {}) {
    return parse(std::string_view(message), limits);
}

// The first field called `name` (case-insensitive) in a header section,
// unfolded; nullopt if there is none.  Tolerates garbage lines.
std::optional<std::string> find_field(std::string_view header, std::string_view name);

// The body with its transfer encoding removed (bytes, for saving a part).
// An unknown encoding gives the body unchanged.
std::string decoded_body(const Part& part);

// A text/* part as UTF-8 for display: transfer decoding, then its charset
// converted (charset.h), CRLF turned into LF.  nullopt for other types and
// for unknown transfer encodings (RFC 2045 §6.4).  Control characters are
// not removed: pass the text through printable() before a terminal.
std::optional<std::string> decoded_text(const Part& part);

// A name for saving a part under: the last component of `name` (after "/"
// or "\"), printable, without leading dots, spaces or "-", at most 255
// bytes; "" if nothing usable is left (the caller picks a name).
std::string safe_filename(std::string_view name);

}  // namespace mail::mime
