// fuzz_mailx.cpp — libFuzzer target for the reader's side of mailx: any
// bytes as a mailbox must index, list (summary lines), display (MIME
// decoding included) and take message lists without crashing; every
// message's bytes must lie inside the file; quit on a copy must keep every
// byte it did not deliberately drop.  The first input line is used as a
// message-list specification.
#include "mailx/display.h"
#include "mailx/folder.h"
#include "mailx/msglist.h"
#include "mailx/session.h"
#include "mailx/summary.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string bytes(reinterpret_cast<const char*>(data), size);
    auto nl = bytes.find('\n');
    std::string spec = bytes.substr(0, std::min<std::size_t>(nl, 200));
    std::string box = bytes.substr(nl == std::string::npos ? bytes.size() : nl + 1);

    char path[] = "/tmp/fuzz_mailx.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    if (::write(fd, box.data(), box.size()) != static_cast<ssize_t>(box.size())) {
        ::close(fd);
        ::unlink(path);
        return 0;
    }
    ::close(fd);
    {
        auto f = mailx::Folder::open(path, mailx::FolderKind::File);
        if (!f) std::abort();
        mailx::Environment env;
        env.login = "fuzz";
        mailx::Session s(env, mailx::Options{});
        FILE* sink = std::fopen("/dev/null", "w");
        s.out = sink;
        s.folder.emplace(std::move(*f));
        const auto& folder = *s.folder;
        std::size_t total = 0;
        for (std::size_t n = 1; n <= folder.count(); ++n) {
            const auto& m = folder.at(n);
            if (m.offset + m.size > box.size()) std::abort();
            total += m.size;
            mailx::SummaryOptions o;
            std::string line = mailx::summary_line(folder, n, n == 1, o);
            if (line.size() > 4 * 80) std::abort();  // cut to 80 columns of at most 4 bytes
            std::string text = mailx::render_message(s, n, n % 2 == 0);
            std::fputs(text.c_str(), sink);
        }
        if (total > box.size()) std::abort();
        auto list = mailx::parse_msglist(spec, folder, folder.count() ? 1 : 0);
        if (list)
            for (auto n : *list)
                if (n < 1 || n > folder.count()) std::abort();
        // Delete what the list named and quit: the rest must survive.
        if (list && folder.count()) {
            std::size_t dropped = 0;
            for (auto n : *list) {
                s.folder->at(n).state.deleted = true;
                dropped += folder.at(n).size;
            }
            mailx::QuitOptions q;
            q.mbox_path = std::string(path) + ".mbox";
            auto r = s.folder->quit(q);
            if (r) {
                FILE* in = std::fopen(path, "rb");
                std::fseek(in, 0, SEEK_END);
                long after = std::ftell(in);
                std::fclose(in);
                // Kept messages may gain a Status: line; never lose bytes.
                if (static_cast<std::size_t>(after) + dropped < box.size()) std::abort();
            }
            ::unlink(q.mbox_path.c_str());
        }
        std::fclose(sink);
    }
    ::unlink(path);
    return 0;
}
