// options.h — formail's command line, parsed the way formail 3.22 parses it.
//
//   formail [+skip] [-total] [-bczfrktedqBY] [-p prefix] [-D maxlen idcache]
//           [-l folder] [-xXaAiIuU field] [-R old new] [-n [max]] [-m min]
//           [-s [program [arg …]]]
//
// Letters may be bundled ("-rtk"); an option's argument may be attached
// ("-pfoo", "-XSubject:") or be the next word; -s ends the options and the
// rest of the words are the program.  Field arguments: -a and -A need a
// whole field ("Name: text" or "Name:"), -x -X -i -I -u -U also take a
// partial name ("X-"), -R takes two names, and "-a Resent-" is the one
// partial -a (it makes -r -t prefer Resent- fields).  Misuse gives the usage
// text on stderr and exit 64, as formail does (reference procmail.md §2.1).
//
// SECURITY: -D opens (and creates) its cache file while the options are
// read, exactly when formail does; nothing else touches the file system.
// STANDARDS: none.
#pragma once

#include "filters/formail/fields.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mail::filters::formail {

struct FileCloser {
    void operator()(std::FILE* f) const {
        if (f) std::fclose(f);
    }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

struct Options {
    bool reply = false;          // -r
    bool trust_header = false;   // -t
    bool resent = false;         // -a Resent-
    bool force = false;          // -f
    bool escape = true;          // off with -b
    bool every = false;          // -e
    bool digest = false;         // -d (and -B)
    bool babyl = false;          // -B
    bool berkeley = false;       // -Y
    bool keep_body = false;      // -k
    bool concatenate = false;    // -c
    bool zap = false;            // -z
    bool quiet = true;           // -q (on), -q- (off)
    bool split = false;          // -s
    bool nowait = false;         // -n
    int child_limit = 0;         // -n N
    int min_fields = 0;          // -m N (0: not given)
    int skip = 0;                // +N
    int total = -1;              // -N
    std::string prefix = ">";    // -p
    std::optional<std::string> log_folder;  // -l, cut to 61 bytes, control whitespace → space
    long dup_maxlen = 0;         // -D maxlen file
    FilePtr dup_cache;
    std::vector<std::string> program;  // after -s

    // The field lists, in command-line order, each field ending in '\n'.
    PatternList rename_insert;   // -i
    PatternList delete_insert;   // -I
    PatternList add_if_not;      // -a
    PatternList add_always;      // -A
    PatternList extract;         // -x
    PatternList extract_keep;    // -X
    PatternList first_unique;    // -u
    PatternList last_unique;     // -U
    PatternList rename;          // -R: old name (id_len) + new name, no newline
};

// What parsing decided: run with the options, or exit at once with `exit`
// after printing `message` on stderr.
struct ParsedArgs {
    Options options;
    std::optional<int> exit;
    std::string message;
};

// argv without argv[0].
ParsedArgs parse_args(const std::vector<std::string>& args);

// The usage text formail prints on misuse (stderr, exit 64).
extern const char* const k_usage;

}  // namespace mail::filters::formail
