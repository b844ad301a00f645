// address.cpp — see address.h.
#include "libmail/address/address.h"

#include "libmail/util/strings.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cstring>

namespace mail::address {

namespace {

// ---------------------------------------------------------------- shared --

// RFC 5322 §3.2.3 atext, plus UTF-8 bytes (RFC 6532 §3.2).
bool is_atext(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) return true;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr && c != '\0';
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A short printable excerpt of hostile input for error messages.
std::string excerpt(std::string_view text) {
    constexpr size_t k_max = 80;
    std::string out;
    for (size_t i = 0; i < text.size() && i < k_max; ++i) {
        auto u = static_cast<unsigned char>(text[i]);
        out += (u < 32 || u == 127) ? '?' : text[i];
    }
    if (text.size() > k_max) out += "...";
    return out;
}

// ------------------------------------------------------ RFC 5322 lexer --

enum class Kind { Atom, Quoted, Literal, Comment, Special };

struct Token {
    Kind kind;
    std::string text;  // atom text, unquoted string, "[literal]", comment text, or the special
    bool space_before = false;
    bool is(char special) const { return kind == Kind::Special && text[0] == special; }
    bool is_word() const { return kind == Kind::Atom || kind == Kind::Quoted; }
};

class Lexer {
public:
    explicit Lexer(std::string_view in) : m_in(in) {}

    Result<std::vector<Token>> run() {
        std::vector<Token> out;
        bool space = false;
        size_t i = 0;
        while (i < m_in.size()) {
            char c = m_in[i];
            if (is_space(c)) {
                space = true;
                ++i;
                continue;
            }
            Token t{Kind::Special, std::string(1, c), space};
            if (c == '(') {
                auto end = comment(i, t.text);
                if (!end) return end.error();
                t.kind = Kind::Comment;
                i = *end;
                space = true;  // a comment separates words like white space
                out.push_back(std::move(t));
                continue;
            }
            space = false;
            if (c == '"') {
                auto end = quoted(i, t.text);
                if (!end) return end.error();
                t.kind = Kind::Quoted;
                i = *end;
            } else if (c == '[') {
                auto end = literal(i, t.text);
                if (!end) return end.error();
                t.kind = Kind::Literal;
                i = *end;
            } else if (std::strchr("<>@,;:.", c) && c != '\0') {
                ++i;
            } else if (c == ')' || c == ']') {
                return fail(fmt::format("unbalanced '{}'", c));
            } else if (is_atext(c)) {
                size_t j = i;
                while (j < m_in.size() && is_atext(m_in[j])) ++j;
                t.kind = Kind::Atom;
                t.text = std::string(m_in.substr(i, j - i));
                i = j;
            } else {
                return fail(c == '\\' ? "stray '\\'" : "invalid character");
            }
            out.push_back(std::move(t));
        }
        return out;
    }

    Error fail(std::string_view what) const {
        return make_error(EX_DATAERR, fmt::format("{} in \"{}\"", what, excerpt(m_in)));
    }

private:
    // §3.2.2: comments nest and may hold quoted-pairs.  Nesting is only a
    // counter, so deep nesting costs nothing.  Returns the index after ')'.
    Result<size_t> comment(size_t i, std::string& text) {
        text.clear();
        size_t depth = 0;
        for (; i < m_in.size(); ++i) {
            char c = m_in[i];
            if (c == '\\' && i + 1 < m_in.size()) {
                text += m_in[++i];
                continue;
            }
            if (c == '(' && depth++ == 0) continue;
            if (c == ')' && --depth == 0) {
                text = std::string(trim(text));
                return i + 1;
            }
            text += c;
        }
        return fail("unbalanced '('");
    }

    // §3.2.4 quoted-string; returns the index after the closing quote.
    Result<size_t> quoted(size_t i, std::string& text) {
        text.clear();
        for (++i; i < m_in.size(); ++i) {
            char c = m_in[i];
            if (c == '\\' && i + 1 < m_in.size()) {
                text += m_in[++i];
            } else if (c == '"') {
                return i + 1;
            } else {
                text += c;
            }
        }
        return fail("unterminated quoted string");
    }

    // §3.4.1 domain-literal, kept as written including the brackets.
    Result<size_t> literal(size_t i, std::string& text) {
        size_t start = i;
        for (++i; i < m_in.size(); ++i) {
            char c = m_in[i];
            if (c == '\\' && i + 1 < m_in.size()) {
                ++i;
            } else if (c == '[') {
                break;
            } else if (c == ']') {
                text = std::string(m_in.substr(start, i + 1 - start));
                return i + 1;
            }
        }
        return fail("unbalanced '['");
    }

