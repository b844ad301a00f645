// delivery.cpp — see delivery.h and docs/mailbox.md.
#include "libmail/mailbox/delivery.h"
#include <fcntl.h>
#include <algorithm>

#include "libmail/config/config.h"
#include "libmail/mailbox/maildir.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace mail::mailbox {
namespace {

// Runs the mailbox write with the recipient's effective uid (and group mail)
// and restores root on destruction.  Only ever used when euid is 0 in a
// system install; otherwise it does nothing.
class AsRecipient {
public:
    AsRecipient(bool switch_ids, uid_t uid, gid_t gid) {
        if (!switch_ids) return;
        m_groups.resize(static_cast<std::size_t>(std::max(getgroups(0, nullptr), 0)));
        if (getgroups(static_cast<int>(m_groups.size()), m_groups.data()) < 0) m_groups.clear();
        m_gid = getegid();
        if (setgroups(1, &gid) != 0 || setegid(gid) != 0 || seteuid(uid) != 0) {
            m_error = fmt::format("cannot switch to uid {} gid {}: {}", uid, gid, std::strerror(errno));
            restore();
            return;
        }
        m_active = true;
    }
    ~AsRecipient() {
        if (m_active) restore();
    }
    AsRecipient(const AsRecipient&) = delete;
    AsRecipient& operator=(const AsRecipient&) = delete;
    const std::string& error() const { return m_error; }

private:
    void restore() {
        // Failing to get root back would leave us half-privileged; that is a
        // broken invariant, not a delivery error.
        if (seteuid(0) != 0 || setegid(m_gid) != 0) std::abort();
        setgroups(m_groups.size(), m_groups.data());
        m_active = false;
    }
    std::vector<gid_t> m_groups;
    gid_t m_gid = 0;
    bool m_active = false;
    std::string m_error;
};

gid_t mail_group(gid_t fallback) {
    struct group* g = getgrnam("mail");
    return g ? g->gr_gid : fallback;
}

}  // namespace

Result<DeliveryConfig> delivery_config(const config::Config& cfg) {
    DeliveryConfig dc;
    dc.spool_dir = cfg.str("MAILROOM_SPOOL_DIR");
    const std::string& fmt_name = cfg.str("MAILROOM_MAILBOX_FORMAT");
    if (fmt_name == "mbox")
        dc.format = Format::Mbox;
    else if (fmt_name == "maildir")
        dc.format = Format::Maildir;
    else
        return make_error(EX_CONFIG,
                          fmt::format("MAILROOM_MAILBOX_FORMAT: want mbox or maildir, got \"{}\"", fmt_name));
    dc.lock.stale_after = cfg.duration("MAILROOM_LOCK_TIMEOUT");
    dc.instance = cfg.instance();
    return dc;
}

Result<std::string> mailbox_path(std::string_view spool_dir, std::string_view user) {
    bool bad = user.empty() || user.front() == '.' || user.size() > 255;
    for (unsigned char c : user)
        if (c == '/' || c < 0x20 || c == 0x7f) bad = true;
    if (bad) return make_error(EX_DATAERR, fmt::format("unsafe mailbox name \"{}\"", user));
    return fmt::format("{}/{}", spool_dir, user);
}

Status deliver(const DeliveryConfig& dc, const users::User& user, int source_fd, const Envelope& env,
               std::vector<std::string>* unsynced) {
    auto path = mailbox_path(dc.spool_dir, user.name);
    if (!path) return path.error();
    const bool switch_ids = geteuid() == 0 && !dc.instance;
    MailboxOwner owner;
    owner.uid = user.uid;
    owner.gid = switch_ids ? mail_group(user.gid) : user.gid;
    owner.mode = dc.instance ? 0600 : 0660;
    // A user's ~/.procmailrc is honoured by the caller (mail.local's
    // procmail hand-off) before it gets here.
    AsRecipient as(switch_ids, owner.uid, owner.gid);
    if (!as.error().empty()) return make_error(EX_OSERR, as.error());
    // The configured format is for new mailboxes; an existing mbox file
    // stays an mbox (converting is the user's choice, not ours).
    struct stat st {};
    bool missing = lstat(path->c_str(), &st) != 0 && errno == ENOENT;
    if (is_maildir(*path) || (dc.format == Format::Maildir && missing)) {
        auto r = deliver_maildir(*path, source_fd, env, owner);
        if (!r) return r.error();
        return {};
    }
    auto fd = open_mailbox(*path, owner);
    if (!fd) return fd.error();
    auto lock = MailboxLock::acquire(fd->get(), *path, dc.lock);
    if (!lock) return lock.error();
    AppendOptions ao;
    ao.sync = unsynced == nullptr;
    if (Status s = append_mbox(fd->get(), source_fd, env, ao); !s) return s;
    if (unsynced) unsynced->push_back(*path);
    return {};
}

Status sync_mailboxes(std::vector<std::string>& paths) {
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
    Status result;
    for (const auto& p : paths) {
        int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 || ::fsync(fd) != 0) {
            if (result) result = make_error(EX_TEMPFAIL, fmt::format("{}: sync failed: {}", p, std::strerror(errno)));
        }
        if (fd >= 0) ::close(fd);
    }
    paths.clear();
    return result;
}

}  // namespace mail::mailbox
