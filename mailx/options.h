// options.h — mailx's command line.
//
//   Send:     mailx [-EIinv~] [-s subject] [-c cc] [-b bcc] [-a file] [-r from]
//                   [-S var[=value]] address…
//   Receive:  mailx -e | mailx [-HiNn] [-F] [-u user] | mailx -f [-HiNn] [file]
//
// POSIX options plus the usual extensions: -c/-b (comma or blank separated
// lists), -a (an attachment, as s-nail; bsd-mailx's -a is a header), -r,
// -S, -I (force interactive), -~ (tilde escapes without a terminal), -v,
// -d.  With -f the file is an operand ("mailx -fin box" works).
#pragma once

#include "libmail/util/result.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mailx {

struct Options {
    bool check_only = false;        // -e
    bool headers_only = false;      // -H
    bool no_summary = false;        // -N
    bool no_system_rc = false;      // -n
    bool ignore_interrupts = false; // -i
    bool record_by_author = false;  // -F
    bool discard_empty = false;     // -E
    bool interactive = false;       // -I
    bool tilde_escapes = false;     // -~
    bool verbose = false;           // -v
    bool debug = false;             // -d
    bool file_mode = false;         // -f
    std::string file;               // -f's operand ("" = MBOX)
    std::string user;               // -u
    std::optional<std::string> subject;
    std::vector<std::string> cc, bcc, attachments;
    std::string from;               // -r
    std::vector<std::pair<std::string, std::string>> set_vars;  // -S, in order; value "\x01" = unset
    std::vector<std::string> recipients;

    bool send_mode() const { return !file_mode && !recipients.empty(); }
};

// Errors are EX_USAGE with the message to print after "mailx: ".
mail::Result<Options> parse_options(const std::vector<std::string>& args);

std::string usage_text();

}  // namespace mailx