    std::string_view m_in;
};

// ----------------------------------------------------- RFC 5322 parser --

class ListParser {
public:
    ListParser(const Lexer& lexer, std::vector<Token> tokens) : m_lexer(lexer), m_t(std::move(tokens)) {}

    Result<std::vector<Mailbox>> run() {
        size_t start = 0;  // first token of the current list element
        size_t i = 0;
        while (i < m_t.size()) {
            const Token& t = m_t[i];
            if (t.is(',') || t.is(';')) {
                if (t.is(';') && !m_in_group) return m_lexer.fail("unexpected ';'");
                if (Status st = plain(start, i); !st) return st.error();
                if (t.is(';')) m_in_group = false;
                start = ++i;
            } else if (t.is(':')) {
                // §3.4 group: display-name ":" [group-list] ";".  Members are
                // kept, the name is dropped.
                if (m_in_group) return m_lexer.fail("nested group");
                if (!phrase_only(start, i)) return m_lexer.fail("unexpected ':'");
                m_in_group = true;
                start = ++i;
            } else if (t.is('<')) {
                auto end = angle(start, i);
                if (!end) return end.error();
                start = i = *end;
            } else if (t.is('>')) {
                return m_lexer.fail("unbalanced '>'");
            } else {
                ++i;
            }
        }
        // A group left open at the end ("undisclosed-recipients:") is tolerated.
        if (Status st = plain(start, m_t.size()); !st) return st.error();
        return std::move(m_out);
    }

private:
    // True if [from, to) holds at least one word and only words, dots and comments.
    bool phrase_only(size_t from, size_t to) const {
        bool word = false;
        for (size_t k = from; k < to; ++k) {
            if (m_t[k].is_word()) word = true;
            else if (!m_t[k].is('.') && m_t[k].kind != Kind::Comment) return false;
        }
        return word;
    }

    // The display name: the phrase's words joined as written.
    std::string phrase(size_t from, size_t to) const {
        std::string out;
        for (size_t k = from; k < to; ++k) {
            if (m_t[k].kind == Kind::Comment) continue;
            if (!out.empty() && m_t[k].space_before) out += ' ';
            out += m_t[k].text;
        }
        return out;
    }

    size_t skip_comments(size_t k, size_t to, std::string* first = nullptr) const {
        for (; k < to && m_t[k].kind == Kind::Comment; ++k)
            if (first && first->empty()) *first = m_t[k].text;
        return k;
    }

    // name-addr: phrase "<" [obs-route] addr-spec ">".  Returns the index
    // after '>'.
    Result<size_t> angle(size_t start, size_t open) {
        size_t close = open + 1;
        while (close < m_t.size() && !m_t[close].is('>') && !m_t[close].is('<')) ++close;
        if (close == m_t.size() || m_t[close].is('<')) return m_lexer.fail("unbalanced '<'");
        size_t k = skip_comments(open + 1, close);
        if (k == close) return m_lexer.fail("empty address <>");
        if (m_t[k].is('@')) {
            // §4.4 obs-route: "@a,@b:" before the addr-spec, dropped.
            while (k < close && !m_t[k].is(':')) ++k;
            if (k == close) return m_lexer.fail("bad source route");
            ++k;
        }
        Mailbox mb;
        auto end = addr_spec(k, close, mb);
        if (!end) return end.error();
        if (skip_comments(*end, close) != close)
            return m_lexer.fail(fmt::format("unexpected '{}' in angle address", m_t[*end].text));
        mb.display_name = phrase(start, open);
        m_out.push_back(std::move(mb));
        return close + 1;
    }

    // One or more addr-specs in [from, to) with no '<'; whitespace between
    // two of them stands for a missing comma.  Comments name the mailbox
    // they follow ("a@b (Full Name)").
    Status plain(size_t from, size_t to) {
        size_t k = from;
        while (k < to) {
            std::string comment;
            k = skip_comments(k, to, &comment);
            if (k == to) break;
            Mailbox mb;
            auto end = addr_spec(k, to, mb);
            if (!end) return end.error();
            k = skip_comments(*end, to, &comment);
            mb.display_name = comment;
            m_out.push_back(std::move(mb));
        }
        return {};
    }

