// open.cpp — open_mailbox(): opening a mailbox file without being tricked.
//
// SECURITY: the spool directory may be writable by other users (group mail,
// or the whole world on old systems), so anything found at the mailbox path
// may have been planted: a symlink to /etc/passwd, a hard link to another
// user's file, a FIFO.  We lstat() first, open with O_NOFOLLOW (no symlink
// at the last component) and O_NONBLOCK (a FIFO swapped in cannot hang us),
// read-write because append_mbox() checks the old tail with pread(),
// then fstat() the descriptor and require the same dev/ino, a regular file,
// one link, and the recipient as owner (Postfix strict_mailbox_ownership,
// CVE-2008-2936; mta.md §4.5).
#include "libmail/mailbox/mbox.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace mail::mailbox {
namespace {

constexpr int k_flags = O_RDWR | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;

// The checks both the lstat() and the fstat() result must pass.
Status check_file(const std::string& path, const struct stat& st, const MailboxOwner& owner) {
    if (S_ISLNK(st.st_mode))
        return make_error(EX_NOPERM, fmt::format("{}: is a symbolic link, refusing", path));
    if (!S_ISREG(st.st_mode))
        return make_error(EX_NOPERM, fmt::format("{}: not a regular file, refusing", path));
    if (st.st_nlink != 1)
        return make_error(EX_NOPERM, fmt::format("{}: has {} hard links, refusing", path, st.st_nlink));
    if (st.st_uid != owner.uid)
        return make_error(EX_NOPERM, fmt::format("{}: owned by uid {}, not the recipient (uid {}), refusing",
                                                 path, st.st_uid, owner.uid));
    return {};
}

Error open_error(const std::string& path, int err, bool creating) {
    if (err == ELOOP) return make_error(EX_NOPERM, fmt::format("{}: is a symbolic link, refusing", path));
    if (err == ENOSPC || err == EDQUOT)
        return make_error(EX_TEMPFAIL, fmt::format("{}: cannot {}: {}", path, creating ? "create" : "open",
                                                   std::strerror(err)));
    if (creating)
        return make_error(EX_CANTCREAT, fmt::format("{}: cannot create: {}", path, std::strerror(err)));
    if (err == EACCES || err == EPERM)
        return make_error(EX_NOPERM, fmt::format("{}: cannot open: {}", path, std::strerror(err)));
    return make_error(EX_TEMPFAIL, fmt::format("{}: cannot open: {}", path, std::strerror(err)));
}

Result<UniqueFd> create_new(const std::string& path, const MailboxOwner& owner, bool& raced) {
    UniqueFd fd(open(path.c_str(), k_flags | O_CREAT | O_EXCL, owner.mode));
    raced = !fd.valid() && errno == EEXIST;
    if (!fd.valid()) return open_error(path, errno, true);
    // The umask may have cleared bits of the mode we want (0660 for group
    // mail), and root creates files it must hand to the recipient.
    if (owner.chown_on_create && fchown(fd.get(), owner.uid, owner.gid) != 0) {
        int err = errno;
        unlink(path.c_str());
        return make_error(EX_CANTCREAT, fmt::format("{}: cannot chown: {}", path, std::strerror(err)));
    }
    fchmod(fd.get(), owner.mode);
    return fd;
}

}  // namespace

Result<UniqueFd> open_mailbox(const std::string& path, const MailboxOwner& owner) {
    // Two rounds: a mailbox created by someone else between our lstat and
    // our O_EXCL open is simply opened on the second round.
    for (int round = 0; round < 2; ++round) {
        struct stat before {};
        if (lstat(path.c_str(), &before) != 0) {
            if (errno != ENOENT) return open_error(path, errno, false);
            bool raced = false;
            auto created = create_new(path, owner, raced);
            if (!created && raced && round == 0) continue;
            if (!created) return created;
            before = {};
            if (fstat(created->get(), &before) != 0) return open_error(path, errno, false);
            if (auto st = check_file(path, before, owner); !st) return st.error();
            return created;
        }
        if (auto st = check_file(path, before, owner); !st) return st.error();
        UniqueFd fd(open(path.c_str(), k_flags));
        if (!fd.valid()) return open_error(path, errno, false);
        struct stat after {};
        if (fstat(fd.get(), &after) != 0) return open_error(path, errno, false);
        if (after.st_dev != before.st_dev || after.st_ino != before.st_ino)
            return make_error(EX_NOPERM, fmt::format("{}: file changed while opening, refusing", path));
        if (auto st = check_file(path, after, owner); !st) return st.error();
        // Back to blocking writes now that we know it is a regular file.
        fcntl(fd.get(), F_SETFL, O_APPEND);
        return fd;
    }
    return make_error(EX_TEMPFAIL, fmt::format("{}: keeps changing while opening", path));
}

}  // namespace mail::mailbox
