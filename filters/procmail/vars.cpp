// vars.cpp — see vars.h.
#include "filters/procmail/vars.h"

namespace mail::procmail {

namespace {
constexpr std::size_t k_initial_slots = 64;  // room for 32 variables: a usual run
}

Vars::Vars() {
    m_list.reserve(k_initial_slots / 2);
    m_index.assign(k_initial_slots, 0);
}

Vars::Vars(Vars&& other) : m_list(std::move(other.m_list)), m_index(std::move(other.m_index)), m_live(other.m_live) {
    other = Vars();
}

Vars& Vars::operator=(Vars&& other) {
    if (this != &other) {
        m_list = std::move(other.m_list);
        m_index = std::move(other.m_index);
        m_live = other.m_live;
        other.m_list.clear();
        other.m_index.assign(k_initial_slots, 0);
        other.m_live = 0;
    }
    return *this;
}

std::size_t Vars::hash(std::string_view name) noexcept {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : name) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return static_cast<std::size_t>(h ^ (h >> 29));
}

std::size_t Vars::find_slot(std::string_view name) const {
    const std::size_t mask = m_index.size() - 1;
    for (std::size_t i = hash(name) & mask;; i = (i + 1) & mask) {
        std::uint32_t at = m_index[i];
        if (at == 0 || m_list[at - 1].first == name) return i;
    }
}

void Vars::rebuild_index(std::size_t slots) {
    m_index.assign(slots, 0);
    for (std::size_t k = 0; k < m_list.size(); ++k)
        if (!m_list[k].first.empty()) m_index[find_slot(m_list[k].first)] = static_cast<std::uint32_t>(k + 1);
}

const std::string* Vars::get(std::string_view name) const {
    std::uint32_t at = m_index[find_slot(name)];
    return at == 0 ? nullptr : &m_list[at - 1].second;
}

std::string Vars::value(std::string_view name) const {
    const std::string* v = get(name);
    return v ? *v : std::string();
}

void Vars::set(std::string_view name, std::string value) {
    std::size_t slot = find_slot(name);
    if (m_index[slot] != 0) {
        m_list[m_index[slot] - 1].second = std::move(value);
        return;
    }
    // At most half full, so that probes stay short and always end.
    if (2 * (m_list.size() + 1) > m_index.size()) {
        rebuild_index(m_index.size() * 2);
        slot = find_slot(name);
    }
    m_list.emplace_back(std::string(name), std::move(value));
    m_index[slot] = static_cast<std::uint32_t>(m_list.size());
    ++m_live;
}

void Vars::unset(std::string_view name) {
    std::size_t slot = find_slot(name);
    std::uint32_t at = m_index[slot];
    if (at == 0) return;
    m_list[at - 1].first.clear();
    m_list[at - 1].second.clear();
    --m_live;
    // Linear probing's deletion: move later entries of the same probe run
    // back into the hole, so that no lookup stops early at it.
    const std::size_t mask = m_index.size() - 1;
    std::size_t hole = slot;
    m_index[hole] = 0;
    for (std::size_t j = (hole + 1) & mask; m_index[j] != 0; j = (j + 1) & mask) {
        std::size_t home = hash(m_list[m_index[j] - 1].first) & mask;
        // The entry at j may fill the hole when its home is not in (hole, j].
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays) continue;
        m_index[hole] = m_index[j];
        m_index[j] = 0;
        hole = j;
    }
    if (m_list.size() > 64 && m_live < m_list.size() / 2) {  // compact
        std::vector<std::pair<std::string, std::string>> kept;
        kept.reserve(m_live);
        for (auto& kv : m_list)
            if (!kv.first.empty()) kept.push_back(std::move(kv));
        m_list = std::move(kept);
        rebuild_index(m_index.size());
    }
}

std::vector<std::string> Vars::environ() const {
    std::vector<std::string> env;
    env.reserve(m_live);
    for (const auto& [name, value] : m_list)
        if (!name.empty()) env.push_back(name + "=" + value);
    return env;
}

}  // namespace mail::procmail
