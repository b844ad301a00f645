// dns_test.cpp — unit tests for message.h (hand-made packets, hostile ones
// included), resolver.h (FakeResolver, reverse names), the server and
// resolv.conf parsers of stub.h, and dmarc.h.  StubResolver's sockets are
// tested in stub_test.cpp.
#include "libmail/dns/dmarc.h"
#include "libmail/dns/message.h"
#include "libmail/dns/resolver.h"
#include "libmail/dns/stub.h"
#include "libmail/dns/test_packets.h"

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

namespace dns = mail::dns;
using dns::Type;
using dns::testing::Packet;

namespace {

constexpr std::uint16_t k_id = 0x1234;

// A reply header with our id and the question echoed.
Packet reply(std::string_view qname, Type type, std::uint16_t ancount,
             std::uint16_t flags = dns::testing::k_flags_reply, std::uint16_t id = k_id) {
    Packet p;
    p.header(id, flags, 1, ancount).question(qname, type);
    return p;
}

// "RCODE canonical: rec rec …" (MX records as "pref host"), or "error: …".
std::string show(const mail::Result<dns::Answer>& r) {
    if (!r) return "error: " + r.error().message;
    std::string out = dns::rcode_name(r->rcode) + " " + r->canonical_name + ":";
    for (const auto& rec : r->records) {
        out += " ";
        if (rec.type == Type::MX) out += std::to_string(rec.preference) + " ";
        out += rec.text;
    }
    return out;
}

std::string decode(const dns::Bytes& packet, std::string_view qname, Type type) {
    return show(dns::decode_response(packet, k_id, qname, type));
}

struct Case {
    std::string what;
    dns::Bytes packet;
    std::string qname;
    Type type;
    std::string want;  // exact, or "error: " + a substring of the message
};

void run(const std::vector<Case>& cases) {
    for (const auto& c : cases) {
        CAPTURE(c.what);
        std::string got = decode(c.packet, c.qname, c.type);
        if (c.want.starts_with("error: ")) {
            CHECK_MESSAGE(got.find(c.want.substr(7)) != std::string::npos, "got ", got, ", want ", c.want);
            CHECK(got.starts_with("error: "));
        } else {
            CHECK_MESSAGE(got == c.want, "got ", got, ", want ", c.want);
        }
    }
}

// A reply with compression, a CNAME, MX and TXT data: the base of the
// truncation and mutation tests.
dns::Bytes rich_reply() {
    // question www.example.org at 12 (17 octets), answers from 33
    Packet p;
    p.header(k_id, dns::testing::k_flags_reply, 1, 4).question("www.example.org", Type::MX);
    p.ptr(12).rr(Type::CNAME, 7).labels("host").ptr(16);      // www → host.example.org; "host" at 45
    p.ptr(45).rr(Type::MX, 8).u16(10).labels("mx1").ptr(16);  // host MX 10 mx1.example.org
    p.ptr(45).rr(Type::MX, 4).u16(20).ptr(12);                // host MX 20 www.example.org
    p.ptr(45).rr(Type::TXT, 7).u8(2).raw("hi").u8(3).raw("you");
    return p.bytes();
}

}  // namespace

