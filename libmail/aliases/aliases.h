// aliases.h — the aliases(5) file: parsing, newaliases, and lookups.
//
// Syntax (aliases(5), docs/aliases.md):
//   name: target, target, …
// Continuation: a line starting with a space or tab continues the previous
// entry; so does a line ending in a backslash.  '#' lines (also indented
// ones) and blank lines are ignored.  Targets are local users, `\user` (no
// further aliasing or .forward), user@domain, /path/file (append),
// "|command" (pipe), ":include:/path/list", quoted when they hold commas or
// spaces.  Names are case-insensitive (stored lower-cased).
//
// Errors name `file:line:`.  Like sendmail, a bad entry is reported and
// skipped, the good ones are still compiled, and newaliases exits 65
// (EX_DATAERR) at the end so a script notices.
//
// The compiled form is a maps::Map, FILE.db: key = lower-cased name, value =
// the right-hand side as written (continuations joined), origin = file:line.
//
// SECURITY: aliases files are written by root or the instance owner; they
// decide which programs and files receive mail, so route/ runs those as the
// file's owner (never root, see confDEF_USER_ID).
#pragma once

#include "libmail/maps/map.h"
#include "libmail/util/result.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mail::config {
class Config;
}

namespace mail::aliases {

struct Entry {
    std::string name;                  // lower-cased
    std::vector<std::string> targets;  // normalized, see split_targets()
    std::string file;
    int line = 0;
    std::string rhs;                   // the right-hand side as written
};

struct Parsed {
    std::vector<Entry> entries;
    std::vector<std::string> errors;   // "file:line: text", in file order
    size_t name_bytes = 0;             // sendmail's statistics: sum of name lengths
};

// Parses everything, collecting errors and keeping the good entries.
Parsed parse_all(std::string_view text, const std::string& path);
// Strict form: the first error fails the whole parse (EX_DATAERR).
Result<std::vector<Entry>> parse(std::string_view text, const std::string& path);

// Splits a right-hand side (or a .forward / :include: line) on commas that
// are outside quotes and <>.  Each target is normalized: surrounding quotes
// of "|cmd" and "/file" removed, `Name <addr>` reduced to addr, whitespace
// trimmed.  Errors: unbalanced quote or '<', empty command or include path,
// a bare target containing spaces.  An empty list is not an error here.
Result<std::vector<std::string>> split_targets(std::string_view rhs);

// newaliases: compiles each ALIAS_FILE into FILE.db.
struct Rebuilt {
    std::vector<std::string> summary;  // "/etc/aliases: 6 aliases, longest 33 bytes, 127 bytes total"
    std::vector<std::string> errors;   // "file:line: …" and file-level errors
    int exit_code = 0;                 // 0, or EX_DATAERR / EX_NOINPUT / EX_CANTCREAT (first failure)
};
Rebuilt rebuild(const config::Config& cfg);
// One file; summary is appended on success (even with bad lines skipped).
Rebuilt rebuild_file(const std::string& source);

// True when FILE.db is missing, unreadable, or records a different source
// mtime than FILE has now.  A missing source is never stale.
bool stale(const std::string& source);

// The alias files of a config, compiled or parsed, ready for lookups.
class AliasDb {
public:
    // Opens every ALIAS_FILE.  A missing or stale FILE.db is rebuilt when
    // allow_rebuild and the running user may write it (logged, and noted in
    // warnings()); otherwise a stale db is used with the warning
    // "Warning: alias database FILE.db out of date", and a missing or broken
    // db is replaced by parsing FILE directly.  Never fails for a missing
    // file (a host may have no aliases): that is a warning too.
    static Result<AliasDb> open(const config::Config& cfg, bool allow_rebuild);
    static AliasDb open_files(const std::vector<std::string>& files, bool allow_rebuild);

    // The first file that defines name (case-insensitive).  Errors are
    // temporary lookup failures (EX_TEMPFAIL): callers must defer, not bounce.
    Result<std::optional<Entry>> find(std::string_view name) const;
    // Convenience: nullopt on error too.
    std::optional<Entry> lookup(std::string_view name) const;

    const std::vector<std::string>& warnings() const { return m_warnings; }

private:
    struct Source {
        std::string file;
        std::optional<maps::Map> map;
        std::map<std::string, Entry> parsed;  // used when map is empty
    };
    void add_file(const std::string& file, bool allow_rebuild);
    std::vector<Source> m_sources;
    std::vector<std::string> m_warnings;
};

}  // namespace mail::aliases
