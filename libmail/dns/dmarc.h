// dmarc.h — a From domain's DMARC policy, as listman needs it to decide
// whether a post must be rewritten (docs/lists.md, posting).
//
// dmarc_policy() follows RFC 7489 §6.6.3 "Policy Discovery":
//   1. TXT at _dmarc.<From domain>; keep only records that are DMARC
//      records (first tag exactly `v=DMARC1', §6.3, §6.4);
//   2. none left: the same at _dmarc.<organisational domain>, if that
//      differs from the From domain;
//   3. no record, or more than one: Absent (no DMARC for this message);
//   4. the policy is p=, or sp= when the record came from the organisational
//      domain (§6.3 "sp"); a record without a valid p= (or with an invalid
//      sp=) counts as p=none when it has a rua= tag, else as no record.
// A DNS failure (EX_TEMPFAIL, SERVFAIL …) at either step is TempError, so
// the caller can defer instead of guessing.  pct= is ignored: a list
// treats p=reject with pct=10 as p=reject, as mitigation must.
//
// The organisational domain is approximated without the Public Suffix List
// (RFC 7489 §3.2 asks for one): the last two labels, or the last three when
// the last label is a two-letter ccTLD and the one before it has at most
// three characters ("mail.example.co.uk" → "example.co.uk").  This is wrong
// for registrations directly under a ccTLD with a short name
// ("www.abc.de" → "www.abc.de", so a policy only at abc.de is missed) and
// for other multi-label public suffixes ("x.blogspot.com" → "blogspot.com");
// docs/dns.md lists it.
//
// SECURITY: the TXT text is from the network; it is only parsed here, with
// no allocation proportional to anything but its length.
//
// STANDARDS: RFC 7489 §3.2, §6.3, §6.4, §6.6.3.
#pragma once

#include "libmail/dns/resolver.h"

#include <optional>
#include <string>
#include <string_view>

namespace mail::dns {

enum class DmarcPolicy { None, Quarantine, Reject, Absent, TempError };

std::string_view dmarc_policy_name(DmarcPolicy p);  // "none", "quarantine", "reject", "absent", "temperror"

DmarcPolicy dmarc_policy(Resolver& resolver, std::string_view from_domain);

// One TXT string read as a DMARC record.  nullopt when it is not one (does
// not start with v=DMARC1).  Tags are case-insensitive (RFC 5234 strings),
// the DMARC1 value is not (§6.4 gives it as %x-codes).
struct DmarcRecord {
    std::optional<DmarcPolicy> p;   // None/Quarantine/Reject, unset if missing or invalid
    std::optional<DmarcPolicy> sp;  // likewise
    bool sp_invalid = false;        // sp= present with a bad value
    bool has_rua = false;           // rua= with at least one URI (contains ':')
};
std::optional<DmarcRecord> parse_dmarc_record(std::string_view txt);

// The approximation above; lower case, no trailing dot.
std::string organizational_domain(std::string_view domain);

}  // namespace mail::dns
