// compose.cpp — see compose.h.
#include "mailx/compose.h"

#include "mailx/commands.h"
#include "mailx/display.h"
#include "mailx/input.h"
#include "mailx/mime_send.h"
#include "mailx/msglist.h"
#include "mailx/shell.h"

#include "libmail/mailbox/mbox.h"
#include "libmail/message/header.h"
#include "libmail/proc/spawn.h"
#include "libmail/util/clock.h"
#include "libmail/util/strings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace mailx {

namespace {

std::string read_file(const std::string& path, bool& ok) {
    std::ifstream in(path, std::ios::binary);
    ok = static_cast<bool>(in);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs `command` with the shell, feeding `input` (if any) and capturing
// its standard output.  Returns the exit status.
int run_capture(const Session& s, const std::string& command, const std::string* input, std::string& output) {
    std::fflush(stdout);
    int in_pipe[2] = {-1, -1}, out_pipe[2];
    if ((input && pipe(in_pipe) != 0) || pipe(out_pipe) != 0) return 127;
    pid_t pid = fork();
    if (pid < 0) return 127;
    std::string shell = s.vars.str("SHELL", "/bin/sh");
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        if (input) {
            dup2(in_pipe[0], 0);
            close(in_pipe[0]);
            close(in_pipe[1]);
        }
        dup2(out_pipe[1], 1);
        close(out_pipe[0]);
        close(out_pipe[1]);
        execl(shell.c_str(), shell.c_str(), "-c", "--", command.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(out_pipe[1]);
    // A command that exits without reading its input (~| exit 3) must not
    // kill us with SIGPIPE; the write just fails.
    struct sigaction ignore {}, saved {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &saved);
    if (input) {
        close(in_pipe[0]);
        // Write in a child-free way: small inputs fit the pipe; larger
        // ones are written while reading output to avoid a deadlock.
        std::size_t off = 0;
        fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
        fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
        bool in_open = true;
        while (true) {
            if (in_open && off < input->size()) {
                ssize_t w = write(in_pipe[1], input->data() + off, input->size() - off);
                if (w > 0) off += static_cast<std::size_t>(w);
                else if (w < 0 && errno != EAGAIN && errno != EINTR) off = input->size();
            }
            if (in_open && off >= input->size()) {
                close(in_pipe[1]);
                in_open = false;
            }
            char buf[8192];
            ssize_t r = read(out_pipe[0], buf, sizeof buf);
            if (r > 0) output.append(buf, static_cast<std::size_t>(r));
            else if (r == 0) break;
            else if (errno != EAGAIN && errno != EINTR) break;
            else usleep(1000);
        }
        if (in_open) close(in_pipe[1]);
    } else {
        char buf[8192];
        ssize_t r;
        while ((r = read(out_pipe[0], buf, sizeof buf)) != 0) {
            if (r < 0) {
                if (errno == EINTR) continue;
                break;
            }
            output.append(buf, static_cast<std::size_t>(r));
        }
    }
    close(out_pipe[0]);
    sigaction(SIGPIPE, &saved, nullptr);
    return wait_status(pid);
}

void ensure_newline(std::string& text) {
    if (!text.empty() && text.back() != '\n') text += '\n';
}

std::string join_list(const std::vector<std::string>& v) { return mail::join(v, ", "); }

std::string message_id(const Session& s, std::time_t t) {
    std::random_device rd;
    char stamp[32];
    struct tm tm;
    gmtime_r(&t, &tm);
    std::strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
    return fmt::format("<{}.{:x}{:04x}@{}>", stamp, static_cast<unsigned>(getpid()), rd() & 0xffff,
                       s.env.hostname.empty() ? "localhost" : s.env.hostname);
}

bool write_dead(Session& s, const std::string& body) {
    if (!s.vars.is_set("save") || body.empty()) return false;
    std::string path = s.expand_name(s.vars.str("DEAD", s.env.home + "/dead.letter"));
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        s.complain(fmt::format("{}: {}", path, std::strerror(errno)));
        return false;
    }
    bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size());
    ::close(fd);
    return ok;
}

struct Collect {
    Session& s;
    Draft& d;
    bool escapes;
    bool aborted = false;  // ~x, ~q, interrupts
    bool ended = false;
};

void add_names(std::vector<std::string>& list, std::string_view text) {
    for (auto& r : split_recipients(text)) list.push_back(r);
}

void print_draft(Collect& c) {
    std::string text = "-------\nMessage contains:\n";
    auto all_to = c.d.to_fixed;
    all_to.insert(all_to.end(), c.d.to.begin(), c.d.to.end());
    auto all_cc = c.d.cc_fixed;
    all_cc.insert(all_cc.end(), c.d.cc.begin(), c.d.cc.end());
    if (!all_to.empty()) text += "To: " + join_list(all_to) + "\n";
    if (c.d.have_subject || !c.d.subject.empty()) text += "Subject: " + c.d.subject + "\n";
    if (!all_cc.empty()) text += "Cc: " + join_list(all_cc) + "\n";
    if (!c.d.bcc.empty()) text += "Bcc: " + join_list(c.d.bcc) + "\n";
    for (const auto& a : c.d.attachments) text += "Attachment: " + a + "\n";
    text += "\n" + c.d.body + "(continue)\n";
    page_out(c.s, text);
}

void insert_messages(Collect& c, std::string_view args, bool indent, bool all_headers) {
    Session& s = c.s;
    if (!s.folder) {
        s.say("No messages to insert from.");
        return;
    }
    auto list = parse_msglist(args, *s.folder, s.current);
    if (!list) {
        s.say(list.error().message);
        return;
    }
    std::string prefix = indent ? s.vars.str("indentprefix", "\t") : "";
    if (indent && !s.vars.get("indentprefix")) prefix = "\t";
    for (auto n : *list) {
        s.say(fmt::format("Interpolating: {}", n));
        s.folder->at(n).state.read = true;  // read first, as bsd-mailx (Status: R in the copy)
        std::string text = render_message(s, n, all_headers);
        text = text.substr(text.find('\n') + 1);  // drop "Message N:"
        text = text.substr(text.find('\n') + 1);  // and the From_ line
        std::size_t pos = 0;
        while (pos < text.size()) {
            auto nl = text.find('\n', pos);
            std::string_view line(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
            c.d.body += (line.empty() ? std::string() : prefix) + std::string(line) + "\n";
            pos = nl == std::string::npos ? text.size() : nl + 1;
        }
    }
    s.say("(continue)");
}

void edit_body(Collect& c, const char* var, const char* fallback) {
    char tmpl[] = "/tmp/mailx.draft.XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) return;
    bool ok = ::write(fd, c.d.body.data(), c.d.body.size()) == static_cast<ssize_t>(c.d.body.size());
    ::close(fd);
    if (ok) {
        run_shell(c.s.vars, c.s.vars.str(var, fallback) + " " + tmpl);
        bool read_ok = false;
        std::string text = read_file(tmpl, read_ok);
        if (read_ok) {
            c.d.body = text;
            ensure_newline(c.d.body);
        }
    }
    ::unlink(tmpl);
    c.s.say("(continue)");
}

void prompt_field(Collect& c, const char* name, std::string& value) {
    std::string line;
    std::string prompt = std::string(name) + ": ";
    if (!value.empty()) prompt += "[" + value + "] ";
    if (c.s.input.prompt_line(prompt, line) == ReadStatus::Line && !mail::trim(line).empty())
        value = std::string(mail::trim(line));
}

void tilde_help(Session& s) {
    s.say("-------------------- ~ ESCAPES ----------------------------\n"
          "~~              Quote a single tilde\n"
          "~a, ~A          Insert the value of sign or Sign\n"
          "~b users        Add users to \"blind\" cc list\n"
          "~c users        Add users to cc list\n"
          "~d              Read in dead.letter\n"
          "~e              Edit the message buffer\n"
          "~f messages     Read in messages\n"
          "~F messages     Same as ~f, but keep all header lines\n"
          "~h              Prompt for to list, subject and cc list\n"
          "~i var          Insert the value of a variable\n"
          "~m messages     Read in messages, right shifted by indentprefix\n"
          "~M messages     Same as ~m, but keep all header lines\n"
          "~p              Print the message buffer\n"
          "~q              Quit, save letter in $DEAD\n"
          "~x              Quit, do not save letter\n"
          "~r file         Read a file into the message buffer (~< also)\n"
          "~r !command     Read a command's output into the message buffer\n"
          "~s subject      Set subject\n"
          "~t users        Add users to to list\n"
          "~v              Invoke display editor on message\n"
          "~w file         Write message onto file\n"
          "~! command      Invoke the shell\n"
          "~| command      Pipe the message through the command\n"
          "~: command      Execute a regular command (~_ also)\n"
          "~.              End of input\n"
          "-----------------------------------------------------------");
}

void tilde(Collect& c, const std::string& line) {
    Session& s = c.s;
    char cmd = line.size() > 1 ? line[1] : '\0';
    std::string arg(mail::trim(std::string_view(line).substr(line.size() > 1 ? 2 : 1)));
    switch (cmd) {
    case '!':
        run_shell(s.vars, s.shell_command(arg));
        s.say("!");
        break;
    case '.':
        c.ended = true;
        break;
    case ':':
    case '_':
        s.execute(arg, false);
        break;
    case '?':
        tilde_help(s);
        break;
    case 'a':
    case 'A': {
        std::string v = s.vars.str(cmd == 'a' ? "sign" : "Sign");
        std::string out;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (v[i] == '\\' && i + 1 < v.size() && (v[i + 1] == 'n' || v[i + 1] == 't')) {
                out += v[i + 1] == 'n' ? '\n' : '\t';
                ++i;
            } else {
                out += v[i];
            }
        }
        c.d.body += out;
        ensure_newline(c.d.body);
        break;
    }
    case 'b': add_names(c.d.bcc, arg); break;
    case 'c': add_names(c.d.cc, arg); break;
    case 't': add_names(c.d.to, arg); break;
    case 's':
        c.d.subject = arg;
        c.d.have_subject = true;
        break;
    case 'd': {
        std::string path = s.expand_name(s.vars.str("DEAD", s.env.home + "/dead.letter"));
        bool ok = false;
        std::string text = read_file(path, ok);
        if (!ok) {
            s.say(fmt::format("{}: {}", path, std::strerror(errno)));
            break;
        }
        c.d.body += text;
        ensure_newline(c.d.body);
        s.say(fmt::format("\"{}\"", path));
        break;
    }
    case 'e': edit_body(c, "EDITOR", "ed"); break;
    case 'v': edit_body(c, "VISUAL", "vi"); break;
    case 'f': insert_messages(c, arg, false, false); break;
    case 'F': insert_messages(c, arg, false, true); break;
    case 'm': insert_messages(c, arg, true, false); break;
    case 'M': insert_messages(c, arg, true, true); break;
    case 'h': {
        std::string to = join_list(c.d.to), cc = join_list(c.d.cc), bcc = join_list(c.d.bcc);
        prompt_field(c, "To", to);
        prompt_field(c, "Subject", c.d.subject);
        c.d.have_subject = true;
        prompt_field(c, "Cc", cc);
        prompt_field(c, "Bcc", bcc);
        c.d.to = split_recipients(to);
        c.d.cc = split_recipients(cc);
        c.d.bcc = split_recipients(bcc);
        s.say("(continue)");
        break;
    }
    case 'i': {
        auto v = s.vars.get(arg);
        if (v) {
            c.d.body += *v;
            ensure_newline(c.d.body);
        }
        break;
    }
    case 'p': print_draft(c); break;
    case 'q':
        write_dead(s, c.d.body);
        c.aborted = true;
        break;
    case 'x':
        c.aborted = true;
        break;
    case 'r':
    case '<': {
        if (arg.empty()) {
            s.say("Interpolate what file?");
            break;
        }
        std::string text;
        if (arg[0] == '!') {
            run_capture(s, arg.substr(1), nullptr, text);
        } else {
            std::string path = s.expand_name(arg);
            bool ok = false;
            text = read_file(path, ok);
            if (!ok) {
                s.say(fmt::format("{}: {}", path, std::strerror(errno)));
                break;
            }
            std::size_t lines = 0;
            for (char ch : text) lines += ch == '\n';
            s.say(fmt::format("\"{}\" {}/{}", arg, lines, text.size()));
        }
        c.d.body += text;
        ensure_newline(c.d.body);
        break;
    }
    case 'w': {
        std::string path = s.expand_name(arg);
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd < 0 || ::write(fd, c.d.body.data(), c.d.body.size()) != static_cast<ssize_t>(c.d.body.size()))
            s.say(fmt::format("{}: {}", path, std::strerror(errno)));
        else
            s.say(fmt::format("\"{}\" {}", arg, c.d.body.size()));
        if (fd >= 0) ::close(fd);
        break;
    }
    case '|': {
        std::string output;
        int rc = run_capture(s, arg, &c.d.body, output);
        if (rc != 0) {
            s.say(fmt::format("\"{}\" exited with status {}; the message is unchanged", arg, rc));
        } else if (output.empty()) {
            s.say("No bytes from the command; the message is unchanged");
        } else {
            c.d.body = output;
            ensure_newline(c.d.body);
        }
        s.say("(continue)");
        break;
    }
    default:
        s.say(fmt::format("Unknown tilde escape: {}", line.substr(0, 2)));
        break;
    }
}

