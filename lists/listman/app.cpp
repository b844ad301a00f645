// app.cpp — see app.h.
#include "lists/listman/app.h"

#include "libmail/proc/spawn.h"
#include "libmail/util/clock.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

namespace mail::lists {

std::vector<std::string> sendmail_env(const std::string& config_path) {
    std::vector<std::string> env;
    for (const char* name : {"PATH", "HOME", "USER", "LOGNAME", "TZ", "MAILROOM_FAKE_TIME"})
        if (const char* v = std::getenv(name)) env.push_back(std::string(name) + "=" + v);
    if (!config_path.empty()) env.push_back("MAILROOM_CONFIG=" + config_path);
    return env;
}

size_t SendmailMailer::batch_size(const std::vector<std::string>& recipients, size_t from) const {
    // A quarter of ARG_MAX for the recipients (the environment and the
    // other arguments have the rest), each costing its bytes, a NUL and a
    // pointer.
    long arg_max = ::sysconf(_SC_ARG_MAX);
    size_t budget = static_cast<size_t>(arg_max > 0 ? arg_max : 131072) / 4;
    size_t used = 0, n = 0;
    for (size_t i = from; i < recipients.size(); ++i) {
        size_t cost = recipients[i].size() + 1 + sizeof(char*);
        if (n > 0 && (used + cost > budget || (m_max_batch && n >= m_max_batch))) break;
        used += cost;
        ++n;
    }
    return n;
}

Status SendmailMailer::send_batch(const Envelope& env, size_t from, size_t to, std::string_view message) {
    proc::SpawnOptions o;
    o.argv = {m_path, "-oi", "-f", env.sender.empty() ? "<>" : env.sender};
    if (env.verp) o.argv.push_back("-XV");
    o.argv.push_back("--");
    for (size_t i = from; i < to; ++i) o.argv.push_back(env.recipients[i]);
    o.env = sendmail_env(m_config);
    o.pipe_stdout = true;
    auto child = proc::spawn(o);
    if (!child) return make_error(EX_TEMPFAIL, fmt::format("cannot run {}: {}", m_path, child.error().message));
    bool wrote = proc::write_all(child->in(), message);
    child->close_in();
    std::string output = proc::read_all(child->out(), 4096);
    auto status = child->wait();
    if (!status) return make_error(EX_TEMPFAIL, status.error().message);
    if (*status != 0 || !wrote) {
        std::string first = output.substr(0, output.find('\n'));
        return make_error(EX_TEMPFAIL, fmt::format("{} exited with {}{}{}", m_path, *status, first.empty() ? "" : ": ", first));
    }
    return {};
}

Status SendmailMailer::send(const Envelope& env, std::string_view message) {
    for (size_t from = 0; from < env.recipients.size();) {
        size_t n = batch_size(env.recipients, from);
        if (Status s = send_batch(env, from, from + n, message); !s) return s;
        from += n;
    }
    return {};
}

Result<App> open_app(std::string_view argv0) {
    App app;
    std::string path = config::default_path();
    struct stat st {};
    if (std::getenv("MAILROOM_CONFIG") || ::stat(path.c_str(), &st) == 0) {
        auto loaded = config::load(path);
        if (!loaded) return loaded.error();
        app.cfg = std::move(*loaded);
    }
    app.lists_dir = app.cfg.str("MAILROOM_LISTS_DIR");
    app.default_host = app.cfg.hostname();
    // The aliases run listman by the path it was started with when that is
    // absolute (an instance's bin/listman), else the installed one.
    app.listman_path = !argv0.empty() && argv0[0] == '/' ? std::string(argv0) : "/usr/sbin/listman";
    if (app.cfg.instance()) app.listman_path = app.cfg.str("MAILROOM_INSTANCE") + "/bin/listman";
    auto store = Store::open(app.lists_dir);
    if (!store) return store.error();
    app.store = std::make_unique<Store>(std::move(*store));
    app.mailer = std::make_unique<SendmailMailer>(app.cfg.str("MAILROOM_SENDMAIL_PATH"), app.cfg.source());
    app.clock = [] { return mail::now(); };
    return app;
}

Result<Settings> need_list(App& app, std::string_view name) {
    if (Status s = check_list_name(name); !s) return s.error();
    auto l = app.store->find_list(name);
    if (!l) return l.error();
    if (!*l) return make_error(EX_NOUSER, fmt::format("no such list: {}", name));
    return std::move(**l);
}

}  // namespace mail::lists
