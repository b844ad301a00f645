// resolver.cpp — type names, FakeResolver, reverse names (see resolver.h).
//
// STANDARDS: RFC 1035 §3.5 (in-addr.arpa), RFC 3596 §2.5 (ip6.arpa).
#include "libmail/dns/resolver.h"

#include "libmail/util/strings.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>

namespace mail::dns {

namespace {

struct TypeRow {
    Type type;
    std::string_view name;
};
constexpr TypeRow k_types[] = {
    {Type::A, "A"},     {Type::AAAA, "AAAA"}, {Type::MX, "MX"},
    {Type::TXT, "TXT"}, {Type::PTR, "PTR"},   {Type::CNAME, "CNAME"},
};

}  // namespace

std::string_view type_name(Type t) {
    for (const auto& row : k_types)
        if (row.type == t) return row.name;
    return "TYPE?";
}

std::optional<Type> parse_type(std::string_view name) {
    for (const auto& row : k_types)
        if (iequals(row.name, name)) return row.type;
    return std::nullopt;
}

std::string rcode_name(Rcode r) {
    switch (r) {
        case Rcode::NoError: return "NOERROR";
        case Rcode::FormErr: return "FORMERR";
        case Rcode::ServFail: return "SERVFAIL";
        case Rcode::NxDomain: return "NXDOMAIN";
        case Rcode::NotImp: return "NOTIMP";
        case Rcode::Refused: return "REFUSED";
    }
    return fmt::format("RCODE{}", static_cast<int>(r));
}

std::string normalize_name(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    return to_lower(name);
}

void FakeResolver::add(std::string_view name, Type type, Answer answer) {
    if (answer.canonical_name.empty()) answer.canonical_name = normalize_name(name);
    m_table.insert_or_assign({normalize_name(name), type}, Result<Answer>(std::move(answer)));
}

void FakeResolver::add_error(std::string_view name, Type type, Error error) {
    m_table.insert_or_assign({normalize_name(name), type}, Result<Answer>(std::move(error)));
}

void FakeResolver::add_txt(std::string_view name, std::vector<std::string> texts) {
    Answer a;
    for (auto& t : texts) a.records.push_back(Record{normalize_name(name), Type::TXT, 300, std::move(t), 0});
    add(name, Type::TXT, std::move(a));
}

void FakeResolver::add_a(std::string_view name, std::vector<std::string> addresses) {
    Answer a;
    for (auto& t : addresses)
        a.records.push_back(Record{normalize_name(name), Type::A, 300, std::move(t), 0});
    add(name, Type::A, std::move(a));
}

void FakeResolver::add_mx(std::string_view name,
                          std::vector<std::pair<std::uint16_t, std::string>> exchanges) {
    Answer a;
    for (auto& [pref, host] : exchanges)
        a.records.push_back(Record{normalize_name(name), Type::MX, 300, std::move(host), pref});
    add(name, Type::MX, std::move(a));
}

Result<Answer> FakeResolver::query(std::string_view name, Type type) {
    std::string key = normalize_name(name);
    m_queries.push_back(key + " " + std::string(type_name(type)));
    auto it = m_table.find({key, type});
    if (it != m_table.end()) return it->second;
    Answer nx;
    nx.rcode = Rcode::NxDomain;
    nx.canonical_name = key;
    return nx;
}

Result<std::string> ptr_name(std::string_view address) {
    std::string text(address);
    std::array<unsigned char, 16> buf{};
    if (inet_pton(AF_INET, text.c_str(), buf.data()) == 1)
        return fmt::format("{}.{}.{}.{}.in-addr.arpa", buf[3], buf[2], buf[1], buf[0]);
    if (inet_pton(AF_INET6, text.c_str(), buf.data()) == 1) {
        std::string out;
        for (int i = 15; i >= 0; --i) out += fmt::format("{:x}.{:x}.", buf[i] & 0x0F, buf[i] >> 4);
        return out + "ip6.arpa";
    }
    return make_error(EX_DATAERR, fmt::format("not an IP address: {}", address));
}

}  // namespace mail::dns