// Reads the body.  Returns false if the message was aborted.
bool collect_body(Collect& c) {
    Session& s = c.s;
    std::string esc = s.vars.is_set("escape") ? s.vars.str("escape") : "";
    char escape = esc.empty() ? '\0' : esc[0];
    bool tty = isatty(0) != 0;
    bool dot = s.interactive && (s.vars.is_set("dot") || s.vars.is_set("ignoreeof"));
    bool interrupted_once = false;
    std::string line;
    while (!c.ended && !c.aborted) {
        std::fflush(stdout);
        ReadStatus st = s.input.read_line(line);
        if (st == ReadStatus::Interrupted) {
            if (s.vars.is_set("ignore")) {
                s.say("@");
                continue;
            }
            if (!interrupted_once) {
                interrupted_once = true;
                std::fputs("\n(Interrupt -- one more to kill letter)\n", stderr);
                continue;
            }
            write_dead(s, c.d.body);
            c.aborted = true;
            break;
        }
        if (st == ReadStatus::Eof) {
            if (s.vars.is_set("ignoreeof") && tty) {
                s.say("Use \".\" to terminate letter");
                continue;
            }
            break;
        }
        interrupted_once = false;
        if (dot && line == ".") break;
        if (c.escapes && escape && !line.empty() && line[0] == escape) {
            if (line.size() > 1 && line[1] == escape) {
                c.d.body += line.substr(1) + "\n";
                continue;
            }
            tilde(c, line);
            continue;
        }
        c.d.body += line + "\n";
    }
    return !c.aborted;
}

}  // namespace

