// fuzz_dns.cpp — libFuzzer target for the DNS reply parser and DMARC text.
//
// Feeds the data to parse_message; when it parses, checks it against its
// own id and question (so the matching code runs to the end) and extracts
// the answer for every type.  Invariants: names in records are escaped
// presentation form (printable ASCII, no spaces), A/AAAA text parses back as
// an address.  The same bytes also go to decode_response with a fixed
// question, to parse_dmarc_record and organizational_domain, and as a TXT
// record through dmarc_policy with a FakeResolver.
#include "libmail/dns/dmarc.h"
#include "libmail/dns/message.h"

#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

namespace {

namespace dns = mail::dns;

bool presentation(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x21 || c > 0x7e) return false;
    return true;
}

void check_record(const dns::Record& r) {
    if (!presentation(r.name)) std::abort();
    unsigned char buf[16];
    switch (r.type) {
        case dns::Type::A:
            if (inet_pton(AF_INET, r.text.c_str(), buf) != 1) std::abort();
            break;
        case dns::Type::AAAA:
            if (inet_pton(AF_INET6, r.text.c_str(), buf) != 1) std::abort();
            break;
        case dns::Type::MX:
        case dns::Type::PTR:
        case dns::Type::CNAME:
            if (!presentation(r.text)) std::abort();
            break;
        case dns::Type::TXT: break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const std::uint8_t> packet(data, size);
    constexpr dns::Type k_types[] = {dns::Type::A, dns::Type::AAAA, dns::Type::MX, dns::Type::TXT,
                                     dns::Type::PTR};
    if (auto m = dns::parse_message(packet); m.ok()) {
        for (const auto& rr : m->answers)
            if (rr.decoded) check_record(rr.record);
        if (m->questions.size() == 1) {
            const auto& q = m->questions.front();
            for (dns::Type t : k_types) {
                if (dns::check_reply(*m, m->header.id, q.name, t).ok()) {
                    dns::Answer a = dns::extract_answer(*m, q.name, t);
                    for (const auto& r : a.records)
                        if (r.type != t) std::abort();
                }
            }
        }
    }
    (void)dns::decode_response(packet, 0x1234, "example.org", dns::Type::MX);

    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)dns::parse_dmarc_record(text);
    (void)dns::organizational_domain(text);
    dns::FakeResolver fake;
    fake.add_txt("_dmarc.example.org", {std::string(text)});
    (void)dns::dmarc_policy(fake, "mail.example.org");
    return 0;
}
