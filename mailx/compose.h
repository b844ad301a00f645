// compose.h — send mode: collecting a message (prompts, body, tilde
// escapes), expanding .mailrc aliases, and handing it to sendmail.
//
// The message goes to `$sendmail -i -t` (plus -m with metoo, -v with
// verbose, -f with -r/from); our sendmail takes the recipients from To:,
// Cc: and Bcc: and removes Bcc:.  mailx waits for it; a failure is
// reported and the message kept in DEAD (docs/mailx.md "Send mode").
#pragma once

#include "mailx/session.h"

#include <string>
#include <vector>

namespace mailx {

struct Draft {
    std::vector<std::string> to, cc, bcc;  // as typed; aliases expanded when sent
    std::vector<std::string> to_fixed;     // reply-derived: never alias-expanded
    std::vector<std::string> cc_fixed;
    std::string subject;
    bool have_subject = false;             // -s or ~s given (even empty)
    std::string body;
    std::vector<std::string> attachments;  // paths
    std::string in_reply_to, references;
    std::string record_to;                 // followup/-F: file named after the author
};

// Collects the body (and prompts) from the session's input, then sends.
// Returns the exit status for send mode: 0 sent or discarded, 1 failed or
// aborted.
int compose_and_send(Session& s, Draft draft);

// Builds the message bytes (headers + body) sendmail gets.  Exposed for tests.
std::string build_message(const Session& s, const Draft& d, const std::vector<std::string>& to,
                          const std::vector<std::string>& cc, const std::vector<std::string>& bcc,
                          std::string* error);

// The argv for sendmail.
std::vector<std::string> sendmail_argv(const Session& s);

// Appends `text` as an mbox entry ("From login ctime" line, From_ quoting)
// to `path` (record, dead.letter with `save`).  Returns false on error.
bool append_mbox_entry(const std::string& path, const std::string& login, const std::string& text);

}  // namespace mailx
