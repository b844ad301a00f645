// mailroom-dnsq — ask one DNS question through the library's StubResolver.
//
//   mailroom-dnsq [-s ip[:port]]... [-t ms] [-a attempts] [--no-edns] NAME TYPE
//   mailroom-dnsq [-s ip[:port]]... --dmarc DOMAIN
//
// TYPE is A, AAAA, MX, TXT or PTR (PTR takes an address too: it is turned
// into its in-addr.arpa / ip6.arpa name).  Prints `rcode R`, `canonical
// NAME` and one `TYPE data` line per record (TXT bytes outside printable
// ASCII as \DDD); with --dmarc, the policy word of dmarc.h.  Without -s the
// servers come from the configuration (MAILROOM_RESOLVER, else
// /etc/resolv.conf).  A developer's and the tests' tool (tests/dns/), not
// installed.
//
// Exit: 0 answered (NOERROR or NXDOMAIN; for --dmarc any policy but
// temperror), 64 usage, 65 a name that cannot be asked, 75 no answer
// (timeout, SERVFAIL, …) or temperror, 78 a bad configuration.
//
// SECURITY: runs with the caller's privileges; prints network data only
// escaped.
#include "libmail/config/config.h"
#include "libmail/dns/dmarc.h"
#include "libmail/dns/stub.h"

#include <fmt/format.h>
#include <sysexits.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace dns = mail::dns;

std::string escape(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (c < 0x20 || c > 0x7e || c == '\\')
            out += fmt::format("\\{:03d}", c);
        else
            out += static_cast<char>(c);
    }
    return out;
}

int fail(const mail::Error& e) {
    std::fprintf(stderr, "mailroom-dnsq: %s\n", e.message.c_str());
    return e.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"mailroom-dnsq — one DNS query through mailroom's resolver", "mailroom-dnsq"};
    std::vector<std::string> servers;
    int timeout_ms = 0, attempts = 0;
    bool no_edns = false;
    std::string dmarc;
    std::vector<std::string> pos;
    app.add_option("-s,--server", servers, "name server, ip[:port] or [ipv6]:port (repeatable)")
        ->allow_extra_args(false);
    app.add_option("-t,--timeout", timeout_ms, "milliseconds per try");
    app.add_option("-a,--attempts", attempts, "rounds over the servers");
    app.add_flag("--no-edns", no_edns, "do not send an EDNS OPT record");
    app.add_option("--dmarc", dmarc, "print the DMARC policy of this From domain");
    app.add_option("args", pos, "NAME TYPE");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : EX_USAGE;
    }
    if (dmarc.empty() ? pos.size() != 2 : !pos.empty()) {
        std::fprintf(stderr,
                     "usage: mailroom-dnsq [-s server]... [-t ms] [-a n] [--no-edns] NAME TYPE\n"
                     "       mailroom-dnsq [-s server]... --dmarc DOMAIN\n");
        return EX_USAGE;
    }

    dns::StubResolver::Options opts;
    if (servers.empty()) {
        mail::config::Config cfg;
        std::string path = mail::config::default_path();
        std::error_code ec;
        if (std::filesystem::exists(path, ec)) {
            auto loaded = mail::config::load(path);
            if (!loaded) return fail(loaded.error());
            cfg = std::move(*loaded);
        }
        auto r = dns::StubResolver::from_config(cfg);
        if (!r) return fail(r.error());
        opts = r->options();
    } else {
        for (const auto& s : servers) {
            auto parsed = dns::parse_server(s);
            if (!parsed) return fail(mail::make_error(EX_USAGE, parsed.error().message));
            opts.servers.push_back(*parsed);
        }
    }
    if (timeout_ms > 0) opts.timeout = std::chrono::milliseconds(timeout_ms);
    if (attempts > 0) opts.attempts = attempts;
    if (no_edns) opts.edns = false;
    dns::StubResolver resolver(opts);

    if (!dmarc.empty()) {
        dns::DmarcPolicy p = dns::dmarc_policy(resolver, dmarc);
        std::printf("%s\n", std::string(dns::dmarc_policy_name(p)).c_str());
        return p == dns::DmarcPolicy::TempError ? EX_TEMPFAIL : 0;
    }

    auto type = dns::parse_type(pos[1]);
    if (!type || *type == dns::Type::CNAME) {
        std::fprintf(stderr, "mailroom-dnsq: unknown type %s (want A, AAAA, MX, TXT or PTR)\n",
                     pos[1].c_str());
        return EX_USAGE;
    }
    std::string name = pos[0];
    if (*type == dns::Type::PTR)
        if (auto rev = dns::ptr_name(name)) name = *rev;
    auto answer = resolver.query(name, *type);
    if (!answer) return fail(answer.error());
    std::printf("rcode %s\ncanonical %s\n", dns::rcode_name(answer->rcode).c_str(),
                answer->canonical_name.c_str());
    for (const auto& rec : answer->records) {
        std::string data =
            rec.type == dns::Type::MX ? fmt::format("{} {}", rec.preference, rec.text) : escape(rec.text);
        std::printf("%s %s\n", std::string(dns::type_name(rec.type)).c_str(), data.c_str());
    }
    return 0;
}