    // addr-spec = local-part ["@" domain] starting at k (a bare local name
    // is allowed).  Stops before the first token that cannot continue it.
    Result<size_t> addr_spec(size_t k, size_t to, Mailbox& mb) {
        if (!m_t[k].is_word())
            return m_lexer.fail(m_t[k].is('@') ? std::string("missing local part")
                                               : fmt::format("unexpected '{}'", excerpt(m_t[k].text)));
        // §4.4 obs-local-part: words and dots, comments and spaces allowed between.
        bool want_word = true;
        for (;;) {
            size_t n = skip_comments(k, to);
            if (n == to) break;
            if (want_word && m_t[n].is_word()) {
                mb.local += m_t[n].text;
                want_word = false;
            } else if (m_t[n].is('.')) {
                mb.local += '.';  // "a..b" is kept; addr_spec() will quote it
                want_word = true;
            } else {
                break;
            }
            k = n + 1;
        }
        size_t n = skip_comments(k, to);
        if (n == to || !m_t[n].is('@')) return k;
        k = skip_comments(n + 1, to);
        if (k == to || !(m_t[k].kind == Kind::Atom || m_t[k].kind == Kind::Literal))
            return m_lexer.fail("missing domain after '@'");
        if (m_t[k].kind == Kind::Literal) {
            mb.domain = m_t[k].text;
            k = k + 1;
        } else {
            bool want_atom = true;
            for (;;) {
                size_t d = skip_comments(k, to);
                if (d == to) break;
                if (want_atom && m_t[d].kind == Kind::Atom) {
                    mb.domain += m_t[d].text;
                    want_atom = false;
                } else if (!want_atom && m_t[d].is('.')) {
                    mb.domain += '.';
                    want_atom = true;
                } else {
                    break;
                }
                k = d + 1;
            }
        }
        size_t after = skip_comments(k, to);
        if (after < to && m_t[after].is('@')) return m_lexer.fail("unexpected '@'");
        return k;
    }

    const Lexer& m_lexer;
    std::vector<Token> m_t;
    std::vector<Mailbox> m_out;
    bool m_in_group = false;
};

// ------------------------------------------------ RFC 5321 path parser --

constexpr size_t k_max_path = 1000;   // generous; RFC 5321 §4.5.3.1.3 says 256
constexpr size_t k_max_domain = 255;  // RFC 5321 §4.5.3.1.2

Error smtp_error(std::string text) { return make_error(EX_DATAERR, std::move(text)); }
Error syntax_error() { return smtp_error("Syntax error in mailbox address"); }

// Domain = sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str];
// '_' and UTF-8 bytes are tolerated, as is one trailing dot (sendmail
// accepts it; classify() reports it).
bool valid_domain(std::string_view d) {
    if (d.empty() || d.size() > k_max_domain + 1) return false;
    if (d.back() == '.') d.remove_suffix(1);
    for (std::string_view label : split(d, ".", false)) {
        if (label.empty() || label.front() == '-' || label.back() == '-') return false;
        for (char c : label)
            if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '_' || static_cast<unsigned char>(c) >= 0x80))
                return false;
    }
    return true;
}

bool valid_ipv4(std::string_view s) {
    auto parts = split(s, ".", false);
    if (parts.size() != 4) return false;
    for (const std::string& p : parts) {
        if (p.empty() || p.size() > 3) return false;
        int v = 0;
        for (char c : p) {
            if (!is_digit(c)) return false;
            v = v * 10 + (c - '0');
        }
        if (v > 255) return false;
    }
    return true;
}

// RFC 5321 §4.1.3 address-literal, with the brackets.
bool valid_address_literal(std::string_view lit) {
    if (lit.size() < 3 || lit.front() != '[' || lit.back() != ']') return false;
    std::string_view in = lit.substr(1, lit.size() - 2);
    if (valid_ipv4(in)) return true;
    if (istarts_with(in, "IPv6:")) {
        std::string addr(in.substr(5));
        unsigned char buf[16];
        return inet_pton(AF_INET6, addr.c_str(), buf) == 1;
    }
    // General-address-literal = Standardized-tag ":" 1*dcontent
    size_t colon = in.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == in.size()) return false;
    for (char c : in.substr(0, colon))
        if (!(is_alpha(c) || is_digit(c) || c == '-')) return false;
    for (char c : in.substr(colon + 1)) {
        auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126 || c == '[' || c == ']' || c == '\\') return false;
    }
    return true;
}

Status parse_domain_part(std::string_view d, std::string& out) {
    if (d.size() > k_max_domain + 1) return smtp_error("Domain name too long");
    if (d.empty() || !(d.front() == '[' ? valid_address_literal(d) : valid_domain(d))) return syntax_error();
    out = std::string(d);
    return {};
}

