// spool.h — one message held in an unlinked temporary file.
//
// mail.local reads the message once (stdin, or LMTP DATA) and then writes it
// to each recipient's mailbox with pread() from this file, so memory stays
// constant whatever the message size.  The file is created with O_TMPFILE
// (or mkstemp + unlink) so it disappears when the process exits, crash
// included.
//
// SECURITY: the directory should not be writable by others without the
// sticky bit; O_TMPFILE/mkstemp give a file no one else can open by name.
#pragma once

#include "libmail/mailbox/fd.h"
#include "libmail/util/result.h"

#include <string>
#include <string_view>

namespace mail::mailbox {

class MessageSpool {
public:
    static Result<MessageSpool> create(const std::string& dir);

    // Buffered appends; flush() before reading fd().
    Status write(std::string_view bytes);
    // One line piece: bytes, then "\n" if line_end.
    Status write_line(std::string_view bytes, bool line_end);
    Status flush();
    // Empties the file for the next message.
    Status reset();
    // Copies all of `in_fd` (stdin), dropping a first line that begins with
    // "From " (an mbox From_ line the caller replaces); returns that line
    // without its newline, or "" if there was none.
    Result<std::string> copy_from(int in_fd);

    int fd() const { return m_fd.get(); }
    std::size_t size() const { return m_size; }

private:
    explicit MessageSpool(UniqueFd fd) : m_fd(std::move(fd)) {}
    UniqueFd m_fd;
    std::string m_buf;
    std::size_t m_size = 0;
};

}  // namespace mail::mailbox
