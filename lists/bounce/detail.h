// detail.h — the bounce parser's internals, shared by its .cpp files and
// exposed to bounce_test.cpp.  Not part of the module's interface.
//
// SECURITY: every function takes untrusted text and is linear in its size.
#pragma once

#include "lists/bounce/bounce.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mail::lists::bounce::detail {

// The lines of `text` without their "\n" or "\r\n", at most `max` of them.
std::vector<std::string_view> lines_of(std::string_view text, size_t max = 20000);

// True for an RFC 3463 status code "c.s.d": class 2, 4 or 5, subject and
// detail of 1–3 digits.
bool valid_status(std::string_view s);

// The first RFC 3463 status code standing alone in `text` ("550 5.1.1 …",
// "(#5.1.1)"), "" if none.  A dotted run with more parts (an IP address)
// does not count.
std::string find_status(std::string_view text);

// The first SMTP reply code (RFC 5321 §4.2: [2-5][0-5][0-9]) standing alone
// in `text`: preceded by the start or a non-alphanumeric byte other than
// '.', '[' or '-', followed by the end, a space, a tab or '-'.  0 if none.
int find_reply_code(std::string_view text);

// Severity from a status code (class 5 Hard, 4 Soft); else from a status
// or reply code found in `diagnostic`; else Soft when the diagnostic says
// a temporary failure timed out; else `fallback`.
Severity severity_of(std::string_view status, std::string_view diagnostic, Severity fallback);

// One printable UTF-8 line of at most k_diagnostic_max bytes: white space
// runs (line ends included) become one space, control characters go,
// invalid UTF-8 is repaired, the cut never splits a character.
std::string clean_diagnostic(std::string_view text);

// The address in a field value or text fragment: the inside of the first
// "<…>", else the first white-space separated word containing '@' once
// comments are removed; surrounding quotes and trailing ":,;." are
// dropped, a source route "@a,@b:" is skipped.  nullopt unless the result
// is a plausible_address().
std::optional<std::string> extract_address(std::string_view text);

// The plausible addresses in a line of text, in order of appearance, both
// "<…>" and bare words; at most `max`.
std::vector<std::string> addresses_in(std::string_view line, size_t max = 8);

// The header section at the start of `text`: up to the first empty line,
// or the first line that is neither a field nor a continuation.
std::string_view header_section(std::string_view text);

// The msg-id in a Message-ID value: "<…>" kept with its brackets, a bare
// "id@host" given brackets; "" if it is unreadable, has white space or
// control characters, or is longer than 250 bytes.
std::string clean_message_id(std::string_view value);

// Adds a bounce unless its address is already there (case-insensitive);
// a repeat that is Hard replaces a Soft one.  At most k_max_bounces.
void add_bounce(Report& r, Bounce b);

// RFC 3464: reads a message/delivery-status body (already transfer-decoded)
// and adds a bounce for each failed recipient.  Returns the number of
// per-recipient groups (0: not a usable status part); *failed counts the
// groups with Action failed, with or without a usable address.
size_t parse_delivery_status(std::string_view body, Report& r, size_t* failed);

// What the text formats need from the bounce's own header.
struct Envelope {
    std::string from;                 // From: value, unfolded
    std::string to;                   // To: value, unfolded
    std::string x_failed_recipients;  // Exim's X-Failed-Recipients:, unfolded
};

// Tries the non-standard formats (qmail, Exim, Postfix, sendmail, generic)
// on the human-readable text of a bounce, which must already be cut before
// the returned original (split_returned).  Sets r.format, r.is_bounce and
// r.bounces when a format is recognised; returns whether one was.
bool parse_text(std::string_view text, const Envelope& env, Report& r);

// Splits a bounce's text at the line that introduces the returned original
// ("--- Below this line is a copy of the message.", "------ This is a copy
// of the message, including all the headers. ------", "----- Original
// message follows -----" …): the report before it, and the original after
// it with leading blank lines removed ("" when there is no such line).
struct Split {
    std::string_view report;
    std::string_view original;
};
Split split_returned(std::string_view text);

}  // namespace mail::lists::bounce::detail