// Mailbox = Local-part ["@" (Domain / address-literal)]; the domain is
// optional for unqualified names such as <postmaster> (§4.1.1.3).
Status parse_smtp_mailbox(std::string_view s, Path& p) {
    size_t i = 0;
    if (!s.empty() && s[0] == '"') {
        // Quoted-string: qtextSMTP = %d32-33 / %d35-91 / %d93-126,
        // quoted-pairSMTP = "\" %d32-126 (plus UTF-8).
        for (i = 1; i < s.size() && s[i] != '"'; ++i) {
            auto u = static_cast<unsigned char>(s[i]);
            if (s[i] == '\\') {
                if (i + 1 == s.size()) return syntax_error();
                auto e = static_cast<unsigned char>(s[++i]);
                if (e < 32 || e == 127) return syntax_error();
                p.local += s[i];
            } else if (u < 32 || u == 127) {
                return syntax_error();
            } else {
                p.local += s[i];
            }
        }
        if (i == s.size()) return syntax_error();
        ++i;
    } else {
        // Dot-string = Atom *("." Atom)
        bool want_atom = true;
        for (; i < s.size() && s[i] != '@'; ++i) {
            if (s[i] == '.') {
                if (want_atom) return syntax_error();
                want_atom = true;
            } else if (is_atext(s[i])) {
                want_atom = false;
            } else {
                return syntax_error();
            }
        }
        if (want_atom) return syntax_error();
        p.local = std::string(s.substr(0, i));
    }
    if (i == s.size()) return {};
    if (s[i] != '@') return syntax_error();
    return parse_domain_part(s.substr(i + 1), p.domain);
}

}  // namespace

// ---------------------------------------------------------------- public --

std::string Mailbox::addr_spec() const {
    std::string out = quote_local_part(local);
    if (!domain.empty()) out += "@" + domain;
    return out;
}

Result<std::vector<Mailbox>> parse_address_list(std::string_view header_value) {
    Lexer lexer(header_value);
    auto tokens = lexer.run();
    if (!tokens) return tokens.error();
    ListParser parser(lexer, std::move(tokens.value()));
    return parser.run();
}

Result<Mailbox> parse_mailbox(std::string_view text) {
    auto list = parse_address_list(text);
    if (!list) return list.error();
    if (list->empty()) return make_error(EX_DATAERR, fmt::format("no address in \"{}\"", excerpt(text)));
    if (list->size() > 1)
        return make_error(EX_DATAERR, fmt::format("more than one address in \"{}\"", excerpt(text)));
    return std::move(list->front());
}

Result<Path> parse_path(std::string_view text, bool allow_null) {
    std::string_view s = trim(text);
    if (s.size() > k_max_path) return smtp_error("Path too long");
    Path p;
    std::string_view in = s;
    if (!s.empty() && s.front() == '<') {
        if (s.size() < 2 || s.back() != '>') return smtp_error("Unbalanced '<'");
        in = s.substr(1, s.size() - 2);
        if (in.empty()) {
            if (!allow_null) return smtp_error("User address required");
            p.null = true;
            return p;
        }
    } else if (!s.empty() && s.back() == '>') {
        return smtp_error("Unbalanced '>'");
    }
    if (in.empty()) return syntax_error();
    if (in.front() == '@') {
        // A-d-l = At-domain *( "," At-domain ) ":"  (§4.1.2); kept, not used.
        size_t colon = in.find(':');
        if (colon == std::string_view::npos) return syntax_error();
        std::string_view route = in.substr(0, colon);
        for (std::string_view hop : split(route, ",", false)) {
            std::string ignored;
            if (hop.size() < 2 || hop[0] != '@') return syntax_error();
            if (Status st = parse_domain_part(hop.substr(1), ignored); !st) return st.error();
        }
        p.raw_route = std::string(route);
        in = in.substr(colon + 1);
    }
    if (Status st = parse_smtp_mailbox(in, p); !st) return st.error();
    return p;
}

