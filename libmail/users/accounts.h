// accounts.h — the system's password and group databases, as getpwnam(3),
// getpwuid(3) and initgroups(3) see them, in static programs too.
//
// A static program cannot use glibc's name-service switch (it loads its
// modules with dlopen), and the filters are linked statically; for them
// the files source is read here and what it cannot settle is asked of
// getent(1).  docs/accounts.md has the rule.
//
// SECURITY: the files read are root's and getent runs by absolute path
// with an empty environment; nothing from the caller's environment is
// consulted.  A failure to ask is an error (EX_TEMPFAIL), never "no such
// user", so a delivery agent defers instead of bouncing.
#pragma once

#include "libmail/util/result.h"

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mail::users {

// One passwd(5) entry.
struct Account {
    std::string name, passwd;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string gecos, home, shell;  // as in the database (shell may be empty)
};

// Where the databases are.  Tests point these at their own files.
struct AccountSources {
    std::string nsswitch = "/etc/nsswitch.conf";
    std::string passwd = "/etc/passwd";
    std::string group = "/etc/group";
    std::string getent = "/usr/bin/getent";
};

// The program's own way of asking, chosen at link time (libmail/CMakeLists.txt):
// a dynamically linked program asks glibc (getpwnam_r, getpwuid_r,
// getgrouplist: accounts_nss.cpp); a statically linked one asks
// FilesThenGetent (accounts_static.cpp).
//
// nullopt: no such user.  An error: the databases could not be asked.
Result<std::optional<Account>> account_by_name(std::string_view name);
Result<std::optional<Account>> account_by_uid(uid_t uid);
// The groups initgroups(name, gid) would set: gid first, then the user's
// other groups.
Result<std::vector<gid_t>> group_list(std::string_view name, gid_t gid);

// setgroups(group_list(name, gid)); the caller must be root.
Status init_groups(std::string_view name, gid_t gid);

// The files source read here, getent(1) for what it cannot settle.
class FilesThenGetent {
public:
    explicit FilesThenGetent(AccountSources src = {}) : m_src(std::move(src)) {}
    Result<std::optional<Account>> by_name(std::string_view name) const;
    Result<std::optional<Account>> by_uid(uid_t uid) const;
    Result<std::vector<gid_t>> group_list(std::string_view name, gid_t gid) const;

private:
    AccountSources m_src;
};

// --- The pieces, pure, for tests and fuzzing ---

// The sources of `database` in nsswitch.conf text, in order: each a
// service name, or "[...]" for an action item.  nullopt: no such line.
std::optional<std::vector<std::string>> nsswitch_sources(std::string_view conf, std::string_view database);

// A passwd(5) line as glibc's files source parses it; nullopt when glibc
// would skip it.
std::optional<Account> parse_passwd_line(std::string_view line);

// The passwd file's entry for a name or a uid, as the files source finds it.
std::optional<Account> find_in_passwd(std::string_view file, std::string_view name);
std::optional<Account> find_in_passwd(std::string_view file, uid_t uid);

// gid, then each group of the group file listing `name` as a member.
std::vector<gid_t> groups_in_group_file(std::string_view file, std::string_view name, gid_t gid);

}  // namespace mail::users
