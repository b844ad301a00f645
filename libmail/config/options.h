// options.h — every configuration option mailroom knows, declared once.
//
// Each row names the option as sendmail.mc spells it (`confMAX_HOP`,
// `QUEUE_DIR`, or one of mailroom's own `MAILROOM_*`), the sendmail.cf option
// it corresponds to (for `-O Name=value`, `-oX`, and `O Name=value` lines), its
// type, default, bounds and a one-line doc.  The .mc reader, `-O`, the
// `sendmail -bC` dump and the sendmail.mc(5) man page all come from, or are
// checked against, this table (style.md §4).
#pragma once

#include <span>
#include <string_view>

namespace mail::config {

enum class Type {
    String,    // free text
    Path,      // a file or directory name
    Int,       // integer within [min, max]
    Bool,      // true/false (also T/F, yes/no, 1/0)
    Duration,  // sendmail time: 30s, 4h, 5d, 1h30m; bare number = seconds... see parse_duration
    Size,      // bytes; 0 = unlimited
    List,      // comma- or space-separated words
};

struct OptionDef {
    std::string_view name;     // sendmail.mc name, e.g. "confMAX_HOP"
    std::string_view cf_name;  // sendmail.cf name, e.g. "MaxHopCount"; empty if none
    Type type;
    std::string_view default_value;
    long long min = 0;
    long long max = 0;  // for Int; 0/0 = unbounded
    std::string_view doc;
};

std::span<const OptionDef> option_table();

// The row for an .mc name or a .cf name (case-insensitive for .cf names, as
// sendmail's option names are); nullptr if unknown.
const OptionDef* find_option(std::string_view name);

}  // namespace mail::config
