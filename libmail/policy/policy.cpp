// policy.cpp — relay control, access map checks and privacy flags for the
// SMTP engine, following sendmail's proto.m4 check_relay, check_mail,
// check_rcpt (Rcpt_ok, Relay_ok, ParseRecipient) and srvrsmtp.c's
// VRFY/EXPN/ETRN handling.  docs/policy.md has the reply and log table.
//
// SECURITY: see policy.h.  The recipient is resolved before any relay
// decision; anything that fails to resolve within a bounded number of hops
// is treated as remote, i.e. refused unless the client may relay.
// STANDARDS: RFC 5321 §3.5, §4.5.1, Appendix C; RFC 1985; RFC 3463.
#include "libmail/policy/policy.h"

#include "libmail/util/strings.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cstring>
#include <initializer_list>

namespace mail::policy {
namespace {

using smtp::Decision;
using smtp::Reply;

constexpr int k_max_hops = 32;
constexpr size_t k_max_shown = 203;  // sendmail's MAXSHORTSTR

const Reply k_tempfail{451, "4.3.0", "Temporary system failure. Please try again later."};

// Client text for a reply or a log line: control bytes become '?', long
// text is cut with "..." (sendmail's shortenstring()).
std::string shown(std::string_view s, size_t max = k_max_shown) {
    std::string out;
    for (char c : s.substr(0, std::min(s.size(), max))) {
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
    if (s.size() > max) {
        out.resize(max > 3 ? max - 3 : 0);
        out += "...";
    }
    return out;
}

std::string lower_nodot(std::string_view d) {
    std::string s = to_lower(trim(d));
    while (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// `name` is `domain` or below it ("a.example.com" under "example.com").
bool under(std::string_view name, std::string_view domain) {
    if (domain.empty()) return false;
    if (name == domain) return true;
    return name.size() > domain.size() && ends_with(name, domain) &&
           name[name.size() - domain.size() - 1] == '.';
}

// The 16-byte form of an IPv4 or IPv6 address ("IPv6:" prefix allowed),
// IPv4 mapped into ::ffff:0:0/96; nullopt if it is neither.
std::optional<std::array<unsigned char, 16>> address_bytes(std::string_view text) {
    std::string s(trim(text));
    if (istarts_with(s, "IPv6:")) s = s.substr(5);
    if (s.empty() || s.size() > 64) return std::nullopt;
    std::array<unsigned char, 16> b{};
    in_addr v4{};
    if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
        b[10] = b[11] = 0xff;
        std::memcpy(b.data() + 12, &v4, 4);
        return b;
    }
    if (inet_pton(AF_INET6, s.c_str(), b.data()) == 1) return b;
    return std::nullopt;
}

bool is_loopback(const std::array<unsigned char, 16>& b) {
    static const std::array<unsigned char, 16> v6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const std::array<unsigned char, 16> v4{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
    return b == v6 || b == v4;
}

bool is_postmaster(std::string_view local) {
    return iequals(local, "postmaster");
}

// The path as sendmail shows it in "arg1=" and "<addr>... " texts.
std::string path_text(const address::Path& p) {
    if (p.null) return "<>";
    std::string s = "<";
    if (!p.raw_route.empty()) s += p.raw_route + ":";
    s += address::quote_local_part(p.local);
    if (!p.domain.empty()) s += "@" + p.domain;
    s += ">";
    return shown(s);
}

Reply with_address(const Reply& r, const std::string& addr) {
    return Reply{r.code, r.enhanced, fmt::format("{}... {}", addr, r.text)};
}

// "[1.2.3.4]" / "[IPv6:2001:db8:0:0:0:0:0:1]": sendmail's client_name when
// the address did not resolve.
std::string client_literal(std::string_view addr) {
    std::string v4 = unmap_ipv4(addr);
    if (std::string full = ipv6_full(v4); !full.empty()) return "[" + full + "]";
    return "[" + shown(v4, 64) + "]";
}

// The client's name as check_relay sees it: the verified name, else the
// literal.  connect_name() is the key, connect_arg() the logged form.
std::string connect_name(const smtp::Client& c) {
    return c.name.empty() ? client_literal(c.addr) : c.name;
}
std::string connect_arg(const smtp::Client& c) {
    return shown(connect_name(c));
}

}  // namespace

// -------------------------------------------------------------- settings --

Settings Settings::from_config(const config::Config& cfg) {
    Settings s;
    s.hostname = lower_nodot(cfg.hostname());
    for (const auto& d : cfg.local_domains()) s.local_domains.insert(lower_nodot(d));
    if (!s.hostname.empty()) s.local_domains.insert(s.hostname);
    for (const auto& d : cfg.relay_domains()) s.relay_domains.push_back(lower_nodot(d));
    s.access_db = cfg.feature("access_db");
    s.delay_checks = cfg.feature("delay_checks");
    if (auto a = cfg.feature_args("delay_checks"); !a.empty()) s.delay_checks_mode = to_lower(trim(a[0]));
    s.relay_entire_domain = cfg.feature("relay_entire_domain");
    s.relay_hosts_only = cfg.feature("relay_hosts_only");
    s.percent_hack = !cfg.feature("nopercenthack");
    s.bang_paths = !cfg.feature("nouucp");
    s.auth_relay_text = !cfg.trust_auth_mechs().empty();
    s.privacy = cfg.privacy_flags();
    for (const auto& d : cfg.daemon_options())
        if (d.has_modifier('u')) s.unqualified_ok_daemons.insert(d.name);
    return s;
}

std::string Settings::domain_m() const {
    size_t dot = hostname.find('.');
    return dot == std::string::npos ? "" : hostname.substr(dot + 1);
}

// -------------------------------------------------------------- resolve --

namespace {

// Class w, or a literal naming this host.
bool is_ours(std::string_view domain, const Settings& s) {
    if (domain.empty()) return false;
    if (s.local_domains.count(std::string(domain))) return true;
    if (domain.size() > 2 && domain.front() == '[' && domain.back() == ']') {
        auto b = address_bytes(domain.substr(1, domain.size() - 2));
        if (!b) return false;
        if (is_loopback(*b)) return true;
        for (const auto& mine : s.our_addresses)
            if (auto m = address_bytes(mine); m && *m == *b) return true;
    }
    return false;
}

// RELAY_DOMAIN, $m with relay_entire_domain, or a To:/untagged RELAY entry.
Result<bool> is_relayed_domain(const std::string& domain, const Settings& s, AccessMap* access) {
    if (domain.empty()) return false;
    if (s.relay_entire_domain && under(domain, s.domain_m())) return true;
    for (const auto& r : s.relay_domains)
        if (s.relay_hosts_only ? domain == r : under(domain, r)) return true;
    if (s.access_db && access) {
        auto m = access->host(Tag::To, domain, false, s.relay_hosts_only);
        if (!m) return m.error();
        if (m->has_value() && parse_action((*m)->value).kind == Action::Relay) return true;
    }
    return false;
}

}  // namespace

Result<Resolved> resolve(const address::Path& path, const Settings& s, AccessMap* access) {
    Resolved r;
    r.local = path.local;
    std::string domain = path.domain;
    // A domain holding '@' never comes out of parse_path(); if a caller hands
    // one over anyway, the last '@' is the real split (double @).
    if (size_t at = domain.rfind('@'); at != std::string::npos) {
        r.local += "@" + domain.substr(0, at);
        domain = domain.substr(at + 1);
    }
    for (r.hops = 0; r.hops <= k_max_hops; ++r.hops) {
        r.domain = lower_nodot(domain);
        bool ours = r.domain.empty() || is_ours(r.domain, s);
        bool relayed = false;
        if (!ours) {
            auto rel = is_relayed_domain(r.domain, s, access);
            if (!rel) return rel.error();
            relayed = *rel;
        }
        if (!ours && !relayed) {
            r.kind = Resolved::Remote;
            return r;
        }
        // The domain is ours or relayed for: a routing operator left in the
        // local part sends the mail on, so the inner address decides.
        std::string& l = r.local;
        size_t at = l.rfind('@');
        size_t pct = s.percent_hack ? l.rfind('%') : std::string::npos;
        size_t bang = s.bang_paths ? l.find('!') : std::string::npos;
        if (at != std::string::npos) {
            domain = l.substr(at + 1);
            l.resize(at);
        } else if (pct != std::string::npos) {
            domain = l.substr(pct + 1);
            l.resize(pct);
        } else if (bang != std::string::npos) {
            domain = l.substr(0, bang);
            l = l.substr(bang + 1);
        } else {
            r.kind = ours ? Resolved::Local : Resolved::RelayDomain;
            return r;
        }
    }
    r.kind = Resolved::Remote;
    return r;
}

// ---------------------------------------------------------------- checks --

namespace {

// The outcome of one rule set: no decision (go on), accept and skip the
// remaining checks, or a rejection/discard.  `reply` has no "<addr>... ".
struct Verdict {
    enum Kind { None, Accept, Reject, Discard };
    Kind kind = None;
    Reply reply;
    static Verdict reject(Reply r) { return {Reject, std::move(r)}; }
};

const Reply k_access_denied{550, "5.7.1", "Access denied"};
const Reply k_mailbox_disabled{550, "5.2.1", "Mailbox disabled for this recipient"};

// What a map value means where REJECT stands for `reject_reply`.
Verdict verdict_of(const std::string& value, const Reply& reject_reply) {
    Action a = parse_action(value);
    switch (a.kind) {
        case Action::Ok:
        case Action::Relay: return {Verdict::Accept, {}};
        case Action::Reject: return Verdict::reject(reject_reply);
        case Action::Discard: return {Verdict::Discard, {}};
        case Action::Skip: return {};
        case Action::Error: return Verdict::reject(a.reply);
    }
    return {};
}

// The first of several lookups that finds something (SKIP ends one family
// only, see access.h).
using Lookup = std::function<Result<std::optional<Match>>()>;
Result<std::optional<Match>> first_match(std::initializer_list<Lookup> lookups) {
    for (const auto& l : lookups) {
        auto m = l();
        if (!m || m->has_value()) return m;
    }
    return std::optional<Match>{};
}

// The map, refreshed; null with an error verdict when it cannot be read.
AccessMap* usable_map(const Settings& s, AccessMap* access, Verdict& error) {
    if (!s.access_db) return nullptr;
    if (!access || !access->refresh()) {
        error = Verdict::reject(k_tempfail);
        return nullptr;
    }
    return access;
}

// sendmail's check_relay: Connect: entries for the name (or "[addr]"),
// then for the address.
Verdict connect_verdict(const Settings& s, AccessMap* access, const smtp::Client& c) {
    if (c.local_submission) return {};
    Verdict err;
    AccessMap* map = usable_map(s, access, err);
    if (!map) return err;
    auto m = first_match({[&] { return map->host(Tag::Connect, connect_name(c)); },
                          [&] { return map->address(Tag::Connect, c.addr); }});
    if (!m) return Verdict::reject(k_tempfail);
    if (!m->has_value()) return {};
    return verdict_of((*m)->value, k_access_denied);
}

bool sender_may_be_unqualified(const Settings& s, const smtp::Client& c) {
    return c.local_submission || c.addr.empty() || s.unqualified_ok_daemons.count(c.daemon) != 0;
}

// user@localhost and the like, which only a local client may use.
bool is_localhost_domain(const std::string& d, const Settings& s) {
    if (d == "localhost" || d == "[127.0.0.1]" || d == "[ipv6:::1]" || d == "[ipv6:0:0:0:0:0:0:0:1]")
        return true;
    std::string m = s.domain_m();
    return !m.empty() && d == "localhost." + m;
}

// sendmail's check_mail (Basic_check_mail): Accept means "From: OK", which
// also skips the client checks under delay_checks.
Verdict sender_verdict(const Settings& s, AccessMap* access, const smtp::Client& c,
                       const address::Path& from) {
    if (from.null) return {};  // RFC 5321 §4.5.5: <> must be accepted
    std::string domain = lower_nodot(from.domain);
    if (!domain.empty() && is_localhost_domain(domain, s) && !c.local_submission && !c.name.empty() &&
        !s.local_domains.count(lower_nodot(c.name)))
        return Verdict::reject({553, "5.5.4", "Real domain name required for sender address"});
    Verdict err;
    AccessMap* map = usable_map(s, access, err);
    if (s.access_db && !map) return err;
    if (map) {
        auto m = domain.empty() ? map->user(Tag::From, from.local)
                                : first_match({[&] { return map->full(Tag::From, from.local, domain); },
                                               [&] { return map->user(Tag::From, from.local); },
                                               [&] { return map->host(Tag::From, domain); }});
        if (!m) return Verdict::reject(k_tempfail);
        if (m->has_value()) return verdict_of((*m)->value, k_access_denied);
    }
    if (domain.empty() && !sender_may_be_unqualified(s, c))
        return Verdict::reject(
            {553, "5.5.4",
             "Domain name required for sender address " + shown(address::quote_local_part(from.local))});
    return {};
}

// sendmail's Relay_ok: may this client send to anywhere?
Result<bool> client_may_relay(const Settings& s, AccessMap* access, const smtp::Client& c) {
    if (c.local_submission) return true;
    std::string addr = unmap_ipv4(trim(c.addr));
    if (istarts_with(addr, "IPv6:")) addr = addr.substr(5);
    // sendmail also trusts an empty client_addr ("originated locally");
    // here only local_submission does, so a daemon that failed to fill in
    // the address cannot open the relay.
    auto bytes = address_bytes(addr);
    if (bytes && is_loopback(*bytes)) return true;
    if (bytes)
        for (const auto& mine : s.our_addresses)
            if (auto m = address_bytes(mine); m && *m == *bytes) return true;
    // RELAY_DOMAIN may hold address prefixes ("192.168" as in relay-domains).
    std::string laddr = to_lower(addr);
    for (const auto& r : s.relay_domains)
        if (laddr == r || (laddr.size() > r.size() && laddr.compare(0, r.size(), r) == 0 &&
                           (laddr[r.size()] == '.' || laddr[r.size()] == ':')))
            return true;
    if (s.access_db) {
        if (!access) return make_error(EX_TEMPFAIL, "access map unavailable");
        auto m = access->address(Tag::Connect, c.addr);
        if (!m) return m.error();
        if (m->has_value() && parse_action((*m)->value).kind == Action::Relay) return true;
    }
    if (c.name.empty()) return false;
    std::string name = lower_nodot(c.name);
    if (s.relay_entire_domain && under(name, s.domain_m())) return true;
    if (s.local_domains.count(name)) return true;
    for (const auto& r : s.relay_domains)
        if (s.relay_hosts_only ? name == r : under(name, r)) return true;
    if (s.access_db) {
        auto m = access->host(Tag::Connect, name, false, s.relay_hosts_only);
        if (!m) return m.error();
        if (m->has_value() && parse_action((*m)->value).kind == Action::Relay) return true;
    }
    return false;
}

// FEATURE(delay_checks, `friend'|`hater'): Spam: entries for the recipient.
// True when the sender and client checks are to be skipped.
Result<bool> spam_friend(const Settings& s, AccessMap* map, const Resolved& r) {
    if (s.delay_checks_mode != "friend" && s.delay_checks_mode != "hater") return false;
    if (!map) return false;
    auto m = first_match({[&] { return map->full(Tag::Spam, r.local, r.domain, true); },
                          [&] {
                              return r.kind == Resolved::Local
                                         ? map->user(Tag::Spam, r.local, true)
                                         : Result<std::optional<Match>>(std::optional<Match>{});
                          },
                          [&] { return map->host(Tag::Spam, r.domain, true); }});
    if (!m) return m.error();
    std::string v = m->has_value() ? to_lower(trim((*m)->value)) : "";
    if (s.delay_checks_mode == "friend") return v == "friend";
    return v != "hater";
}

// relay= as sendmail logs it; the name came from DNS, so it is made
// printable and bounded here too.
std::string relay_field(const smtp::Client& c) {
    return shown(c.relay_text(), 2 * k_max_shown);
}

std::string rejection_log(std::string_view ruleset, const std::string& args, const smtp::Client& c,
                          const Reply& r) {
    return fmt::format("ruleset={}, {}, relay={}, reject={}", ruleset, args, relay_field(c), r.line());
}

std::string discard_log(std::string_view ruleset, const std::string& args, const smtp::Client& c) {
    return fmt::format("ruleset={}, {}, relay={}, discard", ruleset, args, relay_field(c));
}

// A Decision from a verdict of rule set `ruleset` about `addr` ("" for
// check_relay, whose replies name no address).
Decision decide(const Verdict& v, std::string_view ruleset, const std::string& args, const std::string& addr,
                const smtp::Client& c) {
    Decision d;
    if (v.kind == Verdict::Reject) {
        d.kind = Decision::Reject;
        d.reply = addr.empty() ? v.reply : with_address(v.reply, addr);
        d.log = rejection_log(ruleset, args, c, d.reply);
    } else if (v.kind == Verdict::Discard) {
        d.kind = Decision::Discard;
        d.log = discard_log(ruleset, args, c);
    }
    return d;
}

}  // namespace

SmtpPolicy::SmtpPolicy(const Settings& settings, AccessMap* access, Hooks hooks)
    : m_settings(settings), m_access(access), m_hooks(std::move(hooks)) {}

Decision SmtpPolicy::check_connect(const smtp::Client& c) {
    if (m_settings.delay_checks) return Decision::accept();  // done at RCPT
    Verdict v = connect_verdict(m_settings, m_access, c);
    if (v.kind == Verdict::Discard) m_discard_all = true;
    std::string args = fmt::format("arg1={}, arg2={}", connect_arg(c), shown(c.addr, 64));
    return decide(v, "check_relay", args, "", c);
}

Decision SmtpPolicy::check_helo(const smtp::Client&, std::string_view) {
    m_helo_seen = true;
    return Decision::accept();
}

Decision SmtpPolicy::check_mail(const smtp::Client& c, const address::Path& from, const smtp::Params&) {
    if (m_settings.privacy.count("needmailhelo") && !m_helo_seen) {
        Decision d;
        d.kind = Decision::Reject;
        d.reply = Reply{503, "5.0.0", "Polite people say HELO first"};
        return d;
    }
    if (m_discard_all) {
        Decision d;
        d.kind = Decision::Discard;
        return d;
    }
    if (m_settings.delay_checks) return Decision::accept();  // done at RCPT
    std::string addr = path_text(from);
    Verdict v = sender_verdict(m_settings, m_access, c, from);
    return decide(v, "check_mail", "arg1=" + addr, addr, c);
}

Decision SmtpPolicy::check_rcpt(const smtp::Client& c, const address::Path& from, const address::Path& rcpt,
                                std::string_view raw, const smtp::Params&) {
    std::string addr = raw.empty() ? path_text(rcpt) : "<" + shown(raw) + ">";
    std::string args = "arg1=" + addr;
    auto reject = [&](const Reply& r) { return decide(Verdict::reject(r), "check_rcpt", args, addr, c); };
    if (m_discard_all) {
        Decision d;
        d.kind = Decision::Discard;
        return d;
    }
    if (rcpt.null || (rcpt.local.empty() && rcpt.domain.empty()))
        return reject({553, "5.1.1", "User address required"});

    Verdict err;
    AccessMap* map = usable_map(m_settings, m_access, err);
    if (m_settings.access_db && !map) return decide(err, "check_rcpt", args, addr, c);

    auto resolved = resolve(rcpt, m_settings, map);
    if (!resolved) return reject(k_tempfail);
    const Resolved& r = *resolved;

    // To: entries for the resolved recipient (sendmail needs
    // FEATURE(blocklist_recipients) for these; mailroom always looks).
    if (map) {
        auto m = r.domain.empty()
                     ? map->user(Tag::To, r.local)
                     : first_match({[&] { return map->full(Tag::To, r.local, r.domain); },
                                    [&] {
                                        return r.kind == Resolved::Local
                                                   ? map->user(Tag::To, r.local)
                                                   : Result<std::optional<Match>>(std::optional<Match>{});
                                    },
                                    [&] { return map->host(Tag::To, r.domain); }});
        if (!m) return reject(k_tempfail);
        if (m->has_value()) {
            Verdict v = verdict_of((*m)->value, k_mailbox_disabled);
            if (v.kind == Verdict::Reject || v.kind == Verdict::Discard)
                return decide(v, "check_rcpt", args, addr, c);
        }
    }

    // Relay control.  AUTH relays and, as sendmail's "$# RELAY", also skips
    // the delayed sender and client checks.
    bool authenticated = c.authenticated;
    if (r.kind == Resolved::Remote && !authenticated) {
        auto may = client_may_relay(m_settings, map, c);
        if (!may) return reject(k_tempfail);
        if (!*may) {
            std::string text = m_settings.auth_relay_text ? "Relaying denied. Proper authentication required."
                                                          : "Relaying denied";
            return reject({550, "5.7.1", text});
        }
    }

    if (m_settings.delay_checks && !authenticated) {
        auto skip = spam_friend(m_settings, map, r);
        if (!skip) return reject(k_tempfail);
        if (!*skip) {
            // Under delay_checks the sender's and the client's verdicts are
            // given here, about this recipient (reference/mta.md §1.3).
            Verdict v = sender_verdict(m_settings, m_access, c, from);
            if (v.kind == Verdict::None) v = connect_verdict(m_settings, m_access, c);
            if (v.kind == Verdict::Reject || v.kind == Verdict::Discard)
                return decide(v, "check_rcpt", args, addr, c);
        }
    }

    if (r.kind == Resolved::Local && m_hooks.local_user_exists && !is_postmaster(r.local) &&
        !m_hooks.local_user_exists(r.local)) {
        Decision d;
        d.kind = Decision::Reject;
        d.reply = with_address(Reply{550, "5.1.1", "User unknown"}, addr);
        d.log = fmt::format("{}... User unknown", addr);
        return d;
    }
    return Decision::accept();
}

// ----------------------------------------------------- VRFY, EXPN, ETRN --

namespace {

const Reply k_cannot_vrfy{252, "2.5.2", "Cannot VRFY user; try RCPT to attempt delivery (or try finger)"};
const Reply k_not_allowed{502, "5.7.0", "Sorry, we do not allow this operation"};
const Reply k_introduce{503, "5.0.0", "I demand that you introduce yourself first."};

// The argument of VRFY/EXPN as a path: "<user@host>", "user", "Name <u@h>".
std::optional<address::Path> parse_target(std::string_view arg) {
    if (auto p = address::parse_path(arg, false)) return *p;
    if (auto m = address::parse_mailbox(arg)) {
        address::Path p;
        p.local = m->local;
        p.domain = m->domain;
        return p;
    }
    return std::nullopt;
}

void log_rejected(const Hooks& hooks, const smtp::Client& c, std::string_view command, std::string_view arg) {
    if (hooks.log) hooks.log(fmt::format("{}: {} {} [rejected]", relay_field(c), command, shown(trim(arg))));
}

}  // namespace

smtp::Reply SmtpPolicy::vrfy(const smtp::Client& c, std::string_view arg) {
    if (m_settings.privacy.count("needvrfyhelo") && !m_helo_seen) return k_introduce;
    if (m_settings.privacy.count("novrfy")) {
        log_rejected(m_hooks, c, "VRFY", arg);
        return k_cannot_vrfy;
    }
    std::string_view a = trim(arg);
    if (a.empty()) return Reply{501, "5.5.2", "Argument required"};
    auto path = parse_target(a);
    if (!path) return Reply{501, "5.1.3", fmt::format("{}... Bad address syntax", shown(a))};
    Verdict err;
    AccessMap* map = usable_map(m_settings, m_access, err);
    auto r = resolve(*path, m_settings, map);
    if (!r) return k_tempfail;
    if (r->kind != Resolved::Local || !m_hooks.local_user_exists) return k_cannot_vrfy;
    if (!m_hooks.local_user_exists(r->local))
        return Reply{550, "5.1.1", fmt::format("{}... User unknown", shown(a))};
    return Reply{250, "2.1.5",
                 fmt::format("<{}@{}>", address::quote_local_part(r->local), m_settings.hostname)};
}

smtp::Reply SmtpPolicy::expn(const smtp::Client& c, std::string_view arg) {
    if (m_settings.privacy.count("needexpnhelo") && !m_helo_seen) return k_introduce;
    if (m_settings.privacy.count("noexpn") || !m_hooks.expand) {
        log_rejected(m_hooks, c, "EXPN", arg);
        return k_not_allowed;
    }
    std::string_view a = trim(arg);
    if (a.empty()) return Reply{501, "5.5.2", "Argument required"};
    auto path = parse_target(a);
    if (!path) return Reply{501, "5.1.3", fmt::format("{}... Bad address syntax", shown(a))};
    Verdict err;
    AccessMap* map = usable_map(m_settings, m_access, err);
    auto r = resolve(*path, m_settings, map);
    if (!r) return k_tempfail;
    if (r->kind != Resolved::Local) return k_not_allowed;
    auto list = m_hooks.expand(r->local);
    if (!list) return Reply{550, "5.1.1", fmt::format("{}... User unknown", shown(a))};
    std::string text;
    for (const auto& item : *list) {
        if (!text.empty()) text += '\n';
        std::string shown_item = shown(item);
        bool qualify =
            item.find('@') == std::string::npos && !item.empty() && item[0] != '|' && item[0] != '/';
        text += qualify ? fmt::format("<{}@{}>", shown_item, m_settings.hostname) : "<" + shown_item + ">";
    }
    if (text.empty()) text = fmt::format("<{}@{}>", address::quote_local_part(r->local), m_settings.hostname);
    return Reply{250, "2.1.5", text};
}

smtp::Reply SmtpPolicy::etrn(const smtp::Client& c, std::string_view arg) {
    if (m_settings.privacy.count("noetrn")) {
        log_rejected(m_hooks, c, "ETRN", arg);
        return k_not_allowed;
    }
    std::string_view a = trim(arg);
    if (a.empty()) return Reply{501, "5.5.2", "Parameter required"};
    // RFC 1985: a node name, "@domain" (and subdomains) or "#queue".
    std::string_view node = a;
    if (node.front() == '@' || node.front() == '#') node.remove_prefix(1);
    bool ok = !node.empty() && node.size() <= 255;
    for (char ch : node)
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || std::strchr(".-_[]:", ch))) ok = false;
    if (!ok) return Reply{501, "5.5.4", "Invalid parameter"};
    if (m_hooks.etrn && m_hooks.etrn(a))
        return Reply{250, "2.0.0", fmt::format("Queuing for node {} started", a)};
    return Reply{458, "4.0.0", fmt::format("Unable to queue messages for node {}", a)};
}

}  // namespace mail::policy
