// transfer.h — MIME content-transfer-encodings: base64 and quoted-printable.
//
// Decoders are for reading mail written by anyone, so they never fail:
// they skip or keep what they cannot understand (rules below) and always
// return some bytes.  Encoders produce output that passes through any MTA
// and mbox unchanged: "\n" line ends, lines of at most 76 characters.
//
// All functions are pure and run in time linear in their input.
//
// SECURITY: decoder input is untrusted; output is never larger than the
// input, and no input makes them read out of bounds or loop.
//
// STANDARDS: RFC 2045 §6.7 (quoted-printable), §6.8 (base64); RFC 4648 §4
// (the base64 alphabet).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mail::mime {

// Decodes base64.  Bytes outside the alphabet (white space, line ends,
// garbage) are skipped.  '=' ends a group: bits of an incomplete group are
// dropped and decoding starts a new group after it, so missing padding and
// blobs concatenated after their padding both decode.  Leftover bits at the
// end (a lone sixth-bit character) are dropped.
std::string decode_base64(std::string_view in);

// Encodes `data` in base64 with padding.  With line_length > 0 (rounded
// down to a multiple of 4, at least 4) every output line, the last one
// included, ends with "\n"; with line_length == 0 the output is one line
// with no newline (for RFC 2047 "B" words).  Empty input gives "".
std::string encode_base64(std::string_view data, size_t line_length = 76);

// Decodes quoted-printable.  A line end (LF or CRLF) becomes "\n"; white
// space at the end of a line is removed (RFC 2045 §6.7 rule 3: it was
// added in transport); "=" at the end of a line is a soft break (the "=" and
// the line end vanish); "=XY" with hex digits (either case) is that byte.
// Any other "=" is kept literally together with what follows it.
std::string decode_quoted_printable(std::string_view in);

// Encodes text (line ends "\n" or "\r\n", both become "\n") as
// quoted-printable, RFC 2045 §6.7: output lines are at most 76 characters
// including the "=" of a soft break; '=' and bytes outside 33..126 are
// "=XY" (upper case), except SP and HT that are not at the end of a line;
// a line that starts with "From " gets "=46rom " and a line that is only
// "." becomes "=2E", so neither mbox nor SMTP changes the text.  The output
// ends with "\n" exactly when the input does.  A CR not followed by LF is
// "=0D".
std::string encode_quoted_printable(std::string_view text);

}  // namespace mail::mime