TEST_SUITE("dns") {
    TEST_CASE("encode_query writes the RFC 1035 layout") {
        auto q = dns::encode_query(0x1234, "example.org", Type::MX, false);
        REQUIRE(q);
        Packet want;
        want.header(0x1234, 0x0100, 1, 0).question("example.org", Type::MX);
        CHECK(*q == want.bytes());

        auto e = dns::encode_query(0xBEEF, "example.org.", Type::TXT, true);  // trailing dot, EDNS
        REQUIRE(e);
        Packet want_e;
        want_e.header(0xBEEF, 0x0100, 1, 0, 0, 1).question("example.org", Type::TXT);
        want_e.end().u16(41).u16(1232).u32(0).u16(0);  // OPT: root, type 41, payload 1232
        CHECK(*e == want_e.bytes());
    }

    TEST_CASE("encode_query refuses names it cannot ask") {
        struct Bad {
            std::string name, want;
        };
        const std::vector<Bad> bad = {
            {"", "empty DNS name"},
            {".", "empty DNS name"},
            {"a..b", "empty label"},
            {".a", "empty label"},
            {std::string(64, 'x') + ".org", "longer than 63"},
            {std::string(250, 'x') + ".org", "longer than 253"},
            {"a b.org", "space, control"},
            {"a\x01.org", "space, control"},
            {"caf\xc3\xa9.org", "non-ASCII"},
            {"a\\.org", "space, control"},
        };
        for (const auto& b : bad) {
            CAPTURE(b.name);
            auto r = dns::encode_query(1, b.name, Type::A, false);
            REQUIRE_FALSE(r);
            CHECK(r.error().exit_code == EX_DATAERR);
            CHECK_MESSAGE(r.error().message.find(b.want) != std::string::npos, "got ", r.error().message);
        }
        CHECK(dns::encode_query(1, std::string(63, 'x') + ".org", Type::A, false));
        CHECK(dns::encode_query(1, "_dmarc.example.org", Type::TXT, false));
    }

    // clang-format off
    // (the packets below are laid out one record per line)
    TEST_CASE("decode_response: good replies") {
        std::vector<Case> cases;
        cases.push_back({"A with the owner compressed to the question",
                         reply("example.org", Type::A, 1).ptr(12).rr(Type::A, 4).u8(192).u8(0).u8(2).u8(1),
                         "example.org", Type::A, "NOERROR example.org: 192.0.2.1"});
        cases.push_back({"AAAA",
                         reply("example.org", Type::AAAA, 1)
                             .ptr(12).rr(Type::AAAA, 16).u16(0x2001).u16(0x0db8).u32(0).u32(0).u16(0).u16(1),
                         "example.org", Type::AAAA, "NOERROR example.org: 2001:db8::1"});
        cases.push_back({"MX, one exchange compressed, one not",
                         reply("example.org", Type::MX, 2)
                             .ptr(12).rr(Type::MX, 8).u16(10).labels("mx1").ptr(12)
                             .ptr(12).rr(Type::MX, 19).u16(20).name("mx2.example.org"),
                         "example.org", Type::MX, "NOERROR example.org: 10 mx1.example.org 20 mx2.example.org"});
        cases.push_back({"TXT strings concatenated",
                         reply("_dmarc.example.org", Type::TXT, 1)
                             .ptr(12).rr(Type::TXT, 20).u8(10).raw("v=DMARC1; ").u8(8).raw("p=reject"),
                         "_dmarc.example.org", Type::TXT, "NOERROR _dmarc.example.org: v=DMARC1; p=reject"});
        cases.push_back({"TXT with an empty string",
                         reply("t.org", Type::TXT, 1).ptr(12).rr(Type::TXT, 1).u8(0),
                         "t.org", Type::TXT, "NOERROR t.org: "});
        cases.push_back({"PTR",
                         reply("1.2.0.192.in-addr.arpa", Type::PTR, 1)
                             .ptr(12).rr(Type::PTR, 17).name("mx1.example.org"),
                         "1.2.0.192.in-addr.arpa", Type::PTR, "NOERROR 1.2.0.192.in-addr.arpa: mx1.example.org"});
        // question www.example.org at 12..28, answers from 33; "host" label at 45
        cases.push_back({"CNAME followed",
                         reply("www.example.org", Type::A, 2)
                             .ptr(12).rr(Type::CNAME, 7).labels("host").ptr(16)
                             .ptr(45).rr(Type::A, 4).u8(192).u8(0).u8(2).u8(7),
                         "www.example.org", Type::A, "NOERROR host.example.org: 192.0.2.7"});
        cases.push_back({"CNAME loop ends the chain",
                         reply("a.example.org", Type::A, 2)
                             .ptr(12).rr(Type::CNAME, 15).name("b.example.org")
                             .name("b.example.org").rr(Type::CNAME, 15).name("a.example.org"),
                         "a.example.org", Type::A, "NOERROR b.example.org:"});
        cases.push_back({"records of other owners are dropped",
                         reply("example.org", Type::A, 2)
                             .name("evil.org").rr(Type::A, 4).u8(6).u8(6).u8(6).u8(6)
                             .ptr(12).rr(Type::A, 4).u8(192).u8(0).u8(2).u8(1),
                         "example.org", Type::A, "NOERROR example.org: 192.0.2.1"});
        cases.push_back({"unknown types and class CH are skipped",
                         reply("example.org", Type::A, 3)
                             .ptr(12).u16(99).u16(1).u32(0).u16(3).raw("abc")
                             .ptr(12).u16(1).u16(3).u32(0).u16(4).u32(0x01020304)
                             .ptr(12).rr(Type::A, 4).u8(192).u8(0).u8(2).u8(1),
                         "example.org", Type::A, "NOERROR example.org: 192.0.2.1"});
        cases.push_back({"NXDOMAIN", reply("nx.example.org", Type::A, 0, 0x8183),
                         "nx.example.org", Type::A, "NXDOMAIN nx.example.org:"});
        cases.push_back({"question matched without case", reply("EXAMPLE.Org", Type::A, 0),
                         "example.org.", Type::A, "NOERROR example.org:"});
        cases.push_back({"FORMERR without a question is accepted as FORMERR",
                         Packet().header(k_id, 0x8181, 0, 0),
                         "example.org", Type::A, "FORMERR example.org:"});
        cases.push_back({"odd bytes in names are escaped",
                         reply("p.example", Type::PTR, 1)
                             .ptr(12).rr(Type::PTR, 10).u8(3).raw("a b").u8(2).raw(".x").u8(1).u8(0x01).end(),
                         "p.example", Type::PTR, "NOERROR p.example: a\\032b.\\.x.\\001"});
        cases.push_back({"authority and OPT records are walked, not decoded",
                         Packet().header(k_id, 0x8180, 1, 0, 1, 1).question("example.org", Type::A)
                             .ptr(12).u16(6).u16(1).u32(0).u16(2).u16(0xFFFF)
                             .end().u16(41).u16(1232).u32(0).u16(0),
                         "example.org", Type::A, "NOERROR example.org:"});
        run(cases);
    }

    TEST_CASE("decode_response: mismatched and malicious replies") {
        const std::string long_label(63, 'x');
        std::vector<Case> cases;
        cases.push_back({"empty", {},
                         "example.org", Type::A, "error: 0 octets, shorter than a header"});
        cases.push_back({"11 octets", Packet().u32(0).u32(0).u16(0).u8(0),
                         "example.org", Type::A, "error: shorter than a header"});
        cases.push_back({"wrong id", reply("example.org", Type::A, 0, 0x8180, 0x4321),
                         "example.org", Type::A, "error: id 17185, want 4660"});
        cases.push_back({"a query, not a response", reply("example.org", Type::A, 0, 0x0100),
                         "example.org", Type::A, "error: not a response"});
        cases.push_back({"opcode STATUS", reply("example.org", Type::A, 0, 0x8000 | (2 << 11)),
                         "example.org", Type::A, "error: opcode 2"});
        cases.push_back({"another name", reply("example.com", Type::A, 0),
                         "example.org", Type::A, "error: question names example.com"});
        cases.push_back({"another type", reply("example.org", Type::A, 0),
                         "example.org", Type::MX, "error: question asks type 1 class 1, want MX IN"});
        cases.push_back({"two questions",
                         Packet().header(k_id, 0x8180, 2, 0).question("example.org", Type::A).question("x.org", Type::A),
                         "example.org", Type::A, "error: 2 questions"});
        cases.push_back({"NOERROR without a question", Packet().header(k_id, 0x8180, 0, 0),
                         "example.org", Type::A, "error: 0 questions"});
        cases.push_back({"truncated (TC)", reply("example.org", Type::A, 5, 0x8380).raw("garbage"),
                         "example.org", Type::A, "error: truncated"});
        cases.push_back({"pointer to itself", Packet().header(k_id, 0x8180, 1, 0).ptr(12).u16(1).u16(1),
                         "example.org", Type::A, "error: compression pointer at offset 12 to 12 does not point backwards"});
        cases.push_back({"pointer forwards", Packet().header(k_id, 0x8180, 1, 0).ptr(16).u16(1).u16(1).name("a"),
                         "example.org", Type::A, "error: does not point backwards"});
        cases.push_back({"loop through a label", Packet().header(k_id, 0x8180, 1, 0).labels("a").ptr(12).u16(1).u16(1),
                         "example.org", Type::A, "error: compression pointer at offset 14 to 12"});
        cases.push_back({"answer owner pointing at itself",
                         reply("example.org", Type::A, 1).ptr(29).rr(Type::A, 4).u32(0),
                         "example.org", Type::A, "error: pointer at offset 29 to 29"});
        cases.push_back({"two-step loop (answer → label → back)",
                         reply("example.org", Type::A, 1).labels("b").ptr(31).rr(Type::A, 4).u32(0),
                         "example.org", Type::A, "error: does not point backwards"});
        cases.push_back({"pointer cut off", Packet().header(k_id, 0x8180, 1, 0).u8(0xC0),
                         "example.org", Type::A, "error: compression pointer at offset 12 cut off"});
        cases.push_back({"name longer than 255 octets",
                         Packet().header(k_id, 0x8180, 1, 0)
                             .labels(long_label + "." + long_label + "." + long_label + "." + long_label)
                             .end().u16(1).u16(1),
                         "example.org", Type::A, "error: longer than 255 octets"});
        cases.push_back({"255 octets through pointers",
                         reply("example.org", Type::A, 1)
                             .labels(long_label + "." + long_label + "." + long_label + "." + std::string(50, 'y'))
                             .ptr(12).rr(Type::A, 4).u32(0),
                         "example.org", Type::A, "error: longer than 255 octets"});
        cases.push_back({"label past the end", Packet().header(k_id, 0x8180, 1, 0).u8(10).raw("abc"),
                         "example.org", Type::A, "error: label at offset 12 runs past the end"});
        cases.push_back({"name without its terminator", Packet().header(k_id, 0x8180, 1, 0).labels("abc"),
                         "example.org", Type::A, "error: runs past the end"});
        cases.push_back({"label type 01", Packet().header(k_id, 0x8180, 1, 0).u8(0x41).raw("a").end(),
                         "example.org", Type::A, "error: reserved label type 0x41"});
        cases.push_back({"label type 10", Packet().header(k_id, 0x8180, 1, 0).u8(0x80).end(),
                         "example.org", Type::A, "error: reserved label type 0x80"});
        cases.push_back({"question cut off", Packet().header(k_id, 0x8180, 1, 0).name("example.org").u16(1),
                         "example.org", Type::A, "error: question 1 of 1 cut off"});
        cases.push_back({"answer count 65535, one answer",
                         reply("example.org", Type::A, 65535).ptr(12).rr(Type::A, 4).u32(0),
                         "example.org", Type::A, "error: answer record 2 of 65535"});
        cases.push_back({"authority count 65535, nothing there",
                         Packet().header(k_id, 0x8180, 1, 0, 65535, 65535).question("example.org", Type::A),
                         "example.org", Type::A, "error: authority record 1 of 65535"});
        cases.push_back({"record header cut off", reply("example.org", Type::A, 1).ptr(12).u16(1).u16(1).u16(0),
                         "example.org", Type::A, "error: answer record 1 of 1 cut off"});
        cases.push_back({"rdlength past the end", reply("example.org", Type::A, 1).ptr(12).rr(Type::A, 40).u32(0),
                         "example.org", Type::A, "error: answer record 1 of 1: data runs past the end"});
        cases.push_back({"A with 5 octets", reply("example.org", Type::A, 1).ptr(12).rr(Type::A, 5).u32(0).u8(0),
                         "example.org", Type::A, "error: A record of example.org has 5 octets of data, want 4"});
        cases.push_back({"AAAA with 4 octets", reply("example.org", Type::AAAA, 1).ptr(12).rr(Type::AAAA, 4).u32(0),
                         "example.org", Type::AAAA, "error: has 4 octets of data, want 16"});
        cases.push_back({"MX of one octet", reply("example.org", Type::MX, 1).ptr(12).rr(Type::MX, 1).u8(0),
                         "example.org", Type::MX, "error: MX record of example.org too short"});
        cases.push_back({"MX with a stray octet",
                         reply("example.org", Type::MX, 1)
                             .ptr(12).rr(Type::MX, 19).u16(10).name("mx.example.org").u8(0),
                         "example.org", Type::MX, "error: MX record of example.org: name does not fill"});
        cases.push_back({"MX name running out of its record",
                         reply("example.org", Type::MX, 2)
                             .ptr(12).rr(Type::MX, 3).u16(10).labels("mx").end()
                             .ptr(12).rr(Type::MX, 4).u16(10).ptr(12),
                         "example.org", Type::MX, "error: name does not fill"});
        cases.push_back({"PTR shorter than its name",
                         reply("p.example", Type::PTR, 1).ptr(12).rr(Type::PTR, 2).name("mx1.example.org"),
                         "p.example", Type::PTR, "error: PTR record of p.example: name does not fill"});
        cases.push_back({"TXT string past its record",
                         reply("t.org", Type::TXT, 1).ptr(12).rr(Type::TXT, 3).u8(5).raw("ab").raw("cdef"),
                         "t.org", Type::TXT, "error: TXT record of t.org: string runs past the record data"});
        run(cases);
    }
    // clang-format on

    TEST_CASE("no prefix of a reply parses, and no mutation crashes") {
        const dns::Bytes good = rich_reply();
        CHECK(decode(good, "www.example.org", Type::MX) ==
              "NOERROR host.example.org: 10 mx1.example.org 20 www.example.org");
        auto txt = dns::decode_response(good, k_id, "host.example.org", Type::MX);  // question mismatch
        CHECK_FALSE(txt);
        for (std::size_t n = 0; n < good.size(); ++n) {
            CAPTURE(n);
            CHECK_FALSE(dns::parse_message(std::span(good.data(), n)));
        }
        // Every value at every position: must return (ASan/UBSan builds
        // check there is no overread); count how many still parse.
        int parsed = 0;
        for (std::size_t i = 0; i < good.size(); ++i) {
            dns::Bytes b = good;
            for (int v = 0; v < 256; ++v) {
                b[i] = static_cast<std::uint8_t>(v);
                if (auto m = dns::parse_message(b)) {
                    ++parsed;
                    (void)dns::extract_answer(*m, "www.example.org", Type::MX);
                }
            }
        }
        CHECK(parsed > 0);
    }

    TEST_CASE("reverse names") {
        CHECK(dns::ptr_name("192.0.2.1").value() == "1.2.0.192.in-addr.arpa");
        CHECK(dns::ptr_name("2001:db8::567:89ab").value() ==
              "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
        auto bad = dns::ptr_name("example.org");
        REQUIRE_FALSE(bad);
        CHECK(bad.error().exit_code == EX_DATAERR);
        CHECK(bad.error().message == "not an IP address: example.org");
    }

    TEST_CASE("type and rcode names") {
        CHECK(dns::parse_type("mx") == Type::MX);
        CHECK(dns::parse_type("Aaaa") == Type::AAAA);
        CHECK_FALSE(dns::parse_type("SOA"));
        CHECK(dns::type_name(Type::TXT) == "TXT");
        CHECK(dns::rcode_name(dns::Rcode::NxDomain) == "NXDOMAIN");
        CHECK(dns::rcode_name(static_cast<dns::Rcode>(9)) == "RCODE9");
    }

    TEST_CASE("name server addresses") {
        struct Row {
            std::string in, want;
        };
        const std::vector<Row> rows = {
            {"127.0.0.1", "127.0.0.1:53"},
            {"127.0.0.1:5353", "127.0.0.1:5353"},
            {"::1", "[::1]:53"},
            {"[::1]", "[::1]:53"},
            {"[2001:db8::1]:1053", "[2001:db8::1]:1053"},
            {"127.0.0.1:0", "error"},
            {"127.0.0.1:65536", "error"},
            {"127.0.0.1:", "error"},
            {"127.0.0.1:53x", "error"},
            {"[::1]x", "error"},
            {"[::1", "error"},
            {"localhost", "error"},
            {"256.1.1.1", "error"},
            {"", "error"},
        };
        for (const auto& r : rows) {
            CAPTURE(r.in);
            auto s = dns::parse_server(r.in);
            std::string got = s ? s->text() : "error";
            CHECK_MESSAGE(got == r.want, "got ", got, ", want ", r.want);
            if (!s) {
                CHECK(s.error().exit_code == EX_CONFIG);
                CHECK(s.error().message.find("want ip, ip:port") != std::string::npos);
            }
        }
    }

    TEST_CASE("resolv.conf") {
        auto rc = dns::parse_resolv_conf(
            "# comment\n"
            "search example.org\n"
            "nameserver 10.0.0.1 ; trailing comment\n"
            "nameserver fe80::1%eth0\n"
            "nameserver 10.0.0.2:53\n"
            "nameserver ::1\n"
            "nameserver\n"
            "nameserver 10.0.0.3\n"
            "nameserver 10.0.0.4\n"
            "options rotate timeout:3 attempts:4 ndots:2\n");
        std::vector<std::string> got;
        for (const auto& s : rc.servers) got.push_back(s.text());
        CHECK(got == std::vector<std::string>{"10.0.0.1:53", "[::1]:53", "10.0.0.3:53"});
        CHECK(rc.timeout_seconds == 3);
        CHECK(rc.attempts == 4);
        auto defaults = dns::parse_resolv_conf("options timeout:99 attempts:0\n");
        CHECK(defaults.servers.empty());
        CHECK(defaults.timeout_seconds == 5);
        CHECK(defaults.attempts == 2);
    }

    TEST_CASE("StubResolver::from_config") {
        mail::config::Config cfg;
        auto from_missing = dns::StubResolver::from_config(cfg, "/nonexistent/resolv.conf");
        REQUIRE(from_missing);
        REQUIRE(from_missing->options().servers.size() == 1);
        CHECK(from_missing->options().servers[0].text() == "127.0.0.1:53");

        REQUIRE(cfg.set("MAILROOM_RESOLVER", "127.0.0.1:5353 [::1]:53"));
        auto r = dns::StubResolver::from_config(cfg, "/nonexistent/resolv.conf");
        REQUIRE(r);
        REQUIRE(r->options().servers.size() == 2);
        CHECK(r->options().servers[0].text() == "127.0.0.1:5353");
        CHECK(r->options().servers[1].text() == "[::1]:53");

        REQUIRE(cfg.set("MAILROOM_RESOLVER", "127.0.0.1 dns.example.org"));
        auto bad = dns::StubResolver::from_config(cfg);
        REQUIRE_FALSE(bad);
        CHECK(bad.error().exit_code == EX_CONFIG);
        CHECK(
            bad.error().message ==
            "MAILROOM_RESOLVER: bad name server \"dns.example.org\": want ip, ip:port, ipv6 or [ipv6]:port");
    }

    TEST_CASE("FakeResolver") {
        dns::FakeResolver fake;
        fake.add_mx("Example.ORG.", {{10, "mx1.example.org"}, {20, "mx2.example.org"}});
        fake.add_a("mx1.example.org", {"192.0.2.1"});
        fake.add_error("slow.example", Type::A, mail::make_error(EX_TEMPFAIL, "timed out"));
        CHECK(show(fake.query("example.org", Type::MX)) ==
              "NOERROR example.org: 10 mx1.example.org 20 mx2.example.org");
        CHECK(show(fake.query("MX1.example.org.", Type::A)) == "NOERROR mx1.example.org: 192.0.2.1");
        CHECK(show(fake.query("mx1.example.org", Type::AAAA)) == "NXDOMAIN mx1.example.org:");
        CHECK(show(fake.query("slow.example", Type::A)) == "error: timed out");
        CHECK(fake.queries() == std::vector<std::string>{"example.org MX", "mx1.example.org A",
                                                         "mx1.example.org AAAA", "slow.example A"});
    }

    TEST_CASE("DMARC records") {
        struct Row {
            std::string txt, want;  // "p/sp/rua", "not" for no record
        };
        auto fmt_rec = [](const std::optional<dns::DmarcRecord>& r) -> std::string {
            if (!r) return "not";
            auto p = [](const std::optional<dns::DmarcPolicy>& x) {
                return x ? std::string(dns::dmarc_policy_name(*x)) : std::string("-");
            };
            return p(r->p) + "/" + (r->sp_invalid ? std::string("bad") : p(r->sp)) + "/" +
                   (r->has_rua ? "rua" : "-");
        };
        const std::vector<Row> rows = {
            {"v=DMARC1; p=reject", "reject/-/-"},
            {"v=DMARC1;p=quarantine;sp=none", "quarantine/none/-"},
            {"v = DMARC1 ;  P = Reject ; ", "reject/-/-"},
            {"V=DMARC1; p=none; rua=mailto:d@example.org", "none/-/rua"},
            {"v=DMARC1; p=reject; p=none", "reject/-/-"},
            {"v=DMARC1; p=bogus; sp=reject", "-/reject/-"},
            {"v=DMARC1; sp=maybe; rua=mailto:x@y", "-/bad/rua"},
            {"v=DMARC1; rua=nothing", "-/-/-"},
            {"v=DMARC1", "-/-/-"},
            {"v=DMARC1; pct=10; adkim=s; p=reject; foo", "reject/-/-"},
            {"v=DMARC1p=reject", "not"},
            {"v=dmarc1; p=reject", "not"},
            {"v=DMARC10; p=reject", "not"},
            {"p=reject; v=DMARC1", "not"},
            {"v=spf1 -all", "not"},
            {"", "not"},
        };
        for (const auto& r : rows) {
            CAPTURE(r.txt);
            std::string got = fmt_rec(dns::parse_dmarc_record(r.txt));
            CHECK_MESSAGE(got == r.want, "got ", got, ", want ", r.want);
        }
    }

    TEST_CASE("organizational domain (no public suffix list)") {
        const std::vector<std::pair<std::string, std::string>> rows = {
            {"example.org", "example.org"},
            {"a.b.example.org", "example.org"},
            {"A.Example.ORG.", "example.org"},
            {"mail.example.co.uk", "example.co.uk"},
            {"example.co.uk", "example.co.uk"},
            {"x.y.com.au", "y.com.au"},
            {"a.b.example.com.au", "example.com.au"},
            {"x.blogspot.com", "blogspot.com"},  // and a miss the other way
            {"www.example.de", "example.de"},
            {"www.abc.de", "www.abc.de"},  // the approximation's known miss
            {"sub.example.c1", "example.c1"},
            {"org", "org"},
        };
        for (const auto& row : rows) {
            CAPTURE(row.first);
            CHECK(dns::organizational_domain(row.first) == row.second);
        }
    }

    TEST_CASE("DMARC policy discovery") {
        dns::FakeResolver fake;
        fake.add_txt("_dmarc.example.org", {"v=DMARC1; p=reject"});
        fake.add_txt("_dmarc.quar.org", {"v=DMARC1; p=quarantine; sp=none"});
        fake.add_txt("_dmarc.own.quar.org", {"v=DMARC1; p=none"});
        fake.add_txt("_dmarc.spf.org", {"v=spf1 -all"});
        fake.add_txt("_dmarc.two.org", {"v=DMARC1; p=reject", "v=DMARC1; p=none"});
        fake.add_txt("_dmarc.mixed.org", {"v=spf1 -all", "v=DMARC1; p=quarantine"});
        fake.add_txt("_dmarc.norua.org", {"v=DMARC1; p=bogus"});
        fake.add_txt("_dmarc.rua.org", {"v=DMARC1; p=bogus; rua=mailto:r@rua.org"});
        fake.add_txt("_dmarc.badsp.org", {"v=DMARC1; p=reject; sp=never"});
        fake.add_txt("_dmarc.example.co.uk", {"v=DMARC1; p=quarantine"});
        fake.add_error("_dmarc.temp.org", Type::TXT, mail::make_error(EX_TEMPFAIL, "timed out"));
        fake.add_error("_dmarc.bad.org", Type::TXT, mail::make_error(EX_DATAERR, "bad name"));
        dns::Answer servfail;
        servfail.rcode = dns::Rcode::ServFail;
        fake.add("_dmarc.servfail.org", Type::TXT, servfail);

        using P = dns::DmarcPolicy;
        struct Row {
            std::string domain;
            P want;
            std::vector<std::string> queries;  // empty: not checked
        };
        const std::vector<Row> rows = {
            {"example.org", P::Reject, {"_dmarc.example.org TXT"}},
            {"Example.ORG.", P::Reject, {}},
            {"mail.example.org", P::Reject, {"_dmarc.mail.example.org TXT", "_dmarc.example.org TXT"}},
            {"quar.org", P::Quarantine, {}},                         // p= at the domain itself, sp= not used
            {"a.quar.org", P::None, {}},                             // sp= from the organisational domain
            {"own.quar.org", P::None, {"_dmarc.own.quar.org TXT"}},  // own record, no second query
            {"nothing.org", P::Absent, {"_dmarc.nothing.org TXT"}},  // already the org domain
            {"x.nothing.org", P::Absent, {"_dmarc.x.nothing.org TXT", "_dmarc.nothing.org TXT"}},
            {"spf.org", P::Absent, {}},
            {"two.org", P::Absent, {"_dmarc.two.org TXT"}},  // two records: no DMARC, no fallback
            {"mixed.org", P::Quarantine, {}},
            {"norua.org", P::Absent, {}},
            {"rua.org", P::None, {}},
            {"x.badsp.org", P::Absent, {}},
            {"mail.example.co.uk",
             P::Quarantine,
             {"_dmarc.mail.example.co.uk TXT", "_dmarc.example.co.uk TXT"}},
            {"temp.org", P::TempError, {}},
            {"x.temp.org", P::TempError, {"_dmarc.x.temp.org TXT", "_dmarc.temp.org TXT"}},
            {"servfail.org", P::TempError, {}},
            {"bad.org", P::Absent, {}},
            {"", P::Absent, {}},
            {" ", P::Absent, {}},
        };
        for (const auto& r : rows) {
            CAPTURE(r.domain);
            dns::FakeResolver f = fake;
            P got = dns::dmarc_policy(f, r.domain);
            CHECK_MESSAGE(got == r.want, "got ", dns::dmarc_policy_name(got), ", want ",
                          dns::dmarc_policy_name(r.want));
            if (!r.queries.empty()) CHECK(f.queries() == r.queries);
        }
    }
}
