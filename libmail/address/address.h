// address.h — RFC 5322 address lists and mailboxes, as header fields and
// command lines carry them.
//
// parse_address_list() accepts name-addr and addr-spec forms, groups
// (flattened; `undisclosed-recipients:;` gives nothing), comments (nested,
// with quoted pairs), quoted local parts, obsolete routes (`<@a,@b:x@y>`,
// dropped), and bare local names (`john`), which `mail john` produces.
// Errors are EX_DATAERR with the problem named ("unbalanced '<' in …").
// Parsing is linear in the input and never recurses.
//
// STANDARDS: RFC 5322 §3.4 (address specification), §4.4 (obsolete forms).
#pragma once

#include "libmail/util/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace mail::address {

struct Mailbox {
    std::string display_name;
    std::string local;   // unquoted
    std::string domain;  // "" if none
    // local@domain, the local part quoted when it is not a dot-atom.
    std::string addr_spec() const;
};

Result<std::vector<Mailbox>> parse_address_list(std::string_view text);
Result<Mailbox> parse_mailbox(std::string_view text);

// Quotes a local part unless it is a valid dot-atom (RFC 5322 §3.4.1).
std::string quote_local_part(std::string_view local);

// Lower-case, one trailing dot removed.
std::string canonical(std::string_view domain);

}  // namespace mail::address
