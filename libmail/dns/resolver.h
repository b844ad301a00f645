// resolver.h — the library's DNS resolver interface (namespace mail::dns).
//
// One question in, one answer out: query("example.org", Type::MX).  Remote
// delivery asks for MX, A and AAAA; listman asks for DMARC TXT records
// (dmarc.h).  Everything that needs DNS takes a Resolver&, so tests hand it a
// FakeResolver (a table) and never touch the network; the real client is
// StubResolver (stub.h), which talks to the configured name servers.  The
// wire format lives in message.h; docs/dns.md describes the whole module.
//
// Contract: query() returns an Answer for NOERROR and NXDOMAIN (an empty
// `records` means "no such data"); every other outcome is an Error.  An
// Error with EX_TEMPFAIL (timeout, SERVFAIL, REFUSED, a malformed reply)
// means "try later"; EX_DATAERR means the name itself cannot be asked
// (empty label, label over 63 octets, name over 253 characters).
// Resolvers are not thread-safe: use one per thread.
//
// SECURITY: records come from the network.  Names in an Answer are in
// presentation form with every byte outside [!-~], and '.' or '\' inside a
// label, written as \DDD (RFC 1035 §5.1), so a hostile server cannot smuggle
// control characters, spaces or extra labels into a host name.  TXT text is
// returned as received (it may hold any byte); callers parse it, never echo it.
//
// STANDARDS: RFC 1035 (types, classes, rcodes), RFC 3596 (AAAA).
#pragma once

#include "libmail/util/result.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mail::dns {

// Resource record types mailroom asks for (RFC 1035 §3.2.2, RFC 3596 §2.1).
// CNAME appears only as a record type inside answers (aliases are followed).
enum class Type : std::uint16_t {
    A = 1,
    CNAME = 5,
    PTR = 12,
    MX = 15,
    TXT = 16,
    AAAA = 28,
};

// Response codes (RFC 1035 §4.1.1); other values keep their number.
enum class Rcode : std::uint8_t {
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NxDomain = 3,
    NotImp = 4,
    Refused = 5,
};

std::string_view type_name(Type t);                     // "MX"
std::optional<Type> parse_type(std::string_view name);  // "mx" → MX (case-insensitive)
std::string rcode_name(Rcode r);                        // "NXDOMAIN", or "RCODE7"

struct Record {
    std::string name;  // owner name, presentation form, no trailing dot
    Type type = Type::A;
    std::uint32_t ttl = 0;
    // A/AAAA: the address as text ("192.0.2.1", "2001:db8::1");
    // MX: the exchange; PTR/CNAME: the target name; TXT: the record's
    // character-strings concatenated (RFC 7208 §3.3, RFC 7489 §6.1).
    std::string text;
    std::uint16_t preference = 0;  // MX only

    bool operator==(const Record&) const = default;
};

struct Answer {
    Rcode rcode = Rcode::NoError;
    // Records of the asked type at the end of the CNAME chain, in the order
    // the server sent them (MX callers sort by preference themselves).
    std::vector<Record> records;
    // The name the records belong to: the asked name, or where its CNAME
    // chain ended.
    std::string canonical_name;
};

class Resolver {
public:
    virtual ~Resolver() = default;
    // Asks for `type` records of `name` ("example.org" or "example.org.",
    // case-insensitive).  See the contract above.
    virtual Result<Answer> query(std::string_view name, Type type) = 0;
};

// A table of answers for unit tests (style.md §11: fake resolver).  A name
// and type not in the table answer NXDOMAIN.  Names are matched without
// case and trailing dot.  Every query is logged as "name TYPE".
class FakeResolver : public Resolver {
public:
    void add(std::string_view name, Type type, Answer answer);
    void add_error(std::string_view name, Type type, Error error);
    // Conveniences: NOERROR answers with records of one type.
    void add_txt(std::string_view name, std::vector<std::string> texts);
    void add_a(std::string_view name, std::vector<std::string> addresses);
    void add_mx(std::string_view name, std::vector<std::pair<std::uint16_t, std::string>> exchanges);

    Result<Answer> query(std::string_view name, Type type) override;
    const std::vector<std::string>& queries() const { return m_queries; }

private:
    std::map<std::pair<std::string, Type>, Result<Answer>> m_table;
    std::vector<std::string> m_queries;
};

// Lower case, no trailing dot: the form names are compared in.
std::string normalize_name(std::string_view name);

// The reverse-lookup name of an address: "192.0.2.1" →
// "1.2.0.192.in-addr.arpa", IPv6 → nibbles under ip6.arpa (RFC 3596 §2.5).
// EX_DATAERR if `address` is not an IPv4 or IPv6 address.
Result<std::string> ptr_name(std::string_view address);

}  // namespace mail::dns
