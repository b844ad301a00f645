// aliases.cpp — see aliases.h.
#include "mailx/aliases.h"

#include "libmail/util/strings.h"

#include <algorithm>

namespace mailx {

namespace {
constexpr int k_max_depth = 25;
}

void Aliases::add(const std::string& name, const std::vector<std::string>& members) {
    auto& list = m_aliases[name];
    for (const auto& m : members)
        if (std::find(list.begin(), list.end(), m) == list.end()) list.push_back(m);
}

bool Aliases::remove(std::string_view name) {
    auto it = m_aliases.find(name);
    if (it == m_aliases.end()) return false;
    m_aliases.erase(it);
    return true;
}

const std::vector<std::string>* Aliases::find(std::string_view name) const {
    auto it = m_aliases.find(name);
    return it == m_aliases.end() ? nullptr : &it->second;
}

std::vector<std::string> Aliases::names() const {
    std::vector<std::string> out;
    for (const auto& [name, members] : m_aliases) out.push_back(name);
    return out;
}

void Aliases::expand_one(const std::string& addr, int depth, std::vector<std::string>& out,
                         std::vector<std::string>* warnings, bool& warned) const {
    auto push = [&](std::string a) {
        if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(std::move(a));
    };
    if (!addr.empty() && addr[0] == '\\') {
        push(addr.substr(1));
        return;
    }
    const auto* members = find(addr);
    if (!members) {
        push(addr);
        return;
    }
    if (depth >= k_max_depth) {
        if (!warned && warnings) warnings->push_back("Expanding alias to depth larger than 25");
        warned = true;
        return;
    }
    for (const auto& m : *members) {
        if (m == addr) {  // "alias root root": the name stands for itself
            push(m);
            continue;
        }
        expand_one(m, depth + 1, out, warnings, warned);
    }
}

std::vector<std::string> Aliases::expand(const std::vector<std::string>& addresses,
                                         std::vector<std::string>* warnings) const {
    std::vector<std::string> out;
    bool warned = false;
    for (const auto& a : addresses) expand_one(a, 0, out, warnings, warned);
    return out;
}

void Aliases::add_alternates(const std::vector<std::string>& names) {
    for (const auto& n : names)
        if (std::find(m_alternates.begin(), m_alternates.end(), n) == m_alternates.end())
            m_alternates.push_back(n);
}

bool Aliases::is_me(std::string_view address, std::string_view login, bool allnet) const {
    std::string bare = bare_address(address);
    if (mail::iequals(bare, login)) return true;
    for (const auto& alt : m_alternates)
        if (mail::iequals(bare, alt)) return true;
    if (allnet) {
        auto at = bare.find('@');
        if (at != std::string::npos && mail::iequals(std::string_view(bare).substr(0, at), login)) return true;
    }
    return false;
}

std::vector<std::string> split_recipients(std::string_view text) {
    std::vector<std::string> out;
    std::string cur;
    int angle = 0, paren = 0;
    bool quoted = false, has_angle = false;
    auto flush = [&] {
        auto t = mail::trim(cur);
        if (!t.empty()) out.emplace_back(t);
        cur.clear();
        has_angle = false;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            cur += c;
            if (c == '\\' && i + 1 < text.size()) cur += text[++i];
            else if (c == '"') quoted = false;
            continue;
        }
        if (c == '"') quoted = true;
        else if (c == '(') ++paren;
        else if (c == ')' && paren > 0) --paren;
        else if (c == '<') { ++angle; has_angle = true; }
        else if (c == '>' && angle > 0) --angle;
        if (angle == 0 && paren == 0 && c == ',') {
            flush();
            continue;
        }
        // A blank separates bare addresses ("john mary"), but not the words
        // of a display name ("Mary Smith <m@x>"): look ahead for a '<'
        // before the next comma.
        if (angle == 0 && paren == 0 && (c == ' ' || c == '\t') && !has_angle) {
            auto rest = text.substr(i);
            auto comma = rest.find(',');
            auto lt = rest.find('<');
            bool phrase = lt != std::string_view::npos && (comma == std::string_view::npos || lt < comma);
            auto paren_pos = rest.find('(');
            bool comment = paren_pos != std::string_view::npos &&
                           (comma == std::string_view::npos || paren_pos < comma) &&
                           mail::trim(rest.substr(0, paren_pos)).empty();
            if (!phrase && !comment && !mail::trim(cur).empty()) {
                flush();
                continue;
            }
        }
        cur += c;
    }
    flush();
    return out;
}

std::string bare_address(std::string_view recipient) {
    auto lt = recipient.rfind('<');
    if (lt != std::string_view::npos) {
        auto gt = recipient.find('>', lt);
        if (gt != std::string_view::npos) return std::string(mail::trim(recipient.substr(lt + 1, gt - lt - 1)));
    }
    // Drop a trailing comment: "john@x (John)".
    auto paren = recipient.find('(');
    if (paren != std::string_view::npos) recipient = recipient.substr(0, paren);
    return std::string(mail::trim(recipient));
}

}  // namespace mailx
