// dotlock.cpp — see dotlock.h and docs/procmail.md ("Folders and locks").
#include "filters/common/dotlock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include <fmt/format.h>

namespace mail::filters {
namespace {

// procmail's RETRYunique: how many names to try before giving up on a
// temporary file.
constexpr int k_unique_tries = 8;
// procmail's MAX_locksize: a longer file is not a lock we may remove.
constexpr off_t k_max_locksize = 16;
// procmail's nfsTRY: transient errors (ENOENT, ENOSPC …) are tried this
// many times in all, LOCKSLEEP apart, because NFS reports them spuriously.
constexpr int k_nfs_tries = 8;
// procmail's MINnamelen: a temporary name is cut to this on ENAMETOOLONG.
constexpr std::size_t k_min_name = 14;

constexpr char k_b64_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char k_serial_digits[] = ".,+%";

std::string escape_host(std::string_view host, std::string_view special) {
    std::string out;
    for (char c : host) {
        if (special.find(c) != std::string_view::npos)
            out += fmt::format("\\{:03o}", static_cast<unsigned char>(c));
        else
            out += c;
    }
    return out;
}

std::string dir_prefix(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

std::string quoted(std::string_view what, const std::string& name) {
    return fmt::format("{} \"{}\"", what, name);
}

void say(const LogFn& log, const std::string& line) {
    if (log) log(line);
}

}  // namespace

std::string procmail_base64(unsigned long value) {
    std::string out;
    do {
        out += k_b64_digits[value & 0x3f];
        value >>= 6;
    } while (value != 0);
    return out;
}

std::string system_hostname() {
    struct utsname u {};
    if (uname(&u) != 0) return "localhost";
    return u.nodename;
}

std::string maildir_host(std::string_view host) {
    return escape_host(host, "/:");
}

std::string temp_serial_text(unsigned long serial) {
    std::string out;
    do {
        out += k_serial_digits[serial & 3];
        serial >>= 2;
    } while (serial != 0);
    return out;
}

UniqueNames::UniqueNames(pid_t pid, std::string host, std::function<std::time_t()> now)
    : m_pid(pid), m_host(std::move(host)), m_now(std::move(now)) {}

std::string UniqueNames::temp_name() {
    // A '/' in the host name would put the file into another directory.
    std::string name = "_" + procmail_base64(static_cast<unsigned long>(m_pid)) +
                       temp_serial_text(m_serial++) + procmail_base64(static_cast<unsigned long>(m_now())) +
                       "." + escape_host(m_host, "/");
    return name;
}

std::string UniqueNames::maildir_name() {
    return fmt::format("{}.{}_{}.{}", static_cast<long long>(m_now()), static_cast<long long>(m_pid),
                       m_serial++, maildir_host(m_host));
}

UniqueNames& UniqueNames::process() {
    static UniqueNames names(getpid(), system_hostname(), [] { return std::time(nullptr); });
    names.m_pid = getpid();  // a forked child gets names of its own
    return names;
}

int nfs_link(const std::string& from, const std::string& to) {
    if (link(from.c_str(), to.c_str()) == 0) return 0;
    const int err = errno;
    struct stat a {
    }, b{};
    if (lstat(from.c_str(), &a) == 0 && lstat(to.c_str(), &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino && a.st_uid == b.st_uid && a.st_gid == b.st_gid && !S_ISLNK(a.st_mode))
        return 0;  // the reply was lost, the link was made
    return err;
}

int try_dotlock(const std::string& lock_path, UniqueNames& names, std::time_t* fs_time, const LogFn& log,
                bool verbose) {
    const std::string dir = dir_prefix(lock_path);
    int err = EEXIST;
    std::string tmp;
    int fd = -1;
    bool shortened = false;
    for (int i = 0; i < k_unique_tries && fd < 0; ++i) {
        std::string base = names.temp_name();
        if (shortened && base.size() > k_min_name) base.resize(k_min_name);
        tmp = dir + base;
        struct stat st {};
        if (lstat(tmp.c_str(), &st) == 0) {
            err = EEXIST;  // casually taken already: next name
            continue;
        }
        if (errno == ENAMETOOLONG && !shortened) {
            shortened = true;
            --i;
            continue;
        }
        if (errno != ENOENT) {
            err = errno;
            continue;
        }
        fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
        if (fd < 0) {
            err = errno;
            if (err != EEXIST) break;
        }
    }
    if (fd < 0) {
        if (verbose) say(log, quoted("Error while writing to", tmp));
        return err;
    }
    // The file we opened must be the fresh, single-link, empty file at that
    // name (procmail's doCHECK): anything else is somebody else's trick.
    struct stat by_fd {
    }, by_name{};
    if (fstat(fd, &by_fd) != 0 || lstat(tmp.c_str(), &by_name) != 0 || by_name.st_nlink != 1 ||
        by_name.st_size != 0 || by_fd.st_dev != by_name.st_dev || by_fd.st_ino != by_name.st_ino) {
        close(fd);
        unlink(tmp.c_str());
        return EPERM;
    }
    bool wrote = write(fd, "0", 1) == 1;  // "pid 0": works across hosts
    int write_err = errno;
    if (close(fd) != 0 && wrote) {
        wrote = false;
        write_err = errno;
    }
    if (!wrote) {
        unlink(tmp.c_str());
        return write_err;
    }
    struct stat st {};
    if (stat(tmp.c_str(), &st) == 0 && fs_time) *fs_time = st.st_mtime;
    const int r = nfs_link(tmp, lock_path);
    unlink(tmp.c_str());
    return r;
}

bool dotlock_expired(const std::string& lock_path, long timeout, std::time_t fs_time, bool check_size) {
    struct stat st {};
    if (timeout == 0 || lstat(lock_path.c_str(), &st) != 0) return false;
    if (check_size && st.st_size > k_max_locksize) return false;
    return timeout < static_cast<long long>(fs_time) - static_cast<long long>(st.st_mtime);
}

Result<Dotlock> acquire_dotlock(std::string name, const DotlockOptions& opts) {
    UniqueNames& names = opts.names ? *opts.names : UniqueNames::process();
    auto pause = [&](long seconds) {
        if (seconds <= 0) return;
        if (opts.sleep)
            opts.sleep(static_cast<unsigned>(seconds));
        else
            ::sleep(static_cast<unsigned>(seconds));
    };
    auto stop = [&] { return opts.interrupted && opts.interrupted(); };
    auto fail = [&]() -> Result<Dotlock> {
        std::string line = quoted("Lock failure on", name);
        say(opts.log, line);
        return make_error(EX_CANTCREAT, line);
    };
    int permanent = k_nfs_tries;
    bool tried_force = false;
    std::time_t fs_time = std::time(nullptr);
    for (;;) {
        if (opts.verbose) say(opts.log, quoted("Locking", name));
        const int err = try_dotlock(name, names, &fs_time, opts.log, opts.verbose);
        if (err == 0) return Dotlock(std::move(name), opts.log, opts.verbose);
        bool sleep_first = true;
        switch (err) {
            case EEXIST:
                if (dotlock_expired(name, opts.locktimeout, fs_time, true)) {
                    if (tried_force) return fail();  // it came back: give up
                    struct stat st {};
                    const bool is_dir = lstat(name.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
                    if (is_dir || unlink(name.c_str()) != 0) {
                        tried_force = true;
                        say(opts.log, quoted("Forced unlock denied on", name));
                    } else {
                        say(opts.log, quoted("Forcing lock on", name));
                        pause(opts.suspend);
                        sleep_first = false;  // try again at once
                    }
                } else {
                    tried_force = false;  // an ordinary wait
                }
                if (sleep_first) permanent = k_nfs_tries;
                break;
            case ENOSPC:
            case EDQUOT:
            case ENOENT:
            case ENOTDIR:
            case EIO:
                // Transient on NFS: try again, but not forever.
                if (--permanent == 0) return fail();
                break;
            case ENAMETOOLONG:
                if (name.size() >= 2 && name[name.size() - 2] != '/') {
                    say(opts.log, quoted("Truncating", name) + " and retrying lock");
                    name.pop_back();
                    permanent = k_nfs_tries;
                    sleep_first = false;
                    break;
                }
                return fail();
            default: return fail();
        }
        if (sleep_first) pause(opts.locksleep);
        if (stop())
            return make_error(EX_TEMPFAIL,
                              fmt::format("interrupted while waiting for lockfile \"{}\"", name));
    }
}

Dotlock::Dotlock(Dotlock&& other) noexcept
    : m_path(std::move(other.m_path)), m_log(std::move(other.m_log)), m_verbose(other.m_verbose) {
    other.m_path.clear();
}

Dotlock& Dotlock::operator=(Dotlock&& other) noexcept {
    if (this != &other) {
        release();
        m_path = std::move(other.m_path);
        m_log = std::move(other.m_log);
        m_verbose = other.m_verbose;
        other.m_path.clear();
    }
    return *this;
}

void Dotlock::release() {
    if (m_path.empty()) return;
    if (m_verbose) say(m_log, quoted("Unlocking", m_path));
    if (unlink(m_path.c_str()) != 0) say(m_log, quoted("Couldn't unlock", m_path));
    m_path.clear();
}

std::string Dotlock::disown() {
    std::string p = std::move(m_path);
    m_path.clear();
    return p;
}

}  // namespace mail::filters
