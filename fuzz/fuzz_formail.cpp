// fuzz_formail.cpp — libFuzzer target for formail: arbitrary bytes through
// the header parsing, the sender determination, reply generation,
// splitting, -D and -l.  The first input byte picks a command line from a
// table, the rest is the message.  Nothing may crash, hang or leak, and a
// few invariants must hold: every run ends with a status formail can
// return, and formail's output always ends with a newline (or is empty).
#include "filters/formail/address.h"
#include "filters/formail/engine.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace mail::filters::formail;

namespace {

const std::vector<std::vector<std::string>> k_command_lines = {
    {},
    {"-r"},
    {"-rt"},
    {"-rtk"},
    {"-rkb", "-p", "| "},
    {"-rt", "-a", "Resent-", "-A", "X-Loop: me@example.org", "-I", "Precedence: junk"},
    {"-c", "-z"},
    {"-f", "-b", "-Y"},
    {"-x", "Subject:", "-z"},
    {"-X", "", "-k"},
    {"-l", "folder"},
    {"-l", "folder", "-s"},
    {"-a", "Message-ID:", "-a", "Date:", "-a", "From "},
    {"-u", "X-", "-U", "Subject", "-i", "Received:", "-R", "From ", "X-From_:"},
    {"-r", "-u", "Subject:", "-U", "X-Loop:"},
    {"-s"},
    {"-es", "-m", "1"},
    {"-ds"},
    {"+1", "-2", "-ds"},
    {"-Bs"},
    {"-Ys", "-rk"},
    {"-D", "64", "@cache", "-s"},
    {"-rD", "64", "@cache"},
    {"-q-", "-D", "16", "@cache", "-s"},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::vector<std::string> args = k_command_lines[data[0] % k_command_lines.size()];
    std::string message(reinterpret_cast<const char*>(data) + 1, size - 1);

    // The address reducer and the sender weights on their own.
    {
        std::string copy = message + '\0';
        skip_words(copy, 0);
        SenderPicker picker(static_cast<SenderMode>(data[0] % 3));
        picker.consider(make_field("From " + message + "\n", true), true);
        picker.consider(make_field("Reply-To: " + message + "\n"), false);
        picker.consider(make_field("Return-Path: " + message + "\n"), false);
    }

    bool with_cache = false;
    for (std::string& a : args)
        if (a == "@cache") a = "/dev/null", with_cache = true;
    ParsedArgs parsed = parse_args(args);
    if (parsed.exit) std::abort();  // every table entry is a valid command line
    char cache_bytes[256] = {};
    if (with_cache) {
        // An in-memory cache, prefilled from the message so that hits,
        // misses and the wrap-around all happen.
        for (size_t i = 0; i < sizeof cache_bytes && i < message.size(); ++i) cache_bytes[i] = message[i];
        parsed.options.dup_cache.reset(fmemopen(cache_bytes, sizeof cache_bytes, "r+b"));
        if (!parsed.options.dup_cache) std::abort();
    }
    std::string out, err;
    Context ctx;
    ctx.stdout_string = &out;
    ctx.stderr_string = &err;
    ctx.environment = {"FILENO=" + std::to_string(data[0])};
    ctx.pid = 1234;
    ctx.hostname = "fuzz.example";
    ctx.now = [] { return static_cast<time_t>(1736157600); };
    StringInput in(message);
    int status = run(parsed.options, in, ctx);
    if (status < 0 || status > 255) std::abort();
    if (!out.empty() && out.back() != '\n') std::abort();
    return 0;
}
