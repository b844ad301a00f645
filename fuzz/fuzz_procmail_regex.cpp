// fuzz_procmail_regex — libFuzzer target for filters/procmail/regex:
// arbitrary patterns (with macros, \/, unbalanced groups) compiled and run on
// arbitrary areas.  Checks: nothing crashes or hangs (PCRE2 limits, the
// automaton's budget), and the PCRE2 answer equals procmail's automaton's
// (search vs search_automaton), which is what keeps the translation honest.
//
// Input: flags byte, then pattern and area separated by the first NUL.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "filters/procmail/regex.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1 || size > 4096) return 0;
    static const bool budget_set = [] {
        mail::procmail::Regex::set_step_budget(1'000'000, 50);  // ASan is slow; keep each run short
        return true;
    }();
    (void)budget_set;
    const uint8_t flags = data[0];
    std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    size_t nul = rest.find('\0');
    std::string_view pattern = rest.substr(0, nul);
    std::string_view area = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
    if (pattern.size() > 512) return 0;
    auto re = mail::procmail::Regex::compile(pattern, flags & 1, flags & 2);
    if (!re) return 0;
    std::string m1 = "\x01", m2 = "\x01";
    bool g1 = false, g2 = false;
    const bool a = re->search(area, &m1, &g1);
    if (re->procmail_spins()) return 0;  // procmail has no answer to compare with
    const bool b = re->search_automaton(area, &m2, &g2);
    if (!g1 && !g2 && (a != b || (a && m1 != m2))) std::abort();  // PCRE2 and procmail's automaton disagree
    if (flags & 4) {
        long n = 0;
        (void)re->for_each_match(area, [&](bool) { return ++n < 10000; });
    }
    return 0;
}
