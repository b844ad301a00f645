// accounts_static.cpp — the accounts backend of statically linked programs
// (the filters): the files source, then getent(1).  See accounts.h and
// docs/accounts.md.
#include "libmail/users/accounts.h"

namespace mail::users {

Result<std::optional<Account>> account_by_name(std::string_view name) { return FilesThenGetent().by_name(name); }

Result<std::optional<Account>> account_by_uid(uid_t uid) { return FilesThenGetent().by_uid(uid); }

Result<std::vector<gid_t>> group_list(std::string_view name, gid_t gid) {
    return FilesThenGetent().group_list(name, gid);
}

}  // namespace mail::users
