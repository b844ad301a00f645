// app.h — what every listman command works with: the configuration, the
// database, the clock and the way out (a Mailer that hands messages to
// sendmail).  Tests build an App with a temporary directory, a fixed clock
// and a recording Mailer, and call the entry points without processes.
//
// SECURITY: listman runs as the owner of the aliases file that names it (an
// instance's owner; `list` on a system) or as an administrator.  It trusts
// its configuration and argv (list names validated by check_list_name);
// nothing in a message.  Messages leave only through Mailer::send, which
// runs sendmail with an argv (never a shell) and `--` before recipients.
#pragma once

#include "libmail/config/config.h"
#include "libmail/dns/resolver.h"
#include "libmail/util/result.h"
#include "lists/store/store.h"

#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mail::lists {

struct Envelope {
    std::string sender;                  // the return path ("" → <>)
    std::vector<std::string> recipients;
    bool verp = false;                   // sendmail -XV: per-recipient return paths
};

class Mailer {
public:
    virtual ~Mailer() = default;
    // Hands one message to the MTA for all of env.recipients (which the
    // implementation may split into several invocations).  Fails with
    // EX_TEMPFAIL when the MTA could not take it.
    virtual Status send(const Envelope& env, std::string_view message) = 0;
};

// The environment listman gives the sendmail it runs: the caller's PATH,
// HOME, USER, LOGNAME, TZ and fake clock, and MAILROOM_CONFIG.
std::vector<std::string> sendmail_env(const std::string& config_path);

// Runs MAILROOM_SENDMAIL_PATH -oi -f SENDER [-XV] -- r1 … rN, with N bounded
// so that the arguments stay under a quarter of ARG_MAX.
class SendmailMailer : public Mailer {
public:
    SendmailMailer(std::string sendmail_path, std::string config_path, size_t max_batch = 0)
        : m_path(std::move(sendmail_path)), m_config(std::move(config_path)), m_max_batch(max_batch) {}
    Status send(const Envelope& env, std::string_view message) override;
    // How many recipients fit in one invocation (for fan-out progress).
    size_t batch_size(const std::vector<std::string>& recipients, size_t from) const;
    // Sends recipients[from, to) in one invocation.
    Status send_batch(const Envelope& env, size_t from, size_t to, std::string_view message);

private:
    std::string m_path;
    std::string m_config;
    size_t m_max_batch;
};

struct App {
    config::Config cfg;
    std::string lists_dir;
    std::string default_host;  // the MTA's $j
    std::string listman_path;  // what the aliases run
    std::unique_ptr<Store> store;
    std::unique_ptr<Mailer> mailer;
    std::unique_ptr<dns::Resolver> resolver;  // made on first need (dmarc.cpp); tests put a fake here
    std::function<std::time_t()> clock;
    // Where a detached fan-out child is allowed (false in tests and with -F).
    bool background = false;

    std::time_t now() const { return clock ? clock() : std::time(nullptr); }
    int64_t today() const { return static_cast<int64_t>(now() / 86400); }
    std::string list_dir(std::string_view list) const { return lists_dir + "/" + std::string(list); }
};

// Loads the configuration (MAILROOM_CONFIG or the default path), opens the
// database in MAILROOM_LISTS_DIR and wires the real Mailer.
Result<App> open_app(std::string_view argv0);

// The list named `name`, or EX_NOUSER "no such list".
Result<Settings> need_list(App& app, std::string_view name);

}  // namespace mail::lists
