// mc_reader.cpp — the sendmail.mc reader and the sendmail.cf subset (see
// config.h, docs/config.md, sendmail.mc(5)).
//
// The reader understands the m4 subset that sendmail.mc files use: `dnl',
// `#' comments, `quoted' text, and calls NAME(arg, …) with quoted arguments.
// It does not expand macros: each call is interpreted directly, in file
// order, and include() reads another file in place.
//
// SECURITY: the file is trusted (root or the instance owner wrote it) but
// read defensively: every error and warning names file:line, nesting is
// bounded, and no input aborts the process.
#include "libmail/config/config.h"

#include "libmail/config/values.h"
#include "libmail/util/strings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mail::config {

namespace {

namespace fs = std::filesystem;

constexpr int k_max_include_depth = 10;

// One macro call found in the text.
struct Call {
    std::string name;
    std::vector<std::string> args;
    int line = 0;
    bool has_parens = false;
};

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Splits m4-ish text into calls.  Text outside calls is ignored (m4 would
// copy it to the .cf output; we have none).  Errors: unterminated quote or
// call, with the line where it began.
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
                    calls.push_back(Call{word, std::move(*args), line, true});
                } else {
                    calls.push_back(Call{word, {}, line, false});
                }
                continue;
            }
            ++m_pos;
        }
        return calls;
    }

