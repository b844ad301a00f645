// policy.h — what the SMTP engine asks before it accepts something: the
// interface between the protocol (session.h) and the decisions (relay
// control, the access map, privacy flags; libmail/policy/).
//
// Every check returns a Decision.  The engine sends Decision::reply when it
// is not Accept; Discard means "accept, then drop the message" (sendmail's
// DISCARD: the client sees 250 and nothing is delivered).  `log` is the
// sendmail-style reason the daemon logs for a rejection, e.g.
//   ruleset=check_rcpt, arg1=<president@futuretg.com>, relay=host [1.2.3.4],
//   reject=550 5.2.1 <president@futuretg.com>... Mailbox disabled for this recipient
//
// SECURITY: everything in Client, Path and the parameters comes from the
// network.  Implementations must decide on the resolved address (percent
// hack, bang paths, source routes, quoted local parts, double @, literals,
// trailing dots — reference/mta.md §4.4), never on the raw text.
#pragma once

#include "libmail/address/address.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mail::smtp {

// One reply: "550 5.2.1 text".  `enhanced` is empty only for the
// greeting-style replies that have none (220, 221 use one too).  A text
// holding '\n' is a multi-line reply (EXPN of a list, a long greeting):
// lines() gives "250-2.1.5 a", "250 2.1.5 b".  Control characters in
// `enhanced` and `text` become spaces, so a reply can never break the
// CRLF framing; the code is printed as three digits (clamped to 0..999).
struct Reply {
    int code = 250;
    std::string enhanced;  // "2.0.0"
    std::string text;
    std::string line() const;                // "250 2.0.0 text" (no CRLF); text lines joined by spaces
    std::vector<std::string> lines() const;  // one per text line, "250-…" before the last
};

struct Client {
    std::string addr;         // "127.0.0.1", "::1"
    std::string name;         // reverse-resolved name, "" if none
    int port = 0;
    std::string daemon = "MTA";  // DAEMON_OPTIONS Name=
    bool authenticated = false;  // AUTH succeeded (later issue)
    std::string auth_user;
    bool tls = false;
    bool local_submission = false;  // -bs from a local user: trusted like the sendmail command
    // "host [1.2.3.4]" or "[1.2.3.4]" as sendmail's relay= shows it.
    std::string relay_text() const;
};

struct Decision {
    enum Kind { Accept, Reject, Discard };
    Kind kind = Accept;
    Reply reply;      // for Reject; the engine replies with it
    std::string log;  // for Reject (and Discard): the log line's fields
    static Decision accept() { return {}; }
};

using Params = std::vector<std::pair<std::string, std::string>>;  // ESMTP parameters, keyword upper-cased

class Policy {
public:
    virtual ~Policy() = default;
    // After accept(), before the greeting (Connect: entries).
    virtual Decision check_connect(const Client& c) = 0;
    virtual Decision check_helo(const Client& c, std::string_view helo) = 0;
    // MAIL FROM.  `from.null` for <>.
    virtual Decision check_mail(const Client& c, const address::Path& from, const Params& params) = 0;
    // RCPT TO: relay control and To: entries; with delay_checks the
    // Connect:/From: checks move here too.  `raw` is the text between < >.
    virtual Decision check_rcpt(const Client& c, const address::Path& from, const address::Path& rcpt,
                                std::string_view raw, const Params& params) = 0;
    // VRFY / EXPN / ETRN replies (privacy flags decide what is revealed).
    virtual Reply vrfy(const Client& c, std::string_view arg) = 0;
    virtual Reply expn(const Client& c, std::string_view arg) = 0;
    virtual Reply etrn(const Client& c, std::string_view arg) = 0;
};

}  // namespace mail::smtp
