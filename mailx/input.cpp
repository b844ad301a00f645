// input.cpp — see input.h.
#include "mailx/input.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace mailx {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_sigint(int) { g_interrupted = 1; }

}  // namespace

void catch_interrupts() {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a read returns EINTR
    sigaction(SIGINT, &sa, nullptr);
}

bool take_interrupt() {
    bool was = g_interrupted != 0;
    g_interrupted = 0;
    return was;
}

ReadStatus Input::read_line(std::string& line) {
    line.clear();
    while (true) {
        auto nl = m_buf.find('\n');
        if (nl != std::string::npos) {
            line.assign(m_buf, 0, nl);
            m_buf.erase(0, nl + 1);
            return ReadStatus::Line;
        }
        if (m_eof) {
            if (m_buf.empty()) return ReadStatus::Eof;
            line.swap(m_buf);
            m_buf.clear();
            return ReadStatus::Line;
        }
        // An interrupt that came while we were not in read() (printing
        // the last one's message, say) must not wait for the next key.
        if (take_interrupt()) {
            m_buf.clear();
            return ReadStatus::Interrupted;
        }
        char chunk[4096];
        ssize_t n = ::read(m_fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR) {
                if (take_interrupt()) {
                    m_buf.clear();
                    return ReadStatus::Interrupted;
                }
                continue;
            }
            m_eof = true;
            continue;
        }
        if (n == 0) {
            // On a terminal, ^D after typed text ends that text, not the
            // input; only an empty read at a line start is end of file.
            if (isatty(m_fd) && !m_buf.empty()) {
                line.swap(m_buf);
                m_buf.clear();
                return ReadStatus::Line;
            }
            if (isatty(m_fd)) return ReadStatus::Eof;  // later reads may continue
            m_eof = true;
            continue;
        }
        m_buf.append(chunk, static_cast<std::size_t>(n));
    }
}

ReadStatus Input::prompt_line(const std::string& prompt, std::string& line) {
    std::fputs(prompt.c_str(), stdout);
    std::fflush(stdout);
    return read_line(line);
}

}  // namespace mailx
