// bounce.h — listman's bounce parser: what a message sent to L-bounces@H
// says about which members could not be reached (docs/lists.md "Bounces").
//
// parse() reads a whole bounce message and returns the failed recipients,
// each hard (5.x.x, permanent) or soft (4.x.x, a temporary failure that the
// reporting MTA gave up on), plus the Message-ID and X-List-Sequence of the
// returned original, which the mass-bounce guard uses to group bounces by
// post.  Formats, tried in this order:
//   - "dsn": RFC 3464 — a message/delivery-status (or RFC 6533
//     message/global-delivery-status) part anywhere outside a returned
//     message.  Each per-recipient group with Action "failed" is a bounce;
//     "delayed", "delivered", "relayed" and "expanded" are not.  The address
//     is the Original-Recipient (what the list sent to) when it is a
//     plausible address, else the Final-Recipient.  Severity comes from the
//     Status field (5 → Hard, 4 → Soft, also for Action failed), else from
//     a status or reply code in the Diagnostic-Code, else Hard.  A status
//     part with at least one recipient group decides alone: a delay-only
//     DSN gives is_bounce false and no text heuristics run.
//   - the human-readable text, when there is no usable status part:
//     "qmail" (qmail-send's "Hi. This is the qmail-send program" with
//     "<addr>:" paragraphs), "exim" ("This message was created automatically
//     by mail delivery software." then the addresses after "address(es)
//     failed:", or X-Failed-Recipients), "postfix" ("This is the mail system
//     at host" / "This is the Postfix program at host", "<addr>: …"
//     paragraphs), "sendmail" ("----- The following addresses had permanent
//     fatal errors -----").  Delay warnings and success notices of these
//     formats are recognised (format set) but are not bounces.
//   - "generic": only for mail From: MAILER-DAEMON / postmaster, lines with
//     a clear 5xx reply ("550 5.1.1 <a@b>… User unknown", or the address on
//     the line before), always Hard.
// Text formats take the severity from the status or reply code in the
// diagnostic, else from words that mark a timed-out temporary failure
// ("retry timeout exceeded", "in the queue too long", "temporarily" …) as
// Soft, else Hard.
//
// Addresses are returned as written (case kept) when they pass
// plausible_address(); anything else (bare local names, quoted local parts,
// pipes and files in Exim reports, garbage) is dropped.  One address appears
// at most once per report (the harder severity wins); at most
// k_max_bounces are returned.
//
// Thread-safety: all functions are reentrant.
//
// SECURITY: the message comes from anyone on the Internet (a forged bounce
// costs nothing), so nothing here trusts it: parse() never throws, never
// crashes, looks only at the first k_scan_limit bytes (a 50 MB returned
// message costs the same as a small one), bounds the MIME depth and part
// count, and returns diagnostics as one printable UTF-8 line of at most
// k_diagnostic_max bytes.  A bounce can name any address; the caller counts
// it only for members of the list, at most once a day (docs/lists.md).
//
// STANDARDS: RFC 3464 (message/delivery-status), RFC 3462/6522
// (multipart/report), RFC 3463 (enhanced status codes), RFC 3461 §4.2
// (xtext in ORCPT), RFC 5321 §4.2 (reply codes), RFC 6533 (internationalized
// DSNs); VERP as Postfix's XVERP and Mailman's VERP_FORMAT write it
// (reference lists.md §1.5).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mail::lists::bounce {

inline constexpr size_t k_scan_limit = 256 * 1024;  // bytes of the message looked at
inline constexpr size_t k_max_bounces = 256;        // failed recipients kept per report
inline constexpr size_t k_diagnostic_max = 200;     // bytes of Bounce::diagnostic

enum class Severity { Hard, Soft };

struct Bounce {
    std::string address;  // "john@example.org", a plausible_address()
    Severity severity = Severity::Hard;
    std::string status;      // RFC 3463 code "5.1.1", or "" if none was given
    std::string diagnostic;  // one printable UTF-8 line, at most k_diagnostic_max bytes; may be ""
};

struct Report {
    bool is_bounce = false;           // recognised as a delivery failure report
    std::string format;               // "dsn", "qmail", "exim", "postfix", "sendmail", "generic"; "" if none
    std::vector<Bounce> bounces;      // the failed recipients (may be empty when is_bounce)
    std::string original_message_id;  // "<id@host>" of the returned original, "" if none
    std::string list_sequence;        // digits of its X-List-Sequence: field, "" if none
};

// Reads a bounce message (header section, blank line, body; LF or CRLF; a
// leading mbox From_ line is fine).  Never fails and throws nothing but
// std::bad_alloc: mail that is not a bounce gives is_bounce false.  `format` is set whenever a format was recognised,
// so a delay warning gives {is_bounce false, format "dsn"} while unknown
// mail gives format "".
Report parse(std::string_view message);

// The member a VERP recipient names: "team-bounces+john=example.org@H" with
// bounces_local "team-bounces" gives "john@example.org" (the last '=' ends
// the local part, so "a=b=example.org" is "a=b@example.org").  The list part
// is compared case-insensitively; the host part and angle brackets around
// the whole are ignored.  nullopt when the recipient is not a VERP address
// of that list or does not decode to a plausible_address().
std::optional<std::string> verp_member(std::string_view recipient, std::string_view bounces_local);

// The inverse: ("john@example.org", "team-bounces", "lists.example.org")
// gives "team-bounces+john=example.org@lists.example.org".  A member without
// '@' gives the plain "team-bounces@lists.example.org"; an empty host gives
// no "@host".  The result's local part can exceed RFC 5321's 64 octets, as
// every VERP scheme's does.
std::string verp_address(std::string_view member, std::string_view bounces_local, std::string_view host);

// True for "local@domain" that a list could have as a member: a dot-atom
// local part (RFC 5322 atext, no leading, trailing or double dots) of at
// most 64 bytes, a domain of one or more LDH labels (1–63 bytes, no leading
// or trailing '-', no trailing '.') of at most 253 bytes.  UTF-8
// (RFC 6531) is allowed in both parts if it is valid.  No quoted local
// parts, address literals, white space or control characters.
bool plausible_address(std::string_view address);

}  // namespace mail::lists::bounce
