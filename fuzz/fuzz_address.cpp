// fuzz_address.cpp — libFuzzer target for the address parsers.
//
// Feeds the data to parse_address_list, parse_mailbox, parse_path (both
// null modes), parse_mail_rcpt_argument and classify, and checks that a
// parsed mailbox prints to an addr-spec that parses back to the same local
// part and domain.
#include "libmail/address/address.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    namespace addr = mail::address;
    if (auto list = addr::parse_address_list(in); list.ok()) {
        for (const auto& m : *list) {
            if (m.local.find_first_of("\r\n") != std::string::npos) continue;  // not representable
            auto again = addr::parse_mailbox(m.addr_spec());
            if (again.ok() && (again->local != m.local || again->domain != m.domain)) std::abort();
        }
    }
    (void)addr::parse_mailbox(in);
    (void)addr::parse_path(in, true);
    (void)addr::parse_path(in, false);
    (void)addr::parse_mail_rcpt_argument(in, true);
    (void)addr::classify(in);
    (void)addr::quote_local_part(in);
    (void)addr::canonical(in);
    return 0;
}