Result<PathWithParams> parse_mail_rcpt_argument(std::string_view after_colon, bool allow_null) {
    std::string_view s = after_colon;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    size_t end = 0;
    if (!s.empty() && s.front() == '<') {
        // The path ends at the first '>' outside a quoted local part.
        bool quoted = false;
        for (end = 1; end < s.size(); ++end) {
            if (quoted && s[end] == '\\') ++end;
            else if (s[end] == '"') quoted = !quoted;
            else if (!quoted && s[end] == '>') break;
        }
        if (end >= s.size()) return smtp_error("Unbalanced '<'");
        ++end;
    } else {
        end = s.find(' ');
        if (end == std::string_view::npos) end = s.size();
    }
    PathWithParams out;
    auto path = parse_path(s.substr(0, end), allow_null);
    if (!path) return path.error();
    out.path = std::move(path.value());
    std::string_view rest = s.substr(end);
    if (!rest.empty() && rest.front() != ' ') return syntax_error();
    // esmtp-param = esmtp-keyword ["=" esmtp-value]
    // esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
    // esmtp-value = 1*(%d33-60 / %d62-126)
    for (std::string_view param : split(rest, " ")) {
        auto bad = [&] { return smtp_error(fmt::format("Syntax error in parameter \"{}\"", excerpt(param))); };
        size_t eq = param.find('=');
        std::string_view key = param.substr(0, eq);
        if (key.empty() || !(is_alpha(key[0]) || is_digit(key[0]))) return bad();
        for (char c : key)
            if (!(is_alpha(c) || is_digit(c) || c == '-')) return bad();
        std::string value;
        if (eq != std::string_view::npos) {
            value = std::string(param.substr(eq + 1));
            if (value.empty()) return bad();
            for (char c : value) {
                auto u = static_cast<unsigned char>(c);
                if (u < 33 || u > 126 || c == '=') return bad();
            }
        }
        std::string upper(key);
        for (char& c : upper)
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        out.params.emplace_back(std::move(upper), std::move(value));
    }
    return out;
}

unsigned classify(std::string_view raw_address) {
    std::string_view s = trim(raw_address);
    if (!s.empty() && s.front() == '<') {
        s.remove_prefix(1);
        if (!s.empty() && s.back() == '>') s.remove_suffix(1);
    }
    unsigned tricks = 0;
    if (!s.empty() && s.front() == '@') {
        tricks |= SourceRoute;
        size_t colon = s.find(':');
        s = colon == std::string_view::npos ? std::string_view{} : s.substr(colon + 1);
    }
    // Find the '@' that splits local part from domain: the last one outside
    // quotes and brackets.  Every '@' counts towards DoubleAt, quoted or
    // not, since a later dequoting hop would see it.
    bool quoted = false;
    bool in_bracket = false;
    size_t ats = 0;
    size_t split_at = std::string_view::npos;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (quoted) {
            if (c == '\\') ++i;
            else if (c == '"') quoted = false;
            if (c == '@') ++ats;
            continue;
        }
        if (c == '"') {
            quoted = true;
        } else if (c == '[') {
            in_bracket = true;
        } else if (c == ']') {
            in_bracket = false;
        } else if (c == '@' && !in_bracket) {
            ++ats;
            split_at = i;
        }
    }
    std::string_view local = s.substr(0, split_at);
    std::string_view domain = split_at == std::string_view::npos ? std::string_view{} : s.substr(split_at + 1);
    if (ats >= 2) tricks |= DoubleAt;
    if (local.find('%') != std::string_view::npos) tricks |= PercentHack;
    if (local.find('!') != std::string_view::npos) tricks |= BangPath;
    if (local.find('"') != std::string_view::npos) tricks |= QuotedLocalPart;
    if (!domain.empty() && domain.front() == '[') tricks |= DomainLiteral;
    if (!domain.empty() && domain.back() == '.') tricks |= TrailingDot;
    return tricks;
}

std::string describe_tricks(unsigned tricks) {
    static constexpr std::pair<unsigned, const char*> k_names[] = {
        {PercentHack, "percent-hack"},    {BangPath, "bang-path"},
        {SourceRoute, "source-route"},    {QuotedLocalPart, "quoted-local-part"},
        {DoubleAt, "double-at"},          {DomainLiteral, "domain-literal"},
        {TrailingDot, "trailing-dot"},
    };
    std::string out;
    for (const auto& [bit, name] : k_names) {
        if (!(tricks & bit)) continue;
        if (!out.empty()) out += ',';
        out += name;
    }
    return out;
}

std::string quote_local_part(std::string_view local) {
    // dot-atom-text = 1*atext *("." 1*atext)  (RFC 5322 §3.2.3)
    bool dot_atom = !local.empty() && local.front() != '.' && local.back() != '.' &&
                    local.find("..") == std::string_view::npos;
    for (size_t i = 0; dot_atom && i < local.size(); ++i)
        if (local[i] != '.' && !is_atext(local[i])) dot_atom = false;
    if (dot_atom) return std::string(local);
    std::string out = "\"";
    for (char c : local) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

std::string canonical(std::string_view domain) {
    std::string out = to_lower(domain);
    if (!out.empty() && out.back() == '.') out.pop_back();
    return out;
}

}  // namespace mail::address
