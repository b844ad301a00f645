// fuzz_aliases.cpp — libFuzzer target for the aliases(5) parser and the
// right-hand-side splitter used for .forward and :include: lines.
#include "libmail/aliases/aliases.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    mail::aliases::Parsed p = mail::aliases::parse_all(text, "fuzz");
    // Every stored right-hand side must split again (AliasDb re-splits it).
    for (const auto& e : p.entries) {
        auto again = mail::aliases::split_targets(e.rhs);
        if (!again.ok() || again->size() != e.targets.size()) __builtin_trap();
    }
    (void)mail::aliases::split_targets(text);
    return 0;
}
