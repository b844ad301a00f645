// verp.cpp — VERP return paths: L-bounces+user=dom@H (see bounce.h).
//
// The encoding is Postfix's XVERP with its default delimiters "+=" and
// Mailman's VERP_FORMAT "%(bounces)s+%(mailbox)s=%(host)s" (reference
// lists.md §1.5): the member's '@' becomes '='.  A domain never contains
// '=', so decoding splits at the last one and a local part may contain any
// number of '=' and '+'.
//
// SECURITY: the recipient comes from the MTA's RECIPIENT, which a remote
// sender chose; a decoded member must pass plausible_address() before it
// reaches a database lookup.
#include "lists/bounce/bounce.h"

#include "libmail/util/strings.h"

namespace mail::lists::bounce {

std::optional<std::string> verp_member(std::string_view recipient, std::string_view bounces_local) {
    std::string_view r = trim(recipient);
    if (r.size() >= 2 && r.front() == '<' && r.back() == '>') r = trim(r.substr(1, r.size() - 2));
    if (bounces_local.empty() || r.size() > 1000) return std::nullopt;
    // The host part is the MTA's business; a recipient without one is the
    // local part alone.
    size_t at = r.rfind('@');
    std::string_view local = at == std::string_view::npos ? r : r.substr(0, at);
    size_t n = bounces_local.size();
    if (local.size() <= n + 1 || !iequals(local.substr(0, n), bounces_local) || local[n] != '+')
        return std::nullopt;
    std::string_view tail = local.substr(n + 1);
    size_t eq = tail.rfind('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string member = std::string(tail.substr(0, eq)) + "@" + std::string(tail.substr(eq + 1));
    if (!plausible_address(member)) return std::nullopt;
    return member;
}

std::string verp_address(std::string_view member, std::string_view bounces_local, std::string_view host) {
    std::string out(bounces_local);
    size_t at = member.rfind('@');
    if (at != std::string_view::npos && at > 0 && at + 1 < member.size()) {
        out += '+';
        out += member.substr(0, at);
        out += '=';
        out += member.substr(at + 1);
    }
    if (!host.empty()) {
        out += '@';
        out += host;
    }
    return out;
}

}  // namespace mail::lists::bounce