std::vector<std::string> sendmail_argv(const Session& s) {
    std::string prog = s.vars.str("sendmail", s.env.sendmail_path);
    std::vector<std::string> argv = {prog, "-i", "-t"};
    if (s.vars.is_set("metoo")) argv.push_back("-m");
    if (s.vars.is_set("verbose") || s.opts.verbose) argv.push_back("-v");
    std::string from = s.opts.from.empty() ? s.vars.str("from") : s.opts.from;
    if (!from.empty()) {
        argv.push_back("-f");
        argv.push_back(bare_address(from));
    }
    return argv;
}

std::string build_message(const Session& s, const Draft& d, const std::vector<std::string>& to,
                          const std::vector<std::string>& cc, const std::vector<std::string>& bcc,
                          std::string* error) {
    std::string out;
    std::time_t t = mail::now();
    out += "Date: " + mail::rfc5322_date(t) + "\n";
    std::string from = s.opts.from.empty() ? s.vars.str("from") : s.opts.from;
    if (!from.empty()) out += mail::message::fold("From", encode_address_header(from)) + "\n";
    if (!to.empty()) out += mail::message::fold("To", join_list(to)) + "\n";
    if (!cc.empty()) out += mail::message::fold("Cc", join_list(cc)) + "\n";
    if (!bcc.empty()) out += mail::message::fold("Bcc", join_list(bcc)) + "\n";
    if (!d.subject.empty()) out += mail::message::fold("Subject", encode_subject(d.subject)) + "\n";
    out += "Message-ID: " + message_id(s, t) + "\n";
    if (!d.in_reply_to.empty()) out += "In-Reply-To: " + d.in_reply_to + "\n";
    if (!d.references.empty()) out += mail::message::fold("References", d.references) + "\n";
    auto body = mime_body(d.body, d.attachments, error);
    if (!body) return "";
    out += body->headers;
    out += "\n";
    out += body->body;
    return out;
}

