// args.h — sendmail's command line.
//
// sendmail's flags are getopt-style single letters, several of which take
// attached arguments that look like words (-oem, -bm, -q30m, -d0.1,
// -ODeliveryMode=i), so they are parsed here by hand rather than with
// CLI11: the grammar is sendmail's, not a modern one.  Personalities come
// from argv[0] (mailq = -bp, newaliases = -bi, hoststat = -bh,
// purgestat = -bH).  Flags that real programs pass but that do not apply
// (-G -h N -L tag -n -U -Ac -Am -m) are accepted and ignored.  A flag that
// makes no sense is a usage error (EX_USAGE).
//
// -X is sendmail's transcript file, except Postfix's VERP request: "-XV"
// (delimiters "+=") or "-XVxy" (delimiters x and y, each one of "-=+").  A
// transcript file named V plus at most two characters needs a path (-X ./V).
#pragma once

#include "libmail/queue/queue.h"
#include "libmail/util/result.h"

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mail::sendmail {

enum class Mode {
    Deliver,          // -bm (default): read a message, queue it, deliver
    Smtp,             // -bs
    Daemon,           // -bd
    DaemonForeground, // -bD
    PrintQueue,       // -bp, mailq
    InitAliases,      // -bi, newaliases, -I
    Verify,           // -bv
    AddressTest,      // -bt
    HostStatus,       // -bh, hoststat
    PurgeHostStatus,  // -bH, purgestat
    CheckConfig,      // -bC
    QueueRun,         // -q with no -bd/-bD: run the queue and exit
    Version,          // -d0.1 alone
};

struct Invocation {
    Mode mode = Mode::Deliver;
    bool read_recipients = false;        // -t
    bool ignore_dots = false;            // -i, -oi
    std::optional<std::string> sender;   // -f / -r
    std::string full_name;               // -F
    bool verbose = false;                // -v
    bool queue_run = false;              // -q given
    std::optional<std::chrono::seconds> queue_interval;  // -q30m
    queue::Filter filter;                // -qI -qR -qS
    std::string transcript_file;         // -X file
    std::optional<std::string> verp;     // -XV[xy]: the VERP delimiters ("+=" by default)
    std::string config_file;             // -C
    std::vector<std::string> cf_options;                    // -O Name=value
    std::vector<std::pair<char, std::string>> letter_options;  // -oX value
    std::string notify;                  // -N
    std::string ret;                     // -R full|hdrs → FULL|HDRS
    std::string envid;                   // -V
    std::string bodytype;                // -B 7BIT|8BITMIME
    bool debug_version = false;          // -d0.1 (or any -d)
    std::vector<std::string> recipients;
};

// Parses argv (argv[0] included).  Errors are EX_USAGE with a message for
// stderr ("sendmail: …").
Result<Invocation> parse_args(const std::vector<std::string>& argv);

std::string usage_text();

}  // namespace mail::sendmail
