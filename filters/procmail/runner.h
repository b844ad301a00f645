// runner.h — running a program the way procmail does.
//
// Every pipe, filter, capture, `?` condition, backquote and TRAP is a
// child process with the message (or part of it) on stdin.  The child gets
// procmail's variables as its whole environment, is looked up through
// procmail's PATH, and inherits the log as its stderr.  Input and output
// are moved with poll(), so a filter that writes before it has read
// everything cannot deadlock us; TIMEOUT ends a child that hangs.
//
// SECURITY: the child runs as procmail runs (the recipient); nothing here
// changes identity.  A shell is used only when the caller asks for one
// (procmail's SHELLMETAS rule lives in the engine).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <signal.h>

namespace mail::procmail {

// Set by procmail's signal handlers (main.cpp); a pending TERM, HUP, INT or
// QUIT makes run_program() stop waiting, and the engine then ends.
extern volatile sig_atomic_t g_pending_signal;
extern volatile sig_atomic_t g_verbose_request;  // USR2: +1, USR1: -1

struct RunSpec {
    std::vector<std::string> argv;      // argv[0] is searched in the env's PATH
    std::vector<std::string> env;       // "NAME=value": the child's whole environment
    std::string_view input;             // written to the child's stdin, then EOF
    bool capture = false;               // read the child's stdout into RunResult::output
    std::size_t capture_limit = 0;      // 0 = no limit; more is read and dropped
    int stdout_fd = -1;                 // !capture: the child's stdout (-1 = ours)
    bool discard_stdout = false;        // !capture: the child's stdout is /dev/null
    int stderr_fd = -1;                 // the child's stderr (-1 = ours)
    std::chrono::seconds timeout{960};  // procmail's TIMEOUT; 0 = none
};

struct RunResult {
    bool started = false;         // false: no child (pipe or fork failed)
    bool exec_failed = false;     // the child could not exec argv[0] (status 127)
    int status = -1;              // exit code, or 128+signal
    bool write_error = false;     // the child stopped reading before the end (EPIPE …)
    bool timed_out = false;       // killed after `timeout`
    bool truncated = false;       // output beyond capture_limit was dropped
    std::string output;
};

RunResult run_program(const RunSpec& spec);

}  // namespace mail::procmail
