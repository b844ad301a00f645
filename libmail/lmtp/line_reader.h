// line_reader.h — reading protocol lines from a descriptor in bounded pieces.
//
// next() returns the next line without its LF (and without a CR just before
// it), or a piece of a long line: Piece::Partial means more of the same line
// follows.  No piece is longer than max_piece, so a peer sending a 50 MB line
// costs max_piece bytes of memory, not 50 MB.
#pragma once

#include "libmail/lmtp/server.h"

#include <string>

namespace mail::lmtp {

class LineReader {
public:
    explicit LineReader(int fd, std::size_t max_piece = 64 * 1024) : m_fd(fd), m_max(max_piece) {}

    enum class Status { Text, Eof, Error };
    // On Text, `text` and `piece` are set.  Eof with a last line that had no
    // LF returns it first as Piece::End.
    Status next(std::string& text, Piece& piece);
    // True if bytes are already buffered (PIPELINING: flush replies later).
    bool buffered() const { return m_pos < m_buf.size(); }

private:
    int m_fd;
    std::size_t m_max;
    std::string m_buf;
    std::size_t m_pos = 0;
    bool m_eof = false;
};

}  // namespace mail::lmtp
