// lint_main.cpp — see lint_cli.h.
#include "filters/procmail/lint_cli.h"

#include "filters/procmail/lint.h"
#include "filters/procmail/rcfile.h"
#include "filters/procmail/regex.h"

#include <sysexits.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace mail::procmail {

int run_lint(const std::vector<std::string>& files) {
    if (files.empty()) {
        std::fputs("procmail: --lint needs one or more rcfiles\n", stderr);
        return EX_USAGE;
    }
    int result = 0;
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "procmail: Couldn't read \"%s\"\n", file.c_str());
            result = EX_NOINPUT;
            continue;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        LintOptions o;
        o.file = file;
        o.check_regex = [](std::string_view pattern) -> std::optional<std::string> {
            auto re = Regex::compile(pattern, false);
            if (!re) return re.error().message;
            if (!re->warning().empty()) return re->warning();
            return std::nullopt;
        };
        for (const auto& m : lint(parse_rcfile(ss.str()), o)) {
            std::string line = m.format() + "\n";
            std::fwrite(line.data(), 1, line.size(), stdout);
            if (result == 0) result = 1;
        }
    }
    return result;
}

}  // namespace mail::procmail
