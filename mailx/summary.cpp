// summary.cpp — see summary.h.
#include "mailx/summary.h"

#include "mailx/aliases.h"
#include "mailx/text.h"

#include "libmail/mime/charset.h"

#include <fmt/format.h>

namespace mailx {

char state_letter(const MessageState& s) {
    char c = ' ';
    bool read = s.read || s.read_before;
    bool is_new_flag = !s.seen_before;  // bsd-mailx's MNEW
    if (s.saved) c = '*';
    if (s.preserved) c = 'P';
    if (is_new_flag && !read) c = 'N';
    if (!is_new_flag && !read) c = 'U';
    if (s.mboxed) c = 'M';
    return c;
}

std::string sender_address(const Folder& f, std::size_t number) {
    std::string from = f.header(number, "From");
    if (from.empty()) from = f.header(number, "Sender");
    if (!from.empty()) {
        std::string bare = bare_address(from);
        if (!bare.empty()) return bare;
    }
    return from_line_sender(f.from_line(number));
}

std::string summary_line(const Folder& f, std::size_t number, bool current, const SummaryOptions& opts) {
    const Message& m = f.at(number);
    std::string who = sender_address(f, number);
    std::string line;
    std::string date = from_line_date(f.from_line(number)).substr(0, 16);
    std::string subject = decode_header_text(f.header(number, "Subject"));
    char mark = current ? '>' : ' ';
    if (opts.showto && opts.aliases && opts.aliases->is_me(who, opts.login, opts.allnet)) {
        std::string to = bare_address(split_first(f.header(number, "To")));
        line = fmt::format("{}{}{:3} TO {:<14.14}  {:>16.16} {:4}/{:<5} {}", mark, state_letter(m.state), number, to,
                           date, m.lines, m.size, subject);
    } else {
        line = fmt::format("{}{}{:3} {:<17.17}  {:>16.16} {:4}/{:<5} {}", mark, state_letter(m.state), number, who,
                           date, m.lines, m.size, subject);
    }
    line = mail::mime::printable(line, true);  // no control characters on the screen
    return opts.width ? cut_to_width(line, opts.width) : line;
}

std::string status_line(const Folder& f, std::string_view shown_path) {
    std::size_t n = f.count(), fresh = 0, unread = 0, deleted = 0, saved = 0;
    // Counted as bsd-mailx counts: "new" is every message without an "O"
    // status (read or not), "unread" every message not read.
    for (std::size_t i = 1; i <= n; ++i) {
        const auto& s = f.at(i).state;
        if (!s.seen_before) ++fresh;
        if (!s.read && !s.read_before) ++unread;
        if (s.deleted) ++deleted;
        if (s.saved) ++saved;
    }
    std::string out = fmt::format("\"{}\": {} message{}", shown_path, n, n == 1 ? "" : "s");
    if (fresh) out += fmt::format(" {} new", fresh);
    if (unread > fresh) out += fmt::format(" {} unread", unread);
    if (deleted) out += fmt::format(" {} deleted", deleted);
    if (saved) out += fmt::format(" {} saved", saved);
    if (f.read_only()) out += " [Read only]";
    return out;
}

std::size_t first_interesting(const Folder& f) {
    for (std::size_t i = 1; i <= f.count(); ++i)
        if (!f.at(i).state.deleted && f.at(i).state.is_new()) return i;
    for (std::size_t i = 1; i <= f.count(); ++i)
        if (!f.at(i).state.deleted && f.at(i).state.is_unread()) return i;
    return f.count() ? 1 : 0;
}

std::string cut_to_width(std::string_view line, std::size_t width) {
    std::size_t cols = 0, i = 0;
    while (i < line.size()) {
        unsigned char c = static_cast<unsigned char>(line[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        if (cols + 1 > width) break;
        if (i + len > line.size()) len = line.size() - i;
        i += len;
        ++cols;
    }
    return std::string(line.substr(0, i));
}

}  // namespace mailx
