// users.cpp — see users.h.
#include "libmail/users/users.h"

#include "libmail/users/accounts.h"

#include "libmail/util/strings.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace mail::users {

Directory Directory::system() { return Directory{}; }

Result<Directory> Directory::load_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error(EX_CONFIG, fmt::format("{}: cannot open users file", path));
    std::stringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), path);
}

Result<Directory> Directory::parse(std::string_view text, const std::string& path) {
    Directory d;
    d.m_instance = true;
    int lineno = 0;
    for (const std::string& raw : split(text, "\n", false)) {
        ++lineno;
        std::string_view line = trim(raw);
        if (line.empty() || line[0] == '#') continue;
        auto f = split(line, ":", false);
        if (f.size() != 7 || f[0].empty())
            return make_error(EX_CONFIG, fmt::format("{}:{}: expected name:x:uid:gid:gecos:home:shell, got \"{}\"",
                                                     path, lineno, line));
        User u;
        u.name = f[0];
        auto number = [&](const std::string& s, unsigned long fallback) -> std::optional<unsigned long> {
            if (s.empty()) return fallback;
            char* end = nullptr;
            unsigned long v = std::strtoul(s.c_str(), &end, 10);
            if (!end || *end) return std::nullopt;
            return v;
        };
        auto uid = number(f[2], getuid());
        auto gid = number(f[3], getgid());
        if (!uid || !gid)
            return make_error(EX_CONFIG, fmt::format("{}:{}: uid and gid must be numbers in \"{}\"", path, lineno, line));
        u.uid = static_cast<uid_t>(*uid);
        u.gid = static_cast<gid_t>(*gid);
        u.gecos = f[4].substr(0, f[4].find(','));
        u.home = f[5];
        u.shell = f[6].empty() ? "/bin/sh" : f[6];
        d.m_users.push_back(std::move(u));
    }
    return d;
}

std::optional<User> Directory::find(std::string_view name) const {
    if (name.empty()) return std::nullopt;
    auto lookup = [&](const std::string& n) -> std::optional<User> {
        if (m_instance) {
            for (const User& u : m_users)
                if (u.name == n) return u;
            return std::nullopt;
        }
        auto found = account_by_name(n);
        if (!found || !*found) return std::nullopt;
        const Account& a = **found;
        return User{a.name, a.uid, a.gid, a.gecos.substr(0, a.gecos.find(',')), a.home,
                    a.shell.empty() ? "/bin/sh" : a.shell};
    };
    if (auto u = lookup(std::string(name))) return u;
    std::string lower = to_lower(name);
    if (lower != name) return lookup(lower);
    return std::nullopt;
}

}  // namespace mail::users
