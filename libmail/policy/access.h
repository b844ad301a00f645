// access.h — sendmail's access map: where it lives, how it is searched, what
// its right-hand sides mean.
//
// The map is the SQLite file makemap writes (`makemap hash /etc/mail/access
// < /etc/mail/access` → /etc/mail/access.db, docs/maps.md).  Keys are folded
// to lower case when built, so every lookup here is case-insensitive.
//
// Search order, as sendmail's proto.m4 rulesets D, A, F and U do it
// (docs/policy.md has the full table):
//   - every key is tried with its tag first ("Connect:", "From:", "To:",
//     "Spam:") and then, unless the caller asks for the tag only, untagged;
//   - a host name is tried whole, then with leading labels stripped
//     (a.b.example → b.example → example); a bracketed literal "[1.2.3.4]"
//     loses its last octet instead ([1.2.3], [1.2], [1]);
//   - an IPv4 address loses octets (192.168.1.2 → 192.168.1 → 192.168 → 192);
//     an IPv6 address is looked up as "IPv6:" plus its uncompressed form
//     (sendmail's IPV6_FULL layout, "IPv6:2001:db8:0:0:0:0:0:1"), also as
//     written compressed, then loses groups from the right;
//   - an address user+detail@dom is tried as user+detail@dom, user+*@dom,
//     user@dom; a user part "user@" likewise;
//   - SKIP ends the search of one key family (that host, that address) with
//     no match, so the next family or the default action applies.
//
// SECURITY: keys are built from network input (client names, envelope
// addresses).  Nothing here interprets them beyond splitting on '.', ':',
// '@' and '+'; host-name walks skip suffixes longer than a domain can be
// (255 bytes), so a hostile name costs at most 128 lookups.  Values are
// written by the administrator and parsed leniently: an unknown value is
// taken as a reply text, as sendmail does.
#pragma once

#include "libmail/config/config.h"
#include "libmail/maps/map.h"
#include "libmail/smtp/policy.h"
#include "libmail/util/result.h"

#include <optional>
#include <string>
#include <string_view>

namespace mail::policy {

// FEATURE(`access_db', `spec'): the map type, the file makemap wrote, and
// the flags that matter here.
struct MapSpec {
    std::string type = "hash";  // hash, btree, dbm or sqlite (all one SQLite file here)
    std::string db_path;        // "/etc/mail/access.db"
    bool optional = false;      // -o: a missing file means an empty map
    // Other flags (-T<TMPF>, -N, …) are accepted and ignored: a map that
    // cannot be read always answers 451 4.3.0 here, as -T<TMPF> asks.
};

// The access map's spec from the config, or nullopt when FEATURE(access_db)
// is off.  An empty argument means sendmail's default "hash -T<TMPF> -o
// /etc/mail/access" (in an instance: MAILROOM_INSTANCE/maps/access).  The
// file is the last argument that is not a flag, with ".db" added as
// makemap adds it; a relative name is relative to the config file's
// directory.  Errors (EX_CONFIG): a map type mailroom cannot read (ldap,
// sequence, …), no file name.
Result<std::optional<MapSpec>> access_map_spec(const config::Config& cfg);

// Parses one spec text ("hash -T<TMPF> -o /etc/mail/access").  `base_dir`
// resolves a relative file name.
Result<MapSpec> parse_map_spec(std::string_view spec, const std::string& base_dir);

enum class Tag { Connect, From, To, Spam };
std::string_view tag_name(Tag t);  // "Connect", "From", "To", "Spam"

// The value found and the key it was found under (for logs and -bt-like
// diagnostics).
struct Match {
    std::string key;
    std::string value;
};

// The open access map.  Opens lazily and reopens when makemap replaced the
// file, so a daemon never needs a restart after `makemap`.  Not
// thread-safe (maps::Map is not); one per thread, shared by that thread's
// sessions.
class AccessMap {
public:
    explicit AccessMap(MapSpec spec);

    // Reopens the map if it was rebuilt, removed or never opened.  Called
    // once per policy check, so it costs one stat(2).  An error means the
    // map cannot be read now (missing and not -o, or not a map).
    Status refresh();

    // One raw lookup (key folded by the map).  Error: the map is unreadable.
    Result<std::optional<std::string>> get(std::string_view key);

    // Host or domain walk (sendmail's D).  `exact` looks up the name itself
    // only (FEATURE(relay_hosts_only) for RELAY decisions).
    Result<std::optional<Match>> host(Tag tag, std::string_view name, bool tag_only = false,
                                      bool exact = false);
    // Client address walk (sendmail's A): "192.168.1.2", "::1".
    Result<std::optional<Match>> address(Tag tag, std::string_view ip, bool tag_only = false);
    // Full address (sendmail's F): local@domain with +detail variants.
    Result<std::optional<Match>> full(Tag tag, std::string_view local, std::string_view domain,
                                      bool tag_only = false);
    // User part (sendmail's U): "local@" with +detail variants.
    Result<std::optional<Match>> user(Tag tag, std::string_view local, bool tag_only = false);

    const MapSpec& spec() const { return m_spec; }

private:
    // Tries tag:key then key; `skip` is set when the value is SKIP.
    Result<std::optional<Match>> probe(Tag tag, const std::string& key, bool tag_only, bool& skip);

    MapSpec m_spec;
    std::optional<maps::Map> m_map;
    bool m_missing = false;  // the file is absent and the spec says -o
};

// What a right-hand side means.
struct Action {
    enum Kind { Ok, Relay, Reject, Discard, Skip, Error };
    Kind kind = Error;
    // Error only: the reply ("ERROR:5.7.1:550 text", "\"550 text\"").  The
    // code defaults to 550, the enhanced code to <class>.0.0.
    smtp::Reply reply;
};

// Parses a value as sendmail's rulesets do: OK, RELAY, REJECT, DISCARD,
// SKIP (any case); ERROR:[D.S.N:]### text; QUARANTINE:reason (not
// supported: a 451 4.7.1 reply, so the message is neither lost nor taken);
// anything else is a reply text ("550 text", quotes removed).
Action parse_action(std::string_view value);

// A reply from text such as "550 5.7.1 go away" or "go away": a leading
// 4xx/5xx code (default 550) and enhanced code (default "<class>.0.0"),
// double quotes and backslash escapes removed as sendmail's stripquotes
// does.  `dsn` (from ERROR:D.S.N:) wins over one in the text.
smtp::Reply reply_from_text(std::string_view text, std::string_view dsn = {});

// "IPv6:2001:db8:0:0:0:0:0:1" for "2001:db8::1"; "" if `ip` is not IPv6.
std::string ipv6_full(std::string_view ip);
// "1.2.3.4" for "::ffff:1.2.3.4"; the input otherwise.
std::string unmap_ipv4(std::string_view ip);

}  // namespace mail::policy
