// accounts_nss.cpp — the accounts backend of dynamically linked programs:
// glibc's name-service switch itself.  See accounts.h.
#include "libmail/users/accounts.h"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>

#include <cerrno>
#include <cstring>

namespace mail::users {

namespace {

// getpwnam_r/getpwuid_r with a buffer that grows until the entry fits.
template <class Lookup>
Result<std::optional<Account>> ask(Lookup lookup, std::string_view what) {
    std::vector<char> buf(4096);
    while (true) {
        struct passwd pw {};
        struct passwd* res = nullptr;
        int err = lookup(&pw, buf.data(), buf.size(), &res);
        if (err == ERANGE && buf.size() < (1u << 24)) {
            buf.resize(buf.size() * 2);
            continue;
        }
        if (res) {
            return std::optional<Account>(Account{pw.pw_name, pw.pw_passwd ? pw.pw_passwd : "", pw.pw_uid, pw.pw_gid,
                                                  pw.pw_gecos ? pw.pw_gecos : "", pw.pw_dir ? pw.pw_dir : "",
                                                  pw.pw_shell ? pw.pw_shell : ""});
        }
        // No entry: 0, or one of the errors POSIX allows for "not found".
        if (err == 0 || err == ENOENT || err == ESRCH || err == EBADF || err == EPERM) return std::optional<Account>();
        return make_error(EX_TEMPFAIL, fmt::format("password database, {}: {}", what, std::strerror(err)));
    }
}

}  // namespace

Result<std::optional<Account>> account_by_name(std::string_view name) {
    std::string n(name);
    if (n.empty() || n.find('\0') != std::string::npos) return std::optional<Account>();
    return ask([&](passwd* pw, char* b, std::size_t len, passwd** res) { return ::getpwnam_r(n.c_str(), pw, b, len, res); },
               n);
}

Result<std::optional<Account>> account_by_uid(uid_t uid) {
    return ask([&](passwd* pw, char* b, std::size_t len, passwd** res) { return ::getpwuid_r(uid, pw, b, len, res); },
               "uid " + std::to_string(uid));
}

Result<std::vector<gid_t>> group_list(std::string_view name, gid_t gid) {
    std::string n(name);
    std::vector<gid_t> groups(64);
    while (true) {
        int count = static_cast<int>(groups.size());
        if (::getgrouplist(n.c_str(), gid, groups.data(), &count) >= 0) {
            groups.resize(static_cast<std::size_t>(count));
            return groups;
        }
        if (count <= static_cast<int>(groups.size()) || groups.size() >= 65536)
            return make_error(EX_TEMPFAIL, fmt::format("group database: cannot list the groups of {}", n));
        groups.resize(static_cast<std::size_t>(count));
    }
}

}  // namespace mail::users
