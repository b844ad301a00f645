// spawn.h — running another program with pipes, optionally as another user.
//
// Used for the local mailer (mail.local -l), "|program" targets and
// anything else mailroom hands a message to.  The child gets a clean signal
// state, only the descriptors it is given (everything else is close-on-exec
// or closed), the environment it is given and nothing more.
//
// SECURITY: when `as` is set and the caller is root, the child drops to that
// uid/gid (with its supplementary groups) before exec and verifies the drop;
// when the caller is not root it can only run as itself, and asking for
// another uid is an error (EX_NOPERM), never a silent run as the caller.
#pragma once

#include "libmail/util/result.h"

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace mail::proc {

struct Identity {
    std::string user;
    uid_t uid = 0;
    gid_t gid = 0;
};

struct SpawnOptions {
    std::vector<std::string> argv;  // argv[0] is the program path (execv, no PATH search)
    std::vector<std::string> env;   // "NAME=value"; the whole environment of the child
    std::string cwd;                // "" = inherit
    std::optional<Identity> as;     // run as this user (see SECURITY)
    bool pipe_stdin = true;         // else /dev/null
    bool pipe_stdout = true;        // else stdout_fd, or /dev/null
    int stdout_fd = -1;             // with !pipe_stdout: the child's stdout (and stderr if merged)
    bool stderr_to_stdout = true;   // else inherit the caller's stderr
};

class Child {
public:
    Child() = default;
    Child(Child&& o) noexcept;
    Child& operator=(Child&& o) noexcept;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child();  // closes pipes; reaps the child if still running (after SIGTERM? no: waits)

    pid_t pid() const { return m_pid; }
    int in() const { return m_in; }    // write end of the child's stdin, -1 if none
    int out() const { return m_out; }  // read end of the child's stdout, -1 if none
    void close_in();

    // Waits for exit.  Returns the exit status, or 128+signal if killed.
    Result<int> wait();

private:
    friend Result<Child> spawn(const SpawnOptions& opts);
    pid_t m_pid = -1;
    int m_in = -1;
    int m_out = -1;
};

Result<Child> spawn(const SpawnOptions& opts);

// Writes all of `data` to fd, retrying on EINTR; false on error (EPIPE …).
bool write_all(int fd, std::string_view data);

// Reads everything from fd until EOF, at most `limit` bytes kept.
std::string read_all(int fd, size_t limit);

}  // namespace mail::proc
