// stub.cpp — the UDP/TCP DNS client (see stub.h).
//
// SECURITY: replies are read into a fixed 64 KiB buffer (the largest DNS
// message) and handed to parse_message(), which checks every length; the
// TCP length prefix is checked before anything is read into the buffer.
// Sockets are non-blocking and every wait is a poll() bounded by the try's
// deadline, so a silent or slow server costs at most `timeout`.
//
// STANDARDS: RFC 1035 §4.2.1 (UDP), §4.2.2 and RFC 7766 §8 (TCP length
// prefix), RFC 5452 §9 (random id and port; reply matching), RFC 6891 §7
// (FORMERR from servers without EDNS).
#include "libmail/dns/stub.h"

#include "libmail/mailbox/fd.h"
#include "libmail/util/strings.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mail::dns {

namespace {

using Clock = std::chrono::steady_clock;
using mail::mailbox::UniqueFd;

Error tempfail(std::string text) {
    return make_error(EX_TEMPFAIL, std::move(text));
}

Result<std::uint16_t> random_id() {
    std::uint16_t id = 0;
    for (;;) {
        ssize_t n = getrandom(&id, sizeof id, 0);
        if (n == static_cast<ssize_t>(sizeof id)) return id;
        if (n < 0 && errno == EINTR) continue;
        return make_error(EX_OSERR, fmt::format("getrandom: {}", std::strerror(errno)));
    }
}

// Waits until fd is ready for `events` or the deadline passes.
Status wait_for(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return tempfail("timed out");
        pollfd p{fd, events, 0};
        int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60'000)));
        if (n < 0) {
            if (errno == EINTR) continue;
            return tempfail(fmt::format("poll: {}", std::strerror(errno)));
        }
        if (n > 0) return {};
    }
}

