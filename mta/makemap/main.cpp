// makemap — build or dump a map (access, mailertable, authinfo, …).
//
//   makemap [-N] [-c size] [-D c] [-d] [-e] [-f] [-l] [-o] [-r] [-s] [-t delim] [-u] [-v] [-C file] type name
//
// Reads `key value` lines on stdin and writes name.db (SQLite whatever the
// type); -u dumps a map as `key<TAB>value`.  See makemap(8), docs/maps.md.
// Exit: 0 ok, 64 usage, 65 bad input lines (good ones are still stored),
// 66 map to dump missing, 73 cannot write the map.
//
// SECURITY: runs with the caller's privileges; writes only name.db and a
// temporary file beside it.  -s and -C are accepted for compatibility and
// change nothing (there are no set-ID checks to relax, no TrustedUser).
#include "libmail/maps/text.h"

#include <CLI/CLI.hpp>
#include <sysexits.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

namespace {

void usage(const std::string& prog) {
    std::string pad(prog.size(), ' ');
    std::fprintf(stderr,
                 "Usage: %s [-C cffile] [-N] [-c cachesize] [-D commentchar]\n"
                 "       %s [-d] [-e] [-f] [-l] [-o] [-r] [-s] [-t delimiter]\n"
                 "       %s [-u] [-v] type mapname\n",
                 prog.c_str(), pad.c_str(), pad.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    mail::maps::MakemapArgs a;
    std::string prog = argc > 0 ? argv[0] : "makemap";
    if (auto slash = prog.rfind('/'); slash != std::string::npos) prog = prog.substr(slash + 1);
    a.program = prog;

    CLI::App app{"makemap — build or dump a mailroom map", prog};
    app.set_help_flag();  // sendmail's makemap has no --help; -h is not an option
    bool no_fold = false, include_null = false, safe = false;
    long cache = 0;
    std::string sep, comment, cf;
    std::vector<std::string> pos;
    app.add_flag("-N", include_null);
    app.add_option("-c", cache);
    app.add_option("-C", cf);
    app.add_option("-D", comment);
    app.add_flag("-d", a.allow_duplicates);
    app.add_flag("-e", a.allow_empty);
    app.add_flag("-f", no_fold);
    app.add_flag("-l", a.list_types);
    app.add_flag("-o", a.append);
    app.add_flag("-r", a.replace);
    app.add_flag("-s", safe);
    app.add_option("-t", sep);
    app.add_flag("-u", a.dump);
    app.add_flag("-v", a.verbose);
    app.add_option("args", pos);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError&) {
        usage(prog);
        return EX_USAGE;
    }
    if (!a.list_types && pos.size() != 2) {
        usage(prog);
        return EX_USAGE;
    }
    if (!sep.empty()) a.separator = sep[0];
    if (!comment.empty()) a.comment = comment[0];
    a.fold_case = !no_fold;
    if (pos.size() == 2) {
        a.type = pos[0];
        a.name = pos[1];
    }

    std::string input;
    if (!a.list_types && !a.dump) input.assign(std::istreambuf_iterator<char>(std::cin), {});
    mail::maps::MakemapResult r = mail::maps::run_makemap(a, input);
    std::fwrite(r.out.data(), 1, r.out.size(), stdout);
    std::fwrite(r.err.data(), 1, r.err.size(), stderr);
    if (std::fflush(stdout) != 0) return EX_IOERR;
    return r.exit_code;
}
