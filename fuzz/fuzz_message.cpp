// fuzz_message.cpp — libFuzzer target for the header parser and the reader.
//
// The data goes to Headers::parse (and its serialization must reproduce an
// LF-only input it accepted), unfold/fold, and to Reader with both dot
// modes and a small header limit, reading the body in chunks.
#include "libmail/message/header.h"
#include "libmail/message/reader.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void read_everything(std::string_view in, bool ignore_dots, size_t max_header) {
    mail::message::ReadOptions opt;
    opt.ignore_dots = ignore_dots;
    opt.max_header_bytes = max_header;
    mail::message::Reader r(in, opt);
    auto h = r.read_headers();
    if (!h) return;
    std::string body;
    for (;;) {
        auto more = r.read_body_chunk(body);
        if (!more || !*more) break;
    }
    // The reader only ever removes bytes (CRs, a From_ line, a blank line, a dot).
    if (r.header_bytes() + r.body_bytes() > in.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    if (auto h = mail::message::Headers::parse(in); h.ok()) {
        std::string out = h->serialize();
        // Without CR and with a final LF and no blank line, the bytes come back as they were.
        if (in.find('\r') == std::string_view::npos && in.find("\n\n") == std::string_view::npos &&
            !in.empty() && in.back() == '\n' && in.front() != '\n' && out != in)
            std::abort();
        for (const auto& f : *h) (void)mail::message::fold(f.name, f.value, 40);
    }
    (void)mail::message::unfold(in);
    read_everything(in, false, 64);
    read_everything(in, true, 0);
    return 0;
}
