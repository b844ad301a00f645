// mail.local — local delivery agent: append a message to users' mailboxes.
//
//   mail.local [-7] [-b] [-d] [-l] [-f sender | -r sender] user ...
//
// See mail.local(8), docs/mailbox.md.  Options are parsed with getopt(3) to
// accept exactly the classic spellings (-fsender, -l7 …); the work is in
// mail_local.cpp.
//
// SECURITY: runs as root in a system install (started by sendmail), as the
// owner in an instance; see mail_local.h.
// STANDARDS: RFC 2033 (LMTP), RFC 4155 (mbox).
#include "mail_local.h"

#include "libmail/config/config.h"
#include "libmail/log/log.h"

#include <signal.h>
#include <sysexits.h>
#include <unistd.h>

#include <cstdio>

namespace {

int usage() {
    std::fputs("usage: mail.local [-7] [-b] [-d] [-l] [-f from|-r from] user ...\n", stderr);
    return EX_USAGE;
}

}  // namespace

int main(int argc, char** argv) {
    mail::log::init_program("mail.local");
    // A file size limit must show up as EFBIG from write() (then we truncate
    // the mailbox back), not kill us half-way through a message.
    signal(SIGXFSZ, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    mail::local::Options opts;
    int c;
    while ((c = getopt(argc, argv, "7bdf:lr:")) != -1) {
        switch (c) {
            case '7': opts.seven_bit = true; break;
            case 'b': opts.quota_permanent = true; break;
            case 'd': break;  // "deliver": the classic default, kept for scripts
            case 'l': opts.lmtp = true; break;
            case 'f':
            case 'r':
                if (opts.sender_given) {
                    std::fputs("mail.local: multiple -f/-r options\n", stderr);
                    return EX_USAGE;
                }
                opts.sender = optarg;
                opts.sender_given = true;
                break;
            default: return usage();
        }
    }
    for (int i = optind; i < argc; ++i) opts.users.emplace_back(argv[i]);
    if (!opts.lmtp && opts.users.empty()) return usage();
    if (opts.lmtp && !opts.users.empty()) {
        std::fputs("mail.local: users are not given on the command line with -l\n", stderr);
        return EX_USAGE;
    }
    auto cfg = mail::config::load(mail::config::default_path());
    if (!cfg) {
        std::fprintf(stderr, "mail.local: %s\n", cfg.error().message.c_str());
        return cfg.error().exit_code;
    }
    mail::log::init("mail.local", *cfg);
    return opts.lmtp ? mail::local::run_lmtp(*cfg, opts, STDIN_FILENO, STDOUT_FILENO)
                     : mail::local::run_local(*cfg, opts, STDIN_FILENO);
}
