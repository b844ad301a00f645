// html.cpp — the static HTML archive: render_html() (see archive.h).
//
// Pages are built as strings from three kinds of pieces: fixed markup
// written here, names we make up (YYYY-MM, NNNNNN.html, numbers), and
// text from messages.  Text from messages reaches a page only through
// html_text(), which makes it valid UTF-8 without control characters or
// noncharacters, hides addresses and escapes & < > " '.  Message text is
// never put in an attribute, a URL, a style or a comment.
//
// SECURITY: the archive is public; see archive.h.  A Content-Security-Policy
// <meta> forbids scripts and every external resource, as a second wall
// behind the escaping.  Threads are built first from a post to an earlier
// post (smaller seq); a reply archived before its parent (two deliveries
// racing) is then linked to the later post only when that parent does not
// descend from it, so hostile In-Reply-To/References cannot make a cycle;
// nesting on the month page stops at k_max_nesting levels, and the tree is
// walked without recursion.
// STANDARDS: HTML (WHATWG): doctype, <meta charset>, character references.
#include "lists/archive/archive.h"
#include "lists/archive/message_text.h"

#include "libmail/mime/charset.h"
#include "libmail/util/strings.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

namespace mail::lists::archive {
namespace {

constexpr int k_max_nesting = 32;
constexpr int k_max_ancestor_walk = 10000;
constexpr std::time_t k_max_date = 253402300799;  // 9999-12-31 23:59:59 UTC
constexpr std::string_view k_replacement = "\xEF\xBF\xBD";

// ---------------------------------------------------------------- text

// Valid UTF-8 (printable() repairs it) with the code points HTML calls
// noncharacters (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF) replaced.
std::string clean_text(std::string_view raw) {
    std::string in = mime::printable(raw);
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size();) {
        auto b = static_cast<unsigned char>(in[i]);
        std::size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        if (i + len > in.size()) len = in.size() - i;  // cannot happen after repair
        std::uint32_t cp = 0;
        if (len == 3) {
            cp = ((b & 0x0Fu) << 12) | ((static_cast<unsigned char>(in[i + 1]) & 0x3Fu) << 6) |
                 (static_cast<unsigned char>(in[i + 2]) & 0x3Fu);
        } else if (len == 4) {
            cp = ((b & 0x07u) << 18) | ((static_cast<unsigned char>(in[i + 1]) & 0x3Fu) << 12) |
                 ((static_cast<unsigned char>(in[i + 2]) & 0x3Fu) << 6) |
                 (static_cast<unsigned char>(in[i + 3]) & 0x3Fu);
        }
        bool nonchar = (cp >= 0xFDD0 && cp <= 0xFDEF) || (len >= 3 && (cp & 0xFFFEu) == 0xFFFEu);
        if (nonchar)
            out.append(k_replacement);
        else
            out.append(in, i, len);
        i += len;
    }
    return out;
}

void append_escaped(std::string& out, std::string_view text) {
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
}

// The only way message or list text gets into a page.
std::string html_text(std::string_view raw) {
    std::string out;
    append_escaped(out, obfuscate_addresses(clean_text(raw)));
    return out;
}

// One line of text (header values, names): no line breaks or tabs.
std::string html_line(std::string_view raw) {
    return html_text(mime::printable(raw, true));
}

// ---------------------------------------------------------------- dates (UTC)

struct tm utc(std::time_t t) {
    t = std::clamp<std::time_t>(t, 0, k_max_date);
    struct tm tm {};
    gmtime_r(&t, &tm);
    return tm;
}

std::string month_of(std::time_t t) {
    struct tm tm = utc(t);
    return fmt::format("{:04d}-{:02d}", tm.tm_year + 1900, tm.tm_mon + 1);
}

std::string iso_time(std::time_t t) {
    struct tm tm = utc(t);
    return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string time_element(std::time_t t, bool seconds) {
    struct tm tm = utc(t);
    std::string shown = fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}", tm.tm_year + 1900, tm.tm_mon + 1,
                                    tm.tm_mday, tm.tm_hour, tm.tm_min);
    if (seconds) shown += fmt::format(":{:02d} UTC", tm.tm_sec);
    return fmt::format("<time datetime=\"{}\">{}</time>", iso_time(t), shown);
}

bool valid_month(std::string_view m) {
    if (m.size() != 7 || m[4] != '-') return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6})
        if (m[i] < '0' || m[i] > '9') return false;
    int mon = (m[5] - '0') * 10 + (m[6] - '0');
    return mon >= 1 && mon <= 12;
}

