// clock.h — the one place mailroom asks what time it is.
//
// Tests set MAILROOM_FAKE_TIME=<unix seconds> to pin the clock (style.md §11:
// fake clock where time matters); everything that stamps a date, ages a queue
// entry or expires a token calls now() instead of time().
#pragma once

#include <ctime>
#include <string>

namespace mail {

std::time_t now();

// "Sun, 22 Nov 2026 05:36:37 +0000" — RFC 5322 §3.3 date-time in local time.
std::string rfc5322_date(std::time_t t);

// "Sun Nov 22 05:36:37 2026" — ctime(3) text without the newline (mbox From_ lines).
std::string ctime_text(std::time_t t);

}  // namespace mail
