// fromline.cpp — see fromline.h.
#include "filters/common/fromline.h"

#include "libmail/util/clock.h"

namespace mail::filters {

// One implementation for every From_ line in mailroom (libmail/util/clock).
std::string ctime_text(time_t t) { return mail::ctime_text(t); }

std::string from_line(std::string_view who, time_t t) {
    std::string line = "From ";
    line.append(who);
    line += "  ";
    line += ctime_text(t);
    return line;
}

}  // namespace mail::filters
