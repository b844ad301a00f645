// intake.h — turning what an SMTP session received into a queue message.
//
// The engine (libmail/smtp/session.h) hands over the message bytes as they
// arrive; an Intake keeps the header section in memory (bounded by
// confMAX_HEADERS_LENGTH) and streams the body into an unlinked spool file,
// so a 50 MB message costs no more memory than a small one.  At the final
// "." prepare() builds the queue::Message: the header fields sendmail adds
// (Received, and Message-Id and Date when missing), the envelope, and the
// targets from routing each recipient through aliases and .forward files.
// The daemon then inserts many prepared messages in one transaction (group
// commit); `-bs` inserts one.
//
// SECURITY: everything here is peer input; the routing decision on which
// recipients are acceptable was made at RCPT by the policy.  An error here
// (a header section too large or malformed, a recipient that no longer
// routes) refuses the whole message with a 5xx/4xx reply; nothing is
// half-queued.
#pragma once

#include "libmail/mailbox/spool.h"
#include "libmail/queue/queue.h"
#include "libmail/smtp/session.h"
#include "mta/sendmail/context.h"

#include <memory>
#include <optional>
#include <string>

namespace mail::sendmail {

class Intake {
public:
    // `spool_dir` holds the unlinked body file (the queue directory).
    Intake(Context& ctx, std::string spool_dir, std::string proto_daemon);

    void begin(const smtp::Envelope& env);
    void data(std::string_view bytes);
    // Builds the message; on failure returns the reply to send instead.
    Result<queue::Message> prepare(const smtp::Envelope& env, const smtp::Client& client,
                                   smtp::Reply* refusal);
    // The body for Queue::insert / insert_many; valid until the next begin().
    queue::BodySource& body();
    // A sendmail-style "from=" log line for a queued message.
    static void log_received(const queue::Message& m, const smtp::Client& client, bool esmtp);

private:
    // Cuts m_headers at its first line that is not a header field and
    // returns that line and the rest.
    std::string split_off_body();

    Context& m_ctx;
    std::string m_spool_dir;
    std::string m_daemon;
    std::string m_headers;  // until the blank line
    bool m_in_body = false;
    bool m_too_big_header = false;
    std::optional<mailbox::MessageSpool> m_spool;
    std::string m_error;
    std::unique_ptr<queue::BodySource> m_body;
};

// The -bs mode: one SMTP session on stdin/stdout (product.md §2.6).
int serve_stdio(const Invocation& inv, Context& ctx);

}  // namespace mail::sendmail
