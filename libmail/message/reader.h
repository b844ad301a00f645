// reader.h — reading a message the way `sendmail` receives it on stdin.
//
// The header section is parsed into memory, bounded by max_header_bytes; the
// body is streamed in chunks so memory never grows with the message size.
// Input lines may end in LF or CRLF; output is always LF.  Unless
// ignore_dots, a line holding a single "." ends the input (sendmail without
// -i); dots are never unstuffed here (only SMTP stuffs them).  A leading mbox
// "From " line is taken off and kept.  A first line that is not a header
// field starts the body (the message has no header).
//
// Errors (EX_DATAERR): a NUL byte (when reject_nul), a header section over
// the limit (decided with bounded memory, so a 1 MB header line fails
// cleanly), a malformed field.  Read errors: EX_IOERR.
#pragma once

#include "libmail/message/header.h"
#include "libmail/util/result.h"

#include <optional>
#include <string>
#include <string_view>

namespace mail::message {

struct ReadOptions {
    bool ignore_dots = false;  // -i / -oi
    size_t max_header_bytes = 32768;  // 0 = unlimited
    bool reject_nul = true;
};

class Reader {
public:
    Reader(int fd, ReadOptions opts);
    Reader(std::string_view text, ReadOptions opts);  // tests, fuzzing

    // Consumes the header section and the blank line after it.  Call once,
    // before read_body_chunk().
    Result<Headers> read_headers();

    // Appends up to about 64 KiB of body to `out`; false once input ended.
    Result<bool> read_body_chunk(std::string& out);

    const std::string& from_line() const { return m_from_line; }
    size_t header_bytes() const { return m_header_bytes; }
    size_t body_bytes() const { return m_body_bytes; }
    bool ended_by_dot() const { return m_ended_by_dot; }

private:
    // Makes at least `n` bytes available after m_pos unless input ends;
    // returns the number available.
    Result<size_t> fill(size_t n);
    // One line without its end; nullopt at end of input; error past `limit`.
    Result<std::optional<std::string>> read_line(size_t limit);

    int m_fd = -1;
    std::string_view m_text;
    bool m_eof = false;
    std::string m_buf;
    size_t m_pos = 0;
    ReadOptions m_opts;
    std::string m_from_line;
    std::string m_body_prefix;  // a first body line found while reading headers
    bool m_at_line_start = true;
    bool m_done = false;
    bool m_ended_by_dot = false;
    size_t m_header_bytes = 0;
    size_t m_body_bytes = 0;
};

}  // namespace mail::message
