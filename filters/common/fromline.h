// fromline.h — the ctime(3) text and the mbox `From ` separator line that
// procmail and formail write.
//
// procmail (-d/-f) and formail (when a message has no From_ line) make the
// separator `From <who>  <ctime>`: two spaces, then ctime(3)'s 24-character
// text in local time, e.g. "From root  Mon Jan  6 10:00:00 2025" (reference
// procmail.md §1.8, §2.1).  The callers append the newline.
//
// SECURITY: pure functions on their arguments; `who` is copied verbatim (the
// caller decides what a sender may contain).
// STANDARDS: ctime(3) / asctime(3) layout; RFC 4155 (the mbox From_ line).
#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace mail::filters {

// ctime(3) of `t` in the local time zone ($TZ), without the trailing newline:
// "Mon Jan  6 10:00:00 2025" (day of month padded with a space to two
// columns, year as many digits as it has).  A time that localtime(3) cannot
// represent gives "".
std::string ctime_text(time_t t);

// "From " + who + "  " + ctime_text(t); no newline.
std::string from_line(std::string_view who, time_t t);

}  // namespace mail::filters
