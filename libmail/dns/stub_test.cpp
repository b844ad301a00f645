// stub_test.cpp — StubResolver against scripted name servers on loopback.
//
// Each FakeServer binds UDP and TCP on one 127.0.0.1 port and answers every
// query with what the test's handler returns (any bytes: spoofs, garbage,
// truncated replies), so the resolver's socket code, retries, TCP fallback
// and reply matching run for real without leaving the machine.
#include "libmail/dns/stub.h"
#include "libmail/dns/message.h"
#include "libmail/dns/test_packets.h"
#include "libmail/mailbox/fd.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace dns = mail::dns;
using dns::Type;
using dns::testing::Packet;
using mail::mailbox::UniqueFd;

namespace {

struct Seen {
    std::uint16_t id = 0;
    std::uint16_t source_port = 0;
    std::uint16_t arcount = 0;
    bool tcp = false;
};

class FakeServer {
public:
    // Returns the datagrams (UDP) or the messages (TCP; framed with their
    // length unless raw_tcp) to send back for one query.
    using Handler = std::function<std::vector<dns::Bytes>(const dns::Message& query, bool tcp)>;

    explicit FakeServer(Handler handler, bool raw_tcp = false)
        : m_handler(std::move(handler)), m_raw_tcp(raw_tcp) {
        for (int tries = 0; tries < 50 && !m_tcp.valid(); ++tries) {
            m_udp = UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            REQUIRE(::bind(m_udp.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
            socklen_t len = sizeof a;
            REQUIRE(::getsockname(m_udp.get(), reinterpret_cast<sockaddr*>(&a), &len) == 0);
            m_port = ntohs(a.sin_port);
            UniqueFd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
            if (::bind(tcp.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                ::listen(tcp.get(), 4) == 0)
                m_tcp = std::move(tcp);
        }
        REQUIRE(m_tcp.valid());
        m_thread = std::thread([this] { loop(); });
    }
    ~FakeServer() {
        m_stop = true;
        m_thread.join();
    }

    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }
    dns::Server server() const { return dns::parse_server(address()).value(); }
    std::vector<Seen> seen() const {
        std::lock_guard lock(m_mu);
        return m_seen;
    }
    int count(bool tcp) const {
        int n = 0;
        for (const auto& s : seen()) n += s.tcp == tcp;
        return n;
    }

private:
    void record(const dns::Message& q, std::uint16_t port, bool tcp) {
        std::lock_guard lock(m_mu);
        m_seen.push_back(Seen{q.header.id, port, q.header.arcount, tcp});
    }

    void loop() {
        while (!m_stop) {
            pollfd fds[2] = {{m_udp.get(), POLLIN, 0}, {m_tcp.get(), POLLIN, 0}};
            if (::poll(fds, 2, 20) <= 0) continue;
            if (fds[0].revents & POLLIN) serve_udp();
            if (fds[1].revents & POLLIN) serve_tcp();
        }
    }

    void serve_udp() {
        std::vector<std::uint8_t> buf(65535);
        sockaddr_in from{};
        socklen_t len = sizeof from;
        ssize_t n =
            ::recvfrom(m_udp.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n <= 0) return;
        auto q = dns::parse_message(std::span(buf.data(), static_cast<std::size_t>(n)));
        if (!q || q->questions.size() != 1) return;
        record(*q, ntohs(from.sin_port), false);
        for (const auto& out : m_handler(*q, false))
            ::sendto(m_udp.get(), out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }

    void serve_tcp() {
        UniqueFd c(::accept4(m_tcp.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!c.valid()) return;
        timeval tv{1, 0};
        ::setsockopt(c.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        std::uint8_t prefix[2];
        if (::recv(c.get(), prefix, 2, MSG_WAITALL) != 2) return;
        std::size_t qlen = (std::size_t{prefix[0]} << 8) | prefix[1];
        std::vector<std::uint8_t> buf(qlen);
        if (::recv(c.get(), buf.data(), qlen, MSG_WAITALL) != static_cast<ssize_t>(qlen)) return;
        auto q = dns::parse_message(buf);
        if (!q || q->questions.size() != 1) return;
        sockaddr_in peer{};
        socklen_t len = sizeof peer;
        ::getpeername(c.get(), reinterpret_cast<sockaddr*>(&peer), &len);
        record(*q, ntohs(peer.sin_port), true);
        for (const auto& out : m_handler(*q, true)) {
            if (!m_raw_tcp) {
                std::uint8_t len_prefix[2] = {static_cast<std::uint8_t>(out.size() >> 8),
                                              static_cast<std::uint8_t>(out.size())};
                if (::send(c.get(), len_prefix, 2, MSG_NOSIGNAL | MSG_MORE) < 0) return;
            }
            if (::send(c.get(), out.data(), out.size(), MSG_NOSIGNAL) < 0) return;
        }
    }

    Handler m_handler;
    bool m_raw_tcp;
    UniqueFd m_udp, m_tcp;
    std::uint16_t m_port = 0;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    mutable std::mutex m_mu;
    std::vector<Seen> m_seen;
};

// The header and question of a reply to `q`.
Packet reply_to(const dns::Message& q, std::uint16_t flags, std::uint16_t ancount, int id_delta = 0) {
    Packet p;
    p.header(static_cast<std::uint16_t>(q.header.id + id_delta), flags, 1, ancount)
        .question(q.questions[0].name, static_cast<Type>(q.questions[0].type));
    return p;
}

dns::Bytes a_reply(const dns::Message& q) {
    return reply_to(q, dns::testing::k_flags_reply, 1).ptr(12).rr(Type::A, 4).u8(192).u8(0).u8(2).u8(1);
}

dns::Bytes rcode_reply(const dns::Message& q, std::uint8_t rcode) {
    return reply_to(q, static_cast<std::uint16_t>(dns::testing::k_flags_reply | rcode), 0);
}

dns::StubResolver resolver(std::vector<dns::Server> servers, int timeout_ms = 1000, int attempts = 1) {
    dns::StubResolver::Options o;
    o.servers = std::move(servers);
    o.timeout = std::chrono::milliseconds(timeout_ms);
    o.attempts = attempts;
    return dns::StubResolver(o);
}

std::string show(const mail::Result<dns::Answer>& r) {
    if (!r) return "error: " + r.error().message;
    std::string out = dns::rcode_name(r->rcode) + " " + r->canonical_name + ":";
    for (const auto& rec : r->records) out += " " + rec.text;
    return out;
}

}  // namespace

TEST_SUITE("dns") {
    TEST_CASE("StubResolver: an answer over UDP, asked with EDNS") {
        FakeServer srv([](const dns::Message& q, bool) { return std::vector<dns::Bytes>{a_reply(q)}; });
        auto r = resolver({srv.server()});
        CHECK(show(r.query("example.org", Type::A)) == "NOERROR example.org: 192.0.2.1");
        auto seen = srv.seen();
        REQUIRE(seen.size() == 1);
        CHECK_FALSE(seen[0].tcp);
        CHECK(seen[0].arcount == 1);
    }

    TEST_CASE("StubResolver: spoofed, stray and malformed datagrams are ignored") {
        FakeServer srv([](const dns::Message& q, bool) {
            dns::Bytes not_a_response = reply_to(q, 0x0100, 0);
            dns::Bytes wrong_id =
                reply_to(q, dns::testing::k_flags_reply, 1, 1).ptr(12).rr(Type::A, 4).u32(0x06060606);
            dns::Bytes other_question =
                Packet().header(q.header.id, dns::testing::k_flags_reply, 1, 0).question("evil.org", Type::A);
            dns::Bytes pointer_loop = Packet().header(q.header.id, dns::testing::k_flags_reply, 1, 1).ptr(12);
            return std::vector<dns::Bytes>{
                wrong_id, other_question, Packet().raw("xx"), not_a_response, pointer_loop, a_reply(q),
            };
        });
        auto r = resolver({srv.server()});
        CHECK(show(r.query("example.org", Type::A)) == "NOERROR example.org: 192.0.2.1");
    }

    TEST_CASE("StubResolver: only bad replies time out and say what was ignored") {
        FakeServer srv([](const dns::Message& q, bool) {
            return std::vector<dns::Bytes>{reply_to(q, dns::testing::k_flags_reply, 0, 7)};
        });
        auto r = resolver({srv.server()}, 200);
        auto a = r.query("example.org", Type::A);
        REQUIRE_FALSE(a);
        CHECK(a.error().exit_code == EX_TEMPFAIL);
        CHECK_MESSAGE(a.error().message.find(
                          ": timed out after ignoring 1 bad reply (last: malformed DNS message: id ") !=
                          std::string::npos,
                      a.error().message);
    }

    TEST_CASE("StubResolver: a truncated UDP reply is asked again over TCP") {
        const std::string big(200, 'x');
        FakeServer srv([&](const dns::Message& q, bool tcp) {
            if (!tcp) return std::vector<dns::Bytes>{reply_to(q, 0x8380, 3)};  // TC, records cut off
            Packet p = reply_to(q, dns::testing::k_flags_reply, 1);
            p.ptr(12).rr(Type::TXT, 3 * 201);
            for (int i = 0; i < 3; ++i) p.u8(200).raw(big);
            return std::vector<dns::Bytes>{p.bytes()};
        });
        auto r = resolver({srv.server()});
        auto a = r.query("big.example.org", Type::TXT);
        REQUIRE(a);
        REQUIRE(a->records.size() == 1);
        CHECK(a->records[0].text == big + big + big);
        CHECK(srv.count(false) == 1);
        CHECK(srv.count(true) == 1);
        auto seen = srv.seen();
        CHECK(seen[0].id == seen[1].id);
    }

    TEST_CASE("StubResolver: hostile TCP replies are errors, not crashes") {
        struct Row {
            std::string what;
            std::function<dns::Bytes(const dns::Message&)> tcp_reply;
            std::string want;
        };
        const std::vector<Row> rows = {
            {"wrong id", [](const dns::Message& q) { return dns::Bytes(reply_to(q, 0x8180, 0, 1)); },
             "TCP reply: "},
            {"length below a header", [](const dns::Message&) { return dns::Bytes{0, 5, 1, 2, 3, 4, 5}; },
             "TCP reply of 5 octets, shorter than a header"},
            {"length beyond the data",
             [](const dns::Message& q) {
                 dns::Bytes b = reply_to(q, 0x8180, 0);
                 b.insert(b.begin(), {0x10, 0x00});
                 return b;
             },
             "connection closed in the middle of a reply"},
            {"truncated again",
             [](const dns::Message& q) {
                 dns::Bytes b = reply_to(q, 0x8380, 0);
                 b.insert(b.begin(), {0, static_cast<std::uint8_t>(b.size())});
                 return b;
             },
             "TCP reply truncated"},
        };
        for (const auto& row : rows) {
            CAPTURE(row.what);
            const bool framed_by_test = row.what != "wrong id";
            FakeServer srv(
                [&](const dns::Message& q, bool tcp) {
                    if (!tcp) return std::vector<dns::Bytes>{reply_to(q, 0x8380, 0)};
                    return std::vector<dns::Bytes>{row.tcp_reply(q)};
                },
                framed_by_test);
            auto r = resolver({srv.server()}, 500);
            auto a = r.query("example.org", Type::A);
            REQUIRE_FALSE(a);
            CHECK(a.error().exit_code == EX_TEMPFAIL);
            CHECK_MESSAGE(a.error().message.find(row.want) != std::string::npos, a.error().message);
        }
    }

    TEST_CASE("StubResolver: SERVFAIL moves on to the next server") {
        FakeServer bad(
            [](const dns::Message& q, bool) { return std::vector<dns::Bytes>{rcode_reply(q, 2)}; });
        FakeServer good([](const dns::Message& q, bool) { return std::vector<dns::Bytes>{a_reply(q)}; });
        auto r = resolver({bad.server(), good.server()});
        CHECK(show(r.query("example.org", Type::A)) == "NOERROR example.org: 192.0.2.1");
        CHECK(bad.count(false) == 1);
        CHECK(good.count(false) == 1);
    }

    TEST_CASE("StubResolver: every server failing is EX_TEMPFAIL naming each") {
        FakeServer s1([](const dns::Message& q, bool) { return std::vector<dns::Bytes>{rcode_reply(q, 2)}; });
        FakeServer s2([](const dns::Message& q, bool) { return std::vector<dns::Bytes>{rcode_reply(q, 5)}; });
        auto r = resolver({s1.server(), s2.server()}, 500, 2);
        auto a = r.query("example.org", Type::MX);
        REQUIRE_FALSE(a);
        CHECK(a.error().exit_code == EX_TEMPFAIL);
        CHECK(a.error().message == "DNS query example.org MX failed: " + s1.address() + ": SERVFAIL; " +
                                       s2.address() + ": REFUSED");
        CHECK(s1.count(false) == 2);
        CHECK(s2.count(false) == 2);
    }

    TEST_CASE("StubResolver: a silent server times out within the bound") {
        FakeServer srv([](const dns::Message&, bool) { return std::vector<dns::Bytes>{}; });
        auto r = resolver({srv.server()}, 150, 2);
        auto start = std::chrono::steady_clock::now();
        auto a = r.query("example.org", Type::A);
        auto took = std::chrono::steady_clock::now() - start;
        REQUIRE_FALSE(a);
        CHECK(a.error().exit_code == EX_TEMPFAIL);
        CHECK(a.error().message == "DNS query example.org A failed: " + srv.address() + ": timed out");
        CHECK(took >= std::chrono::milliseconds(290));
        CHECK(took < std::chrono::milliseconds(2000));
        auto seen = srv.seen();
        REQUIRE(seen.size() == 2);
        CHECK(seen[0].source_port != seen[1].source_port);  // a fresh socket per try
    }

    TEST_CASE("StubResolver: nobody listening is a quick EX_TEMPFAIL") {
        std::uint16_t port = 0;
        {
            UniqueFd s(::socket(AF_INET, SOCK_DGRAM, 0));
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            REQUIRE(::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
            socklen_t len = sizeof a;
            REQUIRE(::getsockname(s.get(), reinterpret_cast<sockaddr*>(&a), &len) == 0);
            port = ntohs(a.sin_port);
        }  // closed: the port now answers with ICMP port unreachable
        auto r = resolver({dns::parse_server("127.0.0.1:" + std::to_string(port)).value()}, 3000);
        auto start = std::chrono::steady_clock::now();
        auto a = r.query("example.org", Type::A);
        REQUIRE_FALSE(a);
        CHECK(a.error().exit_code == EX_TEMPFAIL);
        CHECK_MESSAGE(a.error().message.find("Connection refused") != std::string::npos, a.error().message);
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(2500));
    }

    TEST_CASE("StubResolver: FORMERR to EDNS is retried without EDNS") {
        FakeServer srv([](const dns::Message& q, bool) {
            if (q.header.arcount > 0)
                return std::vector<dns::Bytes>{Packet().header(q.header.id, 0x8181, 0, 0)};
            return std::vector<dns::Bytes>{a_reply(q)};
        });
        auto r = resolver({srv.server()});
        CHECK(show(r.query("example.org", Type::A)) == "NOERROR example.org: 192.0.2.1");
        auto seen = srv.seen();
        REQUIRE(seen.size() == 2);
        CHECK(seen[0].arcount == 1);
        CHECK(seen[1].arcount == 0);
    }

    TEST_CASE("StubResolver: NXDOMAIN is an answer, a bad name is refused before sending") {
        FakeServer srv(
            [](const dns::Message& q, bool) { return std::vector<dns::Bytes>{rcode_reply(q, 3)}; });
        auto r = resolver({srv.server()});
        CHECK(show(r.query("nx.example.org", Type::MX)) == "NXDOMAIN nx.example.org:");
        auto bad = r.query("a..example.org", Type::A);
        REQUIRE_FALSE(bad);
        CHECK(bad.error().exit_code == EX_DATAERR);
        CHECK(srv.seen().size() == 1);
    }

    TEST_CASE("StubResolver: ids and source ports vary between queries") {
        FakeServer srv([](const dns::Message& q, bool) { return std::vector<dns::Bytes>{a_reply(q)}; });
        auto r = resolver({srv.server()});
        for (int i = 0; i < 4; ++i) REQUIRE(r.query("example.org", Type::A));
        std::set<std::uint16_t> ids, ports;
        for (const auto& s : srv.seen()) {
            ids.insert(s.id);
            ports.insert(s.source_port);
        }
        CHECK(ids.size() >= 2);
        CHECK(ports.size() >= 2);
    }
}
