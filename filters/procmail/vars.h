// vars.h — procmail's variables, which are its environment.
//
// Every variable procmail knows is exported to the programs it runs, in the
// order the environment had it: changing a value keeps its place, a new
// variable goes to the end, unsetting removes it.  The side effects of the
// special variables (MAILDIR changes directory, LOGFILE opens the log …)
// are the engine's; this is only the store.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mail::procmail {

class Vars {
public:
    const std::string* get(std::string_view name) const;
    std::string value(std::string_view name) const;  // "" when unset
    bool is_set(std::string_view name) const { return get(name) != nullptr; }
    void set(std::string_view name, std::string value);
    void unset(std::string_view name);
    // "NAME=value" in environment order, for a child.
    std::vector<std::string> environ() const;

private:
    // Looked up by string_view: no key is copied to find a variable.
    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view name) const noexcept { return std::hash<std::string_view>{}(name); }
    };
    std::vector<std::pair<std::string, std::string>> m_list;  // erased slots have an empty name
    std::unordered_map<std::string, std::size_t, NameHash, std::equal_to<>> m_index;
    std::size_t m_live = 0;
};

}  // namespace mail::procmail
