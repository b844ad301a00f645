// dsn.cpp — see dsn.h.
#include "libmail/dsn/dsn.h"

#include "libmail/util/clock.h"

#include <fmt/format.h>

namespace mail::dsn {

namespace {

bool is_failure(const Report& r) { return r.kind == Report::Kind::Failure; }

std::string bracketed(const std::string& addr) { return "<" + addr + ">"; }

}  // namespace

std::string make_boundary(const Report& r) {
    return fmt::format("{}.{}/{}", r.queue_id, static_cast<long long>(r.now), r.reporting_mta);
}

std::string headers(const Report& r, const std::string& boundary, const std::string& message_id) {
    std::string subject = is_failure(r) ? "Returned mail: see transcript for details"
                                        : fmt::format("Warning: could not send message for past {}", r.warn_after);
    std::string h;
    h += fmt::format("From: Mail Delivery Subsystem <{}@{}>\n", r.mailer_name, r.reporting_mta);
    h += fmt::format("To: {}\n", bracketed(r.to));
    h += fmt::format("Subject: {}\n", subject);
    h += fmt::format("Date: {}\n", rfc5322_date(r.now));
    h += fmt::format("Message-ID: {}\n", message_id);
    h += "MIME-Version: 1.0\n";
    h += fmt::format("Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"{}\"\n", boundary);
    // RFC 3834 §5: mark it so that auto-responders never answer it.
    h += fmt::format("Auto-Submitted: auto-generated ({})", is_failure(r) ? "failure" : "warning-timeout");
    return h;
}

std::string body_prefix(const Report& r, const std::string& boundary, bool headers_only) {
    std::string b = "This is a MIME-encapsulated message\n\n";
    b += fmt::format("--{}\n\n", boundary);
    b += fmt::format("The original message was received at {}\nfrom {}\n\n", rfc5322_date(r.arrival),
                     r.original_from.empty() ? std::string("<>") : r.original_from);
    if (is_failure(r)) {
        b += "   ----- The following addresses had permanent fatal errors -----\n";
    } else {
        b += "   ----- Transcript of session follows -----\n";
        b += fmt::format("Warning: message still undelivered after {}\n", r.warn_after);
        b += fmt::format("Will keep trying until message is {} old\n\n", r.retry_until);
        b += "   ----- The following addresses had transient non-fatal errors -----\n";
    }
    for (const Recipient& rc : r.recipients) {
        b += bracketed(rc.original.empty() ? rc.final : rc.original) + "\n";
        b += fmt::format("    (reason: {})\n", rc.diagnostic);
    }
    if (is_failure(r)) {
        b += "\n   ----- Transcript of session follows -----\n";
        for (const Recipient& rc : r.recipients)
            b += fmt::format("{}... {}\n", bracketed(rc.final), rc.diagnostic);
    }
    b += fmt::format("\n--{}\nContent-Type: message/delivery-status\n\n", boundary);
    // RFC 3464 §2.2: per-message fields, a blank line, then per-recipient groups.
    b += fmt::format("Reporting-MTA: dns; {}\n", r.reporting_mta);
    if (!r.envid.empty()) b += fmt::format("Original-Envelope-Id: {}\n", r.envid);
    b += fmt::format("Arrival-Date: {}\n", rfc5322_date(r.arrival));
    for (const Recipient& rc : r.recipients) {
        b += "\n";
        if (!rc.original.empty() && rc.original != rc.final) b += fmt::format("Original-Recipient: rfc822; {}\n", rc.original);
        b += fmt::format("Final-Recipient: RFC822; {}\n", rc.final);
        b += fmt::format("Action: {}\n", is_failure(r) ? "failed" : "delayed");
        b += fmt::format("Status: {}\n", rc.status);
        if (!rc.diagnostic.empty()) b += fmt::format("Diagnostic-Code: X-Unix; {}\n", rc.diagnostic);
        if (rc.last_attempt) b += fmt::format("Last-Attempt-Date: {}\n", rfc5322_date(rc.last_attempt));
        if (!is_failure(r) && !r.retry_until.empty()) b += fmt::format("Will-Retry-Until: {}\n", r.retry_until);
    }
    b += fmt::format("\n--{}\nContent-Type: {}\n\n", boundary, headers_only ? "text/rfc822-headers" : "message/rfc822");
    return b;
}

std::string body_suffix(const std::string& boundary) { return fmt::format("\n--{}--\n", boundary); }

}  // namespace mail::dsn
