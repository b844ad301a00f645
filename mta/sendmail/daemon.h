// daemon.h — the SMTP daemon: `sendmail -bd` / `-bD` (docs/smtp.md).
//
// One process, one epoll loop: listeners from DAEMON_OPTIONS, non-blocking
// sessions driven by the engine (libmail/smtp/session.h), bounded buffers,
// timeouts, a session cap (confMAX_DAEMON_CHILDREN) and a connection rate
// limit (confCONNECTION_RATE_THROTTLE).  Messages finished in one turn of
// the loop are committed to the queue together (group commit) and only then
// acknowledged.  Delivery runs in one long-lived worker process fed with
// the ids of new messages over a pipe (no fork per message), which also
// runs the queue every -q interval.
//
// SECURITY: all session input is peer input and goes only to the engine;
// the daemon itself reads sockets into bounded buffers.  In system mode the
// listeners are bound first and sessions run without root (docs/trust.md).
#pragma once

#include "mta/sendmail/args.h"
#include "mta/sendmail/context.h"

#include "libmail/policy/policy.h"
#include "libmail/smtp/policy.h"
#include "libmail/smtp/session.h"

#include <functional>
#include <memory>
#include <optional>

namespace mail::sendmail {

int run_smtp_daemon(const Invocation& inv, Context& ctx);

// Policies for sessions: relay control, the access map, privacy
// (libmail/policy), wired to this context's router.  One factory per
// process (it owns the access map handle); one policy per session (it
// remembers the session's HELO).
class PolicyFactory {
public:
    static Result<std::unique_ptr<PolicyFactory>> create(Context& ctx, std::function<bool(std::string_view)> etrn = {});
    std::unique_ptr<smtp::Policy> make();

private:
    PolicyFactory() = default;
    policy::Settings m_settings;
    std::optional<policy::AccessMap> m_access;
    policy::Hooks m_hooks;
};

// Engine options from the configuration (greeting, limits, privacy).
smtp::Options engine_options(const Context& ctx);

}  // namespace mail::sendmail
