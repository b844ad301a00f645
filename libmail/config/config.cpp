// config.cpp — Config values, typed views and the -bC dump (see config.h,
// docs/config.md).  The .mc/.cf reader is mc_reader.cpp, the command-line
// options cmdline.cpp, DAEMON_OPTIONS daemon_options.cpp.
#include "libmail/config/config.h"

#include "libmail/config/values.h"
#include "libmail/util/strings.h"

#include <fmt/format.h>
#include <netdb.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace mail::config {

std::string Diagnostic::format() const { return fmt::format("{}:{}: {}", file, line, text); }

// ---------------------------------------------------------------- values

namespace detail {

std::optional<bool> parse_bool(std::string_view v) {
    std::string s = to_lower(trim(v));
    if (s == "true" || s == "t" || s == "yes" || s == "y" || s == "1" || s == "on") return true;
    if (s == "false" || s == "f" || s == "no" || s == "n" || s == "0" || s == "off") return false;
    return std::nullopt;
}

std::optional<long long> parse_int(std::string_view v) {
    std::string s(trim(v));
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    long long n = std::strtoll(s.c_str(), &end, 10);
    if (errno || !end || *end) return std::nullopt;
    return n;
}

// Sizes accept a k/m/g suffix (powers of 1024) for convenience.
std::optional<long long> parse_size(std::string_view v) {
    std::string s(trim(v));
    long long mult = 1;
    if (!s.empty()) {
        char last = static_cast<char>(std::tolower(static_cast<unsigned char>(s.back())));
        if (last == 'k') mult = 1024;
        if (last == 'm') mult = 1024 * 1024;
        if (last == 'g') mult = 1024LL * 1024 * 1024;
        if (mult != 1) s.pop_back();
    }
    auto n = parse_int(s);
    // The bound keeps n * mult from overflowing (2^50 bytes is beyond any message).
    if (!n || *n < 0 || *n > (1LL << 50) / mult) return std::nullopt;
    return *n * mult;
}

namespace {

// One-letter choices are case-sensitive (AuthOptions A vs a), words not.
bool choice_matches(std::string_view choice, std::string_view value) {
    return choice.size() == 1 ? choice == value : iequals(choice, value);
}

// A String option's choice: the full word, or a letter that starts exactly
// one choice (sendmail reads only the first letter of DeliveryMode).
std::optional<std::string> pick_choice(std::string_view choices, std::string_view value) {
    std::vector<std::string> words = split(choices, " ");
    for (const auto& w : words)
        if (choice_matches(w, value)) return w;
    if (value.size() != 1) return std::nullopt;
    std::optional<std::string> found;
    for (const auto& w : words) {
        if (std::tolower(static_cast<unsigned char>(w[0])) != std::tolower(static_cast<unsigned char>(value[0])))
            continue;
        if (found) return std::nullopt;  // ambiguous
        found = w;
    }
    return found;
}

}  // namespace

Result<std::string> check_value(const OptionDef& def, std::string_view value, std::string_view label) {
    value = trim(value);
    auto bad = [&](std::string_view what) {
        return make_error(EX_CONFIG, fmt::format("{}: {} \"{}\"", label, what, value));
    };
    switch (def.type) {
    case Type::Int: {
        auto n = parse_int(value);
        if (!n) return bad("not a number:");
        if ((def.min || def.max) && (*n < def.min || *n > def.max))
            return bad(fmt::format("must be between {} and {}, got", def.min, def.max));
        break;
    }
    case Type::Size:
        if (!parse_size(value)) return bad("not a size:");
        break;
    case Type::Bool:
        if (!parse_bool(value)) return bad("not true or false:");
        break;
    case Type::Duration:
        if (!parse_duration(value, def.default_unit)) return bad("not a time (like 30s, 4h, 5d):");
        break;
    case Type::String:
        if (!def.choices.empty()) {
            auto c = pick_choice(def.choices, value);
            if (!c) return bad(fmt::format("must be one of {}, got", def.choices));
            return *c;
        }
        break;
    case Type::List:
        if (!def.choices.empty()) {
            std::vector<std::string> words = split(def.choices, " ");
            for (const auto& item : split(value, ", \t")) {
                bool ok = std::any_of(words.begin(), words.end(),
                                      [&](const std::string& w) { return choice_matches(w, item); });
                if (!ok)
                    return make_error(EX_CONFIG, fmt::format("{}: unknown flag \"{}\" (known: {})", label, item,
                                                             def.choices));
            }
        }
        break;
    case Type::Path:
        break;
    }
    return std::string(value);
}

}  // namespace detail

using detail::parse_bool;
using detail::parse_int;
using detail::parse_size;

