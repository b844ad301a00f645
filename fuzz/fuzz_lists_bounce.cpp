// fuzz_lists_bounce.cpp — libFuzzer target for listman's bounce parser
// (lists/bounce).
//
// The data is parsed as a bounce message; the report must keep the
// module's promises: at most k_max_bounces recipients, each a
// plausible_address() listed once, a status that is empty or an RFC 3463
// code, a diagnostic of at most k_diagnostic_max bytes of valid UTF-8
// without control characters, a bracketed printable Message-ID and an
// all-digit sequence.  The data is also a VERP recipient: a member decoded
// from it must be plausible and must come back from verp_address().
#include "lists/bounce/bounce.h"
#include "lists/bounce/detail.h"

#include "libmail/mime/charset.h"
#include "libmail/util/strings.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace mail::lists::bounce;

void check(bool ok) {
    if (!ok) std::abort();
}

void check_report(const Report& r) {
    check(r.bounces.size() <= k_max_bounces);
    check(r.is_bounce || r.bounces.empty());
    check(!r.is_bounce || !r.format.empty());
    for (size_t i = 0; i < r.bounces.size(); ++i) {
        const Bounce& b = r.bounces[i];
        check(plausible_address(b.address));
        for (size_t j = 0; j < i; ++j) check(!mail::iequals(r.bounces[j].address, b.address));
        check(b.status.empty() || (detail::valid_status(b.status) && b.status[0] != '2'));
        check(b.diagnostic.size() <= k_diagnostic_max);
        check(mail::mime::is_valid_utf8(b.diagnostic));
        for (char c : b.diagnostic) check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
    }
    const std::string& id = r.original_message_id;
    check(id.empty() || (id.size() <= 252 && id.front() == '<' && id.back() == '>'));
    for (char c : id) check(c > ' ' && c < 0x7f);
    check(r.list_sequence.size() <= 20);
    for (char c : r.list_sequence) check(c >= '0' && c <= '9');
}

void check_verp(std::string_view recipient, std::string_view bounces_local) {
    std::optional<std::string> m = verp_member(recipient, bounces_local);
    if (!m) return;
    check(plausible_address(*m));
    check(verp_member(verp_address(*m, bounces_local, "lists.example.org"), bounces_local) == m);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    check_report(parse(in));
    check_verp(in, "team-bounces");
    // The first byte picks how much of the data is the list part.
    if (!in.empty()) {
        size_t n = static_cast<unsigned char>(in[0]) % 16;
        std::string_view rest = in.substr(1);
        if (n <= rest.size()) check_verp(rest, rest.substr(0, n));
    }
    (void)detail::extract_address(in);
    (void)detail::clean_message_id(in);
    return 0;
}
