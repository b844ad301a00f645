// privilege.h — who the SMTP daemon's sessions run as (docs/trust.md).
//
// SECURITY: nothing parses network input as root.  In system mode the
// daemon binds its ports and prepares the queue as root, then the process
// that runs the SMTP sessions gives up root for good (setgroups, setgid,
// setuid, and a check that root cannot be regained) before it accepts the
// first connection.  The identity is confRUN_AS_USER (sendmail's RunAsUser;
// default `mail`).  An instance runs as its owner, so there it applies only
// when the instance's sendmail.mc names it.  The delivery worker stays root:
// it only reads the queue and must become each recipient.
#pragma once

#include "libmail/config/config.h"
#include "libmail/util/result.h"

#include <sys/types.h>

#include <optional>
#include <string>

namespace mail::sendmail {

struct Identity {
    std::string name;  // for messages
    uid_t uid = 0;
    gid_t gid = 0;
};

// The identity the sessions must take, or nullopt when no change is needed
// (not root, or an instance that does not ask for one).  Errors: an unknown
// user (EX_NOUSER), or root itself (EX_CONFIG: refusing is the only safe
// reading of "run the sessions as root").
Result<std::optional<Identity>> session_identity(const config::Config& cfg);

// Gives the queue directory, and the files root created in it, to `id`, so
// the unprivileged sessions can write it.  A queue owned by someone else is
// an error (EX_CONFIG) rather than something to take over.
Status hand_queue_to(const std::string& queue_dir, const Identity& id);

// Irreversibly becomes `id` (groups, gid, uid) and verifies that root cannot
// be regained.  EX_OSERR if any step fails.
Status become(const Identity& id);

}  // namespace mail::sendmail
