// values.h — internal to libmail/config: checking and normalising option
// values against their table row.  Not for other modules (use Config::set).
#pragma once

#include "libmail/config/options.h"
#include "libmail/util/result.h"

#include <optional>
#include <string>
#include <string_view>

namespace mail::config::detail {

std::optional<bool> parse_bool(std::string_view v);
std::optional<long long> parse_int(std::string_view v);
std::optional<long long> parse_size(std::string_view v);

// The value as it will be stored (trimmed; a String with choices becomes the
// full choice word), or an error "LABEL: what "value"" with EX_CONFIG.
Result<std::string> check_value(const OptionDef& def, std::string_view value, std::string_view label);

}  // namespace mail::config::detail
