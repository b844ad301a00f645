// strings.h — small string helpers shared by every parser in libmail.
//
// All functions are pure and work on bytes (ASCII case rules only); none
// allocates more than its result.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mail {

std::string_view trim(std::string_view s);        // strips " \t\r\n" both ends
std::string_view trim_left(std::string_view s);
std::string_view trim_right(std::string_view s);
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);

// Splits on any byte of `seps`; empty fields are dropped when skip_empty.
std::vector<std::string> split(std::string_view s, std::string_view seps, bool skip_empty = true);

// Joins with `sep` between items.
std::string join(const std::vector<std::string>& items, std::string_view sep);

// True if every byte is a printable ASCII character or space/tab.
bool is_printable_ascii(std::string_view s);

}  // namespace mail
