// lockfile.cpp — see lockfile.h.  The order of the checks and messages
// follows Debian's lockfile 3.22-27 as tests/filters/test_lockfile.sh
// observes it.
#include "filters/lockfile/lockfile.h"

#include "libmail/config/config.h"
#include "libmail/users/accounts.h"
#include "libmail/users/users.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <optional>

namespace mail::lockfile {
namespace {

constexpr std::string_view k_help =
    "\t-v\tdisplay the version number and exit\n"
    "\t-nnn\twait nnn seconds between locking attempts\n"
    "\t-r nnn\tmake at most nnn retries before giving up on a lock\n"
    "\t-l nnn\tset locktimeout to nnn seconds\n"
    "\t-s nnn\tsuspend nnn seconds after a locktimeout occurred\n"
    "\t-!\tinvert the exitcode of lockfile\n"
    "\t-ml\tlock your system mail-spool file\n"
    "\t-mu\tunlock your system mail-spool file\n";

class Runner {
public:
    Runner(std::vector<std::string> args, const Io& io)
        : m_args(std::move(args)),
          m_io(io),
          m_names(io.names ? *io.names : filters::UniqueNames::process()) {}

    int run() {
        if (m_args.empty()) return usage_only();
        std::size_t limit = m_args.size();
        // Each failure re-reads the arguments before it with `m_undo` set:
        // files named there are removed again (Debian's second pass).
        for (;;) {
            m_invert = false;
            std::size_t failed = pass(limit);
            if (failed == SIZE_MAX) break;
            m_undo = true;
            limit = failed;
        }
        if (m_retval == 0 && m_virgin) return usage_only();
        if (m_invert) {
            if (m_retval == 0) return EX_CANTCREAT;
            if (m_retval == EX_CANTCREAT) return 0;
        }
        return m_retval;
    }

private:
    void err(std::string_view s) {
        if (m_io.err) m_io.err(s);
    }
    void nlog(std::string_view s) {
        err("lockfile: ");
        err(s);
    }
    void nap(long seconds) {
        if (seconds <= 0) return;
        unsigned s = seconds > static_cast<long>(UINT_MAX) ? UINT_MAX : static_cast<unsigned>(seconds);
        if (m_io.sleep)
            m_io.sleep(s);
        else
            ::sleep(s);
    }
    int usage_only() {
        err(k_usage);
        return EX_USAGE;
    }

    // One reading of args[0, limit); returns the index where it failed, or
    // SIZE_MAX.
    std::size_t pass(std::size_t limit) {
        for (std::size_t i = 0; i < limit; ++i) {
            if (!m_args[i].empty() && m_args[i][0] == '-') {
                std::size_t failed = options(i, limit);
                if (failed != SIZE_MAX) return failed;
            } else if (m_undo) {
                unlink(m_args[i].c_str());
            } else if (!lock(m_args[i])) {
                return i;
            }
        }
        return SIZE_MAX;
    }

    // Reads the option letters of args[i] (and a value argument after it,
    // which advances i); returns the failing index or SIZE_MAX.
    std::size_t options(std::size_t& i, std::size_t limit) {
        std::size_t pos = 1;
        for (;;) {
            const std::string& cur = m_args[i];
            const char ch = pos < cur.size() ? cur[pos] : '\0';
            const std::size_t at = pos++;
            switch (ch) {
                case '\0': return SIZE_MAX;
                case '!': m_invert = !m_invert; continue;
                case 'r':
                case 'l':
                case 's': {
                    if (pos >= m_args[i].size()) {  // the value is the next argument
                        if (i + 1 >= limit) return usage(i);
                        ++i;
                        pos = 0;
                    }
                    long v = number(m_args[i], pos);
                    if (ch == 'r') {
                        m_retries = v;
                    } else if (ch == 'l') {
                        m_force = v;
                    } else {
                        if (v < 0) return usage(i);
                        m_suspend = v;
                    }
                    continue;
                }
                case 'v':
                    err(m_io.version);
                    if (m_io.mailbox_lock)
                        if (auto ml = m_io.mailbox_lock())
                            err("\nYour system mailbox's lockfile:\t" + *ml + "\n");
                    m_retval = EX_USAGE;
                    return i;
                case 'h':
                case '?':
                    err(k_usage);
                    err(k_help);
                    m_retval = EX_USAGE;
                    return i;
                case 'm': return mailbox(i, pos);
                default: {
                    std::size_t p = at;
                    long v = number(cur, p);
                    if (!m_undo) {
                        if (v < 0 || p == at) return usage(i);
                        m_sleep = v;
                    }
                    pos = p;
                    continue;
                }
            }
        }
    }

    // strtol() at `pos`, which moves past what it read.
    static long number(const std::string& s, std::size_t& pos) {
        const char* begin = s.c_str() + pos;
        char* end = nullptr;
        long v = std::strtol(begin, &end, 10);
        pos += static_cast<std::size_t>(end - begin);
        return v;
    }

    std::size_t usage(std::size_t at) {
        err(k_usage);
        m_retval = EX_USAGE;
        return at;
    }

