// formail — the mail (re)formatter, compatible with Debian's formail 3.22.
//
//   formail [+skip] [-total] [-bczfrktedqBY] [-p prefix] [-D maxlen idcache]
//           [-l folder] [-xXaAiIuU field] [-R old new] [-n [max]] [-m min]
//           [-s [program [arg …]]]
//
// See formail(1) and docs/formail.md.  The options are parsed by hand in
// options.cpp (formail's bundling and attached arguments are not getopt's);
// the work is in engine.cpp.
//
// SECURITY: runs as its caller, never privileged; reads stdin, writes
// stdout, and with -D reads and writes the named cache file.
// STANDARDS: RFC 4155 (mbox), RFC 822 field syntax as formail approximates it.
#include "filters/formail/engine.h"

#include "libmail/util/clock.h"

#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
    using namespace mail::filters::formail;
    // A program that stops reading shows up as a write error, as in formail.
    signal(SIGPIPE, SIG_IGN);
    std::vector<std::string> args(argv + 1, argv + argc);
    ParsedArgs parsed = parse_args(args);
    if (parsed.exit) {
        std::fputs(parsed.message.c_str(), stderr);
        return *parsed.exit;
    }
    Context ctx;
    for (char** e = environ; e && *e; ++e) ctx.environment.emplace_back(*e);
    ctx.pid = getpid();
    struct utsname names {};
    if (uname(&names) == 0) ctx.hostname = names.nodename;
    ctx.now = [] { return mail::now(); };
    std::unique_ptr<Programs> programs;
    if (parsed.options.split && !parsed.options.program.empty()) {
        programs = make_spawning_programs(1);
        ctx.programs = programs.get();
    }
    FdInput in(0);
    return run(parsed.options, in, ctx);
}
