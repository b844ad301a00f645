// fuzz_smtp.cpp — libFuzzer target for the SMTP server engine.
//
// SECURITY: every byte is peer input (style.md §12).  The first bytes pick
// the options (size and recipient limits, extensions, privacy flags, a
// synchronous commit); the rest is fed in chunks whose sizes come from a
// generator seeded by the input, with commit_done() (250, 451, 421, bad
// codes) and rarely timeout() in between.  The fake policy derives its
// decisions (accept, reject, discard, 421, nonsense reply codes) from the
// addresses, so every reply path runs.
//
// Invariants checked (abort on violation):
//   - output is whole CRLF lines, each "DDD" then ' ' or '-', no CR, LF or
//     NUL inside a line;
//   - the message bytes handed to Events::data never exceed the input;
//   - data events are well nested: data_begin, data*, data_end;
//   - committing() only right after data_end(ok=true);
//   - once closed(), no call produces output.
#include "libmail/smtp/session.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

namespace {

using namespace mail::smtp;

struct FuzzPolicy : Policy {
    static Decision pick(std::size_t n, std::string_view what) {
        switch (n % 9) {
            case 0: return {Decision::Reject, Reply{550, "5.7.1", std::string(what) + "... refused"}, ""};
            case 1: return {Decision::Discard, {}, "discard"};
            case 2: return {Decision::Reject, Reply{451, "4.3.0", "try\r\nlater"}, "log"};
            case 3: return {Decision::Reject, Reply{421, "4.3.0", "bye"}, ""};
            case 4: return {Decision::Reject, Reply{250, "2.0.0", "not a rejection"}, ""};
            case 5: return {Decision::Reject, Reply{-7, "", ""}, ""};
            default: return Decision::accept();
        }
    }
    Decision check_connect(const Client&) override { return Decision::accept(); }
    Decision check_helo(const Client&, std::string_view helo) override { return pick(helo.size() + 5, helo); }
    Decision check_mail(const Client&, const mail::address::Path& from, const Params& p) override {
        return pick(from.local.size() + from.domain.size() + p.size() + 6, from.local);
    }
    Decision check_rcpt(const Client&, const mail::address::Path&, const mail::address::Path& rcpt,
                        std::string_view raw, const Params&) override {
        return pick(rcpt.local.size() * 3 + raw.size(), raw);
    }
    Reply vrfy(const Client&, std::string_view arg) override {
        return {arg.size() % 2 ? 250 : 1000, "2.1.5", std::string(arg) + "\nsecond\x01line"};
    }
    Reply expn(const Client&, std::string_view arg) override { return {550, "5.1.1", std::string(arg)}; }
    Reply etrn(const Client&, std::string_view arg) override { return {250, "2.0.0\r\n", std::string(arg)}; }
};

[[noreturn]] void fail() {
    std::abort();
}

void check_output(std::string_view out) {
    std::size_t pos = 0;
    while (pos < out.size()) {
        auto crlf = out.find("\r\n", pos);
        if (crlf == std::string_view::npos) fail();
        std::string_view line = out.substr(pos, crlf - pos);
        if (line.size() < 4) fail();
        for (int i = 0; i < 3; ++i)
            if (line[i] < '0' || line[i] > '9') fail();
        if (line[3] != ' ' && line[3] != '-') fail();
        if (line.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) fail();
        pos = crlf + 2;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* raw, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(raw), size);
    if (in.size() < 4) return 0;
    auto b0 = static_cast<unsigned char>(in[0]);
    auto b1 = static_cast<unsigned char>(in[1]);
    auto b2 = static_cast<unsigned char>(in[2]);
    auto b3 = static_cast<unsigned char>(in[3]);
    in.remove_prefix(4);

    Options opts;
    opts.hostname = "fuzz.example";
    opts.greeting = "fuzz.example ESMTP";
    opts.max_message_size = (b0 & 3) == 0 ? 0 : (b0 & 3) * 40u;
    opts.max_recipients = (b0 >> 2) & 3;
    opts.max_bad_commands = (b0 >> 4) & 7;
    opts.pipelining = b1 & 1;
    opts.eight_bit_mime = b1 & 2;
    opts.dsn = b1 & 4;
    opts.etrn = b1 & 8;
    opts.smtputf8 = b1 & 16;
    opts.help = b1 & 32;
    const char* flags[] = {"needmailhelo", "needvrfyhelo", "needexpnhelo", "novrfy",
                           "noexpn",       "noetrn",       "noreceipts",   "goaway"};
    for (int i = 0; i < 8; ++i)
        if (b2 & (1 << i)) opts.privacy.insert(flags[i]);
    bool sync_commit = b3 & 1;

    FuzzPolicy policy;
    Client client;
    client.addr = "192.0.2.7";
    client.name = "fuzz-client.example";

    std::size_t data_bytes = 0;
    bool in_message = false;
    bool last_end_ok = false;
    Session* self = nullptr;
    Events ev;
    ev.data_begin = [&](const Envelope&) {
        if (in_message) fail();
        in_message = true;
        last_end_ok = false;
    };
    ev.data = [&](std::string_view b) {
        if (!in_message) fail();
        data_bytes += b.size();
    };
    ev.data_end = [&](const Envelope&, bool ok) {
        if (!in_message) fail();
        in_message = false;
        last_end_ok = ok;
        if (ok && sync_commit) check_output(self->commit_done({250, "2.0.0", "SYNC accepted"}));
    };
    ev.transcript = [](std::string_view, bool) {};
    ev.log = [](std::string_view) {};

    Session session(opts, policy, client, std::move(ev));
    self = &session;
    check_output(session.start());

    std::minstd_rand rng(b3 * 7919u + static_cast<unsigned>(size));
    std::size_t fed = 0;
    while (!in.empty()) {
        std::size_t n = rng() % 4 == 0 ? in.size() : 1 + rng() % 64;
        n = std::min(n, in.size());
        bool was_closed = session.closed();
        std::string out = session.feed(in.substr(0, n));
        fed += n;
        in.remove_prefix(n);
        if (was_closed && !out.empty()) fail();
        check_output(out);
        if (data_bytes > fed) fail();
        if (session.committing() && !last_end_ok) fail();
        if (session.committing() && rng() % 3 != 0) {
            static const Reply verdicts[] = {{250, "2.0.0", "Q Message accepted for delivery"},
                                             {451, "4.3.0", "queue\nfailed"},
                                             {421, "4.3.0", "fuzz.example closing"},
                                             {0, "", ""}};
            out = session.commit_done(verdicts[rng() % 4]);
            check_output(out);
        }
        if (rng() % 200 == 0) {
            was_closed = session.closed();
            out = session.timeout();
            if (was_closed && !out.empty()) fail();
            check_output(out);
        }
    }
    session.end_of_input();
    if (in_message) fail();
    if (!session.closed()) fail();
    if (!session.feed("NOOP\r\n").empty() || !session.timeout().empty()) fail();
    return 0;
}
