// main.cpp — procmail: options, the three modes, start-up, exit codes.
// See docs/procmail.md ("How procmail runs") and procmail(1).
#include "filters/common/dotlock.h"
#include "filters/common/fromline.h"
#include "filters/procmail/engine.h"
#include "filters/procmail/explain.h"
#include "filters/procmail/lint_cli.h"
#include "filters/procmail/security.h"
#include "libmail/proc/spawn.h"
#include "libmail/users/accounts.h"
#include "libmail/users/users.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

extern char** environ;

namespace {

using namespace mail::procmail;

// The usage and help texts are procmail's, byte for byte: scripts and
// people compare them.  Our additions (--explain, --lint) are in procmail(1).
constexpr const char* k_usage =
    "Usage: procmail [-vptoY] [-f fromwhom] [parameter=value | rcfile] ...\n"
    "   Or: procmail [-toY] [-f fromwhom] [-a argument] ... -d recipient ...\n"
    "   Or: procmail [-ptY] [-f fromwhom] -m [parameter=value] ... rcfile [arg] ...\n"
    "   Or: procmail [-toY] [-a argument] ... -z\n";

constexpr const char* k_help =
    "\t-v\t\tdisplay the version number and exit\n"
    "\t-p\t\tpreserve (most of) the environment upon startup\n"
    "\t-t\t\tfail softly if mail is undeliverable\n"
    "\t-f fromwhom\t(re)generate the leading 'From ' line\n"
    "\t-o\t\toverride the leading 'From ' line if necessary\n"
    "\t-Y\t\tBerkeley format mailbox, disregard Content-Length:\n"
    "\t-a argument\twill set $1, $2, etc\n"
    "\t-d recipient\texplicit delivery mode\n"
    "\t-z\t\tact as an LMTP server\n"
    "\t-m\t\tact as a general purpose mail filter\n"
    "Recipe flag quick reference:\n"
    "\tH  egrep header (default)\tB  egrep body\n"
    "\tD  distinguish case\n"
    "\tA  also execute this recipe if the common condition matched\n"
    "\ta  same as 'A', but only if the previous recipe was successful\n"
    "\tE  else execute this recipe, if the preceding condition didn't match\n"
    "\te  on error execute this recipe, if the previous recipe failed\n"
    "\th  deliver header (default)\tb  deliver body (default)\n"
    "\tf  filter\t\t\ti  ignore write errors\n"
    "\tc  carbon copy or clone message\n"
    "\tw  wait for a program\t\tr  raw mode, mail as is\n"
    "\tW  same as 'w', but suppress 'Program failure' messages\n";

extern "C" void on_signal(int sig) {
    if (sig == SIGUSR1) mail::procmail::g_verbose_request = -1;
    else if (sig == SIGUSR2) mail::procmail::g_verbose_request = 1;
    else if (!mail::procmail::g_pending_signal) mail::procmail::g_pending_signal = sig;
}

void install_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a wait is interrupted
    for (int sig : {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2}) ::sigaction(sig, &sa, nullptr);
}

std::string read_stdin() { return mail::proc::read_all(0, std::numeric_limits<std::size_t>::max()); }

bool bad_env_name(std::string_view e) {
    for (const char* p : {"LD_", "_RLD", "LIBPATH=", "ELF_LD_", "AOUT_LD_"})
        if (e.substr(0, std::strlen(p)) == p) return true;
    return e.find('=') == std::string_view::npos || e[0] == '=';
}

struct Identity {
    std::string name, home, shell;
    uid_t uid = 0;
    gid_t gid = 0;
    bool known = true;
};

Identity identity_of(const mail::users::Account& a) { return Identity{a.name, a.home, a.shell, a.uid, a.gid, true}; }

// The password database's entry for a name or a uid; nullopt when there is
// none, and also when it could not be asked (said on stderr, and flagged
// in *lookup_failed when given).
template <class Key>
std::optional<Identity> system_user(Key key, bool* lookup_failed = nullptr) {
    auto found = [&] {
        if constexpr (std::is_same_v<Key, uid_t>) return mail::users::account_by_uid(key);
        else return mail::users::account_by_name(key);
    }();
    if (!found) {
        std::fprintf(stderr, "procmail: Couldn't look up user: %s\n", found.error().message.c_str());
        if (lookup_failed) *lookup_failed = true;
        return std::nullopt;
    }
    if (!*found) return std::nullopt;
    return identity_of(**found);
}

