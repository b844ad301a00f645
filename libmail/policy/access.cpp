// access.cpp — the access map: spec, search order, right-hand sides.
//
// SECURITY: see access.h.  Keys come from the network; every walk is
// bounded and never indexes past its input.
// STANDARDS: RFC 3463 (enhanced status codes), RFC 4291 §2.2 (IPv6 text
// forms); sendmail cf/README "ANTI-SPAM CONFIGURATION CONTROL" and
// proto.m4 rulesets D, A, F, U, SearchList (reference/mta.md §1.3).
#include "libmail/policy/access.h"

#include "libmail/util/strings.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <filesystem>

namespace mail::policy {
namespace {

constexpr size_t k_max_domain = 255;      // RFC 5321 §4.5.3.1.2
constexpr size_t k_max_reply_text = 400;  // a reply line stays under 512 bytes

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string strip_trailing_dots(std::string s) {
    while (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

bool is_ipv4(std::string_view s) {
    if (s.empty() || s.size() > 15) return false;
    std::string z(s);
    in_addr a{};
    return inet_pton(AF_INET, z.c_str(), &a) == 1;
}

// "5.7.1" at the start of s: class 2/4/5, 1–3 digits, 1–3 digits.  Returns
// its length, 0 if there is none.
size_t enhanced_code_length(std::string_view s) {
    if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return 0;
    size_t i = 2;
    for (int part = 0; part < 2; ++part) {
        size_t start = i;
        while (i < s.size() && is_digit(s[i]) && i - start < 3) ++i;
        if (i == start) return 0;
        if (part == 0) {
            if (i >= s.size() || s[i] != '.') return 0;
            ++i;
        }
    }
    if (i < s.size() && is_digit(s[i])) return 0;  // more than 3 digits
    return i;
}

// sendmail's stripquotes(): '"' removed, "\x" becomes "x"; control bytes
// become spaces so an administrator's typo cannot break a reply line.
std::string strip_quotes(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '\\' && i + 1 < s.size())
            c = s[++i];
        else if (c == '"')
            continue;
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? ' ' : c;
    }
    return out;
}

}  // namespace

std::string_view tag_name(Tag t) {
    switch (t) {
        case Tag::Connect: return "Connect";
        case Tag::From: return "From";
        case Tag::To: return "To";
        case Tag::Spam: return "Spam";
    }
    return "";
}

// ------------------------------------------------------------- the spec --

Result<MapSpec> parse_map_spec(std::string_view spec, const std::string& base_dir) {
    auto words = split(spec, " \t");
    if (words.empty()) return make_error(EX_CONFIG, "FEATURE(access_db): empty map specification");
    MapSpec out;
    out.type = to_lower(words[0]);
    if (!maps::known_type(out.type))
        return make_error(
            EX_CONFIG,
            fmt::format(
                "FEATURE(access_db): map type \"{}\" is not supported (use hash, btree, dbm or sqlite)",
                words[0]));
    std::string file;
    for (size_t i = 1; i < words.size(); ++i) {
        if (words[i].size() > 1 && words[i][0] == '-') {
            if (words[i] == "-o") out.optional = true;
            continue;  // -T<TMPF>, -N, -m, -a…: see MapSpec
        }
        file = words[i];
    }
    if (file.empty())
        return make_error(EX_CONFIG, fmt::format("FEATURE(access_db): no file name in \"{}\"", spec));
    std::filesystem::path p(file);
    if (p.is_relative()) p = std::filesystem::path(base_dir.empty() ? "." : base_dir) / p;
    out.db_path = maps::db_file_name(p.string());
    return out;
}

Result<std::optional<MapSpec>> access_map_spec(const config::Config& cfg) {
    if (!cfg.feature("access_db")) return std::optional<MapSpec>{};
    auto args = cfg.feature_args("access_db");
    std::string spec = args.empty() ? "" : std::string(trim(args[0]));
    if (spec.empty()) {
        std::string dir = cfg.instance() ? cfg.str("MAILROOM_INSTANCE") + "/maps" : "/etc/mail";
        spec = "hash -T<TMPF> -o " + dir + "/access";
    }
    std::string base = cfg.source().empty() ? "" : std::filesystem::path(cfg.source()).parent_path().string();
    auto parsed = parse_map_spec(spec, base);
    if (!parsed) return parsed.error();
    return std::optional<MapSpec>(std::move(parsed.value()));
}

// ------------------------------------------------------------- the map --

AccessMap::AccessMap(MapSpec spec) : m_spec(std::move(spec)) {}

Status AccessMap::refresh() {
    if (m_map && !m_map->replaced_on_disk()) return {};
    auto opened = maps::Map::open(m_spec.db_path);
    if (opened) {
        m_map.emplace(std::move(opened.value()));
        m_missing = false;
        return {};
    }
    if (opened.error().exit_code == EX_NOINPUT && m_spec.optional) {
        m_map.reset();
        m_missing = true;
        return {};
    }
    // A map that was replaced by something unreadable: keep answering from
    // the version already open (it is a consistent, complete map).
    if (m_map) return {};
    m_missing = false;
    return opened.error();
}

Result<std::optional<std::string>> AccessMap::get(std::string_view key) {
    if (!m_map && !m_missing)
        if (Status st = refresh(); !st) return make_error(EX_TEMPFAIL, st.error().message);
    if (!m_map) return std::optional<std::string>{};
    return m_map->lookup(key);
}

Result<std::optional<Match>> AccessMap::probe(Tag tag, const std::string& key, bool tag_only, bool& skip) {
    std::string tagged = fmt::format("{}:{}", tag_name(tag), key);
    for (int pass = 0; pass < (tag_only ? 1 : 2); ++pass) {
        const std::string& k = pass == 0 ? tagged : key;
        auto v = get(k);
        if (!v) return v.error();
        if (!v->has_value()) continue;
        if (iequals(trim(**v), "SKIP")) {
            skip = true;
            return std::optional<Match>{};
        }
        return std::optional<Match>(Match{k, std::move(**v)});
    }
    return std::optional<Match>{};
}

Result<std::optional<Match>> AccessMap::host(Tag tag, std::string_view name, bool tag_only, bool exact) {
    std::string n = strip_trailing_dots(to_lower(trim(name)));
    bool skip = false;
    if (n.empty()) return std::optional<Match>{};
    if (n.size() > 2 && n.front() == '[' && n.back() == ']') {
        // [1.2.3.4] → [1.2.3] → [1.2] → [1]; [ipv6:a:b] → [ipv6:a] …
        std::string inner = n.substr(1, n.size() - 2);
        while (!inner.empty() && inner.size() <= k_max_domain) {
            auto m = probe(tag, "[" + inner + "]", tag_only, skip);
            if (!m || m->has_value() || skip || exact) return m;
            size_t cut = inner.find_last_of(inner.find('.') != std::string::npos ? "." : ":");
            if (cut == std::string::npos || cut == 0) break;
            inner.resize(cut);
        }
        return std::optional<Match>{};
    }
    // a.b.example → b.example → example; suffixes longer than a domain can
    // be are not looked up (no entry can name them), which bounds the walk.
    size_t pos = 0;
    while (pos < n.size()) {
        if (n.size() - pos <= k_max_domain) {
            auto m = probe(tag, n.substr(pos), tag_only, skip);
            if (!m || m->has_value() || skip) return m;
        }
        if (exact) break;
        size_t dot = n.find('.', pos);
        if (dot == std::string::npos) break;
        pos = dot + 1;
    }
    return std::optional<Match>{};
}

Result<std::optional<Match>> AccessMap::address(Tag tag, std::string_view ip_in, bool tag_only) {
    std::string ip = unmap_ipv4(trim(ip_in));
    if (istarts_with(ip, "IPv6:")) ip = ip.substr(5);
    bool skip = false;
    std::vector<std::string> keys;
    if (is_ipv4(ip)) {
        for (std::string k = ip;;) {
            keys.push_back(k);
            size_t dot = k.rfind('.');
            if (dot == std::string::npos) break;
            k.resize(dot);
        }
    } else if (std::string full = ipv6_full(ip); !full.empty()) {
        keys.push_back(full);
        std::string compressed = "IPv6:" + to_lower(ip);
        if (compressed != to_lower(full)) keys.push_back(compressed);
        for (std::string k = full;;) {
            size_t colon = k.rfind(':');
            if (colon == std::string::npos || colon <= 5) break;  // keep "IPv6:g1"
            k.resize(colon);
            keys.push_back(k);
        }
    } else if (!ip.empty() && ip.size() <= k_max_domain) {
        keys.push_back(ip);  // not an address we know: the text itself, once
    }
    for (const auto& k : keys) {
        auto m = probe(tag, k, tag_only, skip);
        if (!m || m->has_value() || skip) return m;
    }
    return std::optional<Match>{};
}

Result<std::optional<Match>> AccessMap::full(Tag tag, std::string_view local, std::string_view domain,
                                             bool tag_only) {
    std::string d = strip_trailing_dots(to_lower(domain));
    std::string l(local);
    if (l.empty() || d.empty()) return std::optional<Match>{};
    std::vector<std::string> keys{l + "@" + d};
    if (size_t plus = l.find('+'); plus != std::string::npos && plus > 0) {
        keys.push_back(l.substr(0, plus) + "+*@" + d);
        keys.push_back(l.substr(0, plus) + "@" + d);
    }
    bool skip = false;
    for (const auto& k : keys) {
        auto m = probe(tag, k, tag_only, skip);
        if (!m || m->has_value() || skip) return m;
    }
    return std::optional<Match>{};
}

Result<std::optional<Match>> AccessMap::user(Tag tag, std::string_view local, bool tag_only) {
    std::string l(local);
    if (l.empty()) return std::optional<Match>{};
    std::vector<std::string> keys{l + "@"};
    if (size_t plus = l.find('+'); plus != std::string::npos && plus > 0) {
        keys.push_back(l.substr(0, plus) + "+*@");
        keys.push_back(l.substr(0, plus) + "@");
    }
    bool skip = false;
    for (const auto& k : keys) {
        auto m = probe(tag, k, tag_only, skip);
        if (!m || m->has_value() || skip) return m;
    }
    return std::optional<Match>{};
}

// ------------------------------------------------------------- values --

smtp::Reply reply_from_text(std::string_view text, std::string_view dsn) {
    std::string s(trim(strip_quotes(trim(text))));
    smtp::Reply r;
    r.code = 550;
    if (s.size() >= 3 && (s[0] == '4' || s[0] == '5') && is_digit(s[1]) && is_digit(s[2]) &&
        (s.size() == 3 || s[3] == ' ' || s[3] == '-')) {
        r.code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
        s = std::string(trim(std::string_view(s).substr(3)));
        if (!s.empty() && s[0] == '-') s = std::string(trim(std::string_view(s).substr(1)));
    }
    if (size_t n = enhanced_code_length(s); n > 0 && (n == s.size() || s[n] == ' ')) {
        r.enhanced = s.substr(0, n);
        s = std::string(trim(std::string_view(s).substr(n)));
    }
    if (!dsn.empty()) r.enhanced = std::string(dsn);
    // RFC 3463 §2: the class must agree with the reply code.  sendmail would
    // say "450 5.0.0" for a 450 without a code; we say 4.0.0.
    if (r.enhanced.empty()) r.enhanced = fmt::format("{}.0.0", r.code / 100);
    if (s.empty()) s = "Access denied";
    if (s.size() > k_max_reply_text) s.resize(k_max_reply_text);
    r.text = std::move(s);
    return r;
}

Action parse_action(std::string_view value) {
    std::string_view v = trim(value);
    if (iequals(v, "OK")) return {Action::Ok, {}};
    if (iequals(v, "RELAY")) return {Action::Relay, {}};
    if (iequals(v, "REJECT")) return {Action::Reject, {}};
    if (iequals(v, "DISCARD")) return {Action::Discard, {}};
    if (iequals(v, "SKIP")) return {Action::Skip, {}};
    if (istarts_with(v, "ERROR:")) {
        std::string_view rest = v.substr(6);
        std::string_view dsn;
        if (size_t n = enhanced_code_length(rest); n > 0 && n < rest.size() && rest[n] == ':') {
            dsn = rest.substr(0, n);
            rest = rest.substr(n + 1);
        }
        return {Action::Error, reply_from_text(rest, dsn)};
    }
    if (istarts_with(v, "QUARANTINE:"))
        return {Action::Error,
                smtp::Reply{451, "4.7.1", "Temporarily refused (QUARANTINE is not supported here)"}};
    return {Action::Error, reply_from_text(v)};
}

// ------------------------------------------------------------- addresses --

std::string ipv6_full(std::string_view ip_in) {
    std::string ip(ip_in);
    if (istarts_with(ip, "IPv6:")) ip = ip.substr(5);
    if (ip.empty() || ip.size() > 64) return "";
    unsigned char b[16];
    if (inet_pton(AF_INET6, ip.c_str(), b) != 1) return "";
    std::string out = "IPv6:";
    for (int i = 0; i < 8; ++i) {
        if (i) out += ':';
        out += fmt::format("{:x}", (b[2 * i] << 8) | b[2 * i + 1]);
    }
    return out;
}

std::string unmap_ipv4(std::string_view ip) {
    std::string_view s = ip;
    if (istarts_with(s, "IPv6:")) s.remove_prefix(5);
    if (istarts_with(s, "::ffff:") && is_ipv4(s.substr(7))) return std::string(s.substr(7));
    return std::string(ip);
}

}  // namespace mail::policy
