// reader.h — reads a message the way the `sendmail` command receives it.
//
// The input is a byte stream (standard input, or a string in tests).  The
// reader normalises line ends, applies sendmail's lone-dot rule, splits off
// the header section and then streams the body in chunks, so memory stays
// bounded whatever the message size (the header section is bounded by
// ReadOptions::max_header_bytes; the body is never held whole).
//
// Input rules (see docs/message.md):
//   - LF or CRLF ends a line; output always uses LF.  A CR not followed by LF
//     is kept as it is.
//   - Unless ignore_dots (-i, -oi), a line consisting of "." alone ends the
//     input and the rest is discarded.  A leading ".." is NOT unstuffed
//     (only SMTP dot-stuffs).
//   - A NUL byte anywhere is an error (EX_DATAERR) when reject_nul.
//   - A leading mbox "From " line is removed and kept in from_line().
//   - The header section ends at an empty line (consumed) or at the first
//     line that is neither a field nor a continuation; that line, like
//     sendmail does, becomes the first body line.  So input without any
//     header gives empty Headers and all of it is body.
//
// Thread-safety: none; one Reader per stream.  Lifetime: a Reader built on
// a string_view must not outlive the string; the fd is not closed.
//
// SECURITY: input is untrusted (any local user, or an SMTP peer's DATA).
// Header-section memory is capped before the data is buffered: an overlong
// line is rejected after at most max_header_bytes + 64 KiB are held.
//
// STANDARDS: RFC 5322 §2.1 (header section, blank line, body); sendmail(8)
// -i/-oi dot handling.
#pragma once

#include "libmail/message/header.h"
#include "libmail/util/result.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mail::message {

struct ReadOptions {
    bool ignore_dots = false;         // -i / -oi: a lone "." does NOT end input when true
    size_t max_header_bytes = 32768;  // 0 = unlimited
    bool reject_nul = true;
};

// Where raw bytes come from.  read() returns the number of bytes stored in
// buf (0 = end of input) or an EX_IOERR error.
class Source {
public:
    virtual ~Source() = default;
    virtual Result<size_t> read(char* buf, size_t n) = 0;
};

class Reader {
public:
    Reader(int fd, ReadOptions options = {});
    Reader(std::string_view text, ReadOptions options = {});
    Reader(std::unique_ptr<Source> source, ReadOptions options = {});

    // Consumes the From_ line, the header section and the blank separator
    // line.  Call at most once, before read_body_chunk().
    Result<Headers> read_headers();

    // Appends up to about 64 KiB of body to `out`.  Returns true if it
    // appended bytes, false at end of input (nothing appended).  Errors
    // (NUL, read error) are sticky: later calls return the same error.
    Result<bool> read_body_chunk(std::string& out);

    size_t body_bytes() const { return m_body_bytes; }      // body bytes returned so far (LF line ends)
    size_t header_bytes() const { return m_header_bytes; }  // header fields, LF ends; no From_ line, no blank line
    bool ended_by_dot() const { return m_ended_by_dot; }    // input ended by a lone "."
    const std::string& from_line() const { return m_from_line; }  // "" if none; no newline

private:
    // Line-end and dot state between two raw bytes.
    enum class LineState { Start, Middle, Dot, DotCr };

    struct Line {
        size_t length = 0;      // bytes available at m_buf[m_pos], '\n' included
        bool complete = false;  // false: the line is longer than the cap asked for
    };

    Status fill(size_t want);  // normalises about `want` more bytes into m_buf
    Status feed(std::string& out, size_t want);
    void finish(std::string& out);
    Status read_raw();
    Error fail(Error e);
    // Makes m_buf[m_pos..] hold a whole line (or the rest of the input),
    // unless the line is longer than `cap` bytes.
    Result<Line> take_line(size_t cap);
    Result<size_t> available(size_t n);  // makes at least n bytes available, if input has them

    std::unique_ptr<Source> m_source;
    ReadOptions m_options;
    std::vector<char> m_raw;
    size_t m_raw_pos = 0;
    size_t m_raw_len = 0;
    bool m_eof = false;  // no more normalised bytes will come (end of input or lone dot)

    LineState m_state = LineState::Start;
    bool m_pending_cr = false;
    bool m_ended_by_dot = false;

    std::string m_buf;  // normalised bytes not yet handed out
    size_t m_pos = 0;
    bool m_headers_read = false;
    bool m_failed = false;
    Error m_error;

    std::string m_from_line;
    size_t m_body_bytes = 0;
    size_t m_header_bytes = 0;
};

}  // namespace mail::message
