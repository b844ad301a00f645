// address.h — RFC 5322 header addresses and RFC 5321 envelope paths.
//
// Two grammars live here because they differ in what they forgive:
//   - parse_address_list()/parse_mailbox() read what people and MUAs put in
//     To:/Cc:/From: headers or on a command line: display names, comments,
//     groups, quoted strings, obsolete forms, missing commas, bare local
//     names ("john", as `mail john` writes in To:).
//   - parse_path()/parse_mail_rcpt_argument() read the argument of SMTP
//     MAIL FROM:/RCPT TO:, which is stricter (RFC 5321 §4.1.2); their error
//     texts are fit for a 501/553 reply.
// classify() spots the addressing tricks used to abuse relays, for the
// relay checks (reference mta.md §4.4).
//
// SECURITY: all input is hostile (SMTP peers, message authors, local users).
// Each parser is a linear scan with no recursion (comment nesting is a
// counter); errors quote a short, sanitised excerpt of the input.
// Bytes >= 0x80 are taken as part of words (RFC 6532/6531 UTF-8) and passed
// through unchanged; deciding whether SMTPUTF8 allows them is the caller's.
//
// STANDARDS: RFC 5322 §3.2 (lexical tokens), §3.4 (address specification),
// §4.4 (obsolete addressing); RFC 5321 §4.1.2 (command argument syntax),
// §4.1.3 (address literals), §4.5.3.1 (size limits); RFC 6532, RFC 6531.
#pragma once

#include "libmail/util/result.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mail::address {

struct Mailbox {
    std::string display_name;  // phrase as written (quotes removed, encoded words kept);
                               // for "a@b (Full Name)" the comment text
    std::string local;         // unquoted local part ("john smith" for "\"john smith\"@x")
    std::string domain;        // empty for a bare local name
    // local@domain, with the local part quoted when it is not a dot-atom
    // (RFC 5322 §3.4.1).
    std::string addr_spec() const;
};

// An RFC 5322 §3.4 address-list.  Groups are flattened (their names
// dropped, "undisclosed-recipients:;" gives nothing); obs-route is dropped;
// empty list elements are skipped; whitespace between two addresses stands
// in for a missing comma.  An empty or blank value gives an empty list.
// Errors are EX_DATAERR naming the problem and quoting the input, e.g.
// `unbalanced '<' in "John <j@x"`.
Result<std::vector<Mailbox>> parse_address_list(std::string_view header_value);

// Exactly one address (command-line recipients, -f): errors on none or more.
Result<Mailbox> parse_mailbox(std::string_view text);

// An RFC 5321 Reverse-path / Forward-path.
struct Path {
    std::string local;   // unquoted; re-quote with quote_local_part()
    std::string domain;  // as written: a domain or an address literal "[1.2.3.4]";
                         // empty for an unqualified name such as <postmaster>
    bool null = false;   // <>
    std::string raw_route;  // "@a,@b" of a source route <@a,@b:x@y>, else empty
};

// Parses a path such as "<a@b>", "<@x,@y:a@b>", "<>" (only when allow_null),
// or, as sendmail tolerates, an unbracketed "a@b".  Errors are EX_DATAERR
// with reply text ("Syntax error in mailbox address", ...).
Result<Path> parse_path(std::string_view text, bool allow_null);

struct PathWithParams {
    Path path;
    // ESMTP parameters in order; keywords upper-cased, values as sent
    // (empty when the keyword had no "=").
    std::vector<std::pair<std::string, std::string>> params;
};

// Parses what follows "MAIL FROM:" or "RCPT TO:": the path, then
// space-separated esmtp-params (RFC 5321 §4.1.2).  Leading spaces are
// tolerated.  The null path is accepted unless !allow_null.
Result<PathWithParams> parse_mail_rcpt_argument(std::string_view after_colon, bool allow_null = true);

// Addressing tricks, as bit flags for classify().
enum RelayTrick : unsigned {
    PercentHack = 1u << 0,      // '%' in the local part: victim%remote@ourhost
    BangPath = 1u << 1,         // '!' in the local part: remote!victim
    SourceRoute = 1u << 2,      // <@hop:victim@remote>
    QuotedLocalPart = 1u << 3,  // <"victim@remote"@ourhost>
    DoubleAt = 1u << 4,         // victim@remote@ourhost (unquoted)
    DomainLiteral = 1u << 5,    // victim@[1.2.3.4]
    TrailingDot = 1u << 6,      // victim@remote.example.
};

// The RelayTrick bits present in `raw_address` (with or without <>).  A
// lexical scan that works on malformed input too; never fails.
unsigned classify(std::string_view raw_address);

// "percent-hack,bang-path" for logs; "" for 0.
std::string describe_tricks(unsigned tricks);

// The local part as it must be written: unchanged if it is a dot-atom,
// else a quoted-string with '"' and '\' escaped.  "" becomes "\"\"".
std::string quote_local_part(std::string_view local);

// Lower-case (ASCII), one trailing dot removed: the form to compare domains.
std::string canonical(std::string_view domain);

}  // namespace mail::address
