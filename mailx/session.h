// session.h — the state of one mailx run and the command interpreter.
//
// A Session holds the variables, aliases, header filters, the open folder
// and the current message; `execute` runs one command line (from a start-up
// file, the terminal, or `~:`).  Commands are in commands.cpp (the table),
// sending in compose.cpp, printing in display.cpp.
#pragma once

#include "mailx/aliases.h"
#include "mailx/folder.h"
#include "mailx/input.h"
#include "mailx/options.h"
#include "mailx/vars.h"

#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mailx {

// Where things are, from the configuration and the environment.
struct Environment {
    std::string login;           // USER / LOGNAME / getpwuid
    std::string home;
    std::string spool_dir;       // MAILROOM_SPOOL_DIR
    std::string system_mailbox;  // $MAIL or spool_dir/login
    std::string system_rc;       // MAILROOM_MAILRC
    std::string sendmail_path;   // MAILROOM_SENDMAIL_PATH
    std::string hostname;        // for Message-ID
    std::string users_file;      // instance users file ("" = password database)
};

// ignore/retain (and saveignore/saveretain): field names, lower case.
struct HeaderFilter {
    std::set<std::string> ignored;
    std::set<std::string> retained;
    bool shows(std::string_view field) const;
};

struct Session {
    Session(Environment e, Options o);

    Environment env;
    Options opts;
    Vars vars;
    Aliases aliases;
    HeaderFilter filter, save_filter;
    Input input;
    FILE* out = stdout;

    std::optional<Folder> folder;
    std::string folder_shown;   // the name in the status line
    std::string previous_file;  // "#"
    std::size_t current = 0;
    bool receive_mode = false;
    bool interactive = false;   // standard input is a terminal (or -I)
    std::string last_shell_command;
    int exit_status = 0;
    bool finished = false;      // quit/exit/xit or end of input
    std::size_t summary_top = 1;  // first message of the current summary page

    // if/else/endif: one entry per open `if`, true when commands run.
    std::vector<bool> conditions;

    // Runs one command line.  Returns 0, or 1 after printing an error.
    // `from_rc` forbids the commands POSIX forbids in start-up files.
    int execute(std::string_view line, bool from_rc);
    // Reads commands from a file (start-up files, `source`).  A bad line is
    // reported as file:line and ends that file (POSIX).  Returns 0 or 1.
    int source_file(const std::string& path, bool must_exist);

    // The receive-mode loop: prompt, read, execute until quit/exit/EOF.
    void command_loop();

    // Opens `path` as the current folder (after closing the old one with
    // quit semantics if `quit_old`).  Prints the status line and summary
    // like at start-up unless `quiet_open`.  Returns false if it could not.
    bool open_folder(const std::string& path, FolderKind kind, const std::string& shown);
    // quit() the open folder and print what happened; false on failure.
    bool quit_folder();

    // Screen size: the terminal's, or 80x24.
    std::size_t screen_width() const;
    std::size_t screen_height() const;
    std::size_t summary_page_size() const;  // `screen`, else height - 4
    void print_summary(std::size_t number);
    void print_summary_page(std::size_t first);

    // The command of `!` or `~!`: with `bang`, an unescaped '!' becomes the
    // previous such command and "\\!" a '!' (POSIX).  Remembers the result.
    std::string shell_command(std::string_view typed);

    // Expands "+folder", "%", "#", "&", "~" in a file name.
    std::string expand_name(std::string_view name) const;
    // How a folder's expanded path is shown (bsd-mailx): "+name" when it is
    // under the folder directory, else the path.
    std::string display_name(const std::string& path) const;

    void say(std::string_view text);        // stdout, with "\n"
    void complain(std::string_view text);   // stderr, with "\n"
};

}  // namespace mailx
