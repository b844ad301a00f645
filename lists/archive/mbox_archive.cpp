// mbox_archive.cpp — L/archive.mbox: append_mbox() and read_mbox() (see
// archive.h).
//
// libmail's mailbox::append_mbox() is the delivery path and always writes
// Return-Path and Delivered-To lines; an archive keeps the post as it was
// sent, so the entry here is put together from libmail's pieces (from_line,
// FromQuoter, open_mailbox, MailboxLock) and written with the same
// all-or-nothing rule: the size is taken under the lock and any failure
// truncates back to it (docs/mailbox.md, "All or nothing").
//
// SECURITY: the archive belongs to listman's user and is opened with
// open_mailbox()'s checks (no symlink, no hard link, our uid).  The message
// is untrusted bytes; it is quoted, never parsed.  The envelope sender goes
// into the From_ line with spaces and control bytes replaced by '_', so it
// stays one line that readers can split.
// STANDARDS: RFC 4155.
#include "lists/archive/archive.h"

#include "libmail/mailbox/lock.h"
#include "libmail/mailbox/mbox.h"
#include "libmail/mailbox/mbox_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace mail::lists::archive {
namespace {

std::string from_line_sender(std::string_view sender) {
    std::string out;
    out.reserve(sender.size());
    for (char c : sender) {
        auto u = static_cast<unsigned char>(c);
        out += (u <= 0x20 || u == 0x7F) ? '_' : c;
    }
    return out;
}

Status write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t w = ::write(fd, data.data(), data.size());
        if (w < 0) {
            if (errno == EINTR) continue;
            return mailbox::write_error(errno, "write");
        }
        data.remove_prefix(static_cast<std::size_t>(w));
    }
    return {};
}

// Newlines needed so that our From_ line follows an empty line (RFC 4155),
// when the archive was damaged or written by another tool.
Result<std::string> separator_for(int fd, off_t size) {
    if (size == 0) return std::string();
    char tail[2] = {'\n', '\n'};
    off_t from = size >= 2 ? size - 2 : 0;
    ssize_t n = pread(fd, tail + (size >= 2 ? 0 : 1), static_cast<std::size_t>(size - from), from);
    if (n < 0) return mailbox::write_error(errno, "read archive");
    if (tail[1] != '\n') return std::string("\n\n");
    return std::string(tail[0] == '\n' ? "" : "\n");
}

}  // namespace

Status append_mbox(const std::string& path, std::string_view message, std::string_view envelope_sender,
                   std::time_t when) {
    mailbox::MailboxOwner owner{geteuid(), getegid(), 0600, false};
    auto fd = mailbox::open_mailbox(path, owner);
    if (!fd) return fd.error();
    auto lock = mailbox::MailboxLock::acquire(fd->get(), path, mailbox::LockOptions{});
    if (!lock) return lock.error();

    struct stat st {};
    if (fstat(fd->get(), &st) != 0) return mailbox::write_error(errno, "fstat");
    const off_t old_size = st.st_size;
    auto separator = separator_for(fd->get(), old_size);
    if (!separator) return separator.error();

    mailbox::Envelope env;
    env.sender = from_line_sender(envelope_sender);
    env.when = when;
    std::string entry = *separator + mailbox::from_line(env);
    entry.reserve(entry.size() + message.size() + message.size() / 64 + 2);
    mailbox::FromQuoter quoter;
    quoter.feed(message, entry);
    quoter.finish(entry);
    if (!quoter.empty() && !quoter.ended_with_newline()) entry += '\n';
    entry += '\n';

    Status written = write_all(fd->get(), entry);
    if (written && fsync(fd->get()) != 0) written = mailbox::write_error(errno, "fsync");
    if (written) return written;
    // A half-written post would corrupt every later one for mbox readers.
    if (ftruncate(fd->get(), old_size) != 0)
        return make_error(EX_IOERR, fmt::format("{}: {}; cannot truncate back to {} bytes: {}", path,
                                                written.error().message, old_size, std::strerror(errno)));
    fsync(fd->get());
    return make_error(written.error().exit_code, fmt::format("{}: {}", path, written.error().message));
}

Result<std::vector<std::string>> read_mbox(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT) return make_error(EX_NOINPUT, fmt::format("{}: no archive", path));
        if (err == ELOOP || err == EACCES || err == EPERM)
            return make_error(EX_NOPERM, fmt::format("{}: cannot open: {}", path, std::strerror(err)));
        return make_error(EX_IOERR, fmt::format("{}: cannot open: {}", path, std::strerror(err)));
    }
    mailbox::UniqueFd owned(fd);
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return make_error(EX_NOPERM, fmt::format("{}: not a regular file", path));
    // The dotlock alone excludes append_mbox(), which takes it after its
    // fcntl lock; our descriptor is read-only and cannot hold a write lock.
    auto lock = mailbox::DotLock::acquire(path + ".lock", mailbox::LockOptions{});
    if (!lock) return lock.error();

    std::string data;
    char buf[64 * 1024];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return make_error(EX_IOERR, fmt::format("{}: read: {}", path, std::strerror(errno)));
        }
        if (n == 0) break;
        data.append(buf, static_cast<std::size_t>(n));
    }
    lock->release();

    std::vector<std::string> messages;
    for (const auto& m : mailbox::split_mbox(data).messages)
        messages.emplace_back(data.substr(m.header_offset, m.body_offset + m.body_size - m.header_offset));
    return messages;
}

}  // namespace mail::lists::archive
