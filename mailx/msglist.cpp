// msglist.cpp — see msglist.h.
#include "mailx/msglist.h"

#include "mailx/summary.h"
#include "mailx/text.h"

#include "libmail/util/strings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace mailx {

namespace {

bool contains_nocase(std::string_view hay, std::string_view needle) {
    if (needle.empty()) return false;
    auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    });
    return it != hay.end();
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

mail::Error err(std::string m) { return mail::make_error(EX_DATAERR, std::move(m)); }

}  // namespace

mail::Result<std::vector<std::size_t>> parse_msglist(std::string_view spec, const Folder& f, std::size_t current,
                                                     ListFor mode) {
    const std::size_t n = f.count();
    auto eligible = [&](std::size_t i) {
        return mode == ListFor::Deleted ? f.at(i).state.deleted : !f.at(i).state.deleted;
    };
    std::vector<bool> marked(n + 1, false);
    bool any_token = false;
    auto words = mail::split(spec, " \t");
    for (const auto& w : words) {
        any_token = true;
        std::string_view t = w;
        auto check_number = [&](std::size_t k) -> mail::Status {
            if (k < 1 || k > n) return err(fmt::format("{}: Invalid message number", k));
            if (!eligible(k)) return err(fmt::format("{}: Inappropriate message", k));
            return {};
        };
        auto dash = t.find('-');
        if (all_digits(t)) {
            std::size_t k = std::stoul(std::string(t.substr(0, 9)));
            if (auto s = check_number(k); !s) return s.error();
            marked[k] = true;
        } else if (dash != std::string_view::npos && dash > 0 && all_digits(t.substr(0, dash)) &&
                   all_digits(t.substr(dash + 1))) {
            std::size_t a = std::stoul(std::string(t.substr(0, std::min<std::size_t>(dash, 9))));
            std::size_t b = std::stoul(std::string(t.substr(dash + 1, 9)));
            if (auto s = check_number(a); !s) return s.error();
            if (auto s = check_number(b); !s) return s.error();
            for (std::size_t k = std::min(a, b); k <= std::max(a, b); ++k)
                if (eligible(k)) marked[k] = true;
        } else if (t == ".") {
            if (current < 1 || current > n) return err("No applicable messages");
            marked[current] = true;
        } else if (t == "^" || t == "$") {
            bool found = false;
            for (std::size_t i = 1; i <= n; ++i) {
                std::size_t k = t == "^" ? i : n + 1 - i;
                if (eligible(k)) {
                    marked[k] = found = true;
                    break;
                }
            }
            if (!found) return err("No applicable messages");
        } else if (t == "+" || t == "-") {
            std::size_t k = current;
            bool found = false;
            while (true) {
                if (t == "+" ? k >= n : k <= 1) break;
                k = t == "+" ? k + 1 : k - 1;
                if (eligible(k)) {
                    found = true;
                    break;
                }
            }
            if (!found) return err(t == "+" ? "Referencing beyond EOF" : "Referencing before 1");
            marked[k] = true;
        } else if (t == "*") {
            for (std::size_t i = 1; i <= n; ++i)
                if (eligible(i)) marked[i] = true;
        } else if (t.size() == 2 && t[0] == ':') {
            bool found = false;
            for (std::size_t i = 1; i <= n; ++i) {
                const auto& s = f.at(i).state;
                bool read = s.read || s.read_before;
                bool match = false;
                switch (t[1]) {
                case 'd': match = s.deleted; break;
                case 'n': match = !s.seen_before && !s.deleted; break;
                case 'o': match = s.seen_before && !read && !s.deleted; break;
                case 'r': match = read && !s.deleted; break;
                case 'u': match = !read && !s.deleted; break;
                default: return err(fmt::format("Unknown colon modifier \"{}\"", t));
                }
                if (match && (t[1] == 'd' || eligible(i))) marked[i] = found = true;
            }
            if (!found) return err(fmt::format("No messages satisfy {}", t));
        } else {
            bool found = false;
            bool subject = t[0] == '/';
            for (std::size_t i = 1; i <= n; ++i) {
                if (!eligible(i)) continue;
                bool match = subject ? contains_nocase(decode_header_text(f.header(i, "Subject")), t.substr(1))
                                     : contains_nocase(sender_address(f, i), t);
                if (match) marked[i] = found = true;
            }
            if (!found) return err(fmt::format("No applicable messages from {{{}}}", t));
        }
    }
    std::vector<std::size_t> out;
    if (!any_token) {
        // The default: the current message if eligible, else the nearest
        // eligible one after it, else before it.
        if (current >= 1 && current <= n && eligible(current)) return std::vector<std::size_t>{current};
        for (std::size_t k = current + 1; k <= n; ++k)
            if (eligible(k)) return std::vector<std::size_t>{k};
        for (std::size_t k = std::min(current, n + 1); k-- > 1;)
            if (eligible(k)) return std::vector<std::size_t>{k};
        return err("No applicable messages");
    }
    for (std::size_t i = 1; i <= n; ++i)
        if (marked[i]) out.push_back(i);
    if (out.empty()) return err("No applicable messages");
    return out;
}

bool split_list_and_file(std::string_view args, std::string_view& list, std::string& file) {
    auto t = mail::trim(args);
    if (t.empty()) return false;
    std::size_t end = t.size();
    std::size_t start;
    if (t.back() == '"' || t.back() == '\'') {
        char q = t.back();
        start = t.rfind(q, end - 2);
        if (start == std::string_view::npos || end < 2) start = 0;
        file = std::string(t.substr(start + 1, end - start - 2));
    } else {
        start = t.find_last_of(" \t");
        start = start == std::string_view::npos ? 0 : start + 1;
        file = std::string(t.substr(start));
    }
    list = mail::trim(t.substr(0, start));
    return true;
}

}  // namespace mailx