std::string month_title(std::string_view month) {
    static constexpr const char* k_names[] = {"January",   "February", "March",    "April",
                                              "May",       "June",     "July",     "August",
                                              "September", "October",  "November", "December"};
    int mon = (month[5] - '0') * 10 + (month[6] - '0');
    return fmt::format("{} {}", k_names[mon - 1], month.substr(0, 4));
}

// ---------------------------------------------------------------- files

Error file_error(int err, const std::string& what) {
    int code = (err == ENOSPC || err == EDQUOT) ? EX_TEMPFAIL : EX_IOERR;
    return make_error(code, fmt::format("{}: {}", what, std::strerror(err)));
}

// Creates `dir` 0755 if missing; an existing one must be a directory (and,
// with no_symlink, not a symbolic link).
Status ensure_dir(const std::string& dir, bool no_symlink) {
    if (mkdir(dir.c_str(), 0755) == 0) {
        if (chmod(dir.c_str(), 0755) != 0) return file_error(errno, "chmod " + dir);
        return {};
    }
    int err = errno;
    if (err != EEXIST) {
        if (err == ENOSPC || err == EDQUOT) return file_error(err, "mkdir " + dir);
        return make_error(EX_CANTCREAT,
                          fmt::format("{}: cannot create directory: {}", dir, std::strerror(err)));
    }
    struct stat st {};
    int rc = no_symlink ? lstat(dir.c_str(), &st) : stat(dir.c_str(), &st);
    if (rc != 0 || !S_ISDIR(st.st_mode))
        return make_error(EX_CANTCREAT, fmt::format("{}: exists and is not a directory", dir));
    return {};
}

// Writes dir/name through a temporary file in dir and rename(2), mode
// 0644 whatever the umask.
Status write_atomic(const std::string& dir, const std::string& name, std::string_view data) {
    std::string tmp = dir + "/." + name + ".XXXXXX";
    int fd = mkostemp(tmp.data(), O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if (err == ENOSPC || err == EDQUOT) return file_error(err, "create " + dir + "/" + name);
        return make_error(EX_CANTCREAT,
                          fmt::format("{}/{}: cannot create: {}", dir, name, std::strerror(err)));
    }
    auto fail = [&](int err, const char* what) {
        close(fd);
        unlink(tmp.c_str());
        return file_error(err, fmt::format("{} {}/{}", what, dir, name));
    };
    if (fchmod(fd, 0644) != 0) return fail(errno, "chmod");
    while (!data.empty()) {
        ssize_t w = write(fd, data.data(), data.size());
        if (w < 0) {
            if (errno == EINTR) continue;
            return fail(errno, "write");
        }
        data.remove_prefix(static_cast<std::size_t>(w));
    }
    if (close(fd) != 0) {
        int err = errno;
        unlink(tmp.c_str());
        return file_error(err, fmt::format("close {}/{}", dir, name));
    }
    if (rename(tmp.c_str(), (dir + "/" + name).c_str()) != 0) {
        int err = errno;
        unlink(tmp.c_str());
        return file_error(err, fmt::format("rename to {}/{}", dir, name));
    }
    return {};
}

// ---------------------------------------------------------------- pages

constexpr std::string_view k_style =
    "body { font-family: sans-serif; max-width: 60em; margin: 1em auto; padding: 0 1em; }\n"
    "pre { white-space: pre-wrap; overflow-wrap: anywhere; }\n"
    "li { margin: 0.2em 0; }\n"
    "dt { font-weight: bold; }\n";

std::string page(std::string_view title_html, std::string_view body_html) {
    std::string out;
    out.reserve(body_html.size() + 1024);
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out +=
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
        "'unsafe-inline'\">\n";
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out += "<title>";
    out += title_html;
    out += "</title>\n<style>\n";
    out += k_style;
    out += "</style>\n</head>\n<body>\n";
    out += body_html;
    out += "</body>\n</html>\n";
    return out;
}

struct Item {
    const PostMeta* meta = nullptr;
    std::string month;    // "2024-03"
    std::string file;     // "000042.html"
    std::string subject;  // one line, "(no subject)" when empty
    std::string author;   // the name, else the address
    std::string from;     // "Name <address>"
    int parent = -1;
    std::vector<int> replies;  // by date
};

