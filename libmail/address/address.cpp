// address.cpp — see address.h.
#include "libmail/address/address.h"

#include "libmail/util/strings.h"

#include <fmt/format.h>

namespace mail::address {

namespace {

bool is_atext(char c) {
    if (std::isalnum(static_cast<unsigned char>(c))) return true;
    if (static_cast<unsigned char>(c) >= 0x80) return true;  // RFC 6532 UTF-8
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool is_dot_atom(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') return false;
        } else if (!is_atext(s[i])) {
            return false;
        }
    }
    return true;
}

std::string shown(std::string_view s) { return std::string(s.substr(0, 80)); }

// Removes comments and unquotes quoted strings of an addr-spec, keeping the
// position of the last unquoted '@'.
Result<Mailbox> parse_addr_spec(std::string_view text, std::string_view whole) {
    std::string local, domain, cur;
    bool seen_at = false;
    int depth = 0;
    bool in_quote = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_quote) {
            if (c == '\\' && i + 1 < text.size()) cur += text[++i];
            else if (c == '"') in_quote = false;
            else cur += c;
            continue;
        }
        if (depth > 0) {
            if (c == '\\') ++i;
            else if (c == '(') ++depth;
            else if (c == ')') --depth;
            continue;
        }
        switch (c) {
        case '"': in_quote = true; break;
        case '(': depth = 1; break;
        case ')': return make_error(EX_DATAERR, fmt::format("unbalanced ')' in \"{}\"", shown(whole)));
        case ' ':
        case '\t':
        case '\r':
        case '\n': break;  // obsolete spaces around dots
        case '@':
            if (seen_at) return make_error(EX_DATAERR, fmt::format("more than one '@' in \"{}\"", shown(whole)));
            seen_at = true;
            local = cur;
            cur.clear();
            break;
        default: cur += c;
        }
    }
    if (in_quote) return make_error(EX_DATAERR, fmt::format("unbalanced '\"' in \"{}\"", shown(whole)));
    if (depth) return make_error(EX_DATAERR, fmt::format("unbalanced '(' in \"{}\"", shown(whole)));
    if (seen_at) domain = cur;
    else local = cur;
    if (local.empty()) return make_error(EX_DATAERR, fmt::format("empty local part in \"{}\"", shown(whole)));
    if (seen_at && domain.empty()) return make_error(EX_DATAERR, fmt::format("empty domain in \"{}\"", shown(whole)));
    Mailbox m;
    m.local = local;
    m.domain = domain;
    return m;
}

// One mailbox: `Name <addr>` or a bare addr-spec.
Result<Mailbox> parse_one(std::string_view item) {
    std::string_view t = trim(item);
    // Find a top-level '<' (outside quotes and comments).
    int depth = 0;
    bool in_quote = false;
    size_t lt = std::string_view::npos, gt = std::string_view::npos;
    for (size_t i = 0; i < t.size(); ++i) {
        char c = t[i];
        if (in_quote) {
            if (c == '\\') ++i;
            else if (c == '"') in_quote = false;
            continue;
        }
        if (depth) {
            if (c == '\\') ++i;
            else if (c == '(') ++depth;
            else if (c == ')') --depth;
            continue;
        }
        if (c == '"') in_quote = true;
        else if (c == '(') depth = 1;
        else if (c == '<' && lt == std::string_view::npos) lt = i;
        else if (c == '>' && lt != std::string_view::npos && gt == std::string_view::npos) gt = i;
    }
    if (lt == std::string_view::npos) {
        if (t.find('>') != std::string_view::npos && !in_quote)
            return make_error(EX_DATAERR, fmt::format("unbalanced '>' in \"{}\"", shown(t)));
        return parse_addr_spec(t, t);
    }
    if (gt == std::string_view::npos) return make_error(EX_DATAERR, fmt::format("unbalanced '<' in \"{}\"", shown(t)));
    std::string_view inner = trim(t.substr(lt + 1, gt - lt - 1));
    // RFC 5322 §4.4 obs-route: "@a,@b:" before the address is dropped.
    if (!inner.empty() && inner[0] == '@') {
        size_t colon = inner.find(':');
        if (colon == std::string_view::npos)
            return make_error(EX_DATAERR, fmt::format("bad route in \"{}\"", shown(t)));
        inner = inner.substr(colon + 1);
    }
    auto m = parse_addr_spec(inner, t);
    if (!m) return m;
    std::string name(trim(t.substr(0, lt)));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    m->display_name = name;
    return m;
}

}  // namespace

std::string quote_local_part(std::string_view local) {
    if (is_dot_atom(local)) return std::string(local);
    std::string out = "\"";
    for (char c : local) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string Mailbox::addr_spec() const {
    std::string l = quote_local_part(local);
    return domain.empty() ? l : l + "@" + domain;
}

std::string canonical(std::string_view domain) {
    std::string d = to_lower(trim(domain));
    if (!d.empty() && d.back() == '.') d.pop_back();
    return d;
}

Result<std::vector<Mailbox>> parse_address_list(std::string_view text) {
    std::vector<Mailbox> out;
    std::string item;
    int depth = 0, angle = 0;
    bool in_quote = false;
    auto flush = [&]() -> Status {
        if (!trim(item).empty()) {
            auto m = parse_one(item);
            if (!m) return m.error();
            out.push_back(std::move(*m));
        }
        item.clear();
        return {};
    };
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_quote) {
            item += c;
            if (c == '\\' && i + 1 < text.size()) item += text[++i];
            else if (c == '"') in_quote = false;
            continue;
        }
        if (depth) {
            item += c;
            if (c == '\\' && i + 1 < text.size()) item += text[++i];
            else if (c == '(') ++depth;
            else if (c == ')') --depth;
            continue;
        }
        switch (c) {
        case '"': in_quote = true; item += c; break;
        case '(': depth = 1; item += c; break;
        case '<': ++angle; item += c; break;
        case '>': --angle; item += c; break;
        case ':':
            // A group's display name ends here (RFC 5322 §3.4); inside <…>
            // a colon belongs to an obsolete route.
            if (angle > 0) item += c;
            else item.clear();
            break;
        case ';':
            if (angle > 0) item += c;
            else if (Status s = flush(); !s) return s.error();
            break;
        case ',':
            if (angle > 0) item += c;
            else if (Status s = flush(); !s) return s.error();
            break;
        default: item += c;
        }
    }
    if (in_quote) return make_error(EX_DATAERR, fmt::format("unbalanced '\"' in \"{}\"", shown(text)));
    if (depth) return make_error(EX_DATAERR, fmt::format("unbalanced '(' in \"{}\"", shown(text)));
    if (Status s = flush(); !s) return s.error();
    return out;
}

Result<Mailbox> parse_mailbox(std::string_view text) {
    auto list = parse_address_list(text);
    if (!list) return list.error();
    if (list->size() != 1)
        return make_error(EX_DATAERR, fmt::format("expected one address in \"{}\"", shown(text)));
    return list->front();
}

}  // namespace mail::address