private:
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

    // At '(': reads comma-separated arguments up to the matching ')'.  An
    // unquoted `dnl' inside the arguments eats the rest of its line, as m4
    // does while collecting them (Debian: `define(`confPRIVACY_FLAGS',dnl').
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
            if (is_ident_start(c) && (cur.empty() || !is_ident(cur.back()))) {
                std::string word = read_ident();
                if (word == "dnl") {
                    skip_to_eol(true);
                    continue;
                }
                cur += word;
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

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// m4 strips one level of quotes when the argument is read and another when
// the value is used in the .cf; `confDEF_USER_ID', ``8:12'' means 8:12.
std::string unquote(std::string_view v) {
    if (v.size() >= 2 && v.front() == '`' && v.back() == '\'') return std::string(v.substr(1, v.size() - 2));
    return std::string(v);
}

Result<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(EX_CONFIG, std::strerror(errno));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The words of a class file (sendmail's F line): every word of every line,
// `#' lines skipped.
std::vector<std::string> file_class_words(const std::string& text) {
    std::vector<std::string> out;
    for (const auto& line : split(text, "\n")) {
        auto t = trim(line);
        if (t.empty() || t[0] == '#') continue;
        for (auto& w : split(t, " \t")) out.push_back(std::move(w));
    }
    return out;
}

// A path from the file: `-o ' in front means optional (sendmail's F-o);
// relative paths are relative to the directory of the file naming them.
struct FileRef {
    std::string path;
    bool optional = false;
};

FileRef file_ref(std::string_view text, const std::string& from) {
    std::string_view t = trim(text);
    FileRef r;
    if (t.substr(0, 2) == "-o" && (t.size() == 2 || t[2] == ' ' || t[2] == '\t')) {
        r.optional = true;
        t = trim(t.substr(2));
    }
    fs::path p(t);
    if (p.is_relative() && !p.empty()) p = fs::path(from).parent_path() / p;
    r.path = p.string();
    return r;
}

// Domain names and user names in class macros: printable, no quoting, no
// '@' (that would be an address, not a domain), no ',' (m4 would have split).
bool plain_word(std::string_view w) {
    if (w.empty()) return false;
    for (unsigned char c : w)
        if (c <= ' ' || c >= 127 || c == '@' || c == ',' || c == '`' || c == '\'') return false;
    return true;
}

bool domain_word(std::string_view w) {
    if (!plain_word(w)) return false;
    for (unsigned char c : w)
        if (!std::isalnum(c) && c != '.' && c != '-' && c != '_' && c != '[' && c != ']' && c != ':') return false;
    return true;
}

class McReader {
public:
    Result<Config> run(std::string_view text, const std::string& path) {
        m_cfg.set_source(path);
        if (Status s = read(text, path, 0); !s) return s.error();
        if (Status s = finish(); !s) return s.error();
        return std::move(m_cfg);
    }

private:
    Error fail(const std::string& path, int line, std::string text) {
        return make_error(EX_CONFIG, Diagnostic{path, line, std::move(text)}.format());
    }
    void warn(const std::string& path, int line, std::string text) {
        m_cfg.warn(Diagnostic{path, line, std::move(text)});
    }

    Status read(std::string_view text, const std::string& path, int depth) {
        auto calls = McLexer(text, path).run();
        if (!calls) return calls.error();
        fs::path canon = fs::weakly_canonical(fs::absolute(path, m_ec), m_ec);
        m_stack.push_back(canon.string());
        for (const Call& c : *calls)
            if (Status s = apply(c, path, depth); !s) return s;
        m_stack.pop_back();
        return {};
    }

    Status apply(const Call& c, const std::string& path, int depth) {
        const std::string& n = c.name;
        auto fail_here = [&](std::string t) { return Status(fail(path, c.line, std::move(t))); };
        if (n == "define") return apply_define(c, path);
        if (n == "undefine") {
            for (const auto& a : c.args) m_cfg.unset(a);
            return {};
        }
        if (n == "include" || n == "sinclude") return apply_include(c, path, depth);
        if (n == "FEATURE") return apply_feature(c, path);
        if (starts_with_any(n, {"LOCAL_RULE_", "LOCAL_RULESETS", "LOCAL_CONFIG", "LOCAL_NET_CONFIG", "LOCAL_SRV_FEATURES",
                                "LOCAL_TRY_TLS", "LOCAL_STARTTLS", "HACK", "SITECONFIG"}))
            return fail_here(fmt::format("{}: rewriting rules are not supported", n));
        // m4 plumbing and framework macros: nothing to do.  MAILERDEFS is
        // Debian's (DOMAIN(debian-mta) defines it).
        if (n == "divert" || n == "undivert" || n == "VERSIONID" || n == "OSTYPE" || n == "DOMAIN" ||
            n == "MAILERDEFS")
            return {};
        if (find_macro(n) && c.has_parens) return apply_macro(c, path);
        warn(path, c.line, fmt::format("unknown construct {} ignored", n));
        return {};
    }

    Status apply_define(const Call& c, const std::string& path) {
        if (c.args.empty() || c.args[0].empty()) return fail(path, c.line, "define() needs a name");
        const std::string& name = c.args[0];
        std::string value = c.args.size() > 1 ? unquote(c.args[1]) : "";
        if (!find_option(name) || name != find_option(name)->name) {
            // .cf names (MaxHopCount) belong in O lines, not define().
            warn(path, c.line, fmt::format("unknown option {} ignored", name));
            return {};
        }
        if (Status s = m_cfg.set(name, value); !s) return fail(path, c.line, s.error().message);
        return {};
    }

    Status apply_include(const Call& c, const std::string& path, int depth) {
        if (c.args.size() != 1 || c.args[0].empty()) return fail(path, c.line, fmt::format("{}() needs one file name", c.name));
        const std::string& arg = c.args[0];
        // The m4 framework itself (Debian /usr/share/sendmail/cf/m4/cf.m4,
        // RedHat /usr/share/sendmail-cf/m4/cf.m4): what it defines is built in.
        if (ends_with(arg, "m4/cf.m4") || arg == "cf.m4") return {};
        fs::path p(arg);
        if (p.is_relative()) p = fs::path(path).parent_path() / p;
        std::string inc = p.string();
        if (depth + 1 > k_max_include_depth)
            return fail(path, c.line, fmt::format("include nesting deeper than {} at \"{}\"", k_max_include_depth, arg));
        std::string canon = fs::weakly_canonical(fs::absolute(p, m_ec), m_ec).string();
        if (std::find(m_stack.begin(), m_stack.end(), canon) != m_stack.end())
            return fail(path, c.line, fmt::format("include loop: \"{}\" is already being read", arg));
        auto text = read_file(inc);
        if (!text) {
            if (c.name == "sinclude") return {};  // m4's silent include
            return fail(path, c.line, fmt::format("cannot read include file \"{}\": {}", inc, text.error().message));
        }
        return read(*text, inc, depth + 1);
    }

    Status apply_feature(const Call& c, const std::string& path) {
        if (c.args.empty() || c.args[0].empty()) return fail(path, c.line, "FEATURE() needs a name");
        std::string name = unquote(c.args[0]);
        std::vector<std::string> args;
        for (size_t i = 1; i < c.args.size(); ++i) args.push_back(unquote(c.args[i]));
        if (!find_feature(name)) {
            warn(path, c.line, fmt::format("unknown FEATURE {} ignored", name));
            return {};
        }
        if (name == "greet_pause" && !args.empty() && !args[0].empty()) {
            auto ms = detail::parse_int(args[0]);
            if (!ms || *ms < 0 || *ms > 600000)
                return fail(path, c.line, fmt::format("FEATURE(greet_pause): not milliseconds: \"{}\"", args[0]));
        }
        if (name == "use_cw_file") m_cw_line = {path, c.line};
        if (name == "use_ct_file") m_ct_line = {path, c.line};
        m_cfg.enable_feature(std::move(name), std::move(args));
        return {};
    }

    Status apply_macro(const Call& c, const std::string& path) {
        const std::string& n = c.name;
        auto err = [&](std::string t) { return Status(fail(path, c.line, fmt::format("{}: {}", n, t))); };
        std::vector<std::string> args;
        for (const auto& a : c.args) args.push_back(unquote(a));
        if (args.empty()) return err("needs an argument");
        if (ends_with(n, "_FILE")) {
            if (args.size() != 1 || args[0].empty()) return err("needs one file name");
            std::string base(n.substr(0, n.size() - 5));
            FileRef ref = file_ref(args[0], path);
            auto text = read_file(ref.path);
            if (text) {
                m_cfg.add_file_words(base, file_class_words(*text));
            } else if (!ref.optional) {
                return err(fmt::format("cannot read \"{}\": {}", ref.path, text.error().message));
            }
        } else if (n == "DAEMON_OPTIONS" || n == "CLIENT_OPTIONS") {
            if (args.size() != 1) return err("needs one argument (quote it: `Port=587, Name=MSA')");
            std::vector<std::string> ignored;
            auto d = parse_daemon_options(args[0], &ignored);
            if (!d) return err(d.error().message);
            for (const auto& k : ignored) warn(path, c.line, fmt::format("{}: key {} ignored", n, k));
        } else if (n == "MAILER") {
            if (args.size() != 1) return err("needs one mailer name");
            if (args[0] != "local" && args[0] != "smtp" && args[0] != "procmail") {
                warn(path, c.line, fmt::format("MAILER({}) is not supported, ignored", args[0]));
                return {};
            }
        } else if (n == "INPUT_MAIL_FILTER" || n == "MAIL_FILTER") {
            if (args.size() != 2 || args[0].empty()) return err("needs a name and `S=socket, …'");
            if (args[1].find("S=") == std::string::npos) return err(fmt::format("no S= socket in \"{}\"", args[1]));
        } else if (n == "MASQUERADE_AS") {
            if (args.size() != 1 || !domain_word(trim(args[0])))
                return err(fmt::format("not a domain name: \"{}\"", join(args, ", ")));
        } else {
            // Class macros: words separated by white space.
            bool domains = n != "EXPOSED_USER" && n != "TRUST_AUTH_MECH";
            for (const auto& a : args)
                for (const auto& w : split(a, " \t\n"))
                    if (!(domains ? domain_word(w) : plain_word(w)))
                        return err(fmt::format("not a {}: \"{}\"", domains ? "domain name" : "name", w));
            if (n == "LOCAL_DOMAIN")
                for (const auto& a : args)
                    for (const auto& w : split(a, " \t\n")) m_cfg.add_local_domain(w);
        }
        m_cfg.add_macro(n, std::move(args));
        return {};
    }

    // Class files named by options: read once the whole file is known, as
    // sendmail reads the Fw line of the generated .cf.
    Status finish() {
        if (m_cfg.feature("use_cw_file")) {
            FileRef ref = file_ref(m_cfg.str("confCW_FILE"), m_cw_line.first);
            auto text = read_file(ref.path);
            if (text) {
                for (const auto& w : file_class_words(*text)) m_cfg.add_local_domain(w);
            } else if (!ref.optional) {
                warn(m_cw_line.first, m_cw_line.second,
                     fmt::format("FEATURE(use_cw_file): cannot read \"{}\": {}", ref.path, text.error().message));
            }
        }
        if (m_cfg.feature("use_ct_file")) {
            FileRef ref = file_ref(m_cfg.str("confCT_FILE"), m_ct_line.first);
            auto text = read_file(ref.path);
            if (text) {
                m_cfg.add_file_words("confCT_FILE", file_class_words(*text));
            } else if (!ref.optional) {
                warn(m_ct_line.first, m_ct_line.second,
                     fmt::format("FEATURE(use_ct_file): cannot read \"{}\": {}", ref.path, text.error().message));
            }
        }
        return {};
    }

    Config m_cfg;
    std::vector<std::string> m_stack;  // canonical paths of the files being read
    std::pair<std::string, int> m_cw_line{"", 0};
    std::pair<std::string, int> m_ct_line{"", 0};
    std::error_code m_ec;  // filesystem errors only make canonical names less canonical
};

}  // namespace

Result<Config> parse_mc(std::string_view text, const std::string& path) { return McReader().run(text, path); }

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
                FileRef ref = file_ref(line.substr(2), path);
                auto body = read_file(ref.path);
                if (body) {
                    for (const auto& w : file_class_words(*body)) cfg.add_local_domain(w);
                } else if (!ref.optional) {
                    return fail(fmt::format("cannot read \"{}\": {}", ref.path, body.error().message));
                }
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
            const OptionDef* def = find_option(name);
            // O lines take sendmail.cf names only (define() takes the .mc ones).
            if (!def || !iequals(def->cf_name, name)) return fail(fmt::format("unknown option \"{}\"", name));
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
    auto text = read_file(path);
    if (!text) return make_error(EX_CONFIG, fmt::format("{}: cannot open: {}", path, text.error().message));
    if (ends_with(path, ".cf")) return parse_cf(*text, path);
    return parse_mc(*text, path);
}

}  // namespace mail::config
