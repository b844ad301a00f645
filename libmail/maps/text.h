// text.h — the text source format of maps, and makemap(8) itself.
//
// A source is one record per line: the key, then separator characters
// (whitespace, or the -t delimiter), then the value — the rest of the line,
// kept verbatim (quotes included: access `"550 go away"`, authinfo
// `"U:root" "P:secret"`).  Lines starting with the comment character ('#')
// and empty lines are skipped.  makemap does not interpret values; the access,
// mailertable, virtusertable, genericstable, domaintable and authinfo
// formats differ only in what their keys and values mean (docs/maps.md).
//
// Errors are per line and do not stop the build, like sendmail's makemap:
// the good lines are stored and the command exits 65 (EX_DATAERR).
#pragma once

#include "libmail/maps/map.h"

#include <string>
#include <string_view>
#include <vector>

namespace mail::maps {

struct TextOptions {
    char separator = '\0';   // '\0' = any run of spaces/tabs (makemap -t sets one byte)
    char comment = '#';      // makemap -D
    bool allow_empty = false;  // makemap -e: a key with no value is allowed
};

// One problem on one line; text is sendmail's wording ("no RHS for LHS x").
struct LineError {
    int line = 0;
    std::string text;
};

struct ParsedText {
    std::vector<Record> records;  // file = source name, line = line number
    std::vector<LineError> errors;
};

ParsedText parse_text(std::string_view text, const std::string& source, const TextOptions& options = {});

// makemap [-N] [-c size] [-D c] [-d] [-e] [-f] [-l] [-o] [-r] [-s] [-t delim] [-u] [-v] type name
struct MakemapArgs {
    std::string type;
    std::string name;          // map name; the file is db_file_name(name)
    bool dump = false;         // -u
    bool list_types = false;   // -l
    bool fold_case = true;     // -f turns off
    bool allow_duplicates = false;  // -d
    bool replace = false;      // -r
    bool allow_empty = false;  // -e
    bool append = false;       // -o: add to the existing map instead of starting empty
    bool verbose = false;      // -v
    char separator = '\0';     // -t
    char comment = '#';        // -D
    std::string program = "makemap";
};

struct MakemapResult {
    int exit_code = 0;
    std::string out;  // what goes to stdout
    std::string err;  // what goes to stderr
};

// Runs makemap on `input` (stdin's contents).  Never throws; every problem
// is a message in err and a <sysexits.h> code.
MakemapResult run_makemap(const MakemapArgs& args, std::string_view input);

}  // namespace mail::maps
