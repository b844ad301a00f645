// security.cpp — see security.h.
#include "filters/procmail/security.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mail::procmail {

bool read_rcfile(const std::string& path, std::string* out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st {};
    bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    char buf[65536];
    ssize_t n = 0;
    while (ok && (n = ::read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            ok = false;
            break;
        }
        out->append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return ok;
}

RcfileCheck check_rcfile_trust(const std::string& path, uid_t uid, gid_t primary_gid, bool default_rcfile,
                               bool current) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return RcfileCheck::Missing;
    if (current) return RcfileCheck::Ok;
    if (st.st_uid != uid && st.st_uid != 0) return RcfileCheck::Suspicious;
    if (st.st_mode & S_IWOTH) return RcfileCheck::Suspicious;
    if (default_rcfile && (st.st_mode & S_IWGRP) && st.st_gid != primary_gid) return RcfileCheck::Suspicious;
    std::size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? std::string(".") : slash == 0 ? std::string("/") : path.substr(0, slash);
    struct stat dst {};
    if (::stat(dir.c_str(), &dst) != 0) return RcfileCheck::Suspicious;
    if ((dst.st_mode & S_IWOTH) && !(dst.st_mode & S_ISVTX)) return RcfileCheck::Suspicious;
    if (default_rcfile && (dst.st_mode & S_IWGRP) && dst.st_gid != primary_gid && !(dst.st_mode & S_ISVTX))
        return RcfileCheck::Suspicious;
    return RcfileCheck::Ok;
}

}  // namespace mail::procmail
