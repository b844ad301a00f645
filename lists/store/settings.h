// settings.h — a list's settings, and the table that declares each one.
//
// Every list option is one row of k_list_options (name, allowed values or
// kind, default, one-line doc): `listman create` fills the defaults from it,
// `listman set`/`show` validate and print through it, and listman(8)'s option
// list is checked against it.  Settings holds the typed values.
//
// SECURITY: values come from administrators' command lines; set() validates
// each against its row (enumerations, numeric bounds, no control characters
// in text), so nothing downstream has to re-check them.
#pragma once

#include "libmail/util/result.h"

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace mail::lists {

enum class OptionKind { Enum, Int, Text, Address };

struct OptionRow {
    const char* name;
    OptionKind kind;
    const char* values;  // Enum: "a|b|c"; Int: "min..max"; otherwise ""
    const char* def;     // default, as text ("" for Text: computed, see defaults())
    const char* doc;
};

extern const std::vector<OptionRow> k_list_options;

// A list name: [a-z0-9][a-z0-9._-]*, at most 64 bytes, not ending in one of
// the reserved suffixes (-request, -owner, -bounces …).  Anything else is
// refused before it reaches a path, an alias or a command line.
Status check_list_name(std::string_view name);

struct Settings {
    std::string name;
    std::string host;
    std::string description;
    std::time_t created = 0;

    std::string subscribe_policy = "confirm";  // open|confirm|approve|confirm+approve
    std::string post_policy = "members";       // members|open|moderated|announce
    std::string nonmember_action = "hold";     // hold|reject|discard|accept
    std::string subject_prefix;                // "[name] " unless set
    std::string reply_to = "poster";           // poster|list|explicit
    std::string reply_to_address;
    std::string footer;                        // "" = the default footer
    std::string dmarc = "munge_from";          // none|munge_from|wrap_message|reject|discard
    int64_t max_message_size = 40 * 1024;      // bytes; 0 = no limit
    int64_t max_recipients = 10;               // To + Cc addresses; 0 = no limit
    bool archive = true;
    int64_t digest_size = 30;  // KiB of posts that trigger a digest
    int64_t digest_volume = 1;
    int64_t digest_issue = 1;
    std::string roster = "owners";  // owners|members|public: who may see `who`
    bool verp = false;              // per-member return paths (sendmail -XV)
    int64_t bounce_threshold = 5;   // score (hard bounce = 1 a day) that disables
    int64_t bounce_stale_days = 7;
    int64_t bounce_notices = 3;
    int64_t autoresponse_limit = 10;  // automatic replies per sender per day

    // The list's addresses.
    std::string address() const { return name + "@" + host; }
    std::string suffixed(std::string_view suffix) const { return name + "-" + std::string(suffix) + "@" + host; }
    std::string prefix_or_default() const;
    std::string list_id() const;  // "name.host"

    // Sets one option from text, validated against its row.
    Status set(std::string_view option, std::string_view value);
    // The option's current value as text (for `show` and the database).
    Result<std::string> get(std::string_view option) const;
};

// Defaults for a new list on `host`.
Settings defaults(std::string_view name, std::string_view host);

}  // namespace mail::lists
