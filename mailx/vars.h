// vars.h — mailx's internal variables (POSIX "Internal Variables in mailx").
//
// Every variable mailx itself looks at is declared once, in the table in
// vars.cpp, with its kind, its default and one line of help; `set` with no
// argument lists what is set.  Users may set any other name too (POSIX
// allows it; start-up files of other mailx versions do), so unknown names
// are stored, not rejected.
//
// A variable is either unset or set to a string; a boolean is "set" (its
// value is ignored).  `ask` and `asksub` are one variable, as POSIX says.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailx {

enum class VarKind { Bool, String, Number };

struct VarInfo {
    std::string_view name;
    VarKind kind;
    std::string_view default_value;  // "" with default_set false: unset
    bool default_set;
    std::string_view help;
};

// The declared variables (for `set`, the man page test and `help set`).
const std::vector<VarInfo>& known_variables();
const VarInfo* find_variable(std::string_view name);
// POSIX `set noname`: for "no" + a declared variable's name, that name
// ("noheader" → "header"); "" otherwise (an unknown "nofoo" is a name).
std::string negated_name(std::string_view word);

class Vars {
public:
    // Defaults from the table, then DEAD EDITOR MBOX LISTER PAGER SHELL
    // VISUAL from the environment (POSIX start-up step 3), with HOME for
    // the paths that default under it.
    static Vars with_defaults();

    void set(std::string_view name, std::string_view value = "");
    void unset(std::string_view name);
    bool is_set(std::string_view name) const;
    // The value, or nullopt when unset.
    std::optional<std::string> get(std::string_view name) const;
    // The value, or `fallback` when unset or empty.
    std::string str(std::string_view name, std::string_view fallback = "") const;
    // A number variable: the value, `fallback` when unset, `empty` when set
    // to "" (crt and screen mean "the terminal's height" then).
    long number(std::string_view name, long fallback, long empty) const;
    // Every set variable in name order, for `set` with no arguments.
    std::vector<std::pair<std::string, std::string>> all() const;

private:
    static std::string canonical(std::string_view name);
    std::map<std::string, std::string, std::less<>> m_values;
};

}  // namespace mailx
