// maildir.h — delivering one message into a Maildir.
//
// The message (with Return-Path: and Delivered-To: prepended, no From_ line,
// no quoting) is written to DIR/tmp/<unique>, fsync()ed, link()ed to
// DIR/new/<unique>, the tmp name removed and DIR/new fsync()ed: a crash
// leaves either nothing in new/ or the whole message (the Maildir contract,
// https://cr.yp.to/proto/maildir.html).  Unique names are
// "<sec>.M<usec>P<pid>R<random>.<host>"; no locking is needed.
//
// SECURITY: DIR and its subdirectories must be real directories (not
// symlinks) owned by the recipient; missing ones are created mode 0700.
#pragma once

#include "libmail/mailbox/mbox.h"

#include <string>

namespace mail::mailbox {

// True if `dir` is a directory holding cur/, new/ and tmp/.
bool is_maildir(const std::string& dir);

// Unique file name for a new message (exposed for tests).
std::string maildir_unique_name();

// Delivers the message read with pread() from `source_fd` (offset 0 to EOF).
// Returns the path of the file in new/.  Errors: EX_NOPERM (not a directory,
// symlink, wrong owner), EX_CANTCREAT (cannot create the directories),
// EX_TEMPFAIL (disk full, quota: message starts with k_mailbox_full).
Result<std::string> deliver_maildir(const std::string& dir, int source_fd, const Envelope& env,
                                    const MailboxOwner& owner);

}  // namespace mail::mailbox