// procmail -d, started as root, creates a missing system mailbox in
// /var/mail before it becomes the recipient (who may not write there):
// empty, 0600, the recipient's, its group the directory's (the spool is
// set-gid mail).  Only the compiled-in spool, never one from the
// environment, and only when root owns it and nobody else may write there
// unless it is sticky; the file is made relative to the opened directory
// with O_EXCL and O_NOFOLLOW, so no path or link can redirect it.  An
// existing file or link is left alone, and the delivery that follows
// reports what is wrong with it.
constexpr const char* k_system_spool = "/var/mail";

void create_system_mailbox(const Identity& id) {
    if (id.name.empty() || id.name[0] == '.' || id.name.find('/') != std::string::npos) return;
    int dir = ::open(k_system_spool, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0) return;
    struct stat st {};
    const bool safe = ::fstat(dir, &st) == 0 && st.st_uid == 0 &&
                      ((st.st_mode & S_IWOTH) == 0 || (st.st_mode & S_ISVTX) != 0);
    int fd = safe ? ::openat(dir, id.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
    if (fd >= 0) {
        // A mailbox the recipient cannot use would only fail later.
        if (::fchown(fd, id.uid, static_cast<gid_t>(-1)) != 0 || ::fchmod(fd, 0600) != 0)
            ::unlinkat(dir, id.name.c_str(), 0);
        ::close(fd);
    }
    ::close(dir);
}

// An instance's users file: the user's name and home, but our own uid (an
// instance has one owner; nothing changes identity).
std::optional<Identity> instance_user(const std::string& file, const std::string& name) {
    auto dir = mail::users::Directory::load_file(file);
    if (!dir) return std::nullopt;
    auto u = dir->find(name);
    if (!u) return std::nullopt;
    return Identity{u->name, u->home, u->shell, ::getuid(), ::getgid(), true};
}

struct Options {
    Mode mode = Mode::Filter;
    bool keep_env = false, soft = false, berkeley = false, override_from = false;
    bool from_given = false;
    std::string from;
    std::vector<std::string> args;     // -m's arguments
    std::vector<std::string> a_args;   // -a
    bool a_given = false;
    std::vector<std::string> recipients;
    std::vector<std::string> assignments;
    std::vector<std::string> rcfiles;  // in order
    bool explain = false;
    bool run_conditions = false;
    bool lint = false;
};

// procmail's option loop: bundled letters, -f/-a/-r take the rest of the
// word or the next one, -d and -m end the options.
int parse_options(int argc, char** argv, Options& o) {
    int i = 1;
    std::string unrecognised;
    for (; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--explain") { o.explain = true; continue; }
        if (a == "--run-conditions") { o.run_conditions = true; continue; }
        if (a == "--lint" || a == "--check") { o.lint = true; continue; }
        if (a.size() < 2 || a[0] != '-') break;
        if (a == "--") { ++i; break; }
        bool stop = false;
        for (std::size_t k = 1; k < a.size() && !stop; ++k) {
            char c = a[k];
            switch (c) {
                case 'v': {
                    auto me = system_user(::getuid());
                    std::fprintf(stderr,
                                 "procmail v3.23pre 2001/09/13\n"
                                 "    mailroom's procmail, a reimplementation compatible with procmail 3.22\n\n"
                                 "Locking strategies:\tdotlocking, fcntl()\n"
                                 "Default rcfile:\t\t$HOME/.procmailrc\n"
                                 "\tIt may be writable by your primary group\n"
                                 "Your system mailbox:\t/var/mail/%s\n",
                                 me ? me->name.c_str() : "");
                    return 0;
                }
                case 'h':
                case '?':
                    std::fputs(k_usage, stderr);
                    std::fputs(k_help, stderr);
                    return EX_USAGE;
                case 'p': o.keep_env = true; break;
                case 't': o.soft = true; break;
                case 'o': o.override_from = true; break;
                case 'Y':
                case 'y': o.berkeley = true; break;
                case 'f':
                case 'r':
                case 'a': {
                    std::string val;
                    if (k + 1 < a.size()) val = a.substr(k + 1);
                    else if (i + 1 < argc) val = argv[++i];
                    else {
                        std::fputs(c == 'a' ? "procmail: Missing argument\n" : "procmail: Missing name\n", stderr);
                        stop = true;
                        break;
                    }
                    if (c == 'a') {
                        o.a_args.push_back(val);
                        o.a_given = true;
                    }
                    else {
                        o.from = val;
                        o.from_given = true;
                    }
                    stop = true;
                    break;
                }
                case 'd':
                    o.mode = Mode::Delivery;
                    if (k + 1 < a.size()) o.recipients.push_back(a.substr(k + 1));
                    for (++i; i < argc; ++i) o.recipients.push_back(argv[i]);
                    return -1;
                case 'm': o.mode = Mode::General; break;
                case 'z':
                    std::fputs("procmail: LMTP support not enabled in this binary\n", stderr);
                    return EX_USAGE;
                default: unrecognised += c; break;
            }
        }
    }
    if (!unrecognised.empty()) {
        std::fprintf(stderr, "procmail: Unrecognised options: \"%s\"\n", unrecognised.c_str());
        std::fputs(k_usage, stderr);
        std::fputs("Processing continued\n", stderr);
    }
    for (; i < argc; ++i) {
        std::string a = argv[i];
        if (o.mode == Mode::General && !o.rcfiles.empty()) o.args.push_back(a);
        else if (a.find('=') != std::string::npos && (o.mode != Mode::General || o.rcfiles.empty())) o.assignments.push_back(a);
        else o.rcfiles.push_back(a);
    }
    return -1;
}

// -d with several recipients: one child per recipient (ourselves again,
// with one -d each); any failure makes ours 73 (75 with -t).
int deliver_each(int argc, char** argv, const Options& o) {
    std::string input = read_stdin();
    int worst = EX_OK;
    for (const auto& r : o.recipients) {
        int p[2];
        if (::pipe(p) != 0) return EX_OSERR;
        pid_t pid = ::fork();
        if (pid < 0) return EX_OSERR;
        if (pid == 0) {
            ::dup2(p[0], 0);
            ::close(p[0]);
            ::close(p[1]);
            std::vector<char*> cargv;
            for (int k = 0; k < argc; ++k) {
                if (std::strncmp(argv[k], "-d", 2) == 0) break;
                cargv.push_back(argv[k]);
            }
            static char d[] = "-d";
            cargv.push_back(d);
            cargv.push_back(const_cast<char*>(r.c_str()));
            cargv.push_back(nullptr);
            ::execv("/proc/self/exe", cargv.data());
            _exit(EX_OSERR);
        }
        ::close(p[0]);
        std::string_view t = input;
        while (!t.empty()) {
            ssize_t n = ::write(p[1], t.data(), t.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            t.remove_prefix(static_cast<std::size_t>(n));
        }
        ::close(p[1]);
        int st = 0;
        while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) worst = o.soft ? EX_TEMPFAIL : EX_CANTCREAT;
    }
    return worst;
}

}  // namespace