class Archive {
public:
    Archive(const ListInfo& list, const std::vector<PostMeta>& posts) : m_list(list) {
        m_items.reserve(posts.size());
        for (const auto& p : posts) {
            Item it;
            it.meta = &p;
            it.month = month_of(p.date);
            it.file = fmt::format("{:06d}.html", p.seq);
            it.subject = header_text(p.subject);
            if (it.subject.empty()) it.subject = "(no subject)";
            std::string name = header_text(p.from_name);
            std::string addr = header_text(p.from_address);
            it.author = !name.empty() ? name : !addr.empty() ? addr : "(unknown)";
            it.from = name.empty() ? (addr.empty() ? "(unknown)" : addr)
                                   : (addr.empty() ? name : name + " <" + addr + ">");
            m_items.push_back(std::move(it));
        }
    }

    Status check() const {
        std::set<long> seen;
        for (const auto& it : m_items) {
            if (it.meta->seq <= 0)
                return make_error(EX_SOFTWARE,
                                  fmt::format("render_html: post sequence {} is not positive", it.meta->seq));
            if (!seen.insert(it.meta->seq).second)
                return make_error(EX_SOFTWARE, fmt::format("render_html: post {} given twice", it.meta->seq));
        }
        return {};
    }

    void thread() {
        std::vector<int> by_seq(m_items.size());
        for (std::size_t i = 0; i < by_seq.size(); ++i) by_seq[i] = static_cast<int>(i);
        std::sort(by_seq.begin(), by_seq.end(), [&](int a, int b) { return seq(a) < seq(b); });
        std::unordered_map<std::string, int> by_id;
        for (int i : by_seq) {
            std::string id = msgid_key(m_items[static_cast<std::size_t>(i)].meta->message_id);
            if (!id.empty()) by_id.emplace(id, i);  // the first (earliest) post keeps a repeated id
        }
        std::unordered_map<std::string, int> by_subject;
        std::vector<std::vector<std::string>> answers(m_items.size());  // reply_ids() of each post
        for (int i : by_seq) {
            Item& it = m_items[static_cast<std::size_t>(i)];
            const std::vector<std::string>& ids = answers[static_cast<std::size_t>(i)] = reply_ids(*it.meta);
            for (const auto& id : ids) {
                auto found = by_id.find(id);
                if (found != by_id.end() && seq(found->second) < it.meta->seq) {
                    it.parent = found->second;
                    break;
                }
            }
            SubjectKey key = subject_key(it.meta->subject);
            // The subject decides only when no named post is in the archive
            // (a named later post is linked below).
            bool named = std::any_of(ids.begin(), ids.end(), [&](const auto& id) { return by_id.count(id) > 0; });
            if (it.parent < 0 && !named && !key.key.empty() && (key.reply || !ids.empty())) {
                auto found = by_subject.find(key.key);
                if (found != by_subject.end()) it.parent = found->second;
            }
            if (!key.key.empty()) by_subject.emplace(key.key, i);
        }
        // A reply can reach the archive before its parent: two deliveries
        // race, or a post waits for moderation.  Still unlinked replies go
        // under a later post they name, unless that post descends from them.
        for (int i : by_seq) {
            Item& it = m_items[static_cast<std::size_t>(i)];
            if (it.parent >= 0) continue;
            for (const auto& id : answers[static_cast<std::size_t>(i)]) {
                auto found = by_id.find(id);
                if (found == by_id.end() || found->second == i || descends_from(found->second, i)) continue;
                it.parent = found->second;
                break;
            }
        }
        for (std::size_t i = 0; i < m_items.size(); ++i)
            if (m_items[i].parent >= 0)
                m_items[static_cast<std::size_t>(m_items[i].parent)].replies.push_back(static_cast<int>(i));
        for (auto& it : m_items)
            std::sort(it.replies.begin(), it.replies.end(), [this](int a, int b) { return earlier(a, b); });
        for (std::size_t i = 0; i < m_items.size(); ++i)
            m_months[m_items[i].month].push_back(static_cast<int>(i));
        for (auto& [month, list] : m_months)
            std::sort(list.begin(), list.end(), [this](int a, int b) { return earlier(a, b); });
    }

