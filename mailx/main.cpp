// main.cpp — mailx: options, start-up files, then send or receive mode.
#include "mailx/compose.h"
#include "mailx/session.h"
#include "mailx/summary.h"

#include "libmail/config/config.h"
#include "libmail/users/users.h"

#include <fmt/format.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mailx;

namespace {

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : fallback;
}

mail::Result<Environment> make_environment() {
    Environment e;
    struct passwd* pw = getpwuid(getuid());
    e.login = env_or("USER", env_or("LOGNAME", pw ? pw->pw_name : "nobody"));
    e.home = env_or("HOME", pw ? pw->pw_dir : "/");
    std::string path = mail::config::default_path();
    mail::config::Config cfg;
    struct stat st;
    if (std::getenv("MAILROOM_CONFIG") || ::stat(path.c_str(), &st) == 0) {
        auto loaded = mail::config::load(path);
        if (!loaded) return loaded.error();
        cfg = std::move(*loaded);
    }
    e.spool_dir = cfg.str("MAILROOM_SPOOL_DIR");
    e.system_rc = cfg.str("MAILROOM_MAILRC");
    e.sendmail_path = cfg.str("MAILROOM_SENDMAIL_PATH");
    e.hostname = cfg.hostname();
    e.users_file = cfg.instance() ? cfg.str("MAILROOM_USERS_FILE") : "";
    e.system_mailbox = env_or("MAIL", e.spool_dir + "/" + e.login);
    return e;
}

bool user_exists(const Environment& e, const std::string& user) {
    if (!e.users_file.empty()) {
        auto dir = mail::users::Directory::load_file(e.users_file);
        return dir && dir->find(user).has_value();
    }
    return mail::users::Directory::system().find(user).has_value();
}

int receive(Session& s) {
    s.receive_mode = true;
    const Options& o = s.opts;
    std::string path, shown;
    FolderKind kind = FolderKind::System;
    if (o.file_mode) {
        shown = o.file.empty() ? s.vars.str("MBOX", s.env.home + "/mbox") : o.file;
        path = s.expand_name(shown);
        kind = path == s.env.system_mailbox ? FolderKind::System : FolderKind::File;
    } else if (!o.user.empty()) {
        if (!user_exists(s.env, o.user)) {
            std::fprintf(stderr, "\"%s\" is not a user of this system\n", o.user.c_str());
            return EX_NOUSER;
        }
        path = s.env.spool_dir + "/" + o.user;
        shown = path;
    } else {
        path = s.env.system_mailbox;
        shown = path;
    }
    if (o.file_mode && ::access(path.c_str(), F_OK) != 0) {
        std::fprintf(stderr, "%s: No such file or directory\n", path.c_str());
        return 1;
    }
    auto folder = Folder::open(path, kind);
    if (!folder) {
        std::fprintf(stderr, "%s: %s\n", path.c_str(), folder.error().message.c_str());
        return 1;
    }
    bool empty = folder->count() == 0;
    if (o.check_only) return empty ? 1 : 0;
    if (empty && kind == FolderKind::System) {
        std::fprintf(stderr, "No mail for %s\n", o.user.empty() ? s.env.login.c_str() : o.user.c_str());
        return 1;
    }
    for (const auto& w : folder->warnings()) std::fprintf(stderr, "%s: %s\n", path.c_str(), w.c_str());
    s.folder.emplace(std::move(*folder));
    s.folder_shown = shown;
    s.current = first_interesting(*s.folder);
    if (o.headers_only) {
        for (std::size_t n = 1; n <= s.folder->count(); ++n) {
            s.print_summary(n);
            if (n % 1024 == 0) s.folder->release_memory();
        }
        return 0;
    }
    if (!s.vars.is_set("quiet"))
        s.say("Mail version 8.1.2 (mailroom " MAILROOM_VERSION ").  Type ? for help.");
    s.say(status_line(*s.folder, s.folder_shown));
    if (s.vars.is_set("header") && !o.no_summary && !empty) {
        std::size_t page = s.summary_page_size();
        std::size_t first = s.current == 0 ? 1 : ((s.current - 1) / page) * page + 1;
        s.print_summary_page(first);
    }
    s.command_loop();
    std::fflush(stdout);
    return s.exit_status;
}

}  // namespace

int main(int argc, char** argv) {
    std::setlocale(LC_CTYPE, "");
    std::vector<std::string> args(argv + 1, argv + argc);
    auto opts = parse_options(args);
    if (!opts) {
        std::fprintf(stderr, "mail: %s\n%s", opts.error().message.c_str(), usage_text().c_str());
        return EX_USAGE;
    }
    auto env = make_environment();
    if (!env) {
        std::fprintf(stderr, "mail: %s\n", env.error().message.c_str());
        return env.error().exit_code;
    }
    Session s(std::move(*env), std::move(*opts));
    if (s.interactive && isatty(0)) catch_interrupts();
    s.receive_mode = !s.opts.send_mode();
    if (!s.opts.no_system_rc) s.source_file(s.env.system_rc, false);
    std::string mailrc = std::getenv("MAILRC") ? std::getenv("MAILRC") : s.env.home + "/.mailrc";
    s.source_file(mailrc, false);
    for (const auto& [name, value] : s.opts.set_vars) {
        if (value == "\x01") s.vars.unset(name);  // -S noname
        else s.vars.set(name, value);
    }
    if (s.opts.ignore_interrupts) s.vars.set("ignore");
    if (s.opts.no_summary) s.vars.unset("header");
    if (s.opts.verbose) s.vars.set("verbose");
    if (s.opts.debug) s.vars.set("debug");

    if (s.opts.send_mode()) {
        Draft d;
        d.to = s.opts.recipients;
        d.cc = s.opts.cc;
        d.bcc = s.opts.bcc;
        if (s.opts.subject) {
            d.subject = *s.opts.subject;
            d.have_subject = true;
        }
        d.attachments = s.opts.attachments;
        int rc = compose_and_send(s, std::move(d));
        std::fflush(stdout);
        return rc;
    }
    return receive(s);
}
