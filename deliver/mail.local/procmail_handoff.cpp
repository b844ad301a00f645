// procmail_handoff.cpp — see procmail_handoff.h.
#include "procmail_handoff.h"

#include "libmail/log/log.h"
#include "libmail/proc/spawn.h"

#include <fmt/format.h>

#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mail::local {

std::optional<lmtp::DeliveryResult> hand_to_procmail(const config::Config& cfg, const users::User& user, int fd,
                                                     const mailbox::Envelope& env) {
    std::string rc = user.home + "/.procmailrc";
    struct stat st {};
    if (user.home.empty() || ::stat(rc.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    const std::string& procmail = cfg.str("MAILROOM_PROCMAIL_PATH");
    if (procmail.empty() || ::access(procmail.c_str(), X_OK) != 0) {
        log::warning("{}: has {} but {} cannot be run ({}); delivering to the mailbox", user.name, rc, procmail,
                     std::strerror(errno));
        return std::nullopt;
    }
    proc::SpawnOptions o;
    o.argv = {procmail, "-f", env.sender.empty() ? "<>" : env.sender, "-d", user.name};
    o.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + user.home, "LOGNAME=" + user.name, "USER=" + user.name};
    if (const char* tz = std::getenv("TZ")) o.env.push_back(std::string("TZ=") + tz);
    if (cfg.instance()) {
        for (const char* name : {"MAILROOM_USERS_FILE", "MAILROOM_SPOOL_DIR", "MAILROOM_SENDMAIL_PATH"})
            o.env.push_back(fmt::format("{}={}", name, cfg.str(name)));
        if (const char* c = std::getenv("MAILROOM_CONFIG")) o.env.push_back(std::string("MAILROOM_CONFIG=") + c);
    } else if (::geteuid() == 0) {
        o.as = proc::Identity{user.name, user.uid, user.gid};
    }
    o.pipe_stdout = false;  // procmail's stdout: /dev/null
    o.stderr_to_stdout = true;
    auto child = proc::spawn(o);
    if (!child) return lmtp::DeliveryResult{EX_TEMPFAIL, "cannot run procmail: " + child.error().message, false};
    bool ok = proc::write_all(child->in(), mailbox::trace_headers(env));
    char buf[65536];
    off_t off = 0;
    while (ok) {
        ssize_t n = ::pread(fd, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += n;
        ok = proc::write_all(child->in(), std::string_view(buf, static_cast<std::size_t>(n)));
    }
    child->close_in();
    auto status = child->wait();
    if (!status) return lmtp::DeliveryResult{EX_TEMPFAIL, status.error().message, false};
    int code = *status;
    if (code == 0 && !ok) code = EX_TEMPFAIL;  // it did not read the whole message
    if (code == 0) {
        log::info("{}: to=<{}>, from=<{}>, mailer=procmail, stat=Sent", user.name, user.name, env.sender);
        return lmtp::DeliveryResult{EX_OK, "", false};
    }
    if (code >= 128) code = EX_TEMPFAIL;  // killed: try again
    std::string why = fmt::format("procmail exited with status {}", *status);
    log::warning("{}: to=<{}>, from=<{}>, mailer=procmail, stat={}: {}", user.name, user.name, env.sender,
                 code == EX_TEMPFAIL ? "Deferred" : "Failed", why);
    return lmtp::DeliveryResult{code, why, false};
}

}  // namespace mail::local
