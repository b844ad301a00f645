// engine.h — formail's work: read messages from its input, rewrite their
// headers, and write them to stdout or, with -s, to one program per message.
//
// The engine follows formail 3.22 (Debian 3.22-27) step by step, because
// every byte of its output depends on the order of its decisions
// (reference procmail.md §2, docs/formail.md):
//  1. Skip leading empty lines (and with -B the BABYL preamble).
//  2. Read the header field by field (fields.h).  With -s a message starts
//     at a From_ line "From x y…" after an empty line (any line with -e), or
//     with -d at a known header field, when the next -m fields (2) are known
//     fields too.  Content-Length: (unless -Y, -d or a kept body) makes that
//     many body bytes opaque.
//  3. Edit the header: -i/-I/-R/-u/-U, -z, -c; find the sender
//     (address.h); -D; -r builds a reply header (always "Re:", formail's
//     sizeof bug); otherwise a missing From_ line is made; -a adds what is
//     missing, -A/-i/-I fields follow.
//  4. Copy the body, escaping "From " lines with the prefix (except, when
//     splitting, one after an empty line that looked like a postmark), and
//     end every message with an empty line.
//
// SECURITY: the input is untrusted and may be anything: NUL bytes, lines of
// any length, no final newline.  Memory grows with the largest header and
// line; nothing recurses on input.  -s runs the user's program with the
// user's own rights (it is the user's command line).
// STANDARDS: RFC 4155 (mbox From_ lines and escaping), RFC 822 field syntax
// as formail approximates it, BABYL (Emacs rmail) as formail reads it.
#pragma once

#include "filters/formail/options.h"

#include <sys/types.h>

#include <ctime>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mail::filters::formail {

// Where the message bytes come from: getchar(3)-like, −1 at the end (and
// after it, every time).
class Input {
public:
    virtual ~Input() = default;
    virtual int get() = 0;
};

class FdInput : public Input {
public:
    explicit FdInput(int fd) : m_fd(fd) {}
    int get() override;

private:
    int m_fd;
    char m_buf[65536];
    size_t m_pos = 0;
    size_t m_len = 0;
    bool m_eof = false;
};

class StringInput : public Input {
public:
    explicit StringInput(std::string data) : m_data(std::move(data)) {}
    int get() override { return m_pos < m_data.size() ? static_cast<unsigned char>(m_data[m_pos++]) : -1; }

private:
    std::string m_data;
    size_t m_pos = 0;
};

// Where one message goes: a file descriptor (stdout, a program's stdin), a
// string (tests, fuzzing) or nowhere.  Write errors are remembered, not
// raised; close() reports them.
class Sink {
public:
    static Sink to_fd(int fd, bool owned);
    static Sink to_string(std::string* out);
    static Sink discard();

    Sink() = default;
    Sink(Sink&& o) noexcept;
    Sink& operator=(Sink&& o) noexcept;
    Sink(const Sink&) = delete;
    Sink& operator=(const Sink&) = delete;
    ~Sink();

    void put(char c);
    void put(std::string_view s);
    // Flushes and (for an owned fd) closes; false if any write failed.
    bool close();

private:
    void flush();
    int m_fd = -1;
    bool m_owned = false;
    std::string* m_out = nullptr;
    std::string m_buf;
    bool m_error = false;
    bool m_open = false;
};

// Starting and waiting for the -s programs.
class Programs {
public:
    virtual ~Programs() = default;
    // Starts argv with env, its stdin a pipe whose write end is returned
    // (or −1 when the program cannot be started at all).
    virtual int start(const std::vector<std::string>& argv, const std::vector<std::string>& env) = 0;
    // Waits for the program started last; its exit status (formail's
    // waitfor()).
    virtual int wait_last() = 0;
    // Waits for the oldest running program; false when none is running.
    virtual bool wait_oldest(int& status) = 0;
    virtual size_t running() const = 0;
};

// The real thing: mail::proc::spawn, $PATH search, /bin/sh for what
// execvp(3) cannot run, as formail's shexec() does.
std::unique_ptr<Programs> make_spawning_programs(int stdout_fd);

struct Context {
    int stdout_fd = 1;                    // with `stdout_string` null
    std::string* stdout_string = nullptr;  // capture instead (tests, fuzzing)
    std::string* stderr_string = nullptr;  // else fd 2
    std::vector<std::string> environment;  // for FILENO and the programs
    pid_t pid = 0;                         // for generated Message-IDs
    std::string hostname;                  // ditto
    std::function<time_t()> now;           // From_ lines, Message-IDs
    Programs* programs = nullptr;          // -s with a program
};

// Runs formail over `in` and returns its exit status (formail's exit(3)
// calls are returns here).  `options` is consumed: the run counts down
// +skip/-total and adds formail's implicit X-Loop: to -i under -r.
int run(Options& options, Input& in, Context& ctx);

}  // namespace mail::filters::formail
