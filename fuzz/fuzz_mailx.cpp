// fuzz_mailx.cpp — libFuzzer target for the reader's side of mailx: any
// bytes as a mailbox must index, list (summary lines), display (MIME
// decoding included) and take message lists without crashing; every
// message's bytes must lie inside the file; quit on a copy must keep every
// byte it did not deliberately drop.  The first input line is used as a
// message-list specification.  A kept message's Status: lines may be
// replaced by one shorter line (docs/mailx.md: "an existing Status: is
// replaced where it stands (others dropped)"), so those bytes may go.
#include "libmail/util/strings.h"
#include "mailx/display.h"
#include "mailx/folder.h"
#include "mailx/msglist.h"
#include "mailx/session.h"
#include "mailx/summary.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unistd.h>

namespace {

// Bytes of the Status: fields (with their continuation lines) in the
// header of the message `text` (its From_ line first).
std::size_t status_bytes(std::string_view text) {
    std::size_t total = 0, pos = text.find('\n');
    bool in_status = false;
    while (pos != std::string_view::npos && pos + 1 < text.size()) {
        std::size_t start = pos + 1;
        std::size_t end = text.find('\n', start);
        std::size_t len = (end == std::string_view::npos ? text.size() : end + 1) - start;
        std::string_view line = text.substr(start, len);
        if (line == "\n" || line == "\r\n") break;  // the end of the header
        bool continuation = line[0] == ' ' || line[0] == '\t';
        if (!continuation) in_status = mail::istarts_with(line, "status:");
        if (in_status) total += len;
        pos = end;
    }
    return total;
}

}  // namespace

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
            std::size_t may_lose = 0;
            for (auto n : *list) {
                if (!s.folder->at(n).state.deleted) may_lose += folder.at(n).size;
                s.folder->at(n).state.deleted = true;
            }
            for (std::size_t n = 1; n <= folder.count(); ++n)
                if (!folder.at(n).state.deleted)
                    may_lose += status_bytes(std::string_view(box).substr(folder.at(n).offset, folder.at(n).size));
            mailx::QuitOptions q;
            q.mbox_path = std::string(path) + ".mbox";
            auto r = s.folder->quit(q);
            if (r) {
                FILE* in = std::fopen(path, "rb");
                std::fseek(in, 0, SEEK_END);
                long after = std::ftell(in);
                std::fclose(in);
                // Kept messages may gain a Status: line or have theirs
                // replaced; nothing else is lost.
                if (static_cast<std::size_t>(after) + may_lose < box.size()) std::abort();
            }
            ::unlink(q.mbox_path.c_str());
        }
        std::fclose(sink);
    }
    ::unlink(path);
    return 0;
}