Result<UniqueFd> open_socket(const Server& s, int type) {
    UniqueFd fd(::socket(s.addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return tempfail(fmt::format("socket: {}", std::strerror(errno)));
    return fd;
}

// UDP: send the query, then read datagrams until one is our reply.
Result<Message> exchange_udp(const Server& s, const Bytes& query, std::uint16_t id, std::string_view name,
                             Type type, Clock::time_point deadline) {
    auto fd = open_socket(s, SOCK_DGRAM);
    if (!fd) return fd.error();
    // connect(): the kernel binds a random ephemeral port and from now on
    // delivers only datagrams from the server's address and port.
    if (::connect(fd->get(), reinterpret_cast<const sockaddr*>(&s.addr), s.addr_len) != 0)
        return tempfail(fmt::format("connect: {}", std::strerror(errno)));
    if (::send(fd->get(), query.data(), query.size(), 0) != static_cast<ssize_t>(query.size()))
        return tempfail(fmt::format("send: {}", std::strerror(errno)));
    std::vector<std::uint8_t> buf(k_max_message);
    int ignored = 0;
    std::string last_bad;
    for (;;) {
        if (auto st = wait_for(fd->get(), POLLIN, deadline); !st) {
            if (ignored == 0) return st.error();
            return tempfail(fmt::format("timed out after ignoring {} bad repl{} (last: {})", ignored,
                                        ignored == 1 ? "y" : "ies", last_bad));
        }
        ssize_t n = ::recv(fd->get(), buf.data(), buf.size(), 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            // ECONNREFUSED: an ICMP port unreachable — nobody listens there.
            return tempfail(fmt::format("recv: {}", std::strerror(errno)));
        }
        auto m = parse_message(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
        Status st = m ? check_reply(*m, id, name, type) : Status(m.error());
        if (!st) {
            ++ignored;  // a spoof or a stray: keep waiting for the real reply
            last_bad = st.error().message;
            continue;
        }
        return std::move(*m);
    }
}

Status write_all(int fd, const std::uint8_t* p, std::size_t n, Clock::time_point deadline) {
    while (n > 0) {
        if (auto st = wait_for(fd, POLLOUT, deadline); !st) return st;
        ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            return tempfail(fmt::format("send: {}", std::strerror(errno)));
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return {};
}

Status read_exact(int fd, std::uint8_t* p, std::size_t n, Clock::time_point deadline) {
    while (n > 0) {
        if (auto st = wait_for(fd, POLLIN, deadline); !st) return st;
        ssize_t r = ::recv(fd, p, n, 0);
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            return tempfail(fmt::format("recv: {}", std::strerror(errno)));
        }
        if (r == 0) return tempfail("connection closed in the middle of a reply");
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return {};
}

// TCP: one query, one length-prefixed reply (RFC 7766 §8).
Result<Message> exchange_tcp(const Server& s, const Bytes& query, std::uint16_t id, std::string_view name,
                             Type type, Clock::time_point deadline) {
    auto fd = open_socket(s, SOCK_STREAM);
    if (!fd) return fd.error();
    if (::connect(fd->get(), reinterpret_cast<const sockaddr*>(&s.addr), s.addr_len) != 0) {
        if (errno != EINPROGRESS) return tempfail(fmt::format("TCP connect: {}", std::strerror(errno)));
        if (auto st = wait_for(fd->get(), POLLOUT, deadline); !st) return st.error();
        int err = 0;
        socklen_t len = sizeof err;
        if (::getsockopt(fd->get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
            return tempfail(fmt::format("TCP connect: {}", std::strerror(err ? err : errno)));
    }
    Bytes framed;
    framed.reserve(query.size() + 2);
    framed.push_back(static_cast<std::uint8_t>(query.size() >> 8));
    framed.push_back(static_cast<std::uint8_t>(query.size() & 0xFF));
    framed.insert(framed.end(), query.begin(), query.end());
    if (auto st = write_all(fd->get(), framed.data(), framed.size(), deadline); !st) return st.error();
    std::array<std::uint8_t, 2> prefix{};
    if (auto st = read_exact(fd->get(), prefix.data(), prefix.size(), deadline); !st) return st.error();
    const std::size_t len = (std::size_t{prefix[0]} << 8) | prefix[1];
    if (len < 12) return tempfail(fmt::format("TCP reply of {} octets, shorter than a header", len));
    std::vector<std::uint8_t> buf(len);
    if (auto st = read_exact(fd->get(), buf.data(), len, deadline); !st) return st.error();
    auto m = parse_message(buf);
    if (!m) return tempfail(m.error().message);
    if (auto st = check_reply(*m, id, name, type); !st) return tempfail("TCP reply: " + st.error().message);
    if (m->header.tc) return tempfail("TCP reply truncated");
    return m;
}

Result<int> parse_int(std::string_view s, int lo, int hi) {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return make_error(EX_CONFIG, "");
    return v;
}

Server default_server() {
    return parse_server("127.0.0.1").value();
}

}  // namespace

std::string Server::text() const {
    std::array<char, INET6_ADDRSTRLEN> buf{};
    if (addr.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
        inet_ntop(AF_INET6, &a->sin6_addr, buf.data(), buf.size());
        return fmt::format("[{}]:{}", buf.data(), ntohs(a->sin6_port));
    }
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, buf.data(), buf.size());
    return fmt::format("{}:{}", buf.data(), ntohs(a->sin_port));
}

Result<Server> parse_server(std::string_view text) {
    auto bad = [&] {
        return make_error(EX_CONFIG,
                          fmt::format("bad name server \"{}\": want ip, ip:port, ipv6 or [ipv6]:port", text));
    };
    std::string host;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos) return bad();
        host = std::string(text.substr(1, close - 1));
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return bad();
            port_text = rest.substr(1);
            if (port_text.empty()) return bad();
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        auto colon = text.find(':');
        host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
        if (port_text.empty()) return bad();
    } else {
        host = std::string(text);
    }
    int port = 53;
    if (!port_text.empty()) {
        auto p = parse_int(port_text, 1, 65535);
        if (!p) return bad();
        port = *p;
    }
    Server s;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&s.addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&s.addr);
    if (host.find(':') == std::string::npos && inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<std::uint16_t>(port));
        s.addr_len = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<std::uint16_t>(port));
        s.addr_len = sizeof(sockaddr_in6);
    } else {
        return bad();
    }
    return s;
}

