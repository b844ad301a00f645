// lint.h — the procmail rcfile linter: procmail's silent traps, with
// file:line (reference §4.3 item 1).
//
// procmail 3.22 checks nothing before it runs: a garbage line unsets
// variables, an unknown flag is skipped, a stray `}` is a folder, a pipe
// without `w` loses mail when it fails.  lint() reports each of these from
// a ParsedRcfile, without running or expanding anything:
//   error    the rcfile does not do what it says (unbalanced braces, a
//            recipe without an action, an invalid regexp, an open quote)
//   warning  procmail accepts it, probably not as meant
// Every message names procmail's own diagnostic when there is one, so a
// user can find it in procmail's log.
//
// SECURITY: reads only the parse; runs nothing.  The regex check is the
// caller's callback (the regex module), so this module stays independent.
// STANDARDS: none; procmailrc(5) of procmail 3.22 and
// ../shared/reference/procmail.md §1.3–§1.7, §4.3.
#pragma once

#include "filters/procmail/rcfile.h"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mail::procmail {

enum class LintSeverity { Warning, Error };

struct LintMessage {
    std::string file;
    int line = 0;
    LintSeverity severity = LintSeverity::Warning;
    std::string text;

    // "file:line: warning: text" / "file:line: error: text"
    std::string format() const;
};

struct LintOptions {
    std::string file = "procmailrc";  // the name used in the messages
    std::size_t linebuf = 2048;       // procmail's LINEBUF for the length check
    // Checks one regular expression of a condition (procmail's dialect,
    // macros such as ^TO_ not yet substituted); returns the reason when it
    // is invalid.  Not set: regexps are not checked.
    std::function<std::optional<std::string>(std::string_view pattern)> check_regex;
};

// The messages, in line order (for one line, in the order found).
std::vector<LintMessage> lint(const ParsedRcfile& parsed, const LintOptions& options = {});

// True when any message is an error.
bool has_errors(const std::vector<LintMessage>& messages);

}  // namespace mail::procmail
