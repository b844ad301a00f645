// message.h — DNS messages on the wire: building a query, parsing and
// checking a reply.  No I/O; StubResolver (stub.h) does the sockets, tests
// and the fuzzer (fuzz/fuzz_dns.cpp) feed bytes here directly.
//
// Contract: parse_message() reads any byte string without overreading: every
// count, length and pointer is checked against the packet's size, and an
// inconsistent packet is an error (EX_PROTOCOL), never a crash.  Limits:
// names at most 255 octets on the wire (RFC 1035 §3.1), labels at most 63,
// compression pointers only backwards and at most 127 per name (a name has
// at most 127 labels), so a pointer loop cannot spin.
//
// SECURITY: the packet is hostile until check_reply() has matched it to our
// question and id; even then its records are only data (see resolver.h on
// how names are escaped).
//
// STANDARDS: RFC 1035 §4 (message format, §4.1.4 compression), RFC 3596
// (AAAA), RFC 6891 (EDNS(0) OPT record, used to ask for 1232-octet UDP
// replies), RFC 7766 (TCP transport: 2-octet length prefix).
#pragma once

#include "libmail/dns/resolver.h"
#include "libmail/util/result.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mail::dns {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint16_t k_class_in = 1;
constexpr std::uint16_t k_edns_udp_size = 1232;  // the DNS Flag Day 2020 value
constexpr std::size_t k_max_message = 65535;

struct Header {
    std::uint16_t id = 0;
    bool qr = false;  // a response
    std::uint8_t opcode = 0;
    bool aa = false, tc = false, rd = false, ra = false;
    Rcode rcode = Rcode::NoError;
    std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
};

struct Question {
    std::string name;  // presentation form, no trailing dot
    std::uint16_t type = 0;
    std::uint16_t qclass = 0;
};

// One resource record as found on the wire.  Every record's bounds are
// checked; the data of answer-section records of the types resolver.h knows
// (A, AAAA, MX, TXT, PTR, CNAME) in class IN is decoded too (`decoded`), and
// malformed data there makes the message an error.  Other records keep only
// their header.
struct WireRecord {
    std::string name;
    std::uint16_t type = 0;
    std::uint16_t rclass = 0;
    std::uint32_t ttl = 0;
    std::uint16_t rdlength = 0;
    bool decoded = false;
    Record record;  // valid when decoded
};

struct Message {
    Header header;
    std::vector<Question> questions;
    std::vector<WireRecord> answers, authority, additional;
};

// The query for (name, type) with id `id`, recursion desired; with `edns`,
// an OPT record advertising k_edns_udp_size.  EX_DATAERR for a name that
// cannot be encoded (see resolver.h).
Result<Bytes> encode_query(std::uint16_t id, std::string_view name, Type type, bool edns);

// Parses a whole message.  When the header's TC bit is set only the header
// and question are parsed (the rest may be cut off; the caller retries over
// TCP).  Errors are EX_PROTOCOL and say what was wrong and where.
Result<Message> parse_message(std::span<const std::uint8_t> packet);

// Is `m` the reply to our query?  QR set, opcode QUERY, our id, exactly one
// question naming our name (case-insensitively), type and class IN.
// EX_PROTOCOL with the reason otherwise.
Status check_reply(const Message& m, std::uint16_t id, std::string_view name, Type type);

// The Answer in a checked reply: follows CNAMEs from `name` through the
// answer section (at most 16 steps; a loop ends the chain) and keeps the
// records of `type` owned by the final name.
Answer extract_answer(const Message& m, std::string_view name, Type type);

// parse_message + check_reply + extract_answer, for tests and the fuzzer.
// A reply with TC set is an error here (EX_PROTOCOL, "truncated").
Result<Answer> decode_response(std::span<const std::uint8_t> packet, std::uint16_t id, std::string_view name,
                               Type type);

}  // namespace mail::dns