ResolvConf parse_resolv_conf(std::string_view text) {
    ResolvConf rc;
    for (const auto& raw : split(text, "\n", true)) {
        std::string_view line = raw;
        if (auto hash = line.find_first_of("#;"); hash != std::string_view::npos) line = line.substr(0, hash);
        auto words = split(line, " \t\r", true);
        if (words.size() < 2) continue;
        if (words[0] == "nameserver") {
            // resolv.conf names no ports; a word with one would be an error
            // for the C library too, and link-local "%scope" forms are skipped.
            if (rc.servers.size() >= 3) continue;
            if (words[1].find('[') != std::string::npos) continue;
            if (std::count(words[1].begin(), words[1].end(), ':') == 1) continue;
            if (auto s = parse_server(words[1])) rc.servers.push_back(*s);
        } else if (words[0] == "options") {
            for (std::size_t i = 1; i < words.size(); ++i) {
                std::string_view w = words[i];
                if (w.starts_with("timeout:")) {
                    if (auto v = parse_int(w.substr(8), 1, 30)) rc.timeout_seconds = *v;
                } else if (w.starts_with("attempts:")) {
                    if (auto v = parse_int(w.substr(9), 1, 5)) rc.attempts = *v;
                }
            }
        }
    }
    return rc;
}

StubResolver::StubResolver(Options options) : m_options(std::move(options)) {
    using std::chrono::milliseconds;
    m_options.timeout = std::clamp(m_options.timeout, milliseconds(10), milliseconds(30'000));
    m_options.attempts = std::clamp(m_options.attempts, 1, 5);
    if (m_options.servers.empty()) m_options.servers.push_back(default_server());
}

Result<StubResolver> StubResolver::from_config(const config::Config& cfg, const std::string& resolv_conf) {
    Options o;
    auto words = cfg.list("MAILROOM_RESOLVER");
    if (!words.empty()) {
        for (const auto& w : words) {
            auto s = parse_server(w);
            if (!s) return make_error(EX_CONFIG, "MAILROOM_RESOLVER: " + s.error().message);
            o.servers.push_back(*s);
        }
        return StubResolver(std::move(o));
    }
    std::ifstream in(resolv_conf);
    if (in) {
        std::stringstream ss;
        ss << in.rdbuf();
        ResolvConf rc = parse_resolv_conf(ss.str());
        o.servers = std::move(rc.servers);
        o.timeout = std::chrono::seconds(rc.timeout_seconds);
        o.attempts = rc.attempts;
    }
    return StubResolver(std::move(o));
}

Result<Answer> StubResolver::ask(const Server& server, std::string_view name, Type type) {
    bool edns = m_options.edns;
    for (;;) {
        auto id = random_id();
        if (!id) return id.error();
        auto query = encode_query(*id, name, type, edns);
        if (!query) return query.error();
        const auto deadline = Clock::now() + m_options.timeout;
        auto m = exchange_udp(server, *query, *id, name, type, deadline);
        if (!m) return m.error();
        if (m->header.tc) {
            m = exchange_tcp(server, *query, *id, name, type, deadline);
            if (!m) return m.error();
        }
        Rcode rc = m->header.rcode;
        if (rc == Rcode::NoError || rc == Rcode::NxDomain) return extract_answer(*m, name, type);
        if (rc == Rcode::FormErr && edns) {
            edns = false;  // an old server that does not know EDNS (RFC 6891 §7)
            continue;
        }
        return tempfail(rcode_name(rc));
    }
}

Result<Answer> StubResolver::query(std::string_view name, Type type) {
    // Refuse a malformed name before any packet leaves.
    if (auto q = encode_query(0, name, type, false); !q) return q.error();
    std::vector<std::string> why(m_options.servers.size());
    for (int attempt = 0; attempt < m_options.attempts; ++attempt) {
        for (std::size_t i = 0; i < m_options.servers.size(); ++i) {
            auto a = ask(m_options.servers[i], name, type);
            if (a) return a;
            if (a.error().exit_code != EX_TEMPFAIL) return a.error();  // getrandom failed: no point retrying
            why[i] = a.error().message;
        }
    }
    std::string detail;
    for (std::size_t i = 0; i < why.size(); ++i)
        detail += fmt::format("{}{}: {}", i ? "; " : "", m_options.servers[i].text(), why[i]);
    return tempfail(fmt::format("DNS query {} {} failed: {}", name, type_name(type), detail));
}

}  // namespace mail::dns
