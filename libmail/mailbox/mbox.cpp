// mbox.cpp — see mbox.h and docs/mailbox.md.
#include "libmail/mailbox/mbox.h"

#include "libmail/util/clock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace mail::mailbox {
namespace {

constexpr std::string_view k_from = "From ";
constexpr std::size_t k_chunk = 64 * 1024;

// Writes out all of `data`, counting against the fault-injection budget.
Status write_all(int fd, std::string_view data, std::size_t& written, const AppendOptions& opts) {
    while (!data.empty()) {
        std::size_t n = data.size();
        if (written + n > opts.fail_after) {
            n = opts.fail_after - written;
            if (n == 0) return write_error(ENOSPC, "write");
        }
        ssize_t w = ::write(fd, data.data(), n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return write_error(errno, "write");
        }
        written += static_cast<std::size_t>(w);
        data.remove_prefix(static_cast<std::size_t>(w));
    }
    return {};
}

// How many newlines the mailbox needs before a new From_ line so that it
// follows an empty line (RFC 4155): a damaged or foreign-written mailbox may
// end without the separator.
Result<int> missing_separator(int fd, off_t size) {
    if (size == 0) return 0;
    char tail[2] = {'\n', '\n'};
    off_t from = size >= 2 ? size - 2 : 0;
    ssize_t n = pread(fd, tail + (size >= 2 ? 0 : 1), static_cast<size_t>(size - from), from);
    if (n < 0) return write_error(errno, "read mailbox");
    if (tail[1] != '\n') return 2;
    return tail[0] == '\n' ? 0 : 1;
}

Status write_entry(int fd, int source_fd, const Envelope& env, int separator, const AppendOptions& opts) {
    std::size_t written = 0;
    std::string out(static_cast<std::size_t>(separator), '\n');
    out += from_line(env);
    out += trace_headers(env);
    FromQuoter quoter;
    std::string in(k_chunk, '\0');
    off_t offset = 0;
    for (;;) {
        ssize_t n = pread(source_fd, in.data(), in.size(), offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(EX_IOERR, fmt::format("cannot read message: {}", std::strerror(errno)));
        }
        if (n == 0) break;
        offset += n;
        quoter.feed(std::string_view(in.data(), static_cast<std::size_t>(n)), out);
        if (out.size() >= k_chunk) {
            if (auto st = write_all(fd, out, written, opts); !st) return st;
            out.clear();
        }
    }
    quoter.finish(out);
    if (!quoter.empty() && !quoter.ended_with_newline()) out += '\n';
    out += '\n';
    if (auto st = write_all(fd, out, written, opts); !st) return st;
    if (opts.sync && fsync(fd) != 0) return write_error(errno, "fsync");
    return {};
}

}  // namespace

std::string from_line(const Envelope& env) {
    return fmt::format("From {}  {}\n", env.sender.empty() ? "MAILER-DAEMON" : env.sender,
                       ctime_text(env.when));
}

std::string trace_headers(const Envelope& env) {
    return fmt::format("Return-Path: <{}>\nDelivered-To: {}\n", env.sender, env.recipient);
}

void FromQuoter::feed(std::string_view in, std::string& out) {
    if (!in.empty()) m_empty = false;
    for (char c : in) {
        m_last = c;
        if (m_match >= 0) {
            if (c == k_from[static_cast<std::size_t>(m_match)]) {
                if (++m_match == static_cast<int>(k_from.size())) {
                    out += ">From ";
                    m_match = -1;
                }
                continue;
            }
            out.append(k_from.substr(0, static_cast<std::size_t>(m_match)));
            m_match = -1;
        }
        out += c;
        if (c == '\n') m_match = 0;
    }
}

void FromQuoter::finish(std::string& out) {
    if (m_match > 0) out.append(k_from.substr(0, static_cast<std::size_t>(m_match)));
    m_match = 0;
}

std::string format_mbox_entry(std::string_view message, const Envelope& env) {
    std::string out = from_line(env) + trace_headers(env);
    FromQuoter q;
    q.feed(message, out);
    q.finish(out);
    if (!q.empty() && !q.ended_with_newline()) out += '\n';
    out += '\n';
    return out;
}

bool is_mailbox_full(const Error& e) {
    return e.message.starts_with(k_mailbox_full);
}

Error write_error(int err, std::string_view what) {
    if (err == EDQUOT || err == EFBIG)
        return make_error(EX_TEMPFAIL, fmt::format("{} ({}: {})", k_mailbox_full, what, std::strerror(err)));
    if (err == ENOSPC) return make_error(EX_TEMPFAIL, fmt::format("{}: {}", what, std::strerror(err)));
    return make_error(EX_IOERR, fmt::format("{}: {}", what, std::strerror(err)));
}

Status append_mbox(int mailbox_fd, int source_fd, const Envelope& env, const AppendOptions& opts) {
    struct stat st {};
    if (fstat(mailbox_fd, &st) != 0) return write_error(errno, "fstat");
    const off_t old_size = st.st_size;
    auto separator = missing_separator(mailbox_fd, old_size);
    if (!separator) return separator.error();
    Status st_write = write_entry(mailbox_fd, source_fd, env, *separator, opts);
    if (st_write) return st_write;
    // All or nothing: a half-written message would corrupt every later
    // message for mbox readers (mta.md §4.5 "Truncation on error").
    if (ftruncate(mailbox_fd, old_size) != 0)
        return make_error(EX_IOERR, fmt::format("{}; cannot truncate back to {} bytes: {}",
                                                st_write.error().message, old_size, std::strerror(errno)));
    fsync(mailbox_fd);
    return st_write;
}

}  // namespace mail::mailbox