namespace {

const OptionDef& require_option(std::string_view name) {
    const OptionDef* def = find_option(name);
    if (!def) {
        // A name in the code that the table lacks: a broken invariant.
        fmt::print(stderr, "mailroom: internal error: unknown option {}\n", name);
        std::abort();
    }
    return *def;
}

// Lower-cased words of every call of `macro` plus those of its _FILE.
std::vector<std::string> class_words(const Config& cfg, std::string_view macro, bool lower) {
    std::vector<std::string> out;
    auto add = [&](std::string_view w) {
        std::string v = lower ? to_lower(w) : std::string(w);
        if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(std::move(v));
    };
    for (const auto& args : cfg.macro(macro))
        for (const auto& a : args)
            for (const auto& w : split(a, " \t\n")) add(w);
    for (const auto& w : cfg.file_words(macro)) add(w);
    return out;
}

// m4 quoting for the dump, so FEATURE and macro lines read back as .mc.
std::string m4_call(std::string_view name, const std::vector<std::string>& args) {
    std::string out = fmt::format("{}(", name);
    for (size_t i = 0; i < args.size(); ++i) out += fmt::format("{}`{}'", i ? ", " : "", args[i]);
    return out + ")";
}

}  // namespace

Config::Config() { add_local_domain("localhost"); }

const std::string& Config::str(std::string_view name) const {
    const OptionDef& def = require_option(name);
    if (auto it = m_values.find(def.name); it != m_values.end()) return it->second;
    // Defaults live in the table; keep a stable string per option.
    static const std::map<std::string_view, std::string> defaults = [] {
        std::map<std::string_view, std::string> m;
        for (const OptionDef& o : option_table()) m.emplace(o.name, std::string(o.default_value));
        return m;
    }();
    return defaults.at(def.name);
}

long long Config::num(std::string_view name) const {
    const OptionDef& def = require_option(name);
    auto v = def.type == Type::Size ? parse_size(str(name)) : parse_int(str(name));
    return v.value_or(0);
}

bool Config::flag(std::string_view name) const { return parse_bool(str(name)).value_or(false); }

std::chrono::seconds Config::duration(std::string_view name) const {
    const OptionDef& def = require_option(name);
    return parse_duration(str(name), def.default_unit).value_or(std::chrono::seconds{0});
}

std::vector<std::string> Config::list(std::string_view name) const { return split(str(name), ", \t"); }

bool Config::is_set(std::string_view name) const { return m_values.count(require_option(name).name) != 0; }

Status Config::set(std::string_view name, std::string_view value) {
    const OptionDef* def = find_option(name);
    if (!def) return make_error(EX_CONFIG, fmt::format("unknown option \"{}\"", name));
    auto v = detail::check_value(*def, value, name);
    if (!v) return v.error();
    if (def->name == "confDOMAIN_NAME") add_local_domain(*v);
    m_values[std::string(def->name)] = std::move(*v);
    return {};
}

void Config::unset(std::string_view name) {
    if (const OptionDef* def = find_option(name)) m_values.erase(std::string(def->name));
}

bool Config::feature(std::string_view name) const { return m_features.count(name) != 0; }

std::vector<std::string> Config::feature_args(std::string_view name) const {
    auto it = m_features.find(name);
    return it == m_features.end() ? std::vector<std::string>{} : it->second;
}

void Config::enable_feature(std::string name, std::vector<std::string> args) {
    m_features[std::move(name)] = std::move(args);
}

bool Config::is_local_domain(std::string_view domain) const {
    std::string d = to_lower(domain);
    if (!d.empty() && d.back() == '.') d.pop_back();
    return m_class_w.count(d) != 0 || d == to_lower(hostname());
}

void Config::add_local_domain(std::string_view domain) {
    std::string d = to_lower(trim(domain));
    if (!d.empty()) m_class_w.insert(d);
}

std::string Config::hostname() const {
    if (const std::string& j = str("confDOMAIN_NAME"); !j.empty()) return j;
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    std::string name = buf;
    if (name.find('.') == std::string::npos) {
        addrinfo hints{};
        hints.ai_flags = AI_CANONNAME;
        addrinfo* res = nullptr;
        if (getaddrinfo(buf, nullptr, &hints, &res) == 0 && res) {
            if (res->ai_canonname && std::strchr(res->ai_canonname, '.')) name = res->ai_canonname;
            freeaddrinfo(res);
        }
    }
    return name;
}

void Config::add_macro(std::string name, std::vector<std::string> args) {
    m_macros.emplace_back(std::move(name), std::move(args));
}

std::vector<std::vector<std::string>> Config::macro(std::string_view name) const {
    std::vector<std::vector<std::string>> out;
    for (const auto& [n, args] : m_macros)
        if (n == name) out.push_back(args);
    return out;
}

void Config::add_file_words(const std::string& name, const std::vector<std::string>& words) {
    auto& v = m_file_words[name];
    v.insert(v.end(), words.begin(), words.end());
}

std::vector<std::string> Config::file_words(std::string_view name) const {
    auto it = m_file_words.find(name);
    return it == m_file_words.end() ? std::vector<std::string>{} : it->second;
}

// ---------------------------------------------------------------- typed views

