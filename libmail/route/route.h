// route.h — expanding an envelope recipient into delivery targets.
//
// One recipient becomes a list of Targets: local mailboxes, files, programs,
// remote addresses, or errors.  Local names (no domain, or a domain in class
// w) go through the aliases (recursively, loops and depth checked),
// :include: lists, then users' ~/.forward files (confFORWARD_PATH).  A name
// "base+detail" that is neither an alias nor a user of that exact name goes
// to the alias "base+*", else the alias or user "base" (sendmail 8's +detail
// rule); the detail travels with the targets.  A name that is none of these
// is "User unknown" (EX_NOUSER).
//
// Identity: a File or Program target runs as the owner of the file that
// named it — a user's .forward as that user, an aliases or :include: file
// owned by root as confDEF_USER_ID (never root).  In an instance everything
// runs as the instance owner, with user names from the instance users file.
//
// Thread-safety: expand() is const but a Router is not shared between
// threads (the alias maps hold prepared statements).  The Router copies the
// Config and Directory it is given.
//
// SECURITY: the envelope recipient is hostile input: it may name only users
// and aliases — "|prog", "/file" and ":include:" given directly are refused
// ("Cannot mail directly to programs"), as sendmail does.  .forward files are
// honoured only when owned by the user (or root) and not group- or
// world-writable, in a directory that is neither; otherwise they are ignored
// with a warning in the trace and the log.
#pragma once

#include "libmail/aliases/aliases.h"
#include "libmail/config/config.h"
#include "libmail/users/users.h"
#include "libmail/util/result.h"

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace mail::route {

enum class Kind { Mailbox, File, Program, Remote, Error };

std::string_view kind_name(Kind k);  // "mailbox", "file", "program", "remote", "error"

struct Target {
    Kind kind = Kind::Error;
    // Mailbox: user name; File: absolute path; Program: command line (no '|');
    // Remote: local@domain; Error: the address that failed (e.g. "jonh").
    std::string value;
    std::string original;   // the envelope recipient this came from
    std::string via;        // "alias allteam (/etc/aliases:12)", ".forward of john (/home/john/.forward:1)"
    uid_t uid = 0;          // identity to write/run as (Mailbox: the user)
    gid_t gid = 0;
    std::string user;
    std::string home;
    std::string errors_to;  // "owner-NAME" when that alias exists for the nearest enclosing alias
    std::string detail;     // "0123abcd" when "team-confirm+0123abcd" reached the alias "team-confirm"
    std::string error;      // Kind::Error: "User unknown", loop text with file:line, …
    int exit_code = 0;      // Kind::Error: EX_NOUSER, EX_UNAVAILABLE, EX_TEMPFAIL, EX_CONFIG…
};

class Router {
public:
    static Result<Router> open(const config::Config& cfg, const users::Directory& users, bool allow_rebuild = true);

    // Fully expands one recipient ("john", "john@local.domain", "<john@host>",
    // "John <john@host>").  Duplicates (same kind and value) are dropped;
    // the result is never empty.  trace gets sendmail -v style lines:
    // "allteam... aliased to john,peter,mary,tony",
    // "john... forwarded to \"|procmail\"".
    std::vector<Target> expand(std::string_view address, std::vector<std::string>* trace = nullptr) const;

    // Alias database warnings (out of date, rebuilt, bad lines) and identity
    // problems found at open.
    const std::vector<std::string>& warnings() const { return m_warnings; }

private:
    struct Identity {
        uid_t uid = 0;
        gid_t gid = 0;
        std::string user;
        std::string home;
    };
    struct Frame;
    struct Walk;

    Router(config::Config cfg, users::Directory users, aliases::AliasDb db);

    void address(std::string_view text, const Frame& f, Walk& w) const;
    void local(const std::string& name, const std::string& shown, const Frame& f, Walk& w) const;
    bool self_or_loop(const std::string& key, const std::string& user_name, const std::string& shown, const Frame& f,
                      Walk& w) const;
    void alias(const aliases::Entry& e, const std::string& shown, const Frame& f, Walk& w) const;
    void user(const users::User& u, const std::string& shown, bool forward, const Frame& f, Walk& w) const;
    bool forward(const users::User& u, const std::string& shown, const Frame& f, Walk& w) const;
    void include(const std::string& path, const Frame& f, Walk& w) const;
    void add(Target t, const Frame& f, Walk& w) const;
    void fail(std::string value, std::string error, int code, const Frame& f, Walk& w) const;

    Identity owner_identity(uid_t owner) const;
    Identity user_identity(const users::User& u) const;
    std::string errors_to_for(const std::string& name, const Frame& f) const;

    config::Config m_cfg;
    users::Directory m_users;
    aliases::AliasDb m_aliases;
    Identity m_default;   // confDEF_USER_ID
    Identity m_owner;     // the instance owner (instance mode)
    std::string m_short_host;
    int m_max_depth = 10;
    std::vector<std::string> m_warnings;
};

}  // namespace mail::route
