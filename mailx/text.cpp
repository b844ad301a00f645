// text.cpp — see text.h.
#include "mailx/text.h"

#include "mailx/aliases.h"

#include "libmail/mime/rfc2047.h"
#include "libmail/util/strings.h"

namespace mailx {

namespace {

// The date of a From_ line starts at the first weekday name after the
// sender; the sender may contain blanks only if quoted, which we tolerate by
// searching for " Www Mmm " from the left.
std::size_t date_start(std::string_view line) {
    static constexpr std::string_view days[] = {"Mon ", "Tue ", "Wed ", "Thu ", "Fri ", "Sat ", "Sun "};
    if (line.substr(0, 5) != "From ") return std::string_view::npos;
    for (std::size_t i = 5; i + 4 <= line.size(); ++i) {
        if (line[i - 1] != ' ') continue;
        for (auto d : days)
            if (line.substr(i, 4) == d) return i;
    }
    return std::string_view::npos;
}

}  // namespace

std::string from_line_sender(std::string_view line) {
    if (line.substr(0, 5) != "From ") return "";
    auto rest = line.substr(5);
    auto sp = rest.find(' ');
    return std::string(rest.substr(0, sp));
}

std::string from_line_date(std::string_view line) {
    auto d = date_start(line);
    if (d == std::string_view::npos) return "";
    return std::string(mail::trim(line.substr(d)));
}

std::string decode_header_text(std::string_view value) { return mail::mime::decode_header(value); }

std::string split_first(std::string_view list) {
    auto all = split_recipients(list);
    return all.empty() ? std::string() : all.front();
}

std::string expand_file_name(std::string_view name, const FileNameContext& ctx) {
    if (name.empty()) return "";
    if (name == "%") return ctx.system_mailbox;
    if (name[0] == '%') return ctx.spool_dir + "/" + std::string(name.substr(1));
    if (name == "#") return ctx.previous;
    if (name == "&") return ctx.mbox;
    if (name[0] == '+') {
        std::string dir = ctx.folder_dir.empty() ? ctx.home : ctx.folder_dir;
        return dir + "/" + std::string(name.substr(1));
    }
    if (name == "~") return ctx.home;
    if (name.substr(0, 2) == "~/") return ctx.home + std::string(name.substr(1));
    return std::string(name);
}

}  // namespace mailx
