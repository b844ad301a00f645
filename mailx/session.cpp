// session.cpp — see session.h.
#include "mailx/session.h"

#include "mailx/commands.h"
#include "mailx/summary.h"
#include "mailx/text.h"

#include "libmail/util/strings.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sys/ioctl.h>
#include <unistd.h>

namespace mailx {

Session::Session(Environment e, Options o) : env(std::move(e)), opts(std::move(o)), vars(Vars::with_defaults()) {
    interactive = opts.interactive || isatty(0);
}

void Session::say(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), out);
    std::fputc('\n', out);
}

void Session::complain(std::string_view text) {
    std::fflush(out);
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fputc('\n', stderr);
}

std::size_t Session::screen_width() const {
    struct winsize ws;
    if (isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
}

std::size_t Session::screen_height() const {
    struct winsize ws;
    if (isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) return ws.ws_row;
    return 24;
}

std::size_t Session::summary_page_size() const {
    long screen = vars.number("screen", 0, 0);
    if (screen > 0) return static_cast<std::size_t>(screen);
    std::size_t h = screen_height();
    return h > 5 ? h - 4 : 1;
}

void Session::print_summary(std::size_t number) {
    SummaryOptions o;
    o.width = screen_width();
    o.showto = vars.is_set("showto");
    o.login = env.login;
    o.aliases = &aliases;
    o.allnet = vars.is_set("allnet");
    say(summary_line(*folder, number, number == current, o));
}

void Session::print_summary_page(std::size_t first) {
    if (!folder || folder->count() == 0) {
        say("No applicable messages");
        return;
    }
    std::size_t page = summary_page_size();
    if (first < 1) first = 1;
    summary_top = first;
    std::size_t shown = 0;
    for (std::size_t n = first; n <= folder->count() && shown < page; ++n) {
        if (folder->at(n).state.deleted) continue;
        print_summary(n);
        if (++shown % 1024 == 0) folder->release_memory();
    }
    if (shown == 0) say("No more mail.");
}

std::string Session::expand_name(std::string_view name) const {
    FileNameContext ctx;
    ctx.home = env.home;
    std::string folder_dir = vars.str("folder");
    if (!folder_dir.empty() && folder_dir[0] != '/') folder_dir = env.home + "/" + folder_dir;
    ctx.folder_dir = folder_dir;
    ctx.system_mailbox = env.system_mailbox;
    ctx.spool_dir = env.spool_dir;
    ctx.previous = previous_file;
    ctx.mbox = vars.str("MBOX", env.home + "/mbox");
    return expand_file_name(name, ctx);
}

std::string Session::shell_command(std::string_view typed) {
    std::string command(typed);
    if (vars.is_set("bang")) {
        std::string expanded;
        for (std::size_t i = 0; i < command.size(); ++i) {
            if (command[i] == '\\' && i + 1 < command.size() && command[i + 1] == '!') {
                expanded += '!';
                ++i;
            } else if (command[i] == '!') {
                expanded += last_shell_command;
            } else {
                expanded += command[i];
            }
        }
        command = expanded;
    }
    last_shell_command = command;
    return command;
}

std::string Session::display_name(const std::string& path) const {
    std::string dir = expand_name("+");
    if (!vars.str("folder").empty() && path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0)
        return "+" + path.substr(dir.size());
    return path;
}

int Session::execute(std::string_view raw, bool from_rc) {
    std::string_view line = mail::trim(raw);
    if (line.empty()) return 0;
    // The command word: "!" and "|" and "=" and "#" stand alone; otherwise
    // letters up to a blank or a non-letter.
    std::string word;
    std::string_view args;
    if (std::strchr("!|=#-", line[0]) && !(line[0] == '-' && line.size() > 1 && std::isdigit(static_cast<unsigned char>(line[1])))) {
        word = std::string(1, line[0]);
        args = line.substr(1);
    } else {
        std::size_t i = 0;
        while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i])) &&
               (std::isalpha(static_cast<unsigned char>(line[i])) || line[i] == '?' || i == 0))
            ++i;
        word = std::string(line.substr(0, i));
        args = line.substr(i);
    }
    // if/else/endif are always looked at; other commands only when every
    // enclosing condition holds.
    bool running = true;
    for (bool c : conditions) running = running && c;
    const Command* cmd = nullptr;
    if (!word.empty() && std::isdigit(static_cast<unsigned char>(word[0]))) {
        // A bare message number (list) prints it.
        cmd = find_command("print");
        args = line;
    } else {
        cmd = find_command(word);
    }
    if (cmd && (cmd->name == "if" || cmd->name == "else" || cmd->name == "endif")) {
        if (cmd->name == "if" && !running) {
            conditions.push_back(false);
            return 0;
        }
        return cmd->run(*this, args);
    }
    if (!running) return 0;
    if (!cmd) {
        say(fmt::format("Unknown command: \"{}\"", word));
        return 1;
    }
    if (from_rc && (cmd->flags & k_not_in_rc)) {
        say(fmt::format("Can't \"{}\" in start-up files", cmd->name));
        return 1;
    }
    if ((cmd->flags & k_needs_folder) && !folder) {
        say(fmt::format("No messages: \"{}\" needs a mailbox", cmd->name));
        return 1;
    }
    int rc = cmd->run(*this, mail::trim_left(args));
    if (folder) folder->release_memory();
    return rc;
}

