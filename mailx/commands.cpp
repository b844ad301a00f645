// commands.cpp — every mailx command (POSIX XCU mailx "Commands in mailx"
// plus inc, unread, more/page, version, saveignore/saveretain).
#include "mailx/commands.h"

#include "mailx/compose.h"
#include "mailx/display.h"
#include "mailx/msglist.h"
#include "mailx/session.h"
#include "mailx/shell.h"
#include "mailx/summary.h"
#include "mailx/text.h"

#include "libmail/util/strings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

namespace mailx {

namespace {

using Numbers = std::vector<std::size_t>;

bool get_list(Session& s, std::string_view args, Numbers& out, ListFor mode = ListFor::Undeleted) {
    auto r = parse_msglist(args, *s.folder, s.current, mode);
    if (!r) {
        s.say(r.error().message);
        return false;
    }
    out = std::move(*r);
    return true;
}

// Words of a command line, with "..." and '...' quoting.
std::vector<std::string> words(std::string_view args) {
    std::vector<std::string> out;
    std::string cur;
    bool have = false;
    char quote = 0;
    for (char c : args) {
        if (quote) {
            if (c == quote) quote = 0;
            else cur += c;
            continue;
        }
        if (c == '"' || c == '\'') {
            quote = c;
            have = true;
        } else if (c == ' ' || c == '\t') {
            if (have) out.push_back(cur);
            cur.clear();
            have = false;
        } else {
            cur += c;
            have = true;
        }
    }
    if (have) out.push_back(cur);
    return out;
}

// The current message after deleting: the first undeleted one after the
// highest deleted, else the last undeleted one before it.
void move_after_delete(Session& s, std::size_t highest) {
    auto& f = *s.folder;
    for (std::size_t k = highest + 1; k <= f.count(); ++k)
        if (!f.at(k).state.deleted) {
            s.current = k;
            return;
        }
    for (std::size_t k = highest; k >= 1; --k)
        if (!f.at(k).state.deleted) {
            s.current = k;
            return;
        }
}

void mark_read(Session& s, std::size_t n) {
    auto& st = s.folder->at(n).state;
    st.read = true;
    st.printed = true;
}

int print_messages(Session& s, std::string_view args, bool all) {
    Numbers list;
    if (!get_list(s, args, list)) return 1;
    std::string text;
    for (auto n : list) {
        mark_read(s, n);
        text += render_message(s, n, all);
        s.current = n;
    }
    page_out(s, text);
    return 0;
}

// ---- reading -----------------------------------------------------------

int cmd_print(Session& s, std::string_view a) { return print_messages(s, a, false); }
int cmd_Print(Session& s, std::string_view a) { return print_messages(s, a, true); }

int cmd_next(Session& s, std::string_view a) {
    auto& f = *s.folder;
    if (!mail::trim(a).empty()) return print_messages(s, a, false);
    std::size_t n = s.current;
    if (n >= 1 && n <= f.count() && !f.at(n).state.deleted && !f.at(n).state.printed) {
        return print_messages(s, std::to_string(n), false);
    }
    for (std::size_t k = n + 1; k <= f.count(); ++k)
        if (!f.at(k).state.deleted) return print_messages(s, std::to_string(k), false);
    s.say("At EOF");
    return 0;
}

int cmd_previous(Session& s, std::string_view) {
    auto& f = *s.folder;
    for (std::size_t k = s.current; k-- > 1;)
        if (!f.at(k).state.deleted) return print_messages(s, std::to_string(k), false);
    s.say("Referencing before 1");
    return 1;
}

int cmd_top(Session& s, std::string_view a) {
    Numbers list;
    if (!get_list(s, a, list)) return 1;
    long lines = s.vars.number("toplines", 5, 5);
    std::string text;
    for (auto n : list) {
        s.folder->at(n).state.read = true;  // top reads the message (POSIX state table)
        text += render_message(s, n, false, static_cast<std::size_t>(std::max(1L, lines)));
        s.current = n;
    }
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}

int cmd_size(Session& s, std::string_view a) {
    Numbers list;
    if (!get_list(s, a, list)) return 1;
    for (auto n : list) s.say(fmt::format("{}: {}/{}", n, s.folder->at(n).lines, s.folder->at(n).size));
    return 0;
}

int cmd_from(Session& s, std::string_view a) {
    Numbers list;
    if (!get_list(s, a, list)) return 1;
    std::size_t shown = 0;
    for (auto n : list) {
        s.print_summary(n);
        if (++shown % 1024 == 0) s.folder->release_memory();
    }
    s.current = list.back();
    return 0;
}

int cmd_headers(Session& s, std::string_view a) {
    std::size_t target = s.current;
    if (!mail::trim(a).empty()) {
        Numbers list;
        if (!get_list(s, a, list)) return 1;
        target = list.front();
        s.current = target;
    }
    std::size_t page = s.summary_page_size();
    std::size_t first = target == 0 ? 1 : ((target - 1) / page) * page + 1;
    s.print_summary_page(first);
    return 0;
}

int cmd_z(Session& s, std::string_view a) {
    std::size_t page = s.summary_page_size();
    std::size_t first = s.summary_top;
    auto arg = mail::trim(a);
    if (arg == "-") {
        if (first <= 1) {
            s.say("On first screenful of messages");
            return 0;
        }
        first = first > page ? first - page : 1;
    } else {
        if (first + page > s.folder->count()) {
            s.say("On last screenful of messages");
            return 0;
        }
        first += page;
    }
    s.print_summary_page(first);
    return 0;
}

int cmd_current(Session& s, std::string_view) {
    s.say(std::to_string(s.current));
    return 0;
}

// ---- changing states ---------------------------------------------------

int cmd_delete(Session& s, std::string_view a) {
    Numbers list;
    if (!get_list(s, a, list)) return 1;
    for (auto n : list) {
        s.folder->at(n).state.deleted = true;
        s.folder->at(n).state.read = true;
    }
    move_after_delete(s, list.back());
    if (s.vars.is_set("autoprint") && !s.folder->at(s.current).state.deleted)
        return print_messages(s, std::to_string(s.current), false);
    return 0;
}

int cmd_dp(Session& s, std::string_view a) {
    Numbers list;
    if (!get_list(s, a, list)) return 1;
    for (auto n : list) {
        s.folder->at(n).state.deleted = true;
        s.folder->at(n).state.read = true;
    }
    auto& f = *s.folder;
    for (std::size_t k = list.back() + 1; k <= f.count(); ++k)
        if (!f.at(k).state.deleted) return print_messages(s, std::to_string(k), false);
    move_after_delete(s, list.back());
    s.say("At EOF");
    return 0;
}

int cmd_undelete(Session& s, std::string_view a) {
    Numbers list;
    if (!get_list(s, a, list, ListFor::Deleted)) return 1;
    for (auto n : list) {
        auto& st = s.folder->at(n).state;
        st.deleted = false;
        st.read = true;
    }
    s.current = list.back();
    if (s.vars.is_set("autoprint")) return print_messages(s, std::to_string(s.current), false);
    return 0;
}

int set_flag(Session& s, std::string_view a, void (*fn)(MessageState&)) {
    Numbers list;
    if (!get_list(s, a, list)) return 1;
    for (auto n : list) fn(s.folder->at(n).state);
    s.current = list.back();
    return 0;
}

int cmd_hold(Session& s, std::string_view a) {
    if (s.folder->kind() != FolderKind::System) {
        s.say("hold and preserve are only for the system mailbox");
        return 1;
    }
    return set_flag(s, a, [](MessageState& st) {
        st.preserved = true;
        st.mboxed = false;
    });
}

int cmd_mbox(Session& s, std::string_view a) {
    return set_flag(s, a, [](MessageState& st) {
        st.mboxed = true;
        st.preserved = false;
    });
}

int cmd_touch(Session& s, std::string_view a) {
    // bsd-mailx: touched (to MBOX on quit) but not read, and no longer held.
    return set_flag(s, a, [](MessageState& st) {
        st.touched = true;
        st.preserved = false;
    });
}

int cmd_unread(Session& s, std::string_view a) {
    return set_flag(s, a, [](MessageState& st) {
        st.read = false;
        st.read_before = false;
        st.printed = false;
    });
}

// ---- saving ------------------------------------------------------------

int save_common(Session& s, std::string_view a, bool mark_saved, bool with_headers, bool by_author) {
    std::string file;
    std::string_view list_text;
    if (by_author) {
        list_text = a;
    } else if (!split_list_and_file(a, list_text, file)) {
        // POSIX "s[ave] [file]": no file is MBOX.  One word is always the
        // file ("s 3" writes a file named 3), as POSIX's synopsis and
        // bsd-mailx read it.
        file = s.vars.str("MBOX");
        list_text = "";
    }
    Numbers list;
    if (!get_list(s, list_text, list)) return 1;
    if (by_author) {
        std::string who = sender_address(*s.folder, list.front());
        file = who.substr(0, who.find('@'));
        if (file.empty()) file = "unknown";
        // POSIX Save/Copy: "see also outfolder" — under the folder directory then.
        if (s.vars.is_set("outfolder") && !s.vars.str("folder").empty()) file = "+" + file;
    }
    std::string path = s.expand_name(file);
    // Saving reads the message first (bsd-mailx touch()), so the copy says
    // Status: R and the message counts as read (POSIX "read" state).
    std::vector<bool> was_read;
    for (auto n : list) {
        was_read.push_back(s.folder->at(n).state.read);
        s.folder->at(n).state.read = true;
    }
    auto r = s.folder->append_to(path, list, with_headers);
    if (!r) {
        for (std::size_t i = 0; i < list.size(); ++i) s.folder->at(list[i]).state.read = was_read[i];
        s.say(fmt::format("{}: {}", path, r.error().message));
        return 1;
    }
    for (auto n : list)
        if (mark_saved) s.folder->at(n).state.saved = true;
    s.current = list.back();
    // bsd-mailx prints no counts here.
    s.say(fmt::format("\"{}\" {}", file, r->created ? "[New file]" : "[Appended]"));
    return 0;
}

int cmd_save(Session& s, std::string_view a) { return save_common(s, a, true, true, false); }
int cmd_Save(Session& s, std::string_view a) { return save_common(s, a, true, true, true); }
int cmd_copy(Session& s, std::string_view a) { return save_common(s, a, false, true, false); }
int cmd_Copy(Session& s, std::string_view a) { return save_common(s, a, false, true, true); }
int cmd_write(Session& s, std::string_view a) {
    if (mail::trim(a).empty()) {
        s.say("No file specified.");
        return 1;
    }
    return save_common(s, a, true, false, false);
}

int cmd_pipe(Session& s, std::string_view a) {
    std::string command;
    std::string_view list_text = mail::trim(a);
    // "pipe [msglist] command": the command is the text after the list;
    // words that parse as a message list come first.
    auto ws = words(list_text);
    std::size_t k = 0;
    for (; k < ws.size(); ++k) {
        const auto& w = ws[k];
        bool listy = std::all_of(w.begin(), w.end(), [](char c) { return std::strchr("0123456789-*.^$+:", c); });
        if (!listy) break;
    }
    std::string list_part;
    for (std::size_t i = 0; i < k; ++i) list_part += ws[i] + " ";
    auto pos = list_text.find(ws.size() > k ? ws[k] : std::string("\x01"));
    command = pos == std::string_view::npos ? "" : std::string(list_text.substr(pos));
    if (command.empty()) command = s.vars.str("cmd");
    if (command.empty()) {
        s.say("No command specified (set cmd or give one)");
        return 1;
    }
    Numbers list;
    if (!get_list(s, list_part, list)) return 1;
    std::string text;
    for (auto n : list) {
        text += std::string(s.folder->entry(n));
        if (s.vars.is_set("page")) text += '\f';
        mark_read(s, n);
    }
    std::fflush(stdout);
    std::string shell = s.vars.str("SHELL", "/bin/sh");
    std::string full = command;
    FILE* p = ::popen(full.c_str(), "w");
    if (!p) {
        s.say(fmt::format("{}: cannot run", command));
        return 1;
    }
    struct sigaction ignore {}, saved {};
    ignore.sa_handler = SIG_IGN;  // a command that stops reading must not kill us
    sigaction(SIGPIPE, &ignore, &saved);
    std::fwrite(text.data(), 1, text.size(), p);
    int st = ::pclose(p);
    sigaction(SIGPIPE, &saved, nullptr);
    s.current = list.back();
    if (st != 0) {
        s.say(fmt::format("\"{}\" exited with status {}", command, WIFEXITED(st) ? WEXITSTATUS(st) : 128));
        return 1;
    }
    return 0;
}

int edit_common(Session& s, std::string_view a, const char* var, const char* fallback) {
    Numbers list;
    if (!get_list(s, a, list)) return 1;
    for (auto n : list) {
        char tmpl[] = "/tmp/mailx.edit.XXXXXX";
        int fd = mkstemp(tmpl);
        if (fd < 0) {
            s.say("cannot create a temporary file");
            return 1;
        }
        auto e = s.folder->entry(n);
        bool ok = ::write(fd, e.data(), e.size()) == static_cast<ssize_t>(e.size());
        ::close(fd);
        if (ok) run_shell(s.vars, s.vars.str(var, fallback) + " " + tmpl);
        ::unlink(tmpl);
        mark_read(s, n);
        s.current = n;
    }
    return 0;
}

int cmd_edit(Session& s, std::string_view a) { return edit_common(s, a, "EDITOR", "ed"); }
int cmd_visual(Session& s, std::string_view a) { return edit_common(s, a, "VISUAL", "vi"); }

// ---- replying and sending -------------------------------------------------

std::string reply_subject(std::string_view subject) {
    std::string subj = decode_header_text(subject);
    if (mail::trim(subj).empty()) return "";  // no Subject: in the reply either (bsd-mailx)
    if (mail::istarts_with(subj, "re:")) return subj;
    return "Re: " + subj;
}

void add_unique(std::vector<std::string>& list, const std::string& addr) {
    std::string bare = bare_address(addr);
    for (const auto& a : list)
        if (mail::iequals(bare_address(a), bare)) return;
    list.push_back(addr);
}

int reply_common(Session& s, std::string_view a, bool to_all) {
    if (s.vars.is_set("flipr")) to_all = !to_all;
    Numbers list;
    if (!get_list(s, a, list)) return 1;
    auto& f = *s.folder;
    Draft d;
    bool allnet = s.vars.is_set("allnet");
    bool metoo = s.vars.is_set("metoo");
    // "me" is the login, an alternate, or login@this-host (which sendmail
    // gives our own messages); with allnet any login@domain.
    std::string me_here = s.env.login + "@" + s.env.hostname;
    auto keep = [&](const std::string& addr) {
        return metoo || !(s.aliases.is_me(addr, s.env.login, allnet) || mail::iequals(bare_address(addr), me_here));
    };
    // Reply (to the authors) takes a list; reply (to everyone) one message.
    if (!to_all) {
        for (auto n : list) {
            std::string author = f.header(n, "Reply-To");
            if (author.empty()) author = f.header(n, "From");
            if (author.empty()) author = from_line_sender(f.from_line(n));
            for (auto& r : split_recipients(author)) add_unique(d.to_fixed, bare_address(r));
        }
    } else {
        std::size_t n = list.front();
        list = {n};
        std::string author = f.header(n, "Reply-To");
        if (author.empty()) author = f.header(n, "From");
        if (author.empty()) author = from_line_sender(f.from_line(n));
        // The user is removed from the author too (bsd-mailx delname); only
        // if nobody is left does the reply go back to the author.
        for (auto& r : split_recipients(author))
            if (keep(r)) add_unique(d.to_fixed, bare_address(r));
        for (auto& r : split_recipients(f.header(n, "To")))
            if (keep(r)) add_unique(d.to_fixed, bare_address(r));
        if (d.to_fixed.empty())
            for (auto& r : split_recipients(author)) add_unique(d.to_fixed, bare_address(r));
        for (auto& r : split_recipients(f.header(n, "Cc"))) {
            std::string bare = bare_address(r);
            bool in_to = std::any_of(d.to_fixed.begin(), d.to_fixed.end(),
                                     [&](const std::string& t) { return mail::iequals(t, bare); });
            if (keep(r) && !in_to) add_unique(d.cc_fixed, bare);
        }
    }
    std::size_t first = list.front();
    d.subject = reply_subject(f.header(first, "Subject"));
    d.have_subject = true;
    std::string id = f.header(first, "Message-ID");
    if (!id.empty()) {
        d.in_reply_to = std::string(mail::trim(id));
        std::string refs = f.header(first, "References");
        if (refs.empty()) refs = f.header(first, "In-Reply-To");
        d.references = refs.empty() ? d.in_reply_to : std::string(mail::trim(refs)) + " " + d.in_reply_to;
    }
    if (s.vars.is_set("quote")) {
        d.body = fmt::format("{} wrote:\n", sender_address(f, first));
        std::string prefix = s.vars.str("indentprefix", "\t");
        std::string body(f.body(first));
        std::size_t pos = 0;
        while (pos < body.size()) {
            auto nl = body.find('\n', pos);
            std::string_view line(body.data() + pos, (nl == std::string::npos ? body.size() : nl) - pos);
            d.body += prefix + std::string(line) + "\n";
            pos = nl == std::string::npos ? body.size() : nl + 1;
        }
    }
    for (auto n : list) f.at(n).state.read = true;
    s.current = list.back();
    compose_and_send(s, std::move(d));
    return 0;
}

int cmd_reply(Session& s, std::string_view a) { return reply_common(s, a, true); }
int cmd_Reply(Session& s, std::string_view a) { return reply_common(s, a, false); }

int followup_common(Session& s, std::string_view a, bool all_authors) {
    Numbers list;
    if (!get_list(s, a, list)) return 1;
    auto& f = *s.folder;
    Draft d;
    if (!all_authors) list = {list.front()};
    for (auto n : list) {
        std::string author = f.header(n, "Reply-To");
        if (author.empty()) author = sender_address(f, n);
        for (auto& r : split_recipients(author)) add_unique(d.to_fixed, bare_address(r));
        f.at(n).state.read = true;
    }
    std::size_t first = list.front();
    d.subject = reply_subject(f.header(first, "Subject"));
    d.have_subject = true;
    d.in_reply_to = std::string(mail::trim(f.header(first, "Message-ID")));
    d.references = d.in_reply_to;
    std::string who = bare_address(d.to_fixed.front());
    d.record_to = s.expand_name(who.substr(0, who.find('@')));
    s.current = list.back();
    compose_and_send(s, std::move(d));
    return 0;
}

int cmd_followup(Session& s, std::string_view a) { return followup_common(s, a, false); }
int cmd_Followup(Session& s, std::string_view a) { return followup_common(s, a, true); }

int cmd_mail(Session& s, std::string_view a) {
    Draft d;
    d.to = split_recipients(a);
    if (d.to.empty()) {
        s.say("No recipients specified");
        return 1;
    }
    compose_and_send(s, std::move(d));
    return 0;
}

// ---- folders -----------------------------------------------------------

int cmd_file(Session& s, std::string_view a) {
    auto arg = mail::trim(a);
    if (arg.empty()) {
        if (!s.folder) {
            s.say("No file open");
            return 1;
        }
        s.say(status_line(*s.folder, s.folder_shown));
        return 0;
    }
    std::string path = s.expand_name(arg);
    FolderKind kind = path == s.env.system_mailbox ? FolderKind::System : FolderKind::File;
    if (s.folder && !s.quit_folder()) return 1;
    std::string old = s.folder ? s.folder->path() : std::string();
    if (!s.open_folder(path, kind, s.display_name(path))) return 1;
    s.previous_file = old;
    return 0;
}

int cmd_folders(Session& s, std::string_view) {
    std::string dir = s.vars.str("folder");
    if (dir.empty()) {
        s.say("No value set for \"folder\"");
        return 1;
    }
    if (dir[0] != '/') dir = s.env.home + "/" + dir;
    return run_shell(s.vars, s.vars.str("LISTER", "ls") + " '" + dir + "'") == 0 ? 0 : 1;
}

int cmd_inc(Session& s, std::string_view) {
    auto r = s.folder->incorporate();
    if (!r) {
        s.say(r.error().message);
        return 1;
    }
    if (*r == 0) {
        s.say("No new mail.");
        return 0;
    }
    s.say(status_line(*s.folder, s.folder_shown));
    return 0;
}

int cmd_quit(Session& s, std::string_view) {
    if (s.folder && !s.quit_folder()) {
        s.exit_status = 1;
    }
    s.finished = true;
    return 0;
}

int cmd_exit(Session& s, std::string_view) {
    s.finished = true;
    return 0;
}

// ---- settings ----------------------------------------------------------

int cmd_alias(Session& s, std::string_view a) {
    auto w = words(a);
    if (w.empty()) {
        for (const auto& name : s.aliases.names()) {
            std::string line = name + "\t";
            for (const auto& m : *s.aliases.find(name)) line += " " + m;
            s.say(line);
        }
        return 0;
    }
    if (w.size() == 1) {
        const auto* m = s.aliases.find(w[0]);
        if (!m) {
            s.say(fmt::format("\"{}\": not a group", w[0]));
            return 1;
        }
        s.say(w[0] + "\t " + mail::join(*m, " "));
        return 0;
    }
    std::vector<std::string> members;
    for (std::size_t i = 1; i < w.size(); ++i)
        for (auto& r : split_recipients(w[i])) members.push_back(r);
    s.aliases.add(w[0], members);
    return 0;
}

int cmd_unalias(Session& s, std::string_view a) {
    int rc = 0;
    for (const auto& name : words(a)) {
        if (name == "*") {
            s.aliases.clear();
            continue;
        }
        if (!s.aliases.remove(name)) {
            s.say(fmt::format("\"{}\": no such alias", name));
            rc = 1;
        }
    }
    return rc;
}

int cmd_alternates(Session& s, std::string_view a) {
    auto w = words(a);
    if (w.empty()) {
        std::string line;
        for (const auto& alt : s.aliases.alternates()) line += alt + " ";
        s.say(line);
        return 0;
    }
    s.aliases.add_alternates(w);
    return 0;
}

int cmd_set(Session& s, std::string_view a) {
    auto w = words(a);
    if (w.empty()) {
        for (const auto& [name, value] : s.vars.all()) {
            if (value.empty()) s.say(name);
            else s.say(fmt::format("{}\t\"{}\"", name, value));
        }
        return 0;
    }
    for (const auto& item : w) {
        auto eq = item.find('=');
        std::string name = item.substr(0, eq);
        if (name.empty()) {
            s.say(fmt::format("Non-null variable name required: \"{}\"", item));
            return 1;
        }
        if (eq == std::string::npos && !negated_name(name).empty()) {
            s.vars.unset(negated_name(name));
            continue;
        }
        s.vars.set(name, eq == std::string::npos ? "" : item.substr(eq + 1));
    }
    return 0;
}

int cmd_unset(Session& s, std::string_view a) {
    for (const auto& name : words(a)) s.vars.unset(name);
    return 0;
}

int filter_common(Session& s, std::string_view a, std::set<std::string>& set, const char* what) {
    auto w = words(a);
    if (w.empty()) {
        for (const auto& f : set) s.say(f);
        if (set.empty()) s.say(fmt::format("No fields currently being {}.", what));
        return 0;
    }
    for (const auto& f : w) set.insert(mail::to_lower(f));
    return 0;
}

int cmd_ignore(Session& s, std::string_view a) { return filter_common(s, a, s.filter.ignored, "ignored"); }
int cmd_retain(Session& s, std::string_view a) { return filter_common(s, a, s.filter.retained, "retained"); }
int cmd_saveignore(Session& s, std::string_view a) { return filter_common(s, a, s.save_filter.ignored, "ignored"); }
int cmd_saveretain(Session& s, std::string_view a) { return filter_common(s, a, s.save_filter.retained, "retained"); }

int cmd_source(Session& s, std::string_view a) {
    auto w = words(a);
    if (w.size() != 1) {
        s.say("source: one file name expected");
        return 1;
    }
    return s.source_file(s.expand_name(w[0]), true);
}

int cmd_if(Session& s, std::string_view a) {
    auto w = words(a);
    if (w.size() != 1 || (w[0] != "s" && w[0] != "r" && w[0] != "send" && w[0] != "receive")) {
        s.say(fmt::format("Unrecognized if-keyword: \"{}\"", mail::trim(a)));
        return 1;
    }
    bool receive = w[0][0] == 'r';
    s.conditions.push_back(receive == s.receive_mode);
    return 0;
}

int cmd_else(Session& s, std::string_view) {
    if (s.conditions.empty()) {
        s.say("\"Else\" without matching \"if\"");
        return 1;
    }
    s.conditions.back() = !s.conditions.back();
    return 0;
}

int cmd_endif(Session& s, std::string_view) {
    if (s.conditions.empty()) {
        s.say("\"Endif\" without matching \"if\"");
        return 1;
    }
    s.conditions.pop_back();
    return 0;
}

// ---- the rest ------------------------------------------------------------

int cmd_echo(Session& s, std::string_view a) {
    auto w = words(a);
    std::string line;
    for (std::size_t i = 0; i < w.size(); ++i) {
        if (i) line += ' ';
        line += s.expand_name(w[i]).empty() ? w[i] : (w[i][0] == '+' || w[i][0] == '%' || w[i] == "&" || w[i] == "#" ? s.expand_name(w[i]) : w[i]);
    }
    s.say(line);
    return 0;
}

int cmd_cd(Session& s, std::string_view a) {
    auto w = words(a);
    std::string dir = w.empty() ? s.env.home : s.expand_name(w[0]);
    if (::chdir(dir.c_str()) != 0) {
        s.say(fmt::format("{}: {}", dir, std::strerror(errno)));
        return 1;
    }
    return 0;
}

int cmd_shell(Session& s, std::string_view a) {
    std::string command = s.shell_command(mail::trim(a));
    run_shell(s.vars, command);
    s.say("!");
    return 0;
}

int cmd_sh(Session& s, std::string_view) {
    run_shell(s.vars, "");
    return 0;
}

int cmd_version(Session& s, std::string_view) {
    s.say("Version 8.1.2 (mailroom " MAILROOM_VERSION ")");
    return 0;
}

int cmd_list(Session& s, std::string_view) {
    std::string line = "Commands are:\n";
    std::size_t col = 0;
    for (const auto& c : commands()) {
        std::string item = std::string(c.name) + ", ";
        if (col + item.size() > 78) {
            line += "\n";
            col = 0;
        }
        line += item;
        col += item.size();
    }
    if (line.size() >= 2 && line.substr(line.size() - 2) == ", ") line.resize(line.size() - 2);
    s.say(line);
    return 0;
}

int cmd_help(Session& s, std::string_view a) {
    auto w = words(a);
    for (const auto& c : commands()) {
        if (!w.empty() && find_command(w[0]) != &c) continue;
        if (c.help.empty()) continue;
        s.say(fmt::format("{:<12} {}", c.name, c.help));
    }
    return 0;
}

int cmd_comment(Session&, std::string_view) { return 0; }

// POSIX abbreviations come from the order: the first entry whose name
// starts with the typed word (at least `abbrev` long) wins.
const std::vector<Command> k_commands = {
    {"next", 1, k_needs_folder, cmd_next, "[message]  print the next message"},
    {"alias", 1, 0, cmd_alias, "[name [address...]]  define or show aliases"},
    {"alternates", 3, 0, cmd_alternates, "[address...]  your other addresses"},
    {"print", 1, k_needs_folder, cmd_print, "[msglist]  print messages"},
    {"type", 1, k_needs_folder, cmd_print, "[msglist]  print messages"},
    {"Type", 1, k_needs_folder, cmd_Print, "[msglist]  print messages with all header fields"},
    {"Print", 1, k_needs_folder, cmd_Print, "[msglist]  print messages with all header fields"},
    {"visual", 1, k_needs_folder | k_not_in_rc, cmd_visual, "[msglist]  edit messages with $VISUAL"},
    {"top", 2, k_needs_folder, cmd_top, "[msglist]  print the first toplines lines"},
    {"touch", 3, k_needs_folder, cmd_touch, "[msglist]  move to MBOX on quit"},
    {"preserve", 3, k_needs_folder | k_not_in_rc, cmd_hold, "[msglist]  keep in the system mailbox"},
    {"delete", 1, k_needs_folder, cmd_delete, "[msglist]  delete messages"},
    {"dp", 2, k_needs_folder, cmd_dp, "[msglist]  delete, then print the next message"},
    {"dt", 2, k_needs_folder, cmd_dp, "[msglist]  delete, then print the next message"},
    {"undelete", 1, k_needs_folder, cmd_undelete, "[msglist]  undelete messages"},
    {"unset", 3, 0, cmd_unset, "name...  unset variables"},
    {"unalias", 3, 0, cmd_unalias, "alias...  remove aliases"},
    {"unread", 3, k_needs_folder, cmd_unread, "[msglist]  mark as not read"},
    {"Unread", 1, k_needs_folder, cmd_unread, "[msglist]  mark as not read"},
    {"mail", 1, k_not_in_rc, cmd_mail, "address...  send a message"},
    {"mbox", 2, k_needs_folder, cmd_mbox, "[msglist]  move to MBOX on quit"},
    {"more", 2, k_needs_folder, cmd_print, "[msglist]  print messages"},
    {"page", 2, k_needs_folder, cmd_print, "[msglist]  print messages"},
    {"More", 2, k_needs_folder, cmd_Print, "[msglist]  print messages with all header fields"},
    {"Page", 2, k_needs_folder, cmd_Print, "[msglist]  print messages with all header fields"},
    {"pipe", 2, k_needs_folder, cmd_pipe, "[msglist] command  pipe messages to a command"},
    {"|", 1, k_needs_folder, cmd_pipe, "[msglist] command  pipe messages to a command"},
    {"copy", 1, k_needs_folder, cmd_copy, "[msglist] file  append to a file"},
    {"Copy", 1, k_needs_folder | k_not_in_rc, cmd_Copy, "[msglist]  append to a file named after the author"},
    {"cd", 2, 0, cmd_cd, "[directory]  change directory"},
    {"chdir", 2, 0, cmd_cd, "[directory]  change directory"},
    {"save", 1, k_needs_folder, cmd_save, "[msglist] file  append to a file, remove on quit"},
    {"Save", 1, k_needs_folder | k_not_in_rc, cmd_Save, "[msglist]  save to a file named after the author"},
    {"source", 2, 0, cmd_source, "file  read commands from a file"},
    {"set", 2, 0, cmd_set, "[name[=value]...]  set variables"},
    {"shell", 2, k_not_in_rc, cmd_sh, "run an interactive shell"},
    {"size", 2, k_needs_folder, cmd_size, "[msglist]  show sizes"},
    {"saveignore", 5, 0, cmd_saveignore, "[field...]  fields left out when saving"},
    {"savediscard", 5, 0, cmd_saveignore, "[field...]  fields left out when saving"},
    {"saveretain", 5, 0, cmd_saveretain, "[field...]  the only fields kept when saving"},
    {"version", 2, 0, cmd_version, "show the version"},
    {"write", 1, k_needs_folder, cmd_write, "[msglist] file  append bodies to a file"},
    {"from", 1, k_needs_folder, cmd_from, "[msglist]  show header summary lines"},
    {"file", 2, 0, cmd_file, "[file]  show or switch the mailbox"},
    {"followup", 2, k_needs_folder | k_not_in_rc, cmd_followup, "[message]  reply and record by author"},
    {"folder", 4, 0, cmd_file, "[file]  show or switch the mailbox"},
    {"folders", 7, 0, cmd_folders, "list the folder directory"},
    {"Followup", 1, k_needs_folder | k_not_in_rc, cmd_Followup, "[msglist]  reply to authors, record by author"},
    {"?", 1, 0, cmd_help, "show this summary"},
    {"z", 1, k_needs_folder, cmd_z, "[+|-]  next or previous page of summaries"},
    {"headers", 1, k_needs_folder, cmd_headers, "[message]  show the page of summaries"},
    {"help", 3, 0, cmd_help, "show this summary"},
    {"=", 1, k_needs_folder, cmd_current, "show the current message number"},
    {"Reply", 1, k_needs_folder | k_not_in_rc, cmd_Reply, "[msglist]  reply to the authors"},
    {"Respond", 1, k_needs_folder | k_not_in_rc, cmd_Reply, "[msglist]  reply to the authors"},
    {"reply", 1, k_needs_folder | k_not_in_rc, cmd_reply, "[message]  reply to the author and recipients"},
    {"respond", 1, k_needs_folder | k_not_in_rc, cmd_reply, "[message]  reply to the author and recipients"},
    {"retain", 3, 0, cmd_retain, "[field...]  show only these fields"},
    {"edit", 1, k_needs_folder | k_not_in_rc, cmd_edit, "[msglist]  edit messages with $EDITOR"},
    {"echo", 2, 0, cmd_echo, "string...  print the strings"},
    {"exit", 2, 0, cmd_exit, "leave without changing the mailbox"},
    {"else", 2, 0, cmd_else, "see if"},
    {"endif", 2, 0, cmd_endif, "see if"},
    {"quit", 1, 0, cmd_quit, "leave, saving changes"},
    {"list", 1, 0, cmd_list, "list all commands"},
    {"xit", 1, 0, cmd_exit, "leave without changing the mailbox"},
    {"hold", 2, k_needs_folder | k_not_in_rc, cmd_hold, "[msglist]  keep in the system mailbox"},
    {"if", 1, 0, cmd_if, "s|r  commands for send or receive mode only"},
    {"ignore", 2, 0, cmd_ignore, "[field...]  hide header fields"},
    {"discard", 2, 0, cmd_ignore, "[field...]  hide header fields"},
    {"inc", 2, k_needs_folder, cmd_inc, "take in new mail"},
    {"group", 1, 0, cmd_alias, "[name [address...]]  define or show aliases"},
    {"!", 1, k_not_in_rc, cmd_shell, "command  run a shell command"},
    {"#", 1, 0, cmd_comment, "a comment"},
    {"-", 1, k_needs_folder, cmd_previous, "print the previous message"},
};

}  // namespace

const std::vector<Command>& commands() { return k_commands; }

const Command* find_command(std::string_view word) {
    if (word.empty()) return nullptr;
    for (const auto& c : k_commands)
        if (word.size() >= c.abbrev && c.name.substr(0, word.size()) == word) return &c;
    return nullptr;
}

}  // namespace mailx
