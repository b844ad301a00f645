// fuzz_config.cpp — libFuzzer target for the sendmail.mc reader, the
// sendmail.cf subset, DAEMON_OPTIONS text and the -O option parser.
//
// SECURITY: config files are trusted, but the reader must still never crash
// or hang on any input (style.md §12).  include() with a relative name reads
// relative to a directory that does not exist, so the fuzzer cannot reach
// real files except by absolute path; that is harmless (read only).
#include "libmail/config/config.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto mc = mail::config::parse_mc(text, "/nonexistent-fuzz/sendmail.mc");
    if (mc) {
        (void)mc->dump_changed();
        (void)mc->daemon_options();
        (void)mc->privacy_flags();
        (void)mc->masquerade_domains();
    }
    (void)mail::config::parse_cf(text, "/nonexistent-fuzz/sendmail.cf");
    (void)mail::config::parse_daemon_options(text);
    mail::config::Config cfg;
    (void)mail::config::apply_cf_option(cfg, text);
    if (!text.empty()) (void)mail::config::apply_option_letter(cfg, text[0], text.substr(1));
    return 0;
}