int Session::source_file(const std::string& path, bool must_exist) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (!must_exist && errno == ENOENT) return 0;
        complain(fmt::format("{}: {}", path, std::strerror(errno)));
        return 1;
    }
    std::string line, pending;
    std::size_t lineno = 0, start_line = 0;
    std::size_t depth = conditions.size();
    while (std::getline(in, line)) {
        ++lineno;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (pending.empty()) start_line = lineno;
        // A backslash at the end of a line continues it.
        if (!line.empty() && line.back() == '\\') {
            pending += line.substr(0, line.size() - 1) + " ";
            continue;
        }
        pending += line;
        std::string text = std::move(pending);
        pending.clear();
        auto t = mail::trim(text);
        if (t.empty() || t[0] == '#') continue;
        std::fflush(out);
        // Errors go to stderr with the location; the rest of the file is
        // skipped (POSIX "Start-Up in mailx").
        FILE* saved = out;
        char* buf = nullptr;
        std::size_t len = 0;
        FILE* capture = open_memstream(&buf, &len);
        out = capture ? capture : saved;
        int rc = execute(text, true);
        if (capture) {
            std::fclose(capture);
            out = saved;
            std::string said(buf, len);
            std::free(buf);
            if (rc != 0) {
                std::string msg(mail::trim(said));
                complain(fmt::format("{}:{}: {}", path, start_line, msg.empty() ? "error" : msg));
                conditions.resize(std::min(conditions.size(), depth));
                return 1;
            }
            std::fwrite(said.data(), 1, said.size(), out);
        } else if (rc != 0) {
            return 1;
        }
    }
    if (conditions.size() > depth) {
        complain(fmt::format("{}:{}: missing endif", path, lineno));
        conditions.resize(depth);
        return 1;
    }
    return 0;
}

bool Session::open_folder(const std::string& path, FolderKind kind, const std::string& shown) {
    auto f = Folder::open(path, kind);
    if (!f) {
        complain(fmt::format("{}: {}", path, f.error().message));
        return false;
    }
    folder.emplace(std::move(*f));
    folder_shown = shown;
    current = first_interesting(*folder);
    if (folder->count() == 0) return true;
    say(status_line(*folder, folder_shown));
    if (vars.is_set("header") && !opts.no_summary) {
        std::size_t page = summary_page_size();
        std::size_t first = current == 0 ? 1 : ((current - 1) / page) * page + 1;
        print_summary_page(first);
    }
    return true;
}

bool Session::quit_folder() {
    QuitOptions q;
    q.mbox_path = vars.str("MBOX", env.home + "/mbox");
    q.hold = vars.is_set("hold");
    q.keepsave = vars.is_set("keepsave");
    q.append = vars.is_set("append");
    q.keep = vars.is_set("keep");  // on by default (Debian); `unset keep` removes an emptied -f file (POSIX)
    if (!folder->changed(q)) return true;
    auto r = folder->quit(q);
    if (!r) {
        complain(fmt::format("{}: {}; the mailbox was left as it was", folder->path(), r.error().message));
        return false;
    }
    if (r->new_mail) say("New mail has arrived.");
    if (r->to_mbox) say(fmt::format("Saved {} message{} in {}", r->to_mbox, r->to_mbox == 1 ? "" : "s", q.mbox_path));
    if (folder->kind() == FolderKind::System) {
        if (r->held) say(fmt::format("Held {} message{} in {}", r->held, r->held == 1 ? "" : "s", folder->path()));
    } else if (r->removed) {
        say(fmt::format("\"{}\" removed", folder->path()));
    } else if (r->rewritten) {
        // bsd-mailx: "truncated" when nothing is left, else "complete".
        say(fmt::format("\"{}\" {}", folder->path(), r->held ? "complete" : "truncated"));
    }
    return true;
}

void Session::command_loop() {
    std::string line;
    std::string prompt = vars.str("prompt", "& ");
    while (!finished) {
        prompt = vars.is_set("prompt") ? vars.str("prompt") : "& ";
        std::fflush(out);
        // The prompt on a terminal, and with -I (bsd-mailx).
        ReadStatus st = interactive ? input.prompt_line(prompt, line) : input.read_line(line);
        if (st == ReadStatus::Interrupted) {
            say("");
            continue;
        }
        if (st == ReadStatus::Eof) {
            if (vars.is_set("ignoreeof") && isatty(0)) {
                say("Use \"quit\" to quit.");
                continue;
            }
            execute("quit", false);
            break;
        }
        if (mail::trim(line).empty()) {
            // An empty line is `next` on a terminal (POSIX).
            if (interactive) execute("next", false);
            continue;
        }
        execute(line, false);
    }
}

}  // namespace mailx
