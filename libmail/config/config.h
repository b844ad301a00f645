// config.h — the one configuration every mailroom program reads.
//
// Every binary reads one file: $MAILROOM_CONFIG if set, else
// /etc/mail/sendmail.mc; `sendmail -C file` overrides both for one run.  The
// file is a sendmail.mc read directly (no m4) or a small hand-edited
// sendmail.cf; docs/config.md and sendmail.mc(5) describe the subset.
//
// Contract: a Config is an immutable value once loaded, except through set(),
// which -O/-o and tests use before the program starts its work.  The accessors
// take option names from options.h; a name missing from the table is a
// programming error and aborts (names are constants in the code, never input).
//
// SECURITY: the config file is trusted (root or the instance owner wrote it);
// it is still parsed defensively: every error names file:line.
#pragma once

#include "libmail/config/options.h"
#include "libmail/util/result.h"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mail::config {

// One diagnostic from reading a config file: "file:line: text".
struct Diagnostic {
    std::string file;
    int line = 0;
    std::string text;
    std::string format() const;  // "file:line: text"
};

class Config {
public:
    // Built-in defaults only (no file read).
    Config();

    // Option values.  str() returns the effective text (default if unset).
    const std::string& str(std::string_view name) const;
    long long num(std::string_view name) const;         // Int and Size
    bool flag(std::string_view name) const;             // Bool
    std::chrono::seconds duration(std::string_view name) const;  // Duration
    std::vector<std::string> list(std::string_view name) const;  // List
    bool is_set(std::string_view name) const;           // given in the file or by set()

    // Sets an option by .mc or .cf name from text, validating type and bounds.
    // Errors have exit code EX_CONFIG (or EX_USAGE for -O, chosen by the caller).
    Status set(std::string_view name, std::string_view value);

    // FEATURE(`name' [, `arg'...]): whether it is on, and its arguments.
    bool feature(std::string_view name) const;
    std::vector<std::string> feature_args(std::string_view name) const;
    void enable_feature(std::string name, std::vector<std::string> args = {});

    // Class w: the names this host answers to — $j, `localhost`, LOCAL_DOMAIN()
    // entries and, with FEATURE(use_cw_file), the lines of confCW_FILE.
    // Compared case-insensitively.
    bool is_local_domain(std::string_view domain) const;
    const std::set<std::string>& local_domains() const { return m_class_w; }
    void add_local_domain(std::string_view domain);

    // $j: confDOMAIN_NAME, else the host's fully qualified name.
    std::string hostname() const;

    // Instance mode: MAILROOM_INSTANCE is set; users come from
    // MAILROOM_USERS_FILE and everything runs as the instance owner.
    bool instance() const { return !str("MAILROOM_INSTANCE").empty(); }

    // The file this came from ("" for defaults) and non-fatal diagnostics.
    const std::string& source() const { return m_source; }
    const std::vector<Diagnostic>& warnings() const { return m_warnings; }
    void warn(Diagnostic d) { m_warnings.push_back(std::move(d)); }

    // Generic storage for macros that are not plain options (MASQUERADE_AS,
    // EXPOSED_USER, RELAY_DOMAIN, DAEMON_OPTIONS, …): each call's arguments,
    // in file order.
    void add_macro(std::string name, std::vector<std::string> args);
    std::vector<std::vector<std::string>> macro(std::string_view name) const;

    // Lines of `sendmail -bC`: every option that differs from its default,
    // `name = value`, sorted by name (like postconf -n), then features/macros.
    std::vector<std::string> dump_changed() const;

    void set_source(std::string path) { m_source = std::move(path); }

private:
    std::map<std::string, std::string, std::less<>> m_values;  // by .mc name
    std::map<std::string, std::vector<std::string>, std::less<>> m_features;
    std::vector<std::pair<std::string, std::vector<std::string>>> m_macros;
    std::set<std::string> m_class_w;
    std::string m_source;
    std::vector<Diagnostic> m_warnings;
};

// $MAILROOM_CONFIG, else /etc/mail/sendmail.mc.
std::string default_path();

// Reads a sendmail.mc (or, if the name ends in .cf, a sendmail.cf subset).
// Unknown constructs are warnings in the result; malformed ones are errors
// "file:line: …" with exit code EX_CONFIG.
Result<Config> load(const std::string& path);

// Parses text as if read from `path` (tests, fuzzing).  Relative include()
// and confCW_FILE paths are resolved against the directory of `path`.
Result<Config> parse_mc(std::string_view text, const std::string& path);
Result<Config> parse_cf(std::string_view text, const std::string& path);

// sendmail time syntax: "30s", "4h", "5d", "1h30m", "2w"; a bare number uses
// `default_unit` ('s' or 'm' …).  nullopt if malformed.
std::optional<std::chrono::seconds> parse_duration(std::string_view text, char default_unit = 's');

}  // namespace mail::config
