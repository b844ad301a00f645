// reader.cpp — see reader.h.
#include "libmail/message/reader.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace mail::message {

namespace {

constexpr size_t k_chunk = 64 * 1024;
// RFC 5322 §2.1.1 limits a line to 998 bytes, so a field name cannot be
// longer; a first line with no colon in this window is body text.
constexpr size_t k_name_window = 1000;

class FdSource : public Source {
public:
    explicit FdSource(int fd) : m_fd(fd) {}
    Result<size_t> read(char* buf, size_t n) override {
        for (;;) {
            ssize_t r = ::read(m_fd, buf, n);
            if (r >= 0) return static_cast<size_t>(r);
            if (errno == EINTR) continue;
            return make_error(EX_IOERR, fmt::format("read error: {}", std::strerror(errno)));
        }
    }

private:
    int m_fd;
};

class StringSource : public Source {
public:
    explicit StringSource(std::string_view text) : m_text(text) {}
    Result<size_t> read(char* buf, size_t n) override {
        size_t k = std::min(n, m_text.size());
        std::memcpy(buf, m_text.data(), k);
        m_text.remove_prefix(k);
        return k;
    }

private:
    std::string_view m_text;
};

bool is_wsp(char c) { return c == ' ' || c == '\t'; }
bool is_ftext(char c) { return static_cast<unsigned char>(c) >= 33 && static_cast<unsigned char>(c) <= 126 && c != ':'; }

enum class LineKind { Field, Continuation, Body, Unknown };

// Classifies the start of a header-section line (without its '\n').
// Unknown: only field-name bytes so far, the colon may still come.
LineKind classify_line(std::string_view s, bool have_fields) {
    if (s.empty()) return LineKind::Unknown;
    if (is_wsp(s[0])) return have_fields ? LineKind::Continuation : LineKind::Body;
    size_t i = 0;
    while (i < s.size() && is_ftext(s[i])) ++i;
    if (i == 0) return LineKind::Body;
    while (i < s.size() && is_wsp(s[i])) ++i;
    if (i == s.size()) return LineKind::Unknown;
    return s[i] == ':' ? LineKind::Field : LineKind::Body;
}

}  // namespace

Reader::Reader(int fd, ReadOptions options) : Reader(std::make_unique<FdSource>(fd), options) {}

Reader::Reader(std::string_view text, ReadOptions options)
    : Reader(std::make_unique<StringSource>(text), options) {}

Reader::Reader(std::unique_ptr<Source> source, ReadOptions options)
    : m_source(std::move(source)), m_options(options), m_raw(k_chunk) {}

Error Reader::fail(Error e) {
    m_failed = true;
    m_error = e;
    return e;
}

Status Reader::read_raw() {
    auto r = m_source->read(m_raw.data(), m_raw.size());
    if (!r) return fail(r.error());
    m_raw_pos = 0;
    m_raw_len = *r;
    return {};
}

// End of raw input: flush what the line state still holds.  A "." alone on
// the last line, even without its newline, ends the input like "." LF.
void Reader::finish(std::string& out) {
    if (m_state == LineState::Dot || m_state == LineState::DotCr) {
        if (m_options.ignore_dots) out += '.';  // unreachable: Dot needs !ignore_dots
        else m_ended_by_dot = true;
    }
    if (m_pending_cr) out += '\r';
    m_pending_cr = false;
    m_eof = true;
}

// The normaliser: raw bytes in, LF-terminated lines out.  It keeps its state
// between calls so a CRLF or a ".\r\n" split across two reads is handled.
Status Reader::feed(std::string& out, size_t want) {
    if (m_failed) return m_error;
    const size_t start = out.size();
    while (!m_eof && out.size() - start < want) {
        if (m_raw_pos == m_raw_len) {
            if (Status st = read_raw(); !st) return st;
            if (m_raw_len == 0) finish(out);
            continue;
        }
        // Fast path: copy a run of ordinary bytes in the middle of a line.
        if (m_state == LineState::Middle && !m_pending_cr) {
            const char* p = m_raw.data() + m_raw_pos;
            size_t n = m_raw_len - m_raw_pos;
            size_t k = 0;
            while (k < n && p[k] != '\r' && p[k] != '\n' && p[k] != '\0') ++k;
            if (k > 0) {
                out.append(p, k);
                m_raw_pos += k;
                continue;
            }
        }
        char c = m_raw[m_raw_pos++];
        if (c == '\0' && m_options.reject_nul)
            return fail(make_error(EX_DATAERR, "message contains NUL byte"));
        if (m_state == LineState::Dot) {
            if (c == '\n') { m_ended_by_dot = m_eof = true; break; }
            if (c == '\r') { m_state = LineState::DotCr; continue; }
            out += '.';
            m_state = LineState::Middle;
        } else if (m_state == LineState::DotCr) {
            if (c == '\n') { m_ended_by_dot = m_eof = true; break; }
            out += '.';
            m_pending_cr = true;  // ".\rX": the CR was a lone CR, kept below
            m_state = LineState::Middle;
        }
        if (m_pending_cr) {
            m_pending_cr = false;
            if (c == '\n') {
                out += '\n';
                m_state = LineState::Start;
                continue;
            }
            out += '\r';
        }
        if (c == '\r') {
            m_pending_cr = true;
            m_state = LineState::Middle;
        } else if (c == '\n') {
            out += '\n';
            m_state = LineState::Start;
        } else if (m_state == LineState::Start && c == '.' && !m_options.ignore_dots) {
            m_state = LineState::Dot;
        } else {
            out += c;
            m_state = LineState::Middle;
        }
    }
    return {};
}

