// stub.h — StubResolver, the real DNS client: asks the configured recursive
// name servers over UDP, and over TCP when a reply comes back truncated.
//
// Servers come from MAILROOM_RESOLVER ("ip[:port] ..."; IPv6 as "[::1]:53"
// or bare "::1"), or, when that is empty, from the nameserver lines (at
// most 3) and `options timeout:N attempts:N` of /etc/resolv.conf, as the C
// library reads them; with neither, 127.0.0.1:53.
//
// Contract: query() tries each server in turn, `attempts` rounds, each try
// waiting at most `timeout`, so one query takes at most about
// attempts × servers × timeout (plus one TCP exchange per truncated reply,
// under the same per-try limit).  NOERROR and NXDOMAIN are answers; SERVFAIL,
// REFUSED, NOTIMP, timeouts, refused connections and malformed replies move
// on to the next server, and when none answers the result is an EX_TEMPFAIL
// error naming each server's last failure.  FORMERR to an EDNS query is
// retried once without EDNS.  Not thread-safe; cheap to construct.
//
// SECURITY: every reply is hostile input.  Each try uses a fresh UDP socket
// connect()ed to the server (the kernel then drops datagrams from anyone
// else, and picks a random source port), a fresh 16-bit id from
// getrandom(2), and accepts only a reply that parses and matches id,
// response bit, opcode and question (message.h); anything else is ignored
// while the try's time lasts.  No search list, no /etc/hosts: names are
// asked as given.  Not done: DNSSEC validation, 0x20 case randomisation.
//
// STANDARDS: RFC 1035 §4.2 (UDP, 512 octets; TCP with a length prefix),
// RFC 6891 (EDNS(0)), RFC 7766 (TCP fallback), RFC 5452 (id and port
// randomisation, reply matching).
#pragma once

#include "libmail/config/config.h"
#include "libmail/dns/message.h"
#include "libmail/dns/resolver.h"

#include <sys/socket.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace mail::dns {

// A name server's address and port.
struct Server {
    sockaddr_storage addr{};
    socklen_t addr_len = 0;
    std::string text() const;  // "127.0.0.1:53", "[::1]:5353"
};

// "192.0.2.1", "192.0.2.1:5353", "::1", "[::1]:5353".  EX_CONFIG on error.
Result<Server> parse_server(std::string_view text);

// What the resolver reads from resolv.conf(5).
struct ResolvConf {
    std::vector<Server> servers;  // at most 3, unparsable lines skipped
    int timeout_seconds = 5;      // options timeout:N (1..30)
    int attempts = 2;             // options attempts:N (1..5)
};
ResolvConf parse_resolv_conf(std::string_view text);

class StubResolver : public Resolver {
public:
    struct Options {
        std::vector<Server> servers;              // empty: 127.0.0.1:53
        std::chrono::milliseconds timeout{5000};  // per try; clamped to [10 ms, 30 s]
        int attempts = 2;                         // rounds over the servers; clamped to [1, 5]
        bool edns = true;                         // advertise 1232-octet UDP replies
    };

    explicit StubResolver(Options options);

    // MAILROOM_RESOLVER, else `resolv_conf` (read now; a missing file means
    // 127.0.0.1:53).  EX_CONFIG for a bad MAILROOM_RESOLVER word.
    static Result<StubResolver> from_config(const config::Config& cfg,
                                            const std::string& resolv_conf = "/etc/resolv.conf");

    Result<Answer> query(std::string_view name, Type type) override;

    const Options& options() const { return m_options; }

private:
    // One server, one try (UDP, then TCP if truncated; once more without
    // EDNS after FORMERR).  The Answer, or why this server gave none.
    Result<Answer> ask(const Server& server, std::string_view name, Type type);

    Options m_options;
};

}  // namespace mail::dns
