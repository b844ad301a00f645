// context.cpp — see context.h.
#include "mta/sendmail/context.h"

#include "libmail/util/strings.h"

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace mail::sendmail {

namespace {

std::string login_name(const config::Config& cfg) {
    // In an instance every user shares the owner's uid; the shell's USER
    // (set by env.sh) says which of them is typing.
    if (cfg.instance()) {
        for (const char* var : {"USER", "LOGNAME"})
            if (const char* v = std::getenv(var); v && *v) return v;
    }
    struct passwd pw {};
    struct passwd* res = nullptr;
    char buf[4096];
    if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) == 0 && res) return pw.pw_name;
    return fmt::format("uid{}", getuid());
}

bool is_trusted(const config::Config& cfg, const std::string& login) {
    if (getuid() == 0) return true;
    // The instance owner runs everything in an instance.
    if (cfg.instance()) return true;
    for (const char* name : {"root", "daemon", "mail"})
        if (login == name) return true;
    return cfg.trusted_users().count(login) != 0;
}

}  // namespace

Result<const route::Router*> Context::router() {
    if (!m_router) {
        auto r = route::Router::open(cfg, users, true);
        if (!r) return r.error();
        m_router = std::make_unique<route::Router>(std::move(*r));
    }
    return m_router.get();
}

Result<std::unique_ptr<Context>> make_context(const Invocation& inv) {
    std::string path = inv.config_file.empty() ? config::default_path() : inv.config_file;
    auto cfg = config::load(path);
    if (!cfg) return cfg.error();
    for (const auto& o : inv.cf_options) {
        if (Status s = config::apply_cf_option(*cfg, o); !s)
            return make_error(EX_USAGE, s.error().message);
    }
    for (const auto& [letter, value] : inv.letter_options) {
        if (Status s = config::apply_option_letter(*cfg, letter, value); !s)
            return make_error(EX_USAGE, s.error().message);
    }
    auto ctx = std::make_unique<Context>();
    ctx->cfg = std::move(*cfg);
    if (ctx->cfg.instance()) {
        auto users = users::Directory::load_file(ctx->cfg.str("MAILROOM_USERS_FILE"));
        if (!users) return users.error();
        ctx->users = std::move(*users);
    }
    ctx->login = login_name(ctx->cfg);
    ctx->trusted = is_trusted(ctx->cfg, ctx->login);
    if (inv.verbose) ctx->verbose = stdout;
    if (!inv.transcript_file.empty()) {
        ctx->transcript = std::fopen(inv.transcript_file.c_str(), "a");
        if (!ctx->transcript)
            return make_error(EX_CANTCREAT, fmt::format("cannot open transcript {}: {}", inv.transcript_file,
                                                        std::strerror(errno)));
    }
    return ctx;
}

char delivery_mode(const config::Config& cfg) {
    std::string m = to_lower(cfg.str("confDELIVERY_MODE"));
    if (m.empty()) return 'b';
    switch (m[0]) {
    case 'i':
    case 'b':
    case 'q':
    case 'd': return m[0];
    default: return 'b';
    }
}

}  // namespace mail::sendmail
