// users.h — who the local users are.
//
// A system install asks the password database (getpwnam).  An instance reads
// its users file instead: passwd(5) lines `name:x:uid:gid:gecos:home:shell`,
// '#' comments and blank lines allowed.  In an instance every user's uid/gid
// is the instance owner's (the file may say so, or leave the fields empty).
//
// SECURITY: the users file belongs to the instance owner; its contents decide
// only where that owner's own mail goes.  Lines that do not parse are errors
// with file:line, never silently skipped.
#pragma once

#include "libmail/util/result.h"

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mail::users {

struct User {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string gecos;  // full name, first comma-separated field used
    std::string home;
    std::string shell;
};

class Directory {
public:
    // The system password database.
    static Directory system();
    // An instance users file; errors name file:line.
    static Result<Directory> load_file(const std::string& path);
    // Parses text as if read from `path` (for tests and fuzzing).
    static Result<Directory> parse(std::string_view text, const std::string& path);

    // Exact name first, then the lower-cased name (sendmail folds the case
    // of local parts it cannot find).
    std::optional<User> find(std::string_view name) const;
    bool is_instance() const { return m_instance; }
    const std::vector<User>& instance_users() const { return m_users; }

private:
    bool m_instance = false;
    std::vector<User> m_users;
};

}  // namespace mail::users
