// delivery.h — delivering one spooled message to one local user's mailbox.
//
// Where mail goes (docs/mailbox.md, "Where a user's mail goes"):
// MAILROOM_SPOOL_DIR/<user>.  It is a Maildir if the path is already a
// directory with cur/, new/ and tmp/, or if it does not exist yet and
// MAILROOM_MAILBOX_FORMAT is "maildir"; otherwise an mbox file, locked
// (lock.h) and appended to (mbox.h).
//
// SECURITY (the trust map is in docs/mailbox.md, "Trust"): in a system
// install run as root, deliver() switches the effective uid to the recipient
// and the effective gid to group "mail" (so the dotlock can be made in a
// root:mail 2775 spool) only around the mailbox write, and back to root
// afterwards; supplementary groups are dropped meanwhile.  In an instance, or
// when not root, no identity changes happen and the mailbox must already
// belong to the recipient.  User names that could leave the spool directory
// ("/", a leading ".", empty, control bytes) are refused.
#pragma once

#include "libmail/mailbox/lock.h"
#include "libmail/mailbox/mbox.h"
#include "libmail/users/users.h"
#include "libmail/util/result.h"

#include <string>
#include <vector>
#include <string_view>

namespace mail::config {
class Config;
}

namespace mail::mailbox {

enum class Format { Mbox, Maildir };

struct DeliveryConfig {
    std::string spool_dir = "/var/mail";
    Format format = Format::Mbox;  // for mailboxes that do not exist yet
    LockOptions lock;
    bool instance = false;  // instance: mode 0600, never switch identity
};

// From MAILROOM_SPOOL_DIR, MAILROOM_MAILBOX_FORMAT, MAILROOM_LOCK_TIMEOUT and
// MAILROOM_INSTANCE.  An unknown format is EX_CONFIG.
Result<DeliveryConfig> delivery_config(const config::Config& cfg);

// spool_dir + "/" + user, or EX_DATAERR if the name could leave the spool.
Result<std::string> mailbox_path(std::string_view spool_dir, std::string_view user);

// Delivers the message in `source_fd` (read with pread from offset 0) to
// `user`.  The error's exit_code is the sysexits class (EX_NOPERM,
// EX_CANTCREAT, EX_TEMPFAIL, EX_IOERR, EX_OSERR); is_mailbox_full() tells
// quota failures apart.  Thread-safety: not thread-safe when it switches
// identity (effective ids are per process).
// With `unsynced` given, an mbox append is not fsynced: its path is added
// to *unsynced and the caller must sync_mailboxes() before it reports the
// delivery as done (Maildir deliveries always sync: a rename of an unsynced
// file could leave an empty message).
Status deliver(const DeliveryConfig& dc, const users::User& user, int source_fd, const Envelope& env,
               std::vector<std::string>* unsynced = nullptr);

// fsyncs every mailbox named (once each) and empties the list.  Any failure
// is EX_TEMPFAIL: the deliveries it covers must be retried (a duplicate at
// worst, never a loss).
Status sync_mailboxes(std::vector<std::string>& paths);

}  // namespace mail::mailbox