bool append_mbox_entry(const std::string& path, const std::string& login, const std::string& text) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0600);
    if (fd < 0) return false;
    std::string entry = "From " + login + " " + mail::ctime_text(mail::now()) + "\n";
    mail::mailbox::FromQuoter q;
    q.feed(text, entry);
    q.finish(entry);
    if (entry.back() != '\n') entry += '\n';
    entry += '\n';
    bool ok = ::write(fd, entry.data(), entry.size()) == static_cast<ssize_t>(entry.size());
    return ::close(fd) == 0 && ok;
}

int compose_and_send(Session& s, Draft d) {
    bool tty = isatty(0) != 0;
    bool prompts = s.interactive && tty;
    if (prompts && !d.have_subject && s.vars.is_set("asksub")) {
        std::string line;
        auto st = s.input.prompt_line("Subject: ", line);
        if (st == ReadStatus::Interrupted) {
            s.complain("(Interrupt -- message not sent)");
            return 1;
        }
        d.subject = line;
        d.have_subject = true;
    }
    if (prompts && (!d.to_fixed.empty() || !d.cc_fixed.empty())) {
        // A reply shows the header it built before the body (bsd-mailx).
        std::string head;
        if (!d.to_fixed.empty()) head += "To: " + join_list(d.to_fixed) + "\n";
        head += "Subject: " + d.subject + "\n";
        if (!d.cc_fixed.empty()) head += "Cc: " + join_list(d.cc_fixed) + "\n";
        std::fputs(head.c_str(), stdout);
        std::fputc('\n', stdout);
    }
    Collect c{s, d, s.interactive || s.opts.tilde_escapes};
    if (!collect_body(c)) return 1;
    if (prompts && s.vars.is_set("askcc")) {
        std::string line;
        if (s.input.prompt_line("Cc: ", line) == ReadStatus::Line) add_names(d.cc, line);
    }
    if (prompts && s.vars.is_set("askbcc")) {
        std::string line;
        if (s.input.prompt_line("Bcc: ", line) == ReadStatus::Line) add_names(d.bcc, line);
    }
    if (s.interactive) s.say("EOT");
    if (d.body.empty()) {
        if (s.opts.discard_empty) return 0;
        s.say("Null message body; hope that's ok");
    }
    std::vector<std::string> warnings;
    auto to = s.aliases.expand(d.to, &warnings);
    auto cc = s.aliases.expand(d.cc, &warnings);
    auto bcc = s.aliases.expand(d.bcc, &warnings);
    for (const auto& w : warnings) s.complain(w);
    for (auto it = d.to_fixed.rbegin(); it != d.to_fixed.rend(); ++it)
        if (std::find(to.begin(), to.end(), *it) == to.end()) to.insert(to.begin(), *it);
    for (const auto& a : d.cc_fixed)
        if (std::find(cc.begin(), cc.end(), a) == cc.end()) cc.push_back(a);
    if (to.empty() && cc.empty() && bcc.empty()) {
        s.complain("No recipients specified");
        write_dead(s, d.body);
        return 1;
    }
    std::string error;
    std::string message = build_message(s, d, to, cc, bcc, &error);
    if (message.empty()) {
        s.complain(error);
        write_dead(s, d.body);
        return 1;
    }
    auto record = s.vars.str("record");
    if (!d.record_to.empty()) record = d.record_to;
    else if (s.opts.record_by_author && !to.empty()) {
        std::string who = bare_address(to.front());
        record = who.substr(0, who.find('@'));
    }
    if (!record.empty()) {
        std::string path = s.expand_name(record);
        if (record[0] != '/' && record[0] != '+' && record[0] != '~' && s.vars.is_set("outfolder") &&
            !s.vars.str("folder").empty())
            path = s.expand_name("+" + record);
        if (!append_mbox_entry(path, s.env.login, message))
            s.complain(fmt::format("{}: {}", path, std::strerror(errno)));
    }
    if (s.vars.is_set("debug") || s.opts.debug) {
        auto argv = sendmail_argv(s);
        s.say("Sendmail arguments: " + mail::join(argv, " "));
        std::fwrite(message.data(), 1, message.size(), stdout);
        return 0;
    }
    auto argv = sendmail_argv(s);
    std::fflush(stdout);
    int fds[2];
    if (pipe(fds) != 0) {
        s.complain(fmt::format("pipe: {}", std::strerror(errno)));
        write_dead(s, d.body);
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        s.complain(fmt::format("fork: {}", std::strerror(errno)));
        write_dead(s, d.body);
        return 1;
    }
    if (pid == 0) {
        signal(SIGINT, SIG_IGN);
        dup2(fds[0], 0);
        close(fds[0]);
        close(fds[1]);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        execve(args[0], args.data(), environ);
        std::fprintf(stderr, "%s: %s\n", argv[0].c_str(), std::strerror(errno));
        _exit(127);
    }
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    (void)mail::proc::write_all(fds[1], message);  // a sendmail that stops reading reports through its status
    close(fds[1]);
    int code = wait_status(pid);
    if (code != 0) {
        s.complain(fmt::format("Can't send mail: sendmail process failed with error code {}", code));
        if (write_dead(s, d.body))
            s.complain(fmt::format("The message was saved in {}",
                                   s.expand_name(s.vars.str("DEAD", s.env.home + "/dead.letter"))));
        return 1;
    }
    return 0;
}

}  // namespace mailx
