// vars.h — procmail's variables, which are its environment.
//
// Every variable procmail knows is exported to the programs it runs, in the
// order the environment had it: changing a value keeps its place, a new
// variable goes to the end, unsetting removes it.  The side effects of the
// special variables (MAILDIR changes directory, LOGFILE opens the log …)
// are the engine's; this is only the store.
//
// The store is a list in environment order and an open-addressing index of
// positions in it (linear probing, FNV-1a of the name): a procmail run sets
// a few dozen variables once, and a node-based map spent more on its
// allocations than on the lookups.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mail::procmail {

class Vars {
public:
    Vars();
    Vars(const Vars&) = default;
    Vars& operator=(const Vars&) = default;
    // A moved-from store is empty and usable (its index is rebuilt).
    Vars(Vars&& other);
    Vars& operator=(Vars&& other);
    const std::string* get(std::string_view name) const;
    std::string value(std::string_view name) const;  // "" when unset
    bool is_set(std::string_view name) const { return get(name) != nullptr; }
    void set(std::string_view name, std::string value);
    void unset(std::string_view name);
    // "NAME=value" in environment order, for a child.
    std::vector<std::string> environ() const;

private:
    static std::size_t hash(std::string_view name) noexcept;
    // The index slot holding `name`, or the empty slot where it would go.
    std::size_t find_slot(std::string_view name) const;
    void rebuild_index(std::size_t slots);

    std::vector<std::pair<std::string, std::string>> m_list;  // erased entries have an empty name
    std::vector<std::uint32_t> m_index;  // 0 = empty, else position in m_list + 1; size a power of two
    std::size_t m_live = 0;
};

}  // namespace mail::procmail
