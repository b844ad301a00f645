// mail_local.h — mail.local's work, callable without main().
//
// SECURITY: see docs/mailbox.md "Trust".  In a system install mail.local is
// run by the MTA as root; it reads the message into an unlinked temporary
// file as root (it parses nothing in it), then writes each mailbox with the
// recipient's effective uid (mailbox::deliver).  In an instance it runs as
// the instance owner throughout.
#pragma once

#include "libmail/config/config.h"

#include <string>
#include <vector>

namespace mail::local {

struct Options {
    std::string sender;  // -f / -r; empty: taken from a From_ line or the caller
    bool sender_given = false;
    bool lmtp = false;             // -l
    bool seven_bit = false;        // -7: no 8BITMIME in LHLO
    bool quota_permanent = false;  // -b: over quota is permanent (EX_UNAVAILABLE / 552)
    std::vector<std::string> users;
};

// Non-LMTP mode: message on `in_fd`, delivered to every user.  Writes
// "mail.local: <user>: <reason>" to stderr per failure.  Returns the exit
// code: 0, or EX_TEMPFAIL if any user got EX_TEMPFAIL, else the last
// failure's code (docs/mailbox.md "Exit codes").
int run_local(const config::Config& cfg, const Options& opts, int in_fd);

// LMTP mode: a whole session on in_fd/out_fd until QUIT or end of input.
int run_lmtp(const config::Config& cfg, const Options& opts, int in_fd, int out_fd);

}  // namespace mail::local
