// charset.h — converting text between mail charsets and UTF-8.
//
// Mail text is labelled with a charset name that may be wrong, unknown,
// misspelt or missing; the conversions here never fail.  to_utf8() always
// returns valid UTF-8: bytes the charset does not define become U+FFFD, and
// text in a charset we cannot convert is taken as UTF-8 with every invalid
// sequence replaced by U+FFFD.
//
// Charset names (case-insensitive, surrounding quotes and white space
// ignored):
//   - utf-8, utf8                        → UTF-8, checked and repaired
//   - us-ascii, ascii, ansi_x3.4-1968, unknown-8bit, x-unknown, unknown,
//     8bit, default, ""                  → taken as UTF-8 (8-bit bytes in
//     "us-ascii" text are most often UTF-8), repaired
//   - latin1, iso-8859-1 and its aliases → windows-1252, as browsers do:
//     a superset that gives printable characters instead of C1 controls
//   - a few common misnamings (ks_c_5601-1987, gb2312, shift_jis, x-sjis,
//     iso-8859-8-i …) → the superset glibc knows
//   - anything else made of [A-Za-z0-9._:+-] (at most 40 bytes) → iconv
//
// Thread-safety: all functions are reentrant (each call opens its own iconv
// descriptor).
//
// SECURITY: input bytes and charset names are untrusted.  Names outside the
// character set above are never handed to iconv_open (no "//" suffixes).
// The output may contain control characters; printable() removes them for
// display.
//
// STANDARDS: RFC 2045 §5.1 (charset parameter), RFC 2046 §4.1.2 (charset
// names are case-insensitive), RFC 3629 (UTF-8), RFC 1428 (unknown-8bit).
#pragma once

#include <string>
#include <string_view>

namespace mail::mime {

// Converts `bytes` labelled `charset` to UTF-8 (see above); never fails.
std::string to_utf8(std::string_view bytes, std::string_view charset);

// Converts UTF-8 text to `charset` (e.g. the terminal's, from
// nl_langinfo(CODESET)).  Characters the charset cannot represent are
// transliterated where glibc can, else '?'; invalid UTF-8 input becomes
// '?'.  An unknown charset gives the text with invalid UTF-8 repaired.
std::string from_utf8(std::string_view utf8, std::string_view charset);

// True if `s` is well-formed UTF-8 (no overlong forms, surrogates or code
// points above U+10FFFF).
bool is_valid_utf8(std::string_view s);

// `s` with each maximal invalid UTF-8 subsequence replaced by U+FFFD.
std::string repair_utf8(std::string_view s);

// True if every byte is below 0x80.
bool is_ascii(std::string_view s);

// Makes valid UTF-8 safe to print on a terminal: C0 controls other than
// "\n" and "\t", DEL and the C1 controls U+0080..U+009F become U+FFFD; a
// CR before "\n" is removed.  With one_line, "\n", "\r" and "\t" become
// spaces too.  Invalid UTF-8 is repaired first.
std::string printable(std::string_view utf8, bool one_line = false);

}  // namespace mail::mime
