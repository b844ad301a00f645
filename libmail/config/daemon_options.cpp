// daemon_options.cpp — DAEMON_OPTIONS / CLIENT_OPTIONS text (sendmail's
// DaemonPortOptions and ClientPortOptions): `Key=value, Key=value'.
//
// Keys and M= modifiers follow sendmail op.txt (reference/mta.md §2.1).
// sendmail itself looks only at a key's first letter; mailroom wants the
// whole key (case-insensitive) so that a typo is an error, not a surprise.
#include "libmail/config/config.h"

#include "libmail/config/values.h"
#include "libmail/util/strings.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>

namespace mail::config {

namespace {

// Service names sendmail.mc files use instead of numbers; a fixed table so
// the result does not depend on the machine's /etc/services.
constexpr std::array<std::pair<std::string_view, int>, 6> k_services{{
    {"smtp", 25}, {"submission", 587}, {"smtps", 465}, {"submissions", 465}, {"lmtp", 24}, {"esmtp", 25},
}};

// a: require AUTH, b: bind to the arrival interface, c: canonify, f: require
// FQDN in HELO, s: SMTPS, u: allow unqualified addresses, A: no AUTH,
// C: no canonification, E: no ETRN, O: optional listener, S: no STARTTLS.
constexpr std::string_view k_modifiers = "abcfsuACEOS";

// sendmail keys that only tune sendmail's own process model.
constexpr std::string_view k_ignored_keys[] = {"SndBufSize", "RcvBufSize", "children", "DeliveryMode",
                                               "refuseLA", "delayLA", "queueLA", "InputMailFilters"};

Error bad(std::string text) { return make_error(EX_CONFIG, std::move(text)); }

std::optional<int> parse_port(std::string_view v) {
    for (const auto& [name, port] : k_services)
        if (iequals(name, v)) return port;
    auto n = detail::parse_int(v);
    if (!n || *n < 1 || *n > 65535) return std::nullopt;
    return static_cast<int>(*n);
}

}  // namespace

Result<DaemonOptions> parse_daemon_options(std::string_view text, std::vector<std::string>* ignored) {
    DaemonOptions d;
    for (const std::string& field : split(text, ",")) {
        std::string_view f = trim(field);
        if (f.empty()) continue;
        auto eq = f.find('=');
        if (eq == std::string_view::npos) return bad(fmt::format("missing '=' in \"{}\"", f));
        std::string_view key = trim(f.substr(0, eq));
        std::string_view value = trim(f.substr(eq + 1));
        if (iequals(key, "Name")) {
            if (value.empty() || value.find_first_of(" \t") != std::string_view::npos)
                return bad(fmt::format("bad Name \"{}\"", value));
            d.name = std::string(value);
        } else if (iequals(key, "Port")) {
            auto p = parse_port(value);
            if (!p) return bad(fmt::format("bad Port \"{}\" (a number 1-65535 or smtp, submission, smtps)", value));
            d.port = *p;
        } else if (iequals(key, "Addr")) {
            d.addr = std::string(value);
        } else if (iequals(key, "Family")) {
            std::string fam = to_lower(value);
            if (fam == "local" || fam == "unix") return bad(fmt::format("Family {} is not supported", value));
            if (fam != "inet" && fam != "inet6") return bad(fmt::format("bad Family \"{}\" (inet or inet6)", value));
            d.family = fam;
        } else if (iequals(key, "M") || iequals(key, "Modifier") || iequals(key, "Modifiers")) {
            d.modifiers.clear();
            for (char c : value) {
                if (c == ' ' || c == '\t') continue;
                if (k_modifiers.find(c) == std::string_view::npos)
                    return bad(fmt::format("unknown modifier '{}' in M={} (known: {})", c, value, k_modifiers));
                if (!d.has_modifier(c)) d.modifiers += c;
            }
        } else if (iequals(key, "Listen")) {
            auto n = detail::parse_int(value);
            if (!n || *n < 1 || *n > 65535) return bad(fmt::format("bad Listen \"{}\"", value));
            d.listen = static_cast<int>(*n);
        } else {
            bool known = false;
            for (std::string_view k : k_ignored_keys)
                if (iequals(k, key)) known = true;
            if (!known) return bad(fmt::format("unknown key \"{}\"", key));
            if (ignored) ignored->push_back(std::string(key));
        }
    }
    // Addr is checked last: Family may come after it.
    if (!d.addr.empty()) {
        unsigned char buf[16];
        int af = d.family == "inet6" ? AF_INET6 : AF_INET;
        if (inet_pton(af, d.addr.c_str(), buf) != 1)
            return bad(fmt::format("Addr \"{}\" is not a numeric {} address", d.addr,
                                   af == AF_INET6 ? "IPv6" : "IPv4"));
    }
    return d;
}

}  // namespace mail::config
