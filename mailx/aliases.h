// aliases.h — the aliases of start-up files (`alias`/`group`) and
// `alternates`.
//
// POSIX: `alias name addr…` ADDS addresses to the alias.  An address is
// replaced only when the whole address is an alias name (case-sensitive;
// `myteam@host` is not expanded), members are expanded recursively, a
// member written `\name` is not expanded again (the backslash is dropped),
// and each resulting address appears once, in the order first reached
// (s-nail's order; bsd-mailx sorts).  Expansion stops at depth 25 with a
// warning, keeping what it found, as both references do.
//
// System aliases (the aliases(5) file) are the MTA's job, not this one's.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mailx {

class Aliases {
public:
    void add(const std::string& name, const std::vector<std::string>& members);
    bool remove(std::string_view name);  // unalias; false if there was none
    void clear() { m_aliases.clear(); }
    const std::vector<std::string>* find(std::string_view name) const;
    // Names in order, for `alias` with no arguments.
    std::vector<std::string> names() const;

    // Expands `addresses` (already split into single addresses).  Warnings
    // ("Expanding alias to depth larger than 25") go to `warnings`.
    std::vector<std::string> expand(const std::vector<std::string>& addresses,
                                    std::vector<std::string>* warnings = nullptr) const;

    // alternates: the user's other addresses.
    void add_alternates(const std::vector<std::string>& names);
    const std::vector<std::string>& alternates() const { return m_alternates; }
    // Is `address` the user (login name, an alternate, or with `allnet`
    // any address whose local part is the login)?
    bool is_me(std::string_view address, std::string_view login, bool allnet) const;

private:
    void expand_one(const std::string& addr, int depth, std::vector<std::string>& out,
                    std::vector<std::string>* warnings, bool& warned) const;
    std::map<std::string, std::vector<std::string>, std::less<>> m_aliases;
    std::vector<std::string> m_alternates;
};

// Splits a recipient string as users type it ("john, mary peter",
// "Mary Smith <mary@x>, bob") into single addresses: commas separate;
// blanks separate too outside quotes, <> and parentheses.
std::vector<std::string> split_recipients(std::string_view text);

// The bare address of one recipient ("Mary <m@x>" → "m@x").
std::string bare_address(std::string_view recipient);

}  // namespace mailx
