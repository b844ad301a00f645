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

// One SMTP listener (DAEMON_OPTIONS) or the outbound socket settings
// (CLIENT_OPTIONS), as sendmail's DaemonPortOptions/ClientPortOptions.
struct DaemonOptions {
    std::string name;       // Name=; "" = sendmail's "Daemon<n>"
    int port = 25;          // Port= (number or smtp/submission/smtps/lmtp)
    std::string addr;       // Addr=, numeric; "" = any address
    std::string family = "inet";  // Family=: inet or inet6
    std::string modifiers;  // M= letters: a b c f s u A C E O S (see sendmail.mc(5))
    int listen = 0;         // Listen= backlog; 0 = the system default

    bool has_modifier(char m) const { return modifiers.find(m) != std::string::npos; }
    bool operator==(const DaemonOptions&) const = default;
};

// Parses the text of a DAEMON_OPTIONS() or CLIENT_OPTIONS() argument, e.g.
// "Port=587, Addr=127.0.0.1, Name=MSA, M=Ea".  sendmail keys mailroom does
// not use (SndBufSize, children, refuseLA, …) are accepted and their names
// appended to *ignored.  Errors (EX_CONFIG) have no file:line; the reader
// adds it.
Result<DaemonOptions> parse_daemon_options(std::string_view text, std::vector<std::string>* ignored = nullptr);

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
    // Back to the default (undefine()).  Unknown names are ignored.
    void unset(std::string_view name);

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

    // Typed views of the macros (validated when the file was read).
    // Listeners: each DAEMON_OPTIONS in file order, or the MTA on port 25
    // when there is none; then the MSA on 587 with M=E unless
    // FEATURE(no_default_msa) or a listener on port 587 exists already.
    std::vector<DaemonOptions> daemon_options() const;
    std::vector<DaemonOptions> client_options() const;  // CLIENT_OPTIONS, may be empty
    std::string masquerade_as() const;                  // last MASQUERADE_AS, "" if none
    std::vector<std::string> masquerade_domains() const;  // MASQUERADE_DOMAIN[_FILE], lower case
    std::set<std::string> exposed_users() const;          // EXPOSED_USER[_FILE]
    std::vector<std::string> relay_domains() const;       // RELAY_DOMAIN[_FILE], lower case
    std::vector<std::string> generics_domains() const;    // GENERICS_DOMAIN[_FILE], lower case
    std::vector<std::string> virtuser_domains() const;    // VIRTUSER_DOMAIN[_FILE], lower case
    std::vector<std::string> trust_auth_mechs() const;    // TRUST_AUTH_MECH, upper case
    std::set<std::string> trusted_users() const;          // confTRUSTED_USERS + confCT_FILE

    // confPRIVACY_FLAGS as a set of lower-case flag names, with `goaway'
    // replaced by the flags it stands for and `noexpn' implying `noverb'
    // (sendmail op.txt §5.6); `public' adds nothing.
    std::set<std::string> privacy_flags() const;
    bool privacy(std::string_view flag) const { return privacy_flags().count(std::string(flag)) != 0; }

    // Words read from a *_FILE macro or a class file (confCT_FILE), by the
    // macro's base name ("MASQUERADE_DOMAIN", "confCT_FILE"); the reader
    // fills this, the typed views above include it.
    void add_file_words(const std::string& name, const std::vector<std::string>& words);
    std::vector<std::string> file_words(std::string_view name) const;

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

    // Lines of `sendmail -bC` (format in docs/config.md): every option set
    // in the file or by set(), `name = value`, sorted by name (like
    // postconf -n); then each FEATURE sorted by name and each macro call in
    // file order, in .mc syntax (FEATURE(`name', `arg')); then each warning
    // as `warning: file:line: text'.
    std::vector<std::string> dump_changed() const;
    // Every option of the table with its effective value, `name = value',
    // sorted by name (like postconf without -n).
    std::vector<std::string> dump_all() const;

    void set_source(std::string path) { m_source = std::move(path); }

private:
    std::map<std::string, std::string, std::less<>> m_values;  // by .mc name
    std::map<std::string, std::vector<std::string>, std::less<>> m_features;
    std::vector<std::pair<std::string, std::vector<std::string>>> m_macros;
    std::map<std::string, std::vector<std::string>, std::less<>> m_file_words;
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

// Command-line options of sendmail.  Errors have exit code EX_USAGE and name
// the option as the user wrote it.
//   -oXvalue: sendmail's one-letter option names (op.txt): A AliasFile,
//   b MinFreeBlocks[/MaxMessageSize], d DeliveryMode, e ErrorMode, h
//   MaxHopCount, i IgnoreDots, J ForwardPath, L LogLevel, m MeToo, p
//   PrivacyOptions, Q QueueDirectory, T queuereturn[/queuewarn], u
//   DefaultUser, v Verbose.  A Bool with no value means true.  Other
//   sendmail letters are "not supported" errors, unknown letters errors.
Status apply_option_letter(Config& cfg, char letter, std::string_view value);
//   -O Name=value: the long (sendmail.cf) name, case-insensitive, or the
//   .mc name; "-O Name" alone sets a Bool to true.
Status apply_cf_option(Config& cfg, std::string_view name_value);

// sendmail time syntax: "30s", "4h", "5d", "1h30m", "2w"; a bare number uses
// `default_unit` ('s' or 'm' …).  nullopt if malformed.
std::optional<std::chrono::seconds> parse_duration(std::string_view text, char default_unit = 's');

}  // namespace mail::config