    Status write(const LoadPost& load, const std::string& out_dir, const RenderOptions& opts) {
        std::vector<std::string> months = opts.months;
        if (months.empty())
            for (const auto& [month, list] : m_months) months.push_back(month);
        for (const auto& m : months)
            if (!valid_month(m))
                return make_error(EX_SOFTWARE, fmt::format("render_html: \"{}\" is not a month (YYYY-MM)",
                                                           mime::printable(m, true)));
        if (auto st = ensure_dir(out_dir, false); !st) return st;
        for (const auto& month : months) {
            std::string dir = out_dir + "/" + month;
            if (auto st = ensure_dir(dir, true); !st) return st;
            auto found = m_months.find(month);
            static const std::vector<int> k_none;
            const std::vector<int>& list = found == m_months.end() ? k_none : found->second;
            for (std::size_t k = 0; k < list.size(); ++k) {
                int prev = k > 0 ? list[k - 1] : -1;
                int next = k + 1 < list.size() ? list[k + 1] : -1;
                const Item& it = item(list[k]);
                auto raw = load(it.meta->seq);
                if (!raw && raw.error().exit_code == EX_TEMPFAIL) return raw.error();
                std::string html = post_page(list[k], raw ? &*raw : nullptr, prev, next);
                if (auto st = write_atomic(dir, it.file, html); !st) return st;
            }
            if (auto st = write_atomic(dir, "index.html", month_page(month, list)); !st) return st;
        }
        return write_atomic(out_dir, "index.html", index_page());
    }

private:
    const Item& item(int i) const { return m_items[static_cast<std::size_t>(i)]; }

    // The ids a post answers, best first: In-Reply-To's, then References'
    // from the last (the direct parent) back to the thread's start.
    static std::vector<std::string> reply_ids(const PostMeta& meta) {
        std::vector<std::string> ids = msgid_list(meta.in_reply_to);
        std::reverse(ids.begin(), ids.end());
        std::vector<std::string> refs;
        for (const auto& r : meta.references)
            for (auto& id : msgid_list(r)) refs.push_back(std::move(id));
        ids.insert(ids.end(), std::make_move_iterator(refs.rbegin()), std::make_move_iterator(refs.rend()));
        return ids;
    }

    // Whether post i has `ancestor` among its parents.  The links made so
    // far form a forest, so the walk ends; a chain longer than
    // k_max_ancestor_walk counts as "yes", which only leaves a post unlinked.
    bool descends_from(int i, int ancestor) const {
        int steps = 0;
        for (int p = i; p >= 0; p = item(p).parent)
            if (p == ancestor || ++steps > k_max_ancestor_walk) return true;
        return false;
    }
    long seq(int i) const { return item(i).meta->seq; }

    bool earlier(int a, int b) const {
        const PostMeta& x = *item(a).meta;
        const PostMeta& y = *item(b).meta;
        return x.date != y.date ? x.date < y.date : x.seq < y.seq;
    }

    // A link from a page in `from_month` to post i.
    std::string href(int i, std::string_view from_month) const {
        const Item& it = item(i);
        return it.month == from_month ? it.file : "../" + it.month + "/" + it.file;
    }

    std::string link(int i, std::string_view from_month) const {
        return fmt::format("<a href=\"{}\">{}</a>", href(i, from_month), html_line(item(i).subject));
    }

    std::string list_title() const {
        std::string name = header_text(m_list.name);
        return html_line(name.empty() ? "list" : name);
    }

    std::string index_page() const {
        std::string body = fmt::format("<h1>The {} archive</h1>\n", list_title());
        if (!trim(m_list.description).empty()) body += "<p>" + html_line(m_list.description) + "</p>\n";
        if (!trim(m_list.address).empty())
            body += "<p>To post to the list, write to " + html_line(m_list.address) + ".</p>\n";
        if (m_months.empty()) {
            body += "<p>No posts yet.</p>\n";
        } else {
            body += "<table>\n<thead><tr><th>Month</th><th>Posts</th></tr></thead>\n<tbody>\n";
            for (auto m = m_months.rbegin(); m != m_months.rend(); ++m)
                body += fmt::format("<tr><td><a href=\"{}/index.html\">{}</a></td><td>{}</td></tr>\n",
                                    m->first, month_title(m->first), m->second.size());
            body += "</tbody>\n</table>\n";
        }
        return page(fmt::format("The {} archive", list_title()), body);
    }

    std::string entry(int i, std::string_view month) const {
        const Item& it = item(i);
        return fmt::format("{} &mdash; {}, {}", link(i, month), html_line(it.author),
                           time_element(it.meta->date, false));
    }

