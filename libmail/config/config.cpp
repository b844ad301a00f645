// config.cpp — Config values and the sendmail.mc reader (see config.h,
// docs/config.md).
//
// The reader understands the m4 subset that sendmail.mc files use: `dnl`,
// `#` comments, `quoted' text, and calls NAME(arg, …) with quoted arguments.
// It does not expand macros: each call is interpreted directly.
#include "libmail/config/config.h"

#include "libmail/util/strings.h"

#include <fmt/format.h>
#include <netdb.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mail::config {

std::string Diagnostic::format() const { return fmt::format("{}:{}: {}", file, line, text); }

// ---------------------------------------------------------------- values

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
    if (!n || *n < 0) return std::nullopt;
    return *n * mult;
}

Status check_value(const OptionDef& def, std::string_view value) {
    auto bad = [&](std::string_view what) {
        return Status(make_error(EX_CONFIG, fmt::format("{}: {} \"{}\"", def.name, what, value)));
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
        if (!parse_duration(value)) return bad("not a time (like 30s, 4h, 5d):");
        break;
    default:
        break;
    }
    return {};
}

}  // namespace

Config::Config() { add_local_domain("localhost"); }

const std::string& Config::str(std::string_view name) const {
    const OptionDef& def = require_option(name);
    if (auto it = m_values.find(def.name); it != m_values.end()) return it->second;
    // Defaults live in the table; keep a stable string per option.
    static std::map<std::string_view, std::string> defaults;
    static const bool filled = [] {
        for (const OptionDef& o : option_table()) defaults.emplace(o.name, std::string(o.default_value));
        return true;
    }();
    (void)filled;
    return defaults.at(def.name);
}

long long Config::num(std::string_view name) const {
    const OptionDef& def = require_option(name);
    auto v = def.type == Type::Size ? parse_size(str(name)) : parse_int(str(name));
    return v.value_or(0);
}

bool Config::flag(std::string_view name) const { return parse_bool(str(name)).value_or(false); }

std::chrono::seconds Config::duration(std::string_view name) const {
    return parse_duration(str(name)).value_or(std::chrono::seconds{0});
}

std::vector<std::string> Config::list(std::string_view name) const { return split(str(name), ", \t"); }

bool Config::is_set(std::string_view name) const { return m_values.count(require_option(name).name) != 0; }

Status Config::set(std::string_view name, std::string_view value) {
    const OptionDef* def = find_option(name);
    if (!def) return make_error(EX_CONFIG, fmt::format("unknown option \"{}\"", name));
    if (Status s = check_value(*def, value); !s) return s;
    m_values[std::string(def->name)] = std::string(trim(value));
    if (def->name == "confDOMAIN_NAME") add_local_domain(trim(value));
    return {};
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

std::vector<std::string> Config::dump_changed() const {
    std::vector<std::string> out;
    for (const auto& [name, value] : m_values) out.push_back(fmt::format("{} = {}", name, value));
    for (const auto& [name, args] : m_features)
        out.push_back(args.empty() ? fmt::format("FEATURE({})", name)
                                   : fmt::format("FEATURE({}, {})", name, join(args, ", ")));
    for (const auto& [name, args] : m_macros) out.push_back(fmt::format("{}({})", name, join(args, ", ")));
    return out;
}

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
    }
    return std::chrono::seconds{total};
}

// ---------------------------------------------------------------- the .mc reader

namespace {

// One macro call found in the text.
struct Call {
    std::string name;
    std::vector<std::string> args;
    int line = 0;
};

// Splits m4-ish text into calls.  Text outside calls is ignored (it would be
// copied to the .cf output by m4; we have none).  Errors: unterminated quote
// or call, with the line where it began.
class McLexer {
public:
    McLexer(std::string_view text, const std::string& path) : m_text(text), m_path(path) {}

