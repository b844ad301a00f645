// mbox_reader.cpp — see mbox_reader.h.
#include "libmail/mailbox/mbox_reader.h"

#include <array>

#include <fmt/format.h>

namespace mail::mailbox {
namespace {

// "Www Mmm" somewhere after the address: the start of a ctime(3) date.
bool has_ctime_date(std::string_view line) {
    static constexpr std::array<std::string_view, 7> days = {"Mon ", "Tue ", "Wed ", "Thu ",
                                                             "Fri ", "Sat ", "Sun "};
    static constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (std::size_t i = 5; i + 7 <= line.size(); ++i) {
        if (line[i - 1] != ' ') continue;
        for (auto d : days) {
            if (line.substr(i, 4) != d) continue;
            for (auto m : months)
                if (line.substr(i + 4, 3) == m) return true;
        }
    }
    return false;
}

}  // namespace

bool is_from_line(std::string_view line, const SplitOptions& opts) {
    if (!line.starts_with("From ")) return false;
    return !opts.strict || has_ctime_date(line);
}

MboxSplit split_mbox(std::string_view data, const SplitOptions& opts) {
    MboxSplit out;
    // Pass 1: the offsets of the From_ lines.
    std::vector<std::size_t> starts;
    bool after_empty = true;  // the file start counts as "after an empty line"
    for (std::size_t pos = 0; pos < data.size();) {
        std::size_t nl = data.find('\n', pos);
        std::size_t end = nl == std::string_view::npos ? data.size() : nl;
        std::string_view line = data.substr(pos, end - pos);
        if (after_empty && is_from_line(line, opts)) starts.push_back(pos);
        after_empty = line.empty();
        pos = nl == std::string_view::npos ? data.size() : nl + 1;
    }
    if (starts.empty()) {
        if (!data.empty())
            out.warnings.push_back(fmt::format("offset 0: no From_ line in {} bytes", data.size()));
        return out;
    }
    if (starts.front() != 0)
        out.warnings.push_back(
            fmt::format("offset 0: {} bytes before the first From_ line ignored", starts.front()));
    // Pass 2: each message's parts.
    for (std::size_t i = 0; i < starts.size(); ++i) {
        std::size_t begin = starts[i];
        std::size_t limit = i + 1 < starts.size() ? starts[i + 1] : data.size();
        MboxMessage m;
        m.offset = begin;
        std::size_t nl = data.find('\n', begin);
        if (nl == std::string_view::npos || nl >= limit) nl = limit;
        m.from_line = data.substr(begin, nl - begin);
        m.header_offset = nl < limit ? nl + 1 : limit;
        // Drop the separator: the empty line before the next From_ (or the
        // final "\n" of the file after the message's own last newline).
        std::size_t content_end = limit;
        if (content_end >= m.header_offset + 1 && data[content_end - 1] == '\n' && content_end >= 2 &&
            data[content_end - 2] == '\n' && content_end - 1 >= m.header_offset)
            content_end -= 1;
        else if (i + 1 == starts.size() && (content_end == 0 || data[content_end - 1] != '\n'))
            out.warnings.push_back(fmt::format("offset {}: message does not end with a newline", begin));
        std::string_view rest = data.substr(m.header_offset, content_end - m.header_offset);
        std::size_t blank = rest.starts_with("\n") ? 0 : rest.find("\n\n");
        if (blank == std::string_view::npos) {
            m.header_size = rest.size();
            m.body_offset = content_end;
            m.body_size = 0;  // a header-only message is legal (RFC 5322 §3.5)
        } else {
            m.header_size = blank == 0 ? 0 : blank + 1;
            m.body_offset = m.header_offset + m.header_size + 1;
            m.body_size = content_end > m.body_offset ? content_end - m.body_offset : 0;
        }
        out.messages.push_back(m);
    }
    return out;
}

}  // namespace mail::mailbox