    // The month's threads as nested lists, oldest thread first.  DFS
    // order with a level per post; levels are capped, so a deeper post is
    // shown as a sibling of its parent.
    std::string threads(std::string_view month, const std::vector<int>& list) const {
        std::vector<std::pair<int, int>> order;  // (post, level from 1)
        std::vector<std::pair<int, int>> stack;
        for (auto r = list.rbegin(); r != list.rend(); ++r) {
            const Item& it = item(*r);
            if (it.parent < 0 || item(it.parent).month != month) stack.emplace_back(*r, 1);
        }
        while (!stack.empty()) {
            auto [i, level] = stack.back();
            stack.pop_back();
            order.emplace_back(i, level);
            const auto& replies = item(i).replies;
            for (auto r = replies.rbegin(); r != replies.rend(); ++r)
                if (item(*r).month == month) stack.emplace_back(*r, std::min(level + 1, k_max_nesting));
        }
        std::string out;
        int open = 0;
        for (const auto& [i, level] : order) {
            if (level > open) {
                out += "<ul>\n";
                ++open;
            } else {
                out += "</li>\n";
                for (; open > level; --open) out += "</ul>\n</li>\n";
            }
            out += "<li>" + entry(i, month);
            const Item& it = item(i);
            if (level == 1 && it.parent >= 0) out += " (a reply to " + link(it.parent, month) + ")";
        }
        if (open > 0) {
            out += "</li>\n";
            for (; open > 1; --open) out += "</ul>\n</li>\n";
            out += "</ul>\n";
        }
        return out;
    }

    std::string month_page(const std::string& month, const std::vector<int>& list) const {
        std::string title = fmt::format("{}: {}", list_title(), month_title(month));
        std::string body = "<nav><a href=\"../index.html\">The " + list_title() + " archive</a></nav>\n";
        body += "<h1>" + title + "</h1>\n";
        if (list.empty()) {
            body += "<p>No posts this month.</p>\n";
        } else {
            body += fmt::format("<p>{} post{}, by thread.</p>\n", list.size(), list.size() == 1 ? "" : "s");
            body += threads(month, list);
        }
        return page(title, body);
    }

    std::string post_page(int i, const std::string* raw, int prev, int next) const {
        const Item& it = item(i);
        std::string body = fmt::format(
            "<nav><a href=\"../index.html\">The {} archive</a> &rsaquo; "
            "<a href=\"index.html\">{}</a></nav>\n",
            list_title(), month_title(it.month));
        body += "<h1>" + html_line(it.subject) + "</h1>\n";
        body += "<dl>\n<dt>From</dt><dd>" + html_line(it.from) + "</dd>\n";
        body += "<dt>Date</dt><dd>" + time_element(it.meta->date, true) + "</dd>\n";
        body += "<dt>Subject</dt><dd>" + html_line(it.subject) + "</dd>\n</dl>\n";
        if (raw == nullptr) {
            body += "<p>The text of this message is not available.</p>\n";
        } else {
            MessageBody mb = message_body(*raw);
            bool any = false;
            for (const auto& text : mb.texts) {
                std::string_view t = trim_right(text);
                if (t.empty()) continue;
                any = true;
                body += "<pre>\n" + html_text(t) + "\n</pre>\n";
            }
            if (!mb.withheld.empty()) {
                any = true;
                body += "<p>Parts of this message not published here:</p>\n<ul>\n";
                for (const auto& w : mb.withheld)
                    body += "<li>" + (w.name.empty() ? std::string("an unnamed part") : html_line(w.name)) +
                            " (" + html_line(w.mime_type) + ")</li>\n";
                if (mb.more_withheld > 0) body += fmt::format("<li>and {} more</li>\n", mb.more_withheld);
                body += "</ul>\n";
            }
            if (!any) body += "<p>This message has no text.</p>\n";
        }
        body += "<nav>\n<ul>\n";
        if (prev >= 0) body += "<li>Previous by date: " + link(prev, it.month) + "</li>\n";
        if (next >= 0) body += "<li>Next by date: " + link(next, it.month) + "</li>\n";
        if (it.parent >= 0) body += "<li>In reply to: " + link(it.parent, it.month) + "</li>\n";
        if (!it.replies.empty()) {
            body += "<li>Replies:\n<ul>\n";
            for (int r : it.replies) body += "<li>" + entry(r, it.month) + "</li>\n";
            body += "</ul>\n</li>\n";
        }
        body += fmt::format("<li><a href=\"index.html\">All threads of {}</a></li>\n", month_title(it.month));
        body += "</ul>\n</nav>\n";
        return page(html_line(it.subject) + " &ndash; " + list_title(), body);
    }

    const ListInfo& m_list;
    std::vector<Item> m_items;
    std::map<std::string, std::vector<int>> m_months;  // month → posts by date
};

}  // namespace

Status render_html(const ListInfo& list, const std::vector<PostMeta>& posts, const LoadPost& load,
                   const std::string& out_dir, const RenderOptions& opts) {
    Archive archive(list, posts);
    if (auto st = archive.check(); !st) return st;
    archive.thread();
    return archive.write(load, out_dir, opts);
}

}  // namespace mail::lists::archive