    // -ml / -mu: `pos` is just after the 'm'.
    std::size_t mailbox(std::size_t i, std::size_t pos) {
        const std::string& cur = m_args[i];
        if ((pos < cur.size() && pos + 1 < cur.size()) || (m_mailbox && !m_undo)) return usage(i);
        if (!m_mailbox) {
            auto ml =
                m_io.mailbox_lock ? m_io.mailbox_lock() : Result<std::string>(make_error(EX_NOUSER, ""));
            if (!ml) {
                nlog("Can't determine your mailbox, who are you?\n");
                return i;
            }
            m_mailbox = *ml;
        }
        const char what = pos < cur.size() ? cur[pos] : '\0';
        if (what == 'l' && !m_undo) return lock(*m_mailbox, true) ? SIZE_MAX : i;
        if (what != 'l' && what != 'u') return usage(i);
        if (unlink(m_mailbox->c_str()) != 0) {
            err("lockfile: Can't unlock \"" + *m_mailbox + "\"");
            if (what == 'l') err(" again,\n already dropped my privileges");
            err("\n");
        } else {
            m_virgin = false;
        }
        return SIZE_MAX;
    }

    // Locks `name` (shortened in place if too long); false when it failed
    // (the message is out, m_retval set).
    bool lock(std::string& name, bool spool = false) {
        m_virgin = false;
        for (;;) {
            std::time_t fs_time = std::time(nullptr);
            const int e = filters::try_dotlock(name, m_names, &fs_time, {}, false);
            if (e == 0) return true;
            if (m_io.signalled && m_io.signalled()) {
                nlog("Signal received");
                return give_up(name, EX_TEMPFAIL);
            }
            switch (e) {
                case EEXIST:
                    if (filters::dotlock_expired(name, m_force, fs_time, false)) {
                        nlog(unlink(name.c_str()) != 0 ? "Forced unlock denied on \"" : "Forcing lock on \"");
                        err(name + "\"\n");
                        nap(m_suspend);
                    } else if (m_retries == 0) {
                        nlog("Sorry");
                        return give_up(name, EX_CANTCREAT);
                    } else {
                        if (m_retries != -1) --m_retries;
                        nap(m_sleep);
                    }
                    continue;
                case ENAMETOOLONG:
                    if (name.size() >= 2 && name[name.size() - 2] != '/') {
                        nlog("Truncating \"" + name + "\" and retrying lock\n");
                        name.pop_back();
                        continue;
                    }
                    nlog("Filename too long");
                    return give_up(name, EX_UNAVAILABLE);
                default:
                    // ENOENT, ENOSPC … too: Debian's lockfile means to retry
                    // those a few times but gives up at once.
                    nlog("Try praying");
                    give_up(name, EX_UNAVAILABLE);
                    if (spool && (e == EACCES || e == EPERM)) {
                        std::string dir = name.substr(0, name.rfind('/') + 1);
                        nlog("cannot write the mail spool directory \"" + dir +
                             "\": mailroom's lockfile is not set-group-id mail\n");
                    }
                    return false;
            }
        }
    }

    bool give_up(const std::string& name, int code) {
        err(", giving up on \"" + name + "\"\n");
        m_retval = code;
        return false;
    }

    std::vector<std::string> m_args;
    const Io& m_io;
    filters::UniqueNames& m_names;
    long m_sleep = 8, m_retries = -1, m_force = 0, m_suspend = 16;
    int m_retval = 0;
    bool m_invert = false, m_virgin = true, m_undo = false;
    std::optional<std::string> m_mailbox;
};

}  // namespace

int run(std::vector<std::string> args, const Io& io) {
    return Runner(std::move(args), io).run();
}

Result<std::string> system_mailbox_lock() {
    std::string path = config::default_path();
    config::Config cfg;
    struct stat st {};
    if (std::getenv("MAILROOM_CONFIG") || stat(path.c_str(), &st) == 0) {
        auto loaded = config::load(path);
        if (!loaded) return loaded.error();
        cfg = std::move(*loaded);
    }
    std::string user;
    const char* logname = std::getenv("LOGNAME");
    if (logname && *logname) {
        if (cfg.instance()) {
            // Every user of an instance is its owner: the users file decides.
            auto dir = users::Directory::load_file(cfg.str("MAILROOM_USERS_FILE"));
            if (dir && dir->find(logname)) user = logname;
        } else {
            auto a = users::account_by_name(logname);
            if (!a) return a.error();
            if (*a && (*a)->uid == getuid()) user = (*a)->name;
        }
    }
    if (user.empty()) {
        auto a = users::account_by_uid(getuid());
        if (!a) return a.error();
        if (!*a) return make_error(EX_NOUSER, "who are you?");
        user = (*a)->name;
    }
    if (user.find('/') != std::string::npos || user.empty() || user[0] == '.')
        return make_error(EX_NOUSER, "unsafe user name");
    return cfg.str("MAILROOM_SPOOL_DIR") + "/" + user + ".lock";
}

}  // namespace mail::lockfile
