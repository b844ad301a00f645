// deliver.h — delivering queued messages: local mailboxes (through the
// long-lived mail.local), files and programs (as their owner), and the
// bounces and delay notices that follow (RFC 3464).
//
// One Deliverer serves one queue run (or the whole life of the daemon) and
// keeps one mail.local child for all of it.
//
// SECURITY: files and programs are written/run as the target's owner (set
// at routing time, docs/trust.md); in an instance everything runs as the
// instance owner.  A program's output is captured (bounded) for the bounce.
#pragma once

#include "libmail/queue/queue.h"
#include "mta/sendmail/context.h"
#include "mta/sendmail/local_mailer.h"

#include <ctime>
#include <optional>
#include <string>

namespace mail::sendmail {

// sendmail's Message-ID shape: "<YYYYMMDDhhmm.QUEUEID@host>" (UTC).
std::string message_id(const std::string& qid, const std::string& host, std::time_t when);

class Deliverer {
public:
    Deliverer(Context& ctx, queue::Queue& q);

    // Claims the message, attempts every due target (all pending ones when
    // `ignore_schedule`), records the outcomes, queues bounces or a delay
    // notice, and delivers those bounces too.  Returns an error only when
    // the queue itself fails; delivery failures are recorded, not returned.
    Status run_message(const std::string& id, bool ignore_schedule);

    // Runs every due message matching the filter.
    Status run_queue(const queue::Filter& filter);

    // Delivers several new messages with one sync of the local mailboxes
    // (mail.local's XBATCH/XSYNC): outcomes are recorded only after the
    // sync, so a crash can repeat deliveries but never lose one.
    Status run_batch(const std::vector<std::string>& ids);

private:
    struct Outcome {
        int code = 0;         // like an SMTP reply code: 2xx sent, 4xx/0 deferred, 5xx failed
        std::string status;   // RFC 3463
        std::string text;     // diagnostic
    };

    struct Attempt;
    Result<std::optional<Attempt>> begin_message(const std::string& id, bool ignore_schedule);
    Result<std::optional<Attempt>> attempt_claimed(const std::string& id, bool ignore_schedule);
    // Records the outcomes.  Bounces it queued are delivered at once, or
    // added to *defer_followups when given (inside a queue batch).
    Status finish_message(Attempt& a, std::vector<std::string>* defer_followups = nullptr);
    void attempt(const queue::Message& m, std::vector<queue::Target*>& due, std::vector<Outcome>& outcomes);
    Outcome deliver_program(const queue::Message& m, const queue::Target& t);
    Outcome deliver_file(const queue::Message& m, const queue::Target& t);
    Status send_bounces(const queue::Message& m);
    Status send_delay_notice(const queue::Message& m);
    Result<std::vector<queue::Target>> route_report(const std::string& to);
    MessageWriter writer_for(const queue::Message& m, std::string prefix);
    void log_outcome(const queue::Message& m, const queue::Target& t, const Outcome& o);

    Context& m_ctx;
    queue::Queue& m_q;
    LocalMailer m_local;
    std::vector<std::string> m_followups;  // bounces queued during this run
};

}  // namespace mail::sendmail
