// procmail_handoff.h — a recipient with a ~/.procmailrc gets the message
// through procmail instead of a plain mailbox write.
//
// mail.local runs MAILROOM_PROCMAIL_PATH as `procmail -f SENDER -d USER`
// with the message (trace headers first, as the mailbox would get it, no
// From_ line: procmail makes its own) on stdin.  In a system install the
// child runs as the recipient (uid, gid, groups: proc::spawn), never as
// root.  In an instance everything runs as the owner, and the instance's
// users file, spool directory and sendmail are passed in the environment
// (MAILROOM_USERS_FILE, MAILROOM_SPOOL_DIR, MAILROOM_SENDMAIL_PATH,
// MAILROOM_CONFIG), which our procmail reads before it clears its
// environment (docs/procmail.md).
//
// procmail's exit status is the delivery's: 0 delivered, 75 try again,
// anything else failed (the MTA bounces).  A missing procmail binary is
// logged, and the mailbox is written as if there were no .procmailrc: the
// message is never lost for a missing filter.
#pragma once

#include "libmail/config/config.h"
#include "libmail/lmtp/server.h"
#include "libmail/mailbox/mbox.h"
#include "libmail/users/users.h"

#include <optional>

namespace mail::local {

// nullopt: no ~/.procmailrc (or no procmail): deliver to the mailbox.
std::optional<lmtp::DeliveryResult> hand_to_procmail(const config::Config& cfg, const users::User& user, int fd,
                                                     const mailbox::Envelope& env);

}  // namespace mail::local
