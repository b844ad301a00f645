// fuzz_mbox.cpp — libFuzzer target for the mbox splitter and the From_
// quoting writer: any bytes must split without crashing, and a message
// written by format_mbox_entry() must read back as exactly one message
// (in strict mode) whose body the writer produced.
#include "libmail/mailbox/mbox.h"
#include "libmail/mailbox/mbox_reader.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    for (bool strict : {false, true}) {
        auto split = mail::mailbox::split_mbox(text, mail::mailbox::SplitOptions{strict});
        for (const auto& m : split.messages)
            if (m.body_offset + m.body_size > text.size() || m.header_offset + m.header_size > text.size())
                std::abort();
    }
    mail::mailbox::Envelope env{"fuzz@example.org", "user", 1700000000};
    std::string entry = mail::mailbox::format_mbox_entry(text, env);
    auto back = mail::mailbox::split_mbox(entry + entry, mail::mailbox::SplitOptions{true});
    if (back.messages.size() != 2) std::abort();  // quoting must keep boundaries unambiguous
    return 0;
}