    Result<std::vector<Call>> run() {
        std::vector<Call> calls;
        while (m_pos < m_text.size()) {
            char c = m_text[m_pos];
            if (c == '\n') { ++m_line; ++m_pos; continue; }
            if (c == '#') { skip_to_eol(); continue; }
            if (c == '`') {
                auto q = read_quoted();
                if (!q) return q.error();
                continue;
            }
            if (is_ident_start(c)) {
                int line = m_line;
                std::string word = read_ident();
                if (word == "dnl") { skip_to_eol(true); continue; }
                if (m_pos < m_text.size() && m_text[m_pos] == '(') {
                    auto args = read_args(line);
                    if (!args) return args.error();
                    calls.push_back(Call{word, std::move(*args), line});
                } else {
                    calls.push_back(Call{word, {}, line});
                }
                continue;
            }
            ++m_pos;
        }
        return calls;
    }

private:
    static bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
    static bool is_ident(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

    Error error_at(int line, std::string text) const {
        return make_error(EX_CONFIG, fmt::format("{}:{}: {}", m_path, line, text));
    }

    void skip_to_eol(bool eat_newline = false) {
        while (m_pos < m_text.size() && m_text[m_pos] != '\n') ++m_pos;
        if (eat_newline && m_pos < m_text.size()) { ++m_pos; ++m_line; }
    }

    std::string read_ident() {
        size_t start = m_pos;
        while (m_pos < m_text.size() && is_ident(m_text[m_pos])) ++m_pos;
        return std::string(m_text.substr(start, m_pos - start));
    }

    // At a backquote: returns the text inside one level of `...' (nested quotes kept).
    Result<std::string> read_quoted() {
        int start_line = m_line;
        int depth = 0;
        std::string out;
        while (m_pos < m_text.size()) {
            char c = m_text[m_pos++];
            if (c == '\n') ++m_line;
            if (c == '`') {
                if (depth++ == 0) continue;
            } else if (c == '\'') {
                if (--depth == 0) return out;
            }
            out += c;
        }
        return error_at(start_line, "unterminated quoted string (missing ')");
    }

    // At '(': reads comma-separated arguments up to the matching ')'.
    Result<std::vector<std::string>> read_args(int start_line) {
        ++m_pos;  // '('
        std::vector<std::string> args;
        std::string cur;
        int parens = 0;
        bool leading = true;  // m4 drops unquoted leading whitespace of each argument
        while (m_pos < m_text.size()) {
            char c = m_text[m_pos];
            if (c == '`') {
                auto q = read_quoted();
                if (!q) return q.error();
                cur += *q;
                leading = false;
                continue;
            }
            ++m_pos;
            if (c == '\n') ++m_line;
            if (leading && (c == ' ' || c == '\t' || c == '\n')) continue;
            if (c == '(') ++parens;
            if (c == ')' && parens-- == 0) {
                args.push_back(std::string(trim_right(cur)));
                if (args.size() == 1 && args[0].empty()) args.clear();
                return args;
            }
            if (c == ',' && parens == 0) {
                args.push_back(std::string(trim_right(cur)));
                cur.clear();
                leading = true;
                continue;
            }
            cur += c;
            leading = false;
        }
        return error_at(start_line, "unterminated macro call (missing ')')");
    }

    std::string_view m_text;
    const std::string& m_path;
    size_t m_pos = 0;
    int m_line = 1;
};

bool starts_with_any(std::string_view s, std::initializer_list<std::string_view> prefixes) {
    for (auto p : prefixes)
        if (s.substr(0, p.size()) == p) return true;
    return false;
}

}  // namespace

Result<Config> parse_mc(std::string_view text, const std::string& path) {
    auto calls = McLexer(text, path).run();
    if (!calls) return calls.error();
    Config cfg;
    cfg.set_source(path);
    auto diag = [&](const Call& c, std::string t) { return Diagnostic{path, c.line, std::move(t)}; };
    auto fail = [&](const Call& c, std::string t) { return make_error(EX_CONFIG, diag(c, std::move(t)).format()); };

    for (const Call& c : *calls) {
        const std::string& n = c.name;
        if (n == "define") {
            if (c.args.size() < 1) return fail(c, "define() needs a name");
            std::string value = c.args.size() > 1 ? c.args[1] : "";
            if (find_option(c.args[0])) {
                if (Status s = cfg.set(c.args[0], value); !s) return fail(c, s.error().message);
            } else {
                cfg.warn(diag(c, fmt::format("unknown option {} ignored", c.args[0])));
            }
        } else if (n == "FEATURE") {
            if (c.args.empty()) return fail(c, "FEATURE() needs a name");
            cfg.enable_feature(c.args[0], std::vector<std::string>(c.args.begin() + 1, c.args.end()));
        } else if (n == "LOCAL_DOMAIN") {
            for (const auto& a : c.args)
                for (const auto& d : split(a, " \t")) cfg.add_local_domain(d);
        } else if (starts_with_any(n, {"LOCAL_RULE_", "LOCAL_RULESETS", "LOCAL_CONFIG", "LOCAL_NET_CONFIG",
                                        "HACK", "SITECONFIG"})) {
            return fail(c, fmt::format("{}: rewriting rules are not supported", n));
        } else if (n == "divert" || n == "undivert" || n == "VERSIONID" || n == "OSTYPE" || n == "DOMAIN" ||
                   n == "MAILER" || n == "include") {
            // m4 plumbing and framework macros: nothing to do.
        } else if (std::isupper(static_cast<unsigned char>(n[0])) && !c.args.empty()) {
            cfg.add_macro(n, c.args);
        } else if (!c.args.empty() || std::isupper(static_cast<unsigned char>(n[0]))) {
            cfg.warn(diag(c, fmt::format("unknown construct {} ignored", n)));
        }
    }
    if (cfg.feature("use_cw_file")) {
        std::ifstream cw(cfg.str("confCW_FILE"));
        std::string line;
        while (std::getline(cw, line)) {
            auto t = trim(line);
            if (!t.empty() && t[0] != '#') cfg.add_local_domain(t);
        }
    }
    return cfg;
}

Result<Config> parse_cf(std::string_view text, const std::string& path) {
    Config cfg;
    cfg.set_source(path);
    int lineno = 0;
    for (const std::string& raw : split(text, "\n", false)) {
        ++lineno;
        std::string_view line = trim_right(raw);
        if (line.empty() || line[0] == '#') continue;
        auto fail = [&](std::string t) { return make_error(EX_CONFIG, fmt::format("{}: line {}: {}", path, lineno, t)); };
        switch (line[0]) {
        case 'C':
            if (line.size() > 1 && line[1] == 'w') {
                for (const auto& d : split(line.substr(2), " \t")) cfg.add_local_domain(d);
                continue;
            }
            break;
        case 'F':
            if (line.size() > 1 && line[1] == 'w') {
                std::string file(trim(line.substr(2)));
                if (!file.empty() && file[0] == '-') file = std::string(trim(std::string_view(file).substr(1)));
                std::ifstream cw(file);
                std::string l;
                while (std::getline(cw, l))
                    if (auto t = trim(l); !t.empty() && t[0] != '#') cfg.add_local_domain(t);
                continue;
            }
            break;
        case 'D':
            if (line.size() > 1 && line[1] == 'j') {
                if (Status s = cfg.set("confDOMAIN_NAME", line.substr(2)); !s) return fail(s.error().message);
                continue;
            }
            break;
        case 'O': {
            auto body = trim(line.substr(1));
            auto eq = body.find('=');
            if (eq == std::string_view::npos) return fail(fmt::format("option without value \"{}\"", line));
            auto name = trim(body.substr(0, eq));
            if (!find_option(name)) return fail(fmt::format("unknown option \"{}\"", name));
            if (Status s = cfg.set(name, body.substr(eq + 1)); !s) return fail(s.error().message);
            continue;
        }
        default:
            break;
        }
        return fail(fmt::format("unknown configuration line \"{}\"", line));
    }
    return cfg;
}

Result<Config> load(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error(EX_CONFIG, fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (path.size() > 3 && path.compare(path.size() - 3, 3, ".cf") == 0) return parse_cf(text, path);
    return parse_mc(text, path);
}

}  // namespace mail::config
