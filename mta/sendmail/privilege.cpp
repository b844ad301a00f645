// privilege.cpp — see privilege.h.
#include "mta/sendmail/privilege.h"

#include <fmt/format.h>

#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace mail::sendmail {

namespace {

// "uid:gid" (numbers), or a user name from the password database.
Result<Identity> resolve(const std::string& spec) {
    auto colon = spec.find(':');
    if (colon != std::string::npos) {
        char* end = nullptr;
        errno = 0;
        unsigned long uid = std::strtoul(spec.c_str(), &end, 10);
        bool ok = end == spec.c_str() + colon && errno == 0;
        unsigned long gid = std::strtoul(spec.c_str() + colon + 1, &end, 10);
        ok = ok && colon > 0 && colon + 1 < spec.size() && *end == '\0' && errno == 0;
        if (!ok) return make_error(EX_CONFIG, fmt::format("RunAsUser {}: want a user name or uid:gid", spec));
        return Identity{spec, static_cast<uid_t>(uid), static_cast<gid_t>(gid)};
    }
    errno = 0;
    const passwd* pw = ::getpwnam(spec.c_str());
    if (pw == nullptr) return make_error(EX_NOUSER, fmt::format("RunAsUser {}: no such user", spec));
    return Identity{spec, pw->pw_uid, pw->pw_gid};
}

}  // namespace

Result<std::optional<Identity>> session_identity(const config::Config& cfg) {
    if (::geteuid() != 0) return std::optional<Identity>{};
    if (cfg.instance() && !cfg.is_set("confRUN_AS_USER")) return std::optional<Identity>{};
    std::string spec = cfg.str("confRUN_AS_USER");
    if (spec.empty())
        return make_error(EX_CONFIG, "RunAsUser is empty: the SMTP daemon will not run its sessions as root");
    auto id = resolve(spec);
    if (!id) return id.error();
    if (id->uid == 0)
        return make_error(EX_CONFIG, fmt::format("RunAsUser {} is root: the SMTP daemon will not run its sessions as root", spec));
    return std::optional<Identity>{std::move(*id)};
}

Status hand_queue_to(const std::string& queue_dir, const Identity& id) {
    struct stat st {};
    if (::lstat(queue_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return make_error(EX_CONFIG, fmt::format("queue directory {}: {}", queue_dir, std::strerror(errno ? errno : ENOTDIR)));
    if (st.st_uid != 0 && st.st_uid != id.uid)
        return make_error(EX_CONFIG, fmt::format("queue directory {} belongs to uid {}, not to RunAsUser {}", queue_dir,
                                                 st.st_uid, id.name));
    if (::lchown(queue_dir.c_str(), id.uid, id.gid) != 0)
        return make_error(EX_OSERR, fmt::format("cannot give {} to {}: {}", queue_dir, id.name, std::strerror(errno)));
    DIR* d = ::opendir(queue_dir.c_str());
    if (d == nullptr) return make_error(EX_OSERR, fmt::format("{}: {}", queue_dir, std::strerror(errno)));
    Status result;
    while (const dirent* e = ::readdir(d)) {
        std::string path = queue_dir + "/" + e->d_name;
        struct stat fst {};
        if (e->d_name[0] == '.' || ::lstat(path.c_str(), &fst) != 0 || !S_ISREG(fst.st_mode) || fst.st_uid != 0) continue;
        if (::lchown(path.c_str(), id.uid, id.gid) != 0 && result)
            result = make_error(EX_OSERR, fmt::format("cannot give {} to {}: {}", path, id.name, std::strerror(errno)));
    }
    ::closedir(d);
    return result;
}

Status become(const Identity& id) {
    gid_t gid = id.gid;
    if (::setgroups(1, &gid) != 0 || ::setgid(id.gid) != 0 || ::setuid(id.uid) != 0)
        return make_error(EX_OSERR, fmt::format("cannot become {}: {}", id.name, std::strerror(errno)));
    if (::setuid(0) == 0 || ::geteuid() == 0 || ::getegid() != id.gid)
        return make_error(EX_OSERR, fmt::format("still privileged after becoming {}", id.name));
    return {};
}

}  // namespace mail::sendmail
