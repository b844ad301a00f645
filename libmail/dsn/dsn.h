// dsn.h — delivery status notifications (bounces and delay warnings).
//
// Builds an RFC 3464 multipart/report in the layout sendmail uses: a
// human-readable part, a message/delivery-status part, and the original
// message (message/rfc822) or only its header (text/rfc822-headers, for
// RET=HDRS / -R hdrs, or when the original is too large to return whole).
//
// STANDARDS: RFC 3461 (NOTIFY, RET, ENVID, ORCPT), RFC 3462/6522
// (multipart/report), RFC 3463 (status codes), RFC 3464 (delivery-status
// fields), RFC 3834 (Auto-Submitted).
#pragma once

#include <ctime>
#include <string>
#include <vector>

namespace mail::dsn {

struct Recipient {
    std::string original;     // as given by the sender (Original-Recipient if it differs)
    std::string final;        // Final-Recipient
    std::string status;       // "5.1.1"
    std::string diagnostic;   // "User unknown" / "Deferred: …"
    std::time_t last_attempt = 0;
};

struct Report {
    enum class Kind { Failure, Delay };
    Kind kind = Kind::Failure;
    std::string reporting_mta;  // our host name ($j)
    std::string mailer_name = "MAILER-DAEMON";
    std::string queue_id;       // of the original message
    std::string to;             // who gets the report (the envelope sender or owner-)
    std::string original_from;  // how the original arrived, for the text ("john@localhost")
    std::string envid;          // original ENVID
    std::time_t arrival = 0;
    std::time_t now = 0;
    std::string warn_after;     // Delay: "4 hours"
    std::string retry_until;    // Delay: RFC 5322 date
    std::vector<Recipient> recipients;
};

// The limit above which only the original header is returned: a bounce of
// a 50 MB message must not carry 50 MB back (Postfix returns 50 kB).
inline constexpr long long k_return_body_limit = 1 << 20;

// Header section of the report (LF line ends, no trailing blank line).
std::string headers(const Report& r, const std::string& boundary, const std::string& message_id);

// Everything of the body before the original message's bytes, and after.
// `headers_only` selects text/rfc822-headers.
std::string body_prefix(const Report& r, const std::string& boundary, bool headers_only);
std::string body_suffix(const std::string& boundary);

// "<queue-id>.<time>/<host>", sendmail's boundary shape.
std::string make_boundary(const Report& r);

}  // namespace mail::dsn
