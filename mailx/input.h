// input.h — reading lines from standard input, in command mode and while
// a message is typed, with SIGINT turned into a result instead of a death.
//
// SIGINT is caught (without SA_RESTART) only when standard input is a
// terminal; a read interrupted by it returns Interrupted.  When standard
// input is not a terminal, SIGINT keeps its default action, as POSIX asks
// for send mode.
#pragma once

#include <string>

namespace mailx {

enum class ReadStatus { Line, Eof, Interrupted };

class Input {
public:
    explicit Input(int fd = 0) : m_fd(fd) {}
    // A line without its "\n".  A final line without "\n" is a Line; EOF
    // comes after it.  NUL bytes are kept.
    ReadStatus read_line(std::string& line);
    // Prints `prompt` (flushing stdout) and reads a line.
    ReadStatus prompt_line(const std::string& prompt, std::string& line);

private:
    int m_fd;
    std::string m_buf;
    bool m_eof = false;
};

// Catch SIGINT (terminal sessions) and report whether one came since the
// last call.
void catch_interrupts();
bool take_interrupt();

}  // namespace mailx