Status Reader::fill(size_t want) {
    if (m_pos > 0 && (m_pos >= k_chunk || m_pos == m_buf.size())) {
        m_buf.erase(0, m_pos);
        m_pos = 0;
    }
    return feed(m_buf, want);
}

Result<size_t> Reader::available(size_t n) {
    while (m_buf.size() - m_pos < n && !m_eof)
        if (Status st = fill(k_chunk); !st) return st.error();
    return std::min(n, m_buf.size() - m_pos);
}

Result<Reader::Line> Reader::take_line(size_t cap) {
    size_t scanned = 0;
    for (;;) {
        std::string_view avail(m_buf.data() + m_pos, m_buf.size() - m_pos);
        size_t nl = avail.find('\n', scanned);
        if (nl != std::string_view::npos) {
            if (nl + 1 > cap) return Line{avail.size(), false};
            return Line{nl + 1, true};
        }
        if (avail.size() > cap) return Line{avail.size(), false};
        if (m_eof) return Line{avail.size(), true};
        scanned = avail.size();
        // fill() may move the buffer; `scanned` is relative to m_pos.
        if (Status st = fill(k_chunk); !st) return st.error();
    }
}

Result<Headers> Reader::read_headers() {
    if (m_failed) return m_error;
    if (m_headers_read) return make_error(EX_SOFTWARE, "read_headers called twice");
    m_headers_read = true;
    const size_t limit = m_options.max_header_bytes ? m_options.max_header_bytes : std::numeric_limits<size_t>::max();
    auto too_long = [&] {
        return fail(make_error(EX_DATAERR, fmt::format("message header too long (max {} bytes)", limit)));
    };

    auto have = available(5);
    if (!have) return have.error();
    if (std::string_view(m_buf.data() + m_pos, *have) == "From ") {
        auto line = take_line(limit);
        if (!line) return line.error();
        if (!line->complete) return too_long();
        std::string_view l(m_buf.data() + m_pos, line->length);
        if (!l.empty() && l.back() == '\n') l.remove_suffix(1);
        m_from_line = std::string(l);
        m_pos += line->length;
    }

    std::string text;
    for (;;) {
        auto first = available(1);
        if (!first) return first.error();
        if (*first == 0) break;  // end of input
        if (m_buf[m_pos] == '\n') {  // the blank separator line
            ++m_pos;
            break;
        }
        const size_t budget = limit - m_header_bytes;
        const size_t window = std::min(budget, k_name_window);
        auto line = take_line(window);
        if (!line) return line.error();
        std::string_view s(m_buf.data() + m_pos, line->length);
        size_t nl = s.find('\n');
        const bool whole = nl != std::string_view::npos || m_eof;  // s holds the entire line
        s = s.substr(0, nl);
        LineKind kind = classify_line(s, !text.empty());
        if (kind == LineKind::Unknown && whole) kind = LineKind::Body;  // no colon at all
        if (kind == LineKind::Unknown) {
            // No colon yet: a name longer than the RFC line limit is body text,
            // but one cut short by the size budget is a header that is too long.
            if (window == k_name_window) kind = LineKind::Body;
            else return too_long();
        }
        if (kind == LineKind::Body) break;  // stays in m_buf as the first body line
        if (!line->complete) {
            line = take_line(budget);
            if (!line) return line.error();
            if (!line->complete) return too_long();
        }
        text.append(m_buf, m_pos, line->length);
        m_header_bytes += line->length;
        m_pos += line->length;
    }
    return Headers::parse(text);
}

Result<bool> Reader::read_body_chunk(std::string& out) {
    if (m_failed) return m_error;
    m_headers_read = true;  // without read_headers(), everything is body
    const size_t before = out.size();
    if (m_pos < m_buf.size()) {
        size_t n = std::min(k_chunk, m_buf.size() - m_pos);
        out.append(m_buf, m_pos, n);
        m_pos += n;
        if (m_pos == m_buf.size()) {
            m_buf.clear();
            m_buf.shrink_to_fit();  // the header buffer is not needed any more
            m_pos = 0;
        }
    } else if (Status st = feed(out, k_chunk); !st) {
        return st.error();
    }
    size_t n = out.size() - before;
    m_body_bytes += n;
    return n > 0;
}

}  // namespace mail::message