std::vector<DaemonOptions> Config::daemon_options() const {
    std::vector<DaemonOptions> out;
    for (const auto& args : macro("DAEMON_OPTIONS")) {
        if (args.empty()) continue;
        auto d = parse_daemon_options(args[0]);
        if (!d) continue;  // the reader rejected it already; set by hand = skipped
        if (d->name.empty()) d->name = fmt::format("Daemon{}", out.size());
        out.push_back(std::move(*d));
    }
    if (out.empty()) out.push_back(DaemonOptions{"MTA", 25, "", "inet", "", 0});
    // sendmail's cf adds the MSA whatever DAEMON_OPTIONS say (proto.m4);
    // mailroom skips it when 587 is taken, which sendmail would fail to bind.
    bool has_587 = std::any_of(out.begin(), out.end(), [](const DaemonOptions& d) { return d.port == 587; });
    if (!feature("no_default_msa") && !has_587) out.push_back(DaemonOptions{"MSA", 587, "", "inet", "E", 0});
    return out;
}

std::vector<DaemonOptions> Config::client_options() const {
    std::vector<DaemonOptions> out;
    for (const auto& args : macro("CLIENT_OPTIONS"))
        if (!args.empty())
            if (auto d = parse_daemon_options(args[0])) out.push_back(std::move(*d));
    return out;
}

std::string Config::masquerade_as() const {
    auto calls = macro("MASQUERADE_AS");
    if (calls.empty() || calls.back().empty()) return "";
    return to_lower(trim(calls.back()[0]));
}

std::vector<std::string> Config::masquerade_domains() const { return class_words(*this, "MASQUERADE_DOMAIN", true); }
std::vector<std::string> Config::relay_domains() const { return class_words(*this, "RELAY_DOMAIN", true); }
std::vector<std::string> Config::generics_domains() const { return class_words(*this, "GENERICS_DOMAIN", true); }
std::vector<std::string> Config::virtuser_domains() const { return class_words(*this, "VIRTUSER_DOMAIN", true); }

std::vector<std::string> Config::trust_auth_mechs() const {
    std::vector<std::string> out;
    for (const auto& w : class_words(*this, "TRUST_AUTH_MECH", false)) {
        std::string u = w;
        std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        out.push_back(u);
    }
    return out;
}

std::set<std::string> Config::exposed_users() const {
    auto v = class_words(*this, "EXPOSED_USER", false);
    return {v.begin(), v.end()};
}

std::set<std::string> Config::trusted_users() const {
    std::set<std::string> out;
    for (const auto& u : list("confTRUSTED_USERS")) out.insert(u);
    for (const auto& u : file_words("confCT_FILE")) out.insert(u);
    return out;
}

std::set<std::string> Config::privacy_flags() const {
    std::set<std::string> out;
    for (const auto& item : list("confPRIVACY_FLAGS")) {
        std::string f = to_lower(item);
        if (f == "public") continue;
        if (f == "goaway") {
            for (std::string_view g : goaway_flags()) out.emplace(g);
            continue;
        }
        out.insert(f);
    }
    if (out.count("noexpn")) out.insert("noverb");  // op.txt: noexpn implies noverb
    return out;
}

// ---------------------------------------------------------------- dump

std::vector<std::string> Config::dump_changed() const {
    std::vector<std::string> out;
    for (const auto& [name, value] : m_values) out.push_back(fmt::format("{} = {}", name, value));
    for (const auto& [name, args] : m_features) {
        std::vector<std::string> all{name};
        all.insert(all.end(), args.begin(), args.end());
        out.push_back(m4_call("FEATURE", all));
    }
    for (const auto& [name, args] : m_macros) out.push_back(m4_call(name, args));
    for (const auto& w : m_warnings) out.push_back("warning: " + w.format());
    return out;
}

std::vector<std::string> Config::dump_all() const {
    std::vector<std::string> out;
    for (const OptionDef& o : option_table()) out.push_back(fmt::format("{} = {}", o.name, str(o.name)));
    std::sort(out.begin(), out.end());
    return out;
}

// ---------------------------------------------------------------- helpers

std::string default_path() {
    if (const char* p = std::getenv("MAILROOM_CONFIG"); p && *p) return p;
    return "/etc/mail/sendmail.mc";
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text, char default_unit) {
    std::string_view s = trim(text);
    if (s.empty()) return std::nullopt;
    long long total = 0;
    size_t i = 0;
    while (i < s.size()) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
        long long n = 0;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
            n = n * 10 + (s[i] - '0');
            if (n > 100000000000LL) return std::nullopt;
            ++i;
        }
        char unit = i < s.size() ? s[i++] : default_unit;
        long long mult = 0;
        switch (std::tolower(static_cast<unsigned char>(unit))) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = 86400; break;
        case 'w': mult = 7 * 86400; break;
        default: return std::nullopt;
        }
        total += n * mult;
        if (total > 100000000000LL * 7) return std::nullopt;  // keeps the sum from overflowing
    }
    return std::chrono::seconds{total};
}

}  // namespace mail::config
