// line_reader.cpp — see line_reader.h.
#include "libmail/lmtp/line_reader.h"

#include <unistd.h>

#include <cerrno>

namespace mail::lmtp {

LineReader::Status LineReader::next(std::string& text, Piece& piece) {
    for (;;) {
        std::string_view avail(m_buf.data() + m_pos, m_buf.size() - m_pos);
        auto nl = avail.find('\n');
        if (nl != std::string_view::npos && nl <= m_max) {
            std::string_view line = avail.substr(0, nl);
            if (line.ends_with('\r')) line.remove_suffix(1);
            text.assign(line);
            piece = Piece::End;
            m_pos += nl + 1;
            return Status::Text;
        }
        if (avail.size() > m_max) {
            // Keep a trailing CR back: it may be the CR of the CRLF.
            std::size_t take = m_max;
            if (take > 1 && avail[take - 1] == '\r') --take;
            text.assign(avail.substr(0, take));
            piece = Piece::Partial;
            m_pos += take;
            return Status::Text;
        }
        if (m_eof) {
            if (avail.empty()) return Status::Eof;
            text.assign(avail);
            piece = Piece::End;
            m_pos = m_buf.size();
            return Status::Text;
        }
        m_buf.erase(0, m_pos);
        m_pos = 0;
        std::size_t old = m_buf.size();
        m_buf.resize(old + m_max + 1);
        ssize_t n = read(m_fd, m_buf.data() + old, m_max + 1);
        if (n < 0 && errno == EINTR) {
            m_buf.resize(old);
            continue;
        }
        if (n < 0) {
            m_buf.resize(old);
            return Status::Error;
        }
        m_buf.resize(old + static_cast<std::size_t>(n));
        if (n == 0) m_eof = true;
    }
}

}  // namespace mail::lmtp
