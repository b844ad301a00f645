// compose.h — building the MIME part of a message we send: a plain text
// body, or text with attachments (multipart/mixed); and guessing a file's
// media type.
//
// The functions return the MIME header fields and the body; the caller adds
// its own fields (From, To, Subject, Date, …) and writes
// headers + "\n" + body.  All line ends are "\n".
//
// The text part:
//   - 7bit (no MIME fields at all in text-only mode) when it is ASCII with
//     lines of at most 998 bytes, no NUL, no CR except before LF, no line
//     starting with "From " and no line that is only ".";
//   - quoted-printable when any of those rules is broken (so mbox "From "
//     quoting and lone dots cannot alter it), whatever the charset;
//   - 8bit otherwise;
//   - charset us-ascii for ASCII text, UTF-8 for valid UTF-8, else
//     unknown-8bit (RFC 1428): the text is never changed.
// Attachments are base64 with Content-Disposition: attachment and the last
// component of the path as filename (RFC 2231 encoded when it is not plain
// ASCII); text/* attachments get a charset parameter when it is known.
//
// mime_type_for() reads /etc/mime.types once (the first call; thread-safe),
// and otherwise does no I/O.
//
// SECURITY: the text and file names come from the local user; nothing they
// contain can end a header field or a part early: names are quoted or
// percent-encoded, the boundary is checked against the content.
//
// STANDARDS: RFC 2045 §2.7/2.8 (7bit/8bit data, 998-byte lines), §6
// (encodings), RFC 2046 §5.1 (multipart, boundaries), RFC 2183
// (Content-Disposition), RFC 2231 (encoded filenames), RFC 1428
// (unknown-8bit), mime.types(5).
#pragma once

#include "libmail/message/header.h"
#include "libmail/mime/content_type.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mail::mime {

struct Attachment {
    std::string path;       // as the user gave it; only the last component is sent
    std::string content;    // the file's bytes, read by the caller
    std::string mime_type;  // "type/subtype"; "" or malformed → mime_type_for(path, content)
};

struct MimeBody {
    message::Headers headers;  // MIME-Version, Content-Type, Content-Transfer-Encoding; may be empty
    std::string body;
};

// How a text body will be sent (exposed for tests and for `~p`-style
// previews).
struct TextEncoding {
    std::string charset;  // "us-ascii", "UTF-8" or "unknown-8bit"
    Encoding encoding;    // SevenBit, EightBit or QuotedPrintable
};
TextEncoding choose_text_encoding(std::string_view text);

// Text only: no MIME fields for 7-bit text, else MIME-Version,
// Content-Type: text/plain; charset=…, Content-Transfer-Encoding.  The body
// is the text, or its quoted-printable form.
MimeBody build_text(std::string_view text);

// Text plus attachments as multipart/mixed (build_text() when there are no
// attachments).  An empty text gives no text part.  `boundary` is used if
// given (tests), else a random one "=_mailroom_<hex>"; either is changed if
// it occurs in the text.
MimeBody build_message(std::string_view text, const std::vector<Attachment>& attachments,
                       std::string_view boundary = {});

// A table from file extensions to media types, in mime.types(5) format:
// "type/subtype ext1 ext2 …", '#' comments.  The first mapping of an
// extension wins.
class MimeTypes {
public:
    static MimeTypes parse(std::string_view text);
    // /etc/mime.types, read on the first call; empty if it is missing.
    static const MimeTypes& system();
    // txt html htm pdf png jpg jpeg gif zip gz tar json xml csv.
    static const MimeTypes& builtin();

    // The type for an extension (case-insensitive, without the dot); "" if unknown.
    std::string find(std::string_view extension) const;
    bool empty() const { return m_types.empty(); }

private:
    std::unordered_map<std::string, std::string> m_types;
};

// The media type for a file: by its extension in `table`, then in the
// built-in table; else text/plain if the content is valid UTF-8 without
// NUL bytes, else application/octet-stream.
std::string mime_type_for(std::string_view path, std::string_view content, const MimeTypes& table);
// The same with MimeTypes::system().
std::string mime_type_for(std::string_view path, std::string_view content);

}  // namespace mail::mime
