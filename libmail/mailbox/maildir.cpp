// maildir.cpp — see maildir.h and docs/mailbox.md ("Maildir").
#include "libmail/mailbox/maildir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

namespace mail::mailbox {
namespace {

// A directory of the Maildir must exist (or be made) as a real directory
// owned by the recipient.
Status ensure_dir(const std::string& path, const MailboxOwner& owner) {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) {
        if (errno != ENOENT)
            return make_error(EX_TEMPFAIL, fmt::format("{}: {}", path, std::strerror(errno)));
        if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
            return make_error(EX_CANTCREAT, fmt::format("{}: cannot create: {}", path, std::strerror(errno)));
        if (owner.chown_on_create && lchown(path.c_str(), owner.uid, owner.gid) != 0)
            return make_error(EX_CANTCREAT, fmt::format("{}: cannot chown: {}", path, std::strerror(errno)));
        if (lstat(path.c_str(), &st) != 0)
            return make_error(EX_CANTCREAT, fmt::format("{}: {}", path, std::strerror(errno)));
    }
    if (S_ISLNK(st.st_mode))
        return make_error(EX_NOPERM, fmt::format("{}: is a symbolic link, refusing", path));
    if (!S_ISDIR(st.st_mode))
        return make_error(EX_NOPERM, fmt::format("{}: not a directory, refusing", path));
    if (st.st_uid != owner.uid)
        return make_error(EX_NOPERM, fmt::format("{}: owned by uid {}, not the recipient (uid {}), refusing",
                                                 path, st.st_uid, owner.uid));
    return {};
}

Status write_message(int fd, int source_fd, const Envelope& env) {
    std::string head = trace_headers(env);
    if (::write(fd, head.data(), head.size()) != static_cast<ssize_t>(head.size()))
        return write_error(errno, "write");
    std::string buf(64 * 1024, '\0');
    off_t offset = 0;
    for (;;) {
        ssize_t n = pread(source_fd, buf.data(), buf.size(), offset);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return make_error(EX_IOERR, fmt::format("cannot read message: {}", std::strerror(errno)));
        if (n == 0) break;
        offset += n;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = ::write(fd, buf.data() + done, static_cast<size_t>(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return write_error(errno, "write");
            done += w;
        }
    }
    if (fsync(fd) != 0) return write_error(errno, "fsync");
    return {};
}

void fsync_dir(const std::string& dir) {
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

}  // namespace

bool is_maildir(const std::string& dir) {
    struct stat st {};
    for (const char* sub : {"/cur", "/new", "/tmp"})
        if (lstat((dir + sub).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    return lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string maildir_unique_name() {
    static std::mt19937_64 rng{std::random_device{}()};
    struct timeval tv {};
    gettimeofday(&tv, nullptr);
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    std::string h;
    for (const char* p = host; *p; ++p) {
        // The Maildir spec's escapes for the two bytes with meaning in names.
        if (*p == '/')
            h += "\\057";
        else if (*p == ':')
            h += "\\072";
        else
            h += *p;
    }
    return fmt::format("{}.M{}P{}R{:016x}.{}", tv.tv_sec, tv.tv_usec, getpid(), rng(), h);
}

Result<std::string> deliver_maildir(const std::string& dir, int source_fd, const Envelope& env,
                                    const MailboxOwner& owner) {
    for (const std::string& d : {dir, dir + "/tmp", dir + "/new", dir + "/cur"})
        if (auto st = ensure_dir(d, owner); !st) return st.error();
    for (int attempt = 0; attempt < 5; ++attempt) {
        std::string name = maildir_unique_name();
        std::string tmp = dir + "/tmp/" + name;
        std::string fresh = dir + "/new/" + name;
        int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST) continue;
        if (fd < 0) {
            if (errno == ENOSPC || errno == EDQUOT) return write_error(errno, "create " + tmp);
            return make_error(EX_CANTCREAT, fmt::format("{}: cannot create: {}", tmp, std::strerror(errno)));
        }
        Status st = write_message(fd, source_fd, env);
        close(fd);
        if (!st) {
            unlink(tmp.c_str());
            return st.error();
        }
        int rc = link(tmp.c_str(), fresh.c_str());
        int err = errno;
        unlink(tmp.c_str());
        if (rc != 0 && err == EEXIST) continue;
        if (rc != 0)
            return make_error(EX_TEMPFAIL, fmt::format("{}: cannot link: {}", fresh, std::strerror(err)));
        fsync_dir(dir + "/new");
        return fresh;
    }
    return make_error(EX_TEMPFAIL, fmt::format("{}: cannot find a unique file name", dir));
}

}  // namespace mail::mailbox
