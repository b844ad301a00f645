// vars.cpp — see vars.h.
#include "filters/procmail/vars.h"

namespace mail::procmail {

const std::string* Vars::get(std::string_view name) const {
    auto it = m_index.find(name);
    return it == m_index.end() ? nullptr : &m_list[it->second].second;
}

std::string Vars::value(std::string_view name) const {
    const std::string* v = get(name);
    return v ? *v : std::string();
}

void Vars::set(std::string_view name, std::string value) {
    auto it = m_index.find(name);
    if (it != m_index.end()) {
        m_list[it->second].second = std::move(value);
        return;
    }
    it = m_index.emplace(std::string(name), m_list.size()).first;
    m_list.emplace_back(it->first, std::move(value));
    ++m_live;
}

void Vars::unset(std::string_view name) {
    auto it = m_index.find(name);
    if (it == m_index.end()) return;
    m_list[it->second].first.clear();
    m_list[it->second].second.clear();
    m_index.erase(it);
    --m_live;
    if (m_list.size() > 64 && m_live < m_list.size() / 2) {  // compact
        std::vector<std::pair<std::string, std::string>> kept;
        kept.reserve(m_live);
        m_index.clear();
        for (auto& kv : m_list)
            if (!kv.first.empty()) {
                m_index.emplace(kv.first, kept.size());
                kept.push_back(std::move(kv));
            }
        m_list = std::move(kept);
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