int main(int argc, char** argv) {
    // fds 0-2 must be open, or a file we open could become one of them.
    for (int fd = 0; fd < 3; ++fd)
        if (::fcntl(fd, F_GETFD) < 0) ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    ::signal(SIGPIPE, SIG_IGN);
    install_signals();
    Options o;
    int rc = parse_options(argc, argv, o);
    if (rc >= 0) return rc;
    if (o.lint) return run_lint(o.rcfiles.empty() ? std::vector<std::string>{} : o.rcfiles);
    // -a with -m, and -p with -d, do not go together: -m and -d win.
    if ((o.mode == Mode::General && o.a_given) || (o.mode == Mode::Delivery && o.keep_env)) {
        std::fputs("procmail: Conflicting options\n", stderr);
        std::fputs(k_usage, stderr);
        if (o.mode == Mode::Delivery) o.keep_env = false;
    }
    if (o.mode == Mode::General && o.rcfiles.empty()) {
        std::fputs("procmail: Missing rcfile\n", stderr);
        return EX_NOINPUT;
    }
    if (o.mode == Mode::Delivery && o.recipients.empty()) {
        std::fputs("procmail: Missing recipient\n", stderr);
        return EX_USAGE;
    }
    // An instance (docs/instances.md) passes its users file, spool and
    // sendmail in the environment; read them before it is cleared.
    auto env_of = [](const char* name) {
        const char* v = std::getenv(name);
        return std::string(v ? v : "");
    };
    const std::string users_file = env_of("MAILROOM_USERS_FILE");
    const std::string spool_dir = env_of("MAILROOM_SPOOL_DIR");
    const std::string sendmail_path = env_of("MAILROOM_SENDMAIL_PATH");

    // The identity: the recipient in delivery mode, else the invoker (one
    // password-database lookup: this runs once per message).
    std::optional<Identity> self = system_user(::getuid());
    const std::string invoker = self ? self->name : std::string();
    Identity id;
    if (o.mode == Mode::Delivery) {
        if (o.recipients.size() > 1) return deliver_each(argc, argv, o);
        bool recipient_lookup_failed = false;
        auto found = users_file.empty() ? system_user(std::string_view(o.recipients[0]), &recipient_lookup_failed)
                                        : instance_user(users_file, o.recipients[0]);
        if (!found && recipient_lookup_failed) return EX_TEMPFAIL;
        if (!found) {
            std::fprintf(stderr, "procmail: Unknown user \"%s\"\n", o.recipients[0].c_str());
            return EX_NOUSER;
        }
        id = *found;
        if (users_file.empty()) {
            if (::getuid() == 0 && id.uid != 0) {
                if (spool_dir.empty()) create_system_mailbox(id);
                if (auto groups = mail::users::init_groups(id.name, id.gid); !groups) {
                    std::fprintf(stderr, "procmail: Couldn't set the groups of %s: %s\n", id.name.c_str(),
                                 groups.error().message.c_str());
                    return EX_TEMPFAIL;
                }
                if (::setgid(id.gid) != 0 || ::setuid(id.uid) != 0) {
                    std::fputs("procmail: Insufficient privileges\n", stderr);
                    return EX_NOPERM;
                }
            } else if (::getuid() != id.uid) {
                std::fputs("procmail: Insufficient privileges\n", stderr);
                return EX_NOPERM;
            }
        }
    } else if (self) {
        id = *self;
    } else {
        id.name = "#" + std::to_string(::getuid());
        id.home = "/";
        id.uid = ::getuid();
        id.gid = ::getgid();
        id.known = false;
    }
    ::umask(077);

    // The message, and its From_ line.
    std::string raw = read_stdin();
    FromOptions fo;
    fo.skip_leading_newlines = o.mode == Mode::Delivery || o.from_given;
    fo.make_from_line = o.mode == Mode::Delivery || o.from_given;
    fo.sender = o.from;
    fo.default_sender = invoker.empty() ? "#" + std::to_string(::getuid()) : invoker;
    if (o.from == "<>") fo.sender = "MAILER-DAEMON";
    fo.override_fake = o.override_from;
    fo.now = mail::filters::ctime_text(std::time(nullptr));
    Message msg(prepare_input(std::move(raw), fo));

    Settings s;
    s.mode = o.mode;
    s.soft_fail = o.soft;
    s.berkeley = o.berkeley;
    s.argv0 = argv[0];
    s.hostname = mail::filters::system_hostname();
    s.explain = o.explain;
    s.args = o.mode == Mode::General ? o.args : o.a_args;

    std::unique_ptr<Actions> actions;
    std::unique_ptr<ExplainReport> report;
    std::unique_ptr<Engine> engine_holder;
    // The engine needs its Actions at construction and the real Actions need
    // the engine (for LOCKSLEEP, the log): build them in two steps.
    DeferredActions deferred;
    engine_holder = std::make_unique<Engine>(std::move(msg), s, deferred);
    Engine& engine = *engine_holder;
    if (o.explain) {
        report = std::make_unique<ExplainReport>(engine, o.run_conditions);
        actions = make_explain_actions(*report);
        engine.set_observer(report.get());
    } else {
        actions = make_real_actions(s, engine);
    }
    deferred.target = actions.get();

    // The environment: kept with -p, else only TZ; never the loader's.
    std::vector<std::string> keep;
    for (char** e = environ; *e; ++e) {
        std::string_view v(*e);
        if (bad_env_name(v)) continue;
        // MAILROOM_CONFIG is kept so that $SENDMAIL reaches the same
        // instance (docs/procmail.md).
        if (o.keep_env || v.substr(0, 3) == "TZ=" || v.substr(0, 16) == "MAILROOM_CONFIG=") keep.emplace_back(v);
    }
    Vars& vars = engine.vars();
    for (const auto& e : keep) {
        auto eq = e.find('=');
        if (!vars.is_set(e.substr(0, eq))) vars.set(e.substr(0, eq), e.substr(eq + 1));
    }
    std::string logname = id.name;
    std::string home = id.home;
    std::string shell = id.shell.empty() ? "/bin/sh" : id.shell;
    std::string orgmail = !id.known ? "/tmp/dead.letter" : (spool_dir.empty() ? "/var/mail" : spool_dir) + "/" + logname;
    vars.set("HOME", home);
    vars.set("LOGNAME", logname);
    vars.set("SHELL", shell);
    vars.set("SHELLMETAS", "&|<>~;?*[");
    vars.set("SHELLFLAGS", "-c");
    if (o.mode != Mode::General) vars.set("ORGMAIL", orgmail);
    vars.set("DEFAULT", orgmail);
    vars.set("PATH", home + "/bin:/usr/local/bin:/usr/bin:/bin");
    vars.set("SENDMAIL", sendmail_path.empty() ? "/usr/sbin/sendmail" : sendmail_path);
    vars.set("SENDMAILFLAGS", "-oi");
    vars.set("LOCKEXT", ".lock");
    vars.set("MSGPREFIX", "msg.");
    vars.set("HOST", s.hostname);
    vars.set("LINEBUF", "2048");
    vars.set("PROCMAIL_VERSION", "3.23pre");
    vars.unset("IFS");
    vars.unset("ENV");
    vars.unset("PWD");
    vars.unset("LASTFOLDER");
    vars.unset("EXITCODE");
    bool rcfile_given = !o.rcfiles.empty();
    if (rcfile_given) vars.set("COMSAT", "no");
    vars.set("MAILDIR", home);  // entered once the rcfile has been opened
    bool maildir_given = false;
    for (const auto& a : o.assignments) {
        auto eq = a.find('=');
        if (a.substr(0, eq) == "MAILDIR") maildir_given = true;
        engine.assign(a.substr(0, eq), a.substr(eq + 1), true);
    }
    if (id.known) engine.set_system_mailbox(orgmail);

    // The rcfiles: the first readable one whose HOST matches; later ones
    // only when an earlier one is missing or ends on a HOST mismatch.
    std::vector<std::string> rcfiles = o.rcfiles;
    if (rcfiles.empty()) rcfiles.push_back(home + "/.procmailrc");
    bool entered = maildir_given;
    // /etc/procmailrc first, when no rcfile was named and without -p; it
    // runs with PATH reduced to the system directories, and as the user
    // (we are never root here: docs/procmail.md).
    if (!rcfile_given && !o.keep_env && o.mode != Mode::General) {
        std::string text;
        if (check_rcfile_trust("/etc/procmailrc", ::getuid(), id.gid, false) == RcfileCheck::Ok &&
            read_rcfile("/etc/procmailrc", &text)) {
            std::string path = vars.value("PATH");
            vars.set("PATH", "/usr/local/bin:/usr/bin:/bin");
            engine.run_rcfile_text("/etc/procmailrc", std::move(text));
            if (!engine.stopped()) vars.set("PATH", path);
        }
    }
    for (std::size_t k = 0; k < rcfiles.size() && !engine.stopped(); ++k) {
        std::string path = rcfiles[k];
        // Absolute, `./name` (the current directory; -m: any relative
        // name), or else relative to $HOME.
        bool current = path.rfind("./", 0) == 0 || (o.mode == Mode::General && path[0] != '/');
        if (path[0] != '/' && !current) path = home + "/" + path;
        RcfileCheck trust = check_rcfile_trust(path, ::getuid(), id.gid, !rcfile_given, current);
        if (trust == RcfileCheck::Missing && !rcfile_given) continue;  // no ~/.procmailrc: $DEFAULT
        std::string text;
        if (trust == RcfileCheck::Ok && !read_rcfile(path, &text)) trust = RcfileCheck::Missing;
        if (trust != RcfileCheck::Ok) {
            if (trust == RcfileCheck::Suspicious) engine.diag("Suspicious rcfile \"" + path + "\"");
            engine.diag("Couldn't read \"" + path + "\"");
            continue;
        }
        if (engine.verbose()) engine.diag("Rcfile: \"" + path + "\"");
        // Now procmail enters MAILDIR ("." for an rcfile from the current
        // directory), unless the command line has set it already.
        if (!entered) {
            engine.assign("MAILDIR", current ? std::string(".") : vars.value("MAILDIR"));
            entered = true;
        }
        engine.run_rcfile_text(path, std::move(text));
        if (engine.host_mismatch() && k + 1 < rcfiles.size()) {
            engine.reset_host(s.hostname);
            continue;
        }
        break;
    }
    if (!entered) engine.assign("MAILDIR", vars.value("MAILDIR"));
    if (o.explain) return report->finish();
    int code = engine.finish();
    // Done: release the lock and the log, flush, and leave without running
    // the destructors (a filter runs once per message; freeing its memory
    // one block at a time is a noticeable part of its cost).
    engine.release();
    std::fflush(nullptr);
    ::_exit(code);
}
