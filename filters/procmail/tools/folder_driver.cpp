// folder_driver.cpp — test-only driver for filters/procmail/folder (not
// installed).  tests/filters/test_procmail_folders.sh runs it and Debian's
// procmail on the same message and compares the folders they write.
//
//   procmail-folder-driver [-r] [-Y] [-h|-b] [-v] [-u UMASK] [-p MSGPREFIX]
//                          [-L LOCKFILE] FOLDER... < message
//
// Writes like a procmail recipe `:0 [hbr]` with the action "FOLDER...";
// -L takes that dotlock first (LOCKSLEEP, LOCKTIMEOUT and SUSPEND from the
// environment), as the engine does for `:0:`.  The diagnostics go to stderr
// as "procmail: …" lines, then "LASTFOLDER=…" and "BYTES=…" to stdout.
// Exit 0 when delivered, 1 when not, 64 on a bad command line.
//
// SECURITY: none needed; it runs as the invoking user in a test directory.
#include "filters/common/dotlock.h"
#include "filters/procmail/folder.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace {

long env_number(const char* name, long fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}

int usage() {
    std::fprintf(stderr,
                 "usage: procmail-folder-driver [-r] [-Y] [-h|-b] [-v] [-u umask] [-p msgprefix] "
                 "[-L lockfile] folder... < message\n");
    return 64;
}

}  // namespace

int main(int argc, char** argv) {
    signal(SIGXFSZ, SIG_IGN);  // as procmail: a size limit is a write error
    mail::procmail::FolderOptions opts;
    opts.umask = 077;
    std::string lockfile;
    int c;
    while ((c = getopt(argc, argv, "rYhbvu:p:L:")) != -1) {
        switch (c) {
            case 'r': opts.raw = true; break;
            case 'Y': opts.berkeley = true; break;
            case 'h': opts.part = mail::procmail::Part::header; break;
            case 'b': opts.part = mail::procmail::Part::body; break;
            case 'v': opts.verbose = true; break;
            case 'u': opts.umask = static_cast<mode_t>(std::strtol(optarg, nullptr, 8)); break;
            case 'p': opts.msgprefix = optarg; break;
            case 'L': lockfile = optarg; break;
            default: return usage();
        }
    }
    if (optind >= argc) return usage();
    umask(opts.umask);
    opts.log = [](std::string_view line) { std::cerr << "procmail: " << line << "\n"; };
    std::vector<std::string> names(argv + optind, argv + argc);
    std::string message((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());

    mail::filters::Dotlock lock;
    if (!lockfile.empty()) {
        mail::filters::DotlockOptions lo;
        lo.locksleep = env_number("LOCKSLEEP", 8);
        lo.locktimeout = env_number("LOCKTIMEOUT", 1024);
        lo.suspend = env_number("SUSPEND", 16);
        lo.log = opts.log;
        lo.verbose = opts.verbose;
        auto got = mail::filters::acquire_dotlock(lockfile, lo);
        if (got) lock = std::move(*got);  // like procmail, deliver even without the lock
    }
    std::string tried;
    auto r = mail::procmail::write_folder(names, message, opts, &tried);
    lock.release();
    if (!r) {
        std::cout << "LASTFOLDER=" << tried << "\n";
        return 1;
    }
    std::cout << "LASTFOLDER=" << r->lastfolder << "\nBYTES=" << r->bytes << "\n";
    return 0;
}
