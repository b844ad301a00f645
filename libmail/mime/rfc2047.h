// rfc2047.h — non-ASCII text in header fields (RFC 2047 encoded words).
//
// decode_header() turns a field value as it appears in a message into one
// line of UTF-8 for display: encoded words in any charset are decoded,
// white space between two adjacent encoded words is dropped (§6.2), and
// anything malformed is shown as it was written.  encode_header() and
// encode_phrase() go the other way for mail we send: the result is ASCII,
// with "=?UTF-8?B?…?=" words only where non-ASCII text needs them.
//
// Tolerance (what real mail does, beyond the letter of RFC 2047):
//   - encoded words are recognised anywhere, also when glued to other text
//     ("Re:=?utf-8?q?x?=") or inside quoted strings and parameters;
//   - encoded words longer than 75 characters are accepted;
//   - adjacent words in the same charset are joined before conversion, so
//     a character split across two words still decodes;
//   - a '?' inside Q text is accepted; white space inside a word makes it
//     malformed (it is left as is);
//   - an RFC 2231 language suffix ("=?utf-8*en?q?…?=") is ignored;
//   - raw 8-bit bytes outside encoded words are taken as UTF-8 (repaired).
//
// SECURITY: values are untrusted.  The decoded result has no control
// characters (see printable() in charset.h), so a decoded subject cannot
// start a new line or send escape sequences to the terminal.  Decoding is
// linear in the length of the value.
//
// STANDARDS: RFC 2047 §2 (syntax), §4 (B and Q), §5 (where encoded words
// may appear), §6.2 (display), §8 (examples, used as tests); RFC 2231 §5
// (language in encoded words); RFC 5322 §2.2.3 (unfolding), §3.2.5
// (phrase).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mail::mime {

// A header field value (folded or not, as in message::Field::value) as one
// line of printable UTF-8 with encoded words decoded.
std::string decode_header(std::string_view value);

// Encodes UTF-8 text (e.g. a subject) as a header field value: ASCII words
// stay as they are, runs of words that contain non-ASCII bytes, control
// characters or "=?" become "=?UTF-8?B?…?=" words.  The value is folded
// ("\n" + white space) so that no line is longer than 76 characters,
// counting "Name: " (field_name_length + 2) on the first line, unless a
// single ASCII word is longer.  CR and LF in the text become spaces;
// invalid UTF-8 is repaired.  Returns the value only, without "Name: ".
std::string encode_header(std::string_view text, size_t field_name_length);

// A display name for an address (RFC 5322 phrase), on one line: as it is
// if it is all atoms, a quoted string if it has other ASCII specials, and
// encoded words (B, at most 75 characters each, separated by spaces) if it
// has non-ASCII text.
std::string encode_phrase(std::string_view display_name);

// "phrase <addr_spec>", or addr_spec alone when display_name is empty.
std::string encode_mailbox(std::string_view display_name, std::string_view addr_spec);

}  // namespace mail::mime
