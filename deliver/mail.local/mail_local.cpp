// mail_local.cpp — see mail_local.h, mail.local(8) and docs/mailbox.md.
#include "mail_local.h"
#include "procmail_handoff.h"

#include "libmail/lmtp/line_reader.h"
#include "libmail/lmtp/server.h"
#include "libmail/log/log.h"
#include "libmail/mailbox/delivery.h"
#include "libmail/mailbox/spool.h"
#include "libmail/users/users.h"
#include "libmail/util/clock.h"
#include "libmail/util/sysexits.h"

#include <pwd.h>
#include <sysexits.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

namespace mail::local {
namespace {

// Everything a delivery needs, set up once per run.
struct Context {
    users::Directory directory;
    mailbox::DeliveryConfig delivery;
    Options opts;
    const config::Config* cfg = nullptr;
};

Result<Context> make_context(const config::Config& cfg, const Options& opts) {
    auto dc = mailbox::delivery_config(cfg);
    if (!dc) return dc.error();
    Context ctx{users::Directory::system(), *dc, opts, &cfg};
    if (cfg.instance()) {
        auto dir = users::Directory::load_file(cfg.str("MAILROOM_USERS_FILE"));
        if (!dir) return dir.error();
        ctx.directory = std::move(*dir);
    }
    return ctx;
}

std::string temp_dir() {
    const char* t = std::getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

// The sender goes into the From_ line, where a space or a newline would
// change how readers split the mailbox.
std::string safe_sender(std::string_view s) {
    std::string out;
    for (unsigned char c : s) out += (c <= 0x20 || c == 0x7f) ? '_' : static_cast<char>(c);
    return out;
}

// "From alice@example.org  Fri May 10 …" → "alice@example.org".
std::string sender_of_from_line(std::string_view line) {
    line.remove_prefix(5);
    return std::string(line.substr(0, line.find(' ')));
}

std::string invoking_user() {
    struct passwd* pw = getpwuid(getuid());
    return pw ? pw->pw_name : fmt::format("uid{}", getuid());
}

lmtp::DeliveryResult deliver_one(const Context& ctx, const std::string& name, int fd, std::size_t size,
                                 const std::string& sender, std::vector<std::string>* unsynced = nullptr) {
    auto user = ctx.directory.find(name);
    if (!user) {
        log::info("{}: to=<{}>, from=<{}>, size={}, stat=User unknown", name, name, sender, size);
        return {EX_NOUSER, "unknown user", false};
    }
    mailbox::Envelope env{safe_sender(sender), user->name, now()};
    // A ~/.procmailrc takes the message through procmail, as the user.
    if (auto r = hand_to_procmail(*ctx.cfg, *user, fd, env)) return *r;
    Status st = mailbox::deliver(ctx.delivery, *user, fd, env, unsynced);
    if (st) {
        log::info("{}: to=<{}>, from=<{}>, size={}, mailer=local, stat=Sent", user->name, user->name, sender,
                  size);
        return {EX_OK, "", false};
    }
    bool full = mailbox::is_mailbox_full(st.error());
    int code = full && ctx.opts.quota_permanent ? EX_UNAVAILABLE : st.error().exit_code;
    log::warning("{}: to=<{}>, from=<{}>, size={}, mailer=local, stat={}: {}", user->name, user->name, sender,
                 size, exit_code_is_temporary(code) ? "Deferred" : "Failed", st.error().message);
    return {code, st.error().message, full};
}

}  // namespace

int run_local(const config::Config& cfg, const Options& opts, int in_fd) {
    auto ctx = make_context(cfg, opts);
    if (!ctx) {
        std::fprintf(stderr, "mail.local: %s\n", ctx.error().message.c_str());
        return ctx.error().exit_code;
    }
    auto spool = mailbox::MessageSpool::create(temp_dir());
    if (!spool) {
        std::fprintf(stderr, "mail.local: %s\n", spool.error().message.c_str());
        return spool.error().exit_code;
    }
    auto from_line = spool->copy_from(in_fd);
    if (!from_line) {
        std::fprintf(stderr, "mail.local: %s\n", from_line.error().message.c_str());
        return from_line.error().exit_code;
    }
    std::string sender = opts.sender_given     ? opts.sender
                         : !from_line->empty() ? sender_of_from_line(*from_line)
                                               : invoking_user();
    int result = EX_OK;
    bool temporary = false;
    for (const std::string& user : opts.users) {
        lmtp::DeliveryResult r = deliver_one(*ctx, user, spool->fd(), spool->size(), sender);
        if (r.exit_code == EX_OK) continue;
        std::fprintf(stderr, "mail.local: %s: %s\n", user.c_str(), r.text.c_str());
        // A temporary failure wins: the MTA retries and a duplicate for the
        // users who got it is better than a lost message for the others.
        temporary = temporary || r.exit_code == EX_TEMPFAIL;
        result = r.exit_code;
    }
    return temporary ? EX_TEMPFAIL : result;
}

namespace {

Status write_replies(int fd, const std::vector<std::string>& lines) {
    std::string out;
    for (const std::string& l : lines) out += l + "\r\n";
    std::string_view rest = out;
    while (!rest.empty()) {
        ssize_t w = write(fd, rest.data(), rest.size());
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return make_error(EX_IOERR, "cannot write reply");
        rest.remove_prefix(static_cast<std::size_t>(w));
    }
    return {};
}

}  // namespace

int run_lmtp(const config::Config& cfg, const Options& opts, int in_fd, int out_fd) {
    auto ctx = make_context(cfg, opts);
    auto spool = mailbox::MessageSpool::create(temp_dir());
    if (!ctx || !spool) {
        const Error& e = !ctx ? ctx.error() : spool.error();
        log::error("{}", e.message);
        (void)write_replies(out_fd, {"421 4.3.0 mail.local: " + e.message});
        return e.exit_code;
    }
    std::optional<Error> spool_error;  // a write to the temporary file failed
    bool batch = false;                 // XBATCH: mbox appends wait for XSYNC's fsync
    std::vector<std::string> unsynced;  // mailboxes written since the last XSYNC
    lmtp::Callbacks cb;
    cb.user_exists = [&](std::string_view user) { return ctx->directory.find(user).has_value(); };
    cb.data_begin = [&] {
        spool_error.reset();
        if (auto st = spool->reset(); !st) spool_error = st.error();
    };
    cb.data = [&](std::string_view bytes, bool line_end) {
        if (spool_error) return;
        if (auto st = spool->write_line(bytes, line_end); !st) spool_error = st.error();
    };
    cb.deliver = [&](const std::string& sender, const std::vector<std::string>& rcpts) {
        if (!spool_error)
            if (auto st = spool->flush(); !st) spool_error = st.error();
        std::vector<lmtp::DeliveryResult> results;
        for (const std::string& r : rcpts) {
            if (spool_error)
                results.push_back({spool_error->exit_code, spool_error->message, false});
            else
                results.push_back(deliver_one(*ctx, r, spool->fd(), spool->size(), sender,
                                              batch ? &unsynced : nullptr));
        }
        return results;
    };
    cb.batch_mode = [&](bool on) { batch = on; };
    cb.sync = [&]() -> lmtp::DeliveryResult {
        Status st = mailbox::sync_mailboxes(unsynced);
        if (!st) {
            log::error("{}", st.error().message);
            return {EX_TEMPFAIL, st.error().message, false};
        }
        return {EX_OK, "", false};
    };
    lmtp::Options lo;
    lo.hostname = cfg.hostname();
    lo.eight_bit_mime = !opts.seven_bit;
    lmtp::Server server(lo, std::move(cb));
    if (!write_replies(out_fd, server.greeting())) return EX_IOERR;
    lmtp::LineReader reader(in_fd);
    std::vector<std::string> pending;
    std::string text;
    lmtp::Piece piece;
    while (!server.closed()) {
        auto status = reader.next(text, piece);
        if (status != lmtp::LineReader::Status::Text) {
            server.end_of_input();
            break;
        }
        for (std::string& r : server.feed(text, piece)) pending.push_back(std::move(r));
        // PIPELINING (RFC 2920): replies may wait while more input is queued.
        if (!reader.buffered() || server.closed()) {
            if (!write_replies(out_fd, pending)) return EX_IOERR;
            pending.clear();
        }
    }
    if (!pending.empty() && !write_replies(out_fd, pending)) return EX_IOERR;
    return EX_OK;
}

}  // namespace mail::local
