// log.h — logging in sendmail's format, to syslog and the instance log file.
//
// Lines look like sendmail's: the caller writes the text after the tag
// ("6AM5abUb021953: from=<alice@localhost>, size=99, …"); syslog adds its own
// prefix, and the log file gets "Mon DD HH:MM:SS host program[pid]: text",
// the layout syslog writes to /var/log/mail.log, so the same greps work on both.
//
// Thread-safety: write() may be called from any thread; each line is written
// with one write(2) on an O_APPEND descriptor, so lines from several
// processes never interleave.
#pragma once

#include <fmt/format.h>
#include <syslog.h>

#include <string>
#include <string_view>

namespace mail::config {
class Config;
}

namespace mail::log {

// Sets the program tag ("sendmail", "mail.local") and opens the outputs the
// config names (MAILROOM_LOG_FILE, MAILROOM_SYSLOG).  Safe to call again.
void init(std::string_view program, const config::Config& cfg);

// Program tag only, no outputs (tests; programs before the config is read).
void init_program(std::string_view program);

// Also copy every line to stderr (a daemon running in the foreground).
void set_echo_stderr(bool on);

void write(int priority, std::string_view text);

template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
    write(LOG_INFO, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void notice(fmt::format_string<Args...> f, Args&&... args) {
    write(LOG_NOTICE, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warning(fmt::format_string<Args...> f, Args&&... args) {
    write(LOG_WARNING, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
    write(LOG_ERR, fmt::format(f, std::forward<Args>(args)...));
}

// sendmail's delay format: "00:00:03", or "1+02:03:04" past a day.
std::string format_delay(long long seconds);

const std::string& program();

}  // namespace mail::log
