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
    // Allowed values, space-separated; empty = any.  A String option takes
    // one of them (or its first letter, as sendmail reads only that letter
    // of DeliveryMode and ErrorMode) and stores the full word; a List option
    // takes any number of them.  One-letter choices are case-sensitive
    // (AuthOptions `A' and `a' differ), words are not.
    std::string_view choices = {};
    // Unit of a bare number in a Duration (sendmail reads `5' in
    // Timeout.queuereturn as five days, in Timeout.queuewarn as five hours).
    char default_unit = 's';
};

std::span<const OptionDef> option_table();

// The row for an .mc name or a .cf name (case-insensitive for .cf names, as
// sendmail's option names are); nullptr if unknown.
const OptionDef* find_option(std::string_view name);

// The FEATUREs and .mc macros the reader knows, with one-line docs; the
// sendmail.mc(5) man page is checked against these lists too.
struct NameDoc {
    std::string_view name;
    std::string_view doc;
};
std::span<const NameDoc> feature_table();
std::span<const NameDoc> macro_table();
const NameDoc* find_feature(std::string_view name);
const NameDoc* find_macro(std::string_view name);

// PrivacyOptions flags that `goaway' stands for (sendmail's PRIV_GOAWAY:
// every flag of the SMTP dialogue, none of the queue/DSN ones).
std::span<const std::string_view> goaway_flags();

}  // namespace mail::config
