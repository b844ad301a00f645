// local_mailer.h — the local mailer: one long-lived `mail.local -l` child
// spoken to in LMTP over a pipe (design-direction.md: no fork per message).
//
// The child is started on first use and kept for every later message of
// this process; if it dies or misbehaves, the recipients of the message in
// flight are deferred (never failed) and the next message starts a new one.
//
// STANDARDS: RFC 2033 (LMTP: one reply per accepted recipient after the
// final dot), RFC 5321 §4.5.2 (dot-stuffing), RFC 3463 (status codes).
#pragma once

#include "libmail/config/config.h"
#include "libmail/proc/spawn.h"

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mail::sendmail {

struct Reply {
    int code = 0;        // 250, 451, 550 …; 0 = no reply (pipe broken)
    std::string status;  // "2.0.0" if the reply carried one
    std::string text;    // the whole reply text after the code (last line)
    bool ok() const { return code >= 200 && code < 300; }
    bool temporary() const { return code == 0 || (code >= 400 && code < 500); }
    std::string line() const;  // "250 2.0.0 text"
};

// Streams a message: calls the sink with successive pieces of the RFC 5322
// text (LF line ends).
using MessageWriter = std::function<Status(const std::function<Status(std::string_view)>& sink)>;

class LocalMailer {
public:
    // `transcript` (sendmail -X) receives every line sent and received,
    // prefixed with our pid and ">>>" / "<<<"; null = none.
    explicit LocalMailer(const config::Config& cfg, FILE* transcript = nullptr);
    ~LocalMailer();
    LocalMailer(const LocalMailer&) = delete;
    LocalMailer& operator=(const LocalMailer&) = delete;

    // One LMTP transaction: returns one Reply per user, in order.  A user
    // refused at RCPT gets that reply; the others get their post-DATA reply.
    // A sender or user holding a control character, '<' or '>' (which could
    // end a command line or its path) gets 553 5.1.7 for every user, and
    // nothing is sent.
    std::vector<Reply> deliver(const std::string& sender, const std::vector<std::string>& users,
                               const MessageWriter& message);

    // Batch mode (mail.local's XBATCH): the deliveries that follow are
    // written but not synced until sync().  False if the local mailer cannot
    // batch (then every delivery syncs itself, as without this call).
    bool begin_batch();
    // Makes the batch durable.  Not ok: none of the batch's deliveries may
    // be counted as done (also when the mailer died during the batch).
    Reply sync();

    // A short description of the mailer for -v and logs ("local").
    static constexpr const char* name() { return "local"; }

private:
    Status start();
    void stop();
    Status send(std::string_view line);  // adds CRLF
    Reply read_reply();

    void note(std::string_view dir, std::string_view line);

    const config::Config& m_cfg;
    FILE* m_transcript;
    std::unique_ptr<proc::Child> m_child;
    std::string m_inbuf;
    std::vector<std::string> m_lines;  // every line of the last reply
    bool m_can_batch = false;          // the mailer advertised XSYNC
    bool m_batch = false;              // in a batch since begin_batch()
    bool m_batch_broken = false;       // the mailer was restarted during the batch
};

}  // namespace mail::sendmail
