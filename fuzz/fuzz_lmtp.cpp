// fuzz_lmtp.cpp — libFuzzer target for the LMTP server engine.
//
// SECURITY: every line is peer input (style.md §12).  The input is split on
// '\n' into lines; a line starting with 0x01 is fed as a Partial piece, to
// reach the long-line paths.  Delivery results cycle through the sysexits
// codes so every reply mapping runs.
#include "libmail/lmtp/server.h"

#include <sysexits.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    mail::lmtp::Callbacks cb;
    std::size_t bytes = 0;
    cb.user_exists = [](std::string_view u) { return !u.empty() && u.size() % 2 == 0; };
    cb.data_begin = [&] { bytes = 0; };
    cb.data = [&](std::string_view b, bool) { bytes += b.size(); };
    cb.deliver = [](const std::string&, const std::vector<std::string>& rcpts) {
        static const int codes[] = {EX_OK,     EX_TEMPFAIL, EX_NOPERM,  EX_CANTCREAT,
                                    EX_NOUSER, EX_DATAERR,  EX_SOFTWARE};
        std::vector<mail::lmtp::DeliveryResult> out;
        for (std::size_t i = 0; i < rcpts.size(); ++i)
            out.push_back({codes[(rcpts[i].size() + i) % 7], rcpts[i], i % 3 == 0});
        return out;
    };
    mail::lmtp::Server server(mail::lmtp::Options{"fuzz.example", size % 2 == 0}, std::move(cb));
    while (!text.empty() && !server.closed()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        bool partial = !line.empty() && line.front() == '\x01';
        if (partial) line.remove_prefix(1);
        (void)server.feed(line, partial ? mail::lmtp::Piece::Partial : mail::lmtp::Piece::End);
    }
    server.end_of_input();
    return 0;
}
