// commands.h — the command table of receive mode and start-up files.
//
// Each command is declared once: its full name, the shortest abbreviation
// POSIX allows (any longer prefix works too; the first match in table order
// wins, so the table order encodes POSIX's abbreviation rules), flags, and
// the function.  Arguments are given raw; commands that take message lists
// parse them with parse_msglist().
#pragma once

#include <string_view>
#include <vector>

namespace mailx {

struct Session;

enum CommandFlags : unsigned {
    k_not_in_rc = 1,   // invalid in start-up files (POSIX)
    k_needs_folder = 2,
};

struct Command {
    std::string_view name;
    std::size_t abbrev;
    unsigned flags;
    int (*run)(Session&, std::string_view args);
    std::string_view help;
};

const std::vector<Command>& commands();
const Command* find_command(std::string_view word);

}  // namespace mailx
