// policy.h — sendmail's SMTP decisions: relay control, the access map and
// the privacy flags, as an implementation of mail::smtp::Policy.
//
// What is decided where (docs/policy.md has every reply and log line):
//   check_connect  Connect: entries for the client name, then its address.
//   check_helo     remembers that HELO/EHLO was given (need*helo flags).
//   check_mail     needmailhelo; the null sender is always accepted; an
//                  unqualified or "@localhost" sender from the network is
//                  refused; From: entries (user@dom, user@, dom).
//   check_rcpt     To: entries, then relay control on the RESOLVED address
//                  (percent hack, bang paths, source routes, quoted local
//                  parts, double @, literals, trailing dots and case are
//                  undone first: victim%remote@ourhost is remote); then,
//                  with FEATURE(delay_checks), the sender and client
//                  checks above; last, "User unknown" for a local name the
//                  local_user_exists hook does not know.
//   vrfy/expn/etrn needvrfyhelo/needexpnhelo, novrfy, noexpn, noetrn.  An
//                  EXPN list comes back as one Reply whose text holds one
//                  "<address>" per '\n'-separated line; the engine sends
//                  each as a "250-2.1.5" continuation line.
//
// Relaying is allowed when the resolved domain is ours (class w, one of our
// address literals), is a RELAY_DOMAIN (subdomains too unless
// FEATURE(relay_hosts_only)), is under $m with FEATURE(relay_entire_domain),
// or has a To:/untagged RELAY entry; or when the client may relay: -bs
// (local_submission), AUTH, a loopback or our own address (an empty
// Client::addr is not "local"), an address prefix in RELAY_DOMAIN, a Connect:/untagged RELAY entry for its
// address or its name, a name in class w / under $m / in RELAY_DOMAIN.
//
// Lifetime and threads: one SmtpPolicy per SMTP session (it remembers HELO
// and a connection-wide DISCARD), all sessions of a thread sharing one
// Settings and one AccessMap, which must outlive them.  Not thread-safe.
//
// SECURITY: every Client field, path and argument is peer input.  Relay
// decisions are made on the resolved address, never on the text; hostile
// input gets a reply, never a crash; text from the client is made printable
// and shortened before it goes into a reply or a log line.  Client::name
// is trusted for RELAY decisions, so the daemon must set it only when the
// reverse name resolves back to the address (sendmail's client_resolve=OK).
// STANDARDS: RFC 5321 §3.5 (VRFY/EXPN, 252), §4.5.1 (postmaster), §3.6.2
// and Appendix C (source routes); RFC 1985 (ETRN); RFC 3463.
#pragma once

#include "libmail/config/config.h"
#include "libmail/policy/access.h"
#include "libmail/smtp/policy.h"

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mail::policy {

// Everything the decisions need from the configuration, read once.
struct Settings {
    std::string hostname;                    // $j
    std::set<std::string> local_domains;     // class w, lower case, no trailing dot ($j included)
    std::vector<std::string> relay_domains;  // class R: domains, or client address prefixes ("192.168")
    // Numeric addresses of this host ("192.0.2.1", "2001:db8::1"): the
    // literals [192.0.2.1] that are ours.  Loopback is always ours.
    std::vector<std::string> our_addresses;
    bool access_db = false;            // FEATURE(access_db): the AccessMap given is consulted
    bool delay_checks = false;         // FEATURE(delay_checks)
    std::string delay_checks_mode;     // its argument: "friend", "hater" or ""
    bool relay_entire_domain = false;  // FEATURE(relay_entire_domain): $m and below relay
    bool relay_hosts_only = false;     // FEATURE(relay_hosts_only): exact names only
    bool percent_hack = true;          // '%' routes (off: FEATURE(nopercenthack))
    bool bang_paths = true;            // '!' routes (off: FEATURE(nouucp))
    bool auth_relay_text = false;   // TRUST_AUTH_MECH set: "Relaying denied. Proper authentication required."
    std::set<std::string> privacy;  // Config::privacy_flags()
    std::set<std::string> unqualified_ok_daemons;  // DAEMON_OPTIONS names with M=u

    // Reads all of the above (our_addresses stays empty: the daemon knows
    // them).  Calls Config::hostname(), which may resolve the host name.
    static Settings from_config(const config::Config& cfg);
    // $m: $j without its first label ("example.com" for "mx.example.com").
    std::string domain_m() const;
};

// What the policy asks the rest of the system.  Every hook may be empty.
struct Hooks {
    // Is this local name a user or an alias?  Empty: every local name is
    // taken (no "User unknown" at RCPT; VRFY answers 252).
    std::function<bool(std::string_view local)> local_user_exists;
    // EXPN: the addresses a local name expands to, nullopt if unknown.
    // Empty: EXPN is refused even without noexpn.
    std::function<std::optional<std::vector<std::string>>(std::string_view local)> expand;
    // ETRN: start a queue run for this argument ("host", "@domain",
    // "#queue"); false if it could not be started.  Empty: 458.
    std::function<bool(std::string_view arg)> etrn;
    // Lines sendmail logs outside a rejection: "localhost [127.0.0.1]: VRFY
    // root [rejected]".
    std::function<void(std::string_view line)> log;
};

class SmtpPolicy final : public smtp::Policy {
public:
    // `settings` and `access` must outlive the policy; `access` may be null
    // (no FEATURE(access_db)); if settings.access_db is set and access is
    // null, every check that needs the map answers 451 4.3.0.
    SmtpPolicy(const Settings& settings, AccessMap* access, Hooks hooks = {});

    smtp::Decision check_connect(const smtp::Client& c) override;
    smtp::Decision check_helo(const smtp::Client& c, std::string_view helo) override;
    smtp::Decision check_mail(const smtp::Client& c, const address::Path& from,
                              const smtp::Params& params) override;
    smtp::Decision check_rcpt(const smtp::Client& c, const address::Path& from, const address::Path& rcpt,
                              std::string_view raw, const smtp::Params& params) override;
    smtp::Reply vrfy(const smtp::Client& c, std::string_view arg) override;
    smtp::Reply expn(const smtp::Client& c, std::string_view arg) override;
    smtp::Reply etrn(const smtp::Client& c, std::string_view arg) override;

private:
    const Settings& m_settings;
    AccessMap* m_access;
    Hooks m_hooks;
    bool m_helo_seen = false;
    bool m_discard_all = false;  // Connect: DISCARD
};

// Where an envelope recipient really goes, after undoing the routing
// tricks of reference/mta.md §4.4.  Exposed for tests and `-bt`-style
// diagnostics.
struct Resolved {
    enum Kind { Local, RelayDomain, Remote };
    Kind kind = Remote;
    std::string local;   // unquoted local part
    std::string domain;  // lower case, no trailing dot; "" for an unqualified local name
    int hops = 0;        // routing operators undone
};

// Resolves a path: the source route is dropped; while the local part holds
// an '@', '%' (unless !percent_hack) or '!' (unless !bang_paths) and the
// domain is ours or relayed-for (or absent), the local part is split into a
// new local@domain (the last '@', else the last '%', else host!rest).
// More than 32 hops is Remote.  `access` (may be null) answers To:/untagged
// RELAY entries for domains; its errors (map unreadable) are returned.
Result<Resolved> resolve(const address::Path& path, const Settings& s, AccessMap* access);

}  // namespace mail::policy
