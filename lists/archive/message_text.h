// message_text.h — what the archive and the digests show of a message:
// its readable text, the parts they leave out, header values as one line,
// subjects normalised for threading, Message-ID lists, hidden addresses.
// Internal to lists/archive (the HTML and digest code share it).
//
// SECURITY: the message is hostile.  The text made for display
// (MessageBody, header_text, subject keys) is valid UTF-8 without control
// characters other than "\n" (and "\t" in body text); the raw views
// (split_message, header_fields, find_raw_field) are the message's own
// bytes.  Work is linear in the message size (libmail/mime's parser,
// bounded depth and part count).
//
// STANDARDS: RFC 2045/2046 (the part tree), RFC 2047 (header words),
// RFC 5322 §3.6.4 (msg-id lists in In-Reply-To and References).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mail::lists::archive {

// A part that is not shown: its file name (printable UTF-8, "" if none) and
// its media type.
struct WithheldPart {
    std::string name;
    std::string mime_type;
};

struct MessageBody {
    // The text/plain parts that are not attachments, in order, each
    // decoded to UTF-8 with "\n" line ends and no control characters.
    std::vector<std::string> texts;
    // Everything else that a reader would see as a part: attachments,
    // HTML, enclosed messages, parts we could not decode.  At most
    // k_max_withheld are listed; `more_withheld` counts the rest.
    std::vector<WithheldPart> withheld;
    std::size_t more_withheld = 0;
};

inline constexpr std::size_t k_max_withheld = 100;

// Splits a message (header, blank line, body) into what is shown and what
// is withheld.  multipart/alternative shows its text/plain alternative (or
// its first multipart one), and lists nothing else.
MessageBody message_body(std::string_view message);

// A header field value as one line of printable UTF-8: unfolded, RFC 2047
// words decoded, control characters replaced, white space trimmed.
std::string header_text(std::string_view raw);

// A message's header section (each line with its line end, no blank line)
// and its body, as views into `message`.  A leading mbox From_ line is
// skipped; the header ends at an empty line, or at the first line that is
// neither a field nor a continuation (that line starts the body), as
// libmail/mime reads it.
struct SplitMessage {
    std::string_view header;
    std::string_view body;
};
SplitMessage split_message(std::string_view message);

// One field of a header section, as views into it.
struct RawField {
    std::string_view name;   // as written, without trailing white space
    std::string_view lines;  // the whole field: its first line, continuation lines, their line ends
    std::string_view value;  // after the colon, folding kept, up to the last line end
};

// The fields of a header section in order.  Lines that are neither a
// field nor a continuation of one are skipped.
std::vector<RawField> header_fields(std::string_view header);

// The value of the first field `name` (case-insensitive) in a header
// section, folding kept; "" if there is none.
std::string_view find_raw_field(std::string_view header, std::string_view name);

struct SubjectKey {
    std::string key;     // lower case, prefixes and "[tags]" gone, spaces collapsed
    bool reply = false;  // a reply prefix (Re:, Aw:, Sv:, Antw:, …) was removed
};
SubjectKey subject_key(std::string_view subject);

// "<a@b>" and "a@b" both give "a@b"; white space and comments dropped.
std::string msgid_key(std::string_view id);
// The ids in an In-Reply-To or References value, in order.  A value with
// no "<…>" at all counts as one id (some mailers write it bare).
std::vector<std::string> msgid_list(std::string_view value);

// Hides addresses from harvesters: each '@' between an address character
// and a letter or digit becomes " at ".
std::string obfuscate_addresses(std::string_view text);

}  // namespace mail::lists::archive
