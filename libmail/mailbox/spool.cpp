// spool.cpp — see spool.h.
#include "libmail/mailbox/spool.h"

#include "libmail/mailbox/mbox.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace mail::mailbox {
namespace {
constexpr std::size_t k_buffer = 64 * 1024;
}

Result<MessageSpool> MessageSpool::create(const std::string& dir) {
    int fd = open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        // Filesystems without O_TMPFILE: a named file, unlinked at once.
        std::string tmpl = dir + "/mail.local.XXXXXX";
        fd = mkstemp(tmpl.data());
        if (fd >= 0) unlink(tmpl.c_str());
    }
    if (fd < 0)
        return make_error(EX_TEMPFAIL,
                          fmt::format("cannot create temporary file in {}: {}", dir, std::strerror(errno)));
    return MessageSpool(UniqueFd(fd));
}

Status MessageSpool::write(std::string_view bytes) {
    m_buf.append(bytes);
    m_size += bytes.size();
    if (m_buf.size() >= k_buffer) return flush();
    return {};
}

Status MessageSpool::write_line(std::string_view bytes, bool line_end) {
    if (auto st = write(bytes); !st) return st;
    return line_end ? write("\n") : Status{};
}

Status MessageSpool::flush() {
    std::string_view data = m_buf;
    while (!data.empty()) {
        ssize_t w = ::write(m_fd.get(), data.data(), data.size());
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            m_buf.clear();
            return write_error(errno, "write temporary file");
        }
        data.remove_prefix(static_cast<std::size_t>(w));
    }
    m_buf.clear();
    return {};
}

Status MessageSpool::reset() {
    m_buf.clear();
    m_size = 0;
    if (ftruncate(m_fd.get(), 0) != 0 || lseek(m_fd.get(), 0, SEEK_SET) != 0)
        return write_error(errno, "truncate temporary file");
    return {};
}

Result<std::string> MessageSpool::copy_from(int in_fd) {
    std::string buf(k_buffer, '\0');
    std::string first;  // bytes of the first line while we decide about it
    bool deciding = true;
    std::string from_line;
    for (;;) {
        ssize_t n = read(in_fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return make_error(EX_IOERR, fmt::format("cannot read message: {}", std::strerror(errno)));
        if (n == 0) break;
        std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
        if (deciding) {
            // Hold the first line (up to 1000 bytes) to see if it is a From_.
            auto nl = chunk.find('\n');
            first.append(chunk.substr(0, nl == std::string_view::npos ? chunk.size() : nl + 1));
            chunk.remove_prefix(nl == std::string_view::npos ? chunk.size() : nl + 1);
            if (nl == std::string_view::npos && first.size() < 1000) continue;
            deciding = false;
            if (first.starts_with("From ") && first.ends_with("\n"))
                from_line = first.substr(0, first.size() - 1);
            else if (auto st = write(first); !st)
                return st.error();
        }
        if (auto st = write(chunk); !st) return st.error();
    }
    if (deciding && !first.empty() && !(first.starts_with("From ") && first.ends_with("\n")))
        if (auto st = write(first); !st) return st.error();
    if (auto st = flush(); !st) return st.error();
    return from_line;
}

}  // namespace mail::mailbox
