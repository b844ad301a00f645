// reader.cpp — see reader.h.
#include "libmail/message/reader.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mail::message {

namespace {
constexpr size_t k_chunk = 64 * 1024;
Error nul_error() { return make_error(EX_DATAERR, "message contains NUL byte"); }
}  // namespace

Reader::Reader(int fd, ReadOptions opts) : m_fd(fd), m_opts(opts) {}
Reader::Reader(std::string_view text, ReadOptions opts) : m_text(text), m_opts(opts) {}

Result<size_t> Reader::fill(size_t n) {
    while (m_buf.size() - m_pos < n && !m_eof) {
        if (m_pos > 0 && m_pos >= m_buf.size() / 2) {
            m_buf.erase(0, m_pos);
            m_pos = 0;
        }
        if (m_fd < 0) {
            size_t take = std::min(k_chunk, m_text.size());
            m_buf.append(m_text.substr(0, take));
            m_text.remove_prefix(take);
            if (m_text.empty()) m_eof = true;
            continue;
        }
        char tmp[k_chunk];
        ssize_t got = ::read(m_fd, tmp, sizeof tmp);
        if (got < 0) {
            if (errno == EINTR) continue;
            return make_error(EX_IOERR, fmt::format("read error: {}", std::strerror(errno)));
        }
        if (got == 0) {
            m_eof = true;
            break;
        }
        m_buf.append(tmp, static_cast<size_t>(got));
    }
    return m_buf.size() - m_pos;
}

Result<std::optional<std::string>> Reader::read_line(size_t limit) {
    size_t scanned = 0;
    while (true) {
        size_t nl = m_buf.find('\n', m_pos + scanned);
        if (nl != std::string::npos) {
            std::string line = m_buf.substr(m_pos, nl - m_pos);
            m_pos = nl + 1;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            return std::optional<std::string>(std::move(line));
        }
        scanned = m_buf.size() - m_pos;
        if (limit && scanned > limit) return make_error(EX_DATAERR, "line too long");
        if (m_eof) {
            if (scanned == 0) return std::optional<std::string>();
            std::string line = m_buf.substr(m_pos);
            m_pos = m_buf.size();
            if (!line.empty() && line.back() == '\r') line.pop_back();
            return std::optional<std::string>(std::move(line));
        }
        auto f = fill(scanned + k_chunk);
        if (!f) return f.error();
    }
}

Result<Headers> Reader::read_headers() {
    std::string text;
    const size_t max = m_opts.max_header_bytes;
    auto too_long = [&] {
        return make_error(EX_DATAERR, fmt::format("message header too long (max {} bytes)", max));
    };
    bool first = true;
    while (true) {
        size_t room = max ? (max > text.size() ? max - text.size() : 0) + 1 : 0;
        auto line = read_line(max ? room : 0);
        if (!line) return line.error().message == "line too long" ? too_long() : line.error();
        if (!*line) {
            m_done = true;
            break;
        }
        std::string& l = **line;
        if (m_opts.reject_nul && l.find('\0') != std::string::npos) return nul_error();
        m_header_bytes += l.size() + 1;
        if (first && l.compare(0, 5, "From ") == 0) {
            m_from_line = l;
            first = false;
            continue;
        }
        if (!m_opts.ignore_dots && l == ".") {
            m_done = true;
            m_ended_by_dot = true;
            break;
        }
        if (l.empty()) break;
        bool continuation = (l[0] == ' ' || l[0] == '\t') && !text.empty();
        if (!continuation && !is_field_start(l)) {
            // Not a header: the body starts here (sendmail's reading, too).
            m_header_bytes -= l.size() + 1;
            m_body_prefix = l + "\n";
            m_body_bytes += m_body_prefix.size();
            break;
        }
        first = false;
        text += l;
        text += '\n';
        if (max && text.size() > max) return too_long();
    }
    return Headers::parse(text);
}

Result<bool> Reader::read_body_chunk(std::string& out) {
    if (!m_body_prefix.empty()) {
        out += m_body_prefix;
        m_body_prefix.clear();
        m_at_line_start = true;
        return true;
    }
    if (m_done) return false;
    size_t produced = 0;
    while (produced < k_chunk) {
        auto avail = fill(3);
        if (!avail) return avail.error();
        if (*avail == 0) {
            m_done = true;
            break;
        }
        char c = m_buf[m_pos];
        if (c == '\0' && m_opts.reject_nul) return nul_error();
        if (m_at_line_start && c == '.' && !m_opts.ignore_dots) {
            std::string_view ahead(m_buf.data() + m_pos, std::min<size_t>(*avail, 3));
            if (ahead == "." || ahead.substr(0, 2) == ".\n" || ahead == ".\r\n" ||
                (ahead == ".\r" && m_eof && *avail == 2)) {
                m_done = true;
                m_ended_by_dot = true;
                break;
            }
        }
        if (c == '\r' && *avail >= 2 && m_buf[m_pos + 1] == '\n') {
            ++m_pos;  // CRLF → LF
            continue;
        }
        out += c;
        ++m_pos;
        ++produced;
        m_at_line_start = c == '\n';
    }
    m_body_bytes += produced;
    return true;
}

}  // namespace mail::message
