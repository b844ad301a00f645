// log.cpp — see log.h.
#include "libmail/log/log.h"

#include "libmail/config/config.h"
#include "libmail/util/clock.h"

#include <fcntl.h>
#include <unistd.h>

#include <mutex>

namespace mail::log {

namespace {
std::mutex g_mutex;
std::string g_program = "mailroom";
std::string g_host;
int g_fd = -1;
bool g_syslog = false;
bool g_echo = false;
}  // namespace

void init_program(std::string_view prog) {
    std::lock_guard lock(g_mutex);
    g_program = std::string(prog);
}

void init(std::string_view prog, const config::Config& cfg) {
    std::lock_guard lock(g_mutex);
    g_program = std::string(prog);
    std::string host = cfg.hostname();
    g_host = host.substr(0, host.find('.'));
    if (g_fd >= 0) close(g_fd);
    g_fd = -1;
    if (const std::string& file = cfg.str("MAILROOM_LOG_FILE"); !file.empty())
        g_fd = open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (g_syslog) closelog();
    g_syslog = cfg.flag("MAILROOM_SYSLOG");
    if (g_syslog) openlog(g_program.c_str(), LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void set_echo_stderr(bool on) {
    std::lock_guard lock(g_mutex);
    g_echo = on;
}

void write(int priority, std::string_view text) {
    std::lock_guard lock(g_mutex);
    if (g_echo) {
        std::string line = fmt::format("{}: {}\n", g_program, text);
        (void)!::write(2, line.data(), line.size());
    }
    if (g_syslog) syslog(priority, "%.*s", static_cast<int>(text.size()), text.data());
    if (g_fd >= 0) {
        std::time_t t = now();
        struct tm tm {};
        localtime_r(&t, &tm);
        char stamp[32];
        size_t n = std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
        std::string line = fmt::format("{} {} {}[{}]: {}\n", std::string_view(stamp, n), g_host, g_program,
                                       getpid(), text);
        (void)!::write(g_fd, line.data(), line.size());
    }
}

std::string format_delay(long long s) {
    if (s < 0) s = 0;
    long long days = s / 86400;
    s %= 86400;
    std::string hms = fmt::format("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
    return days ? fmt::format("{}+{}", days, hms) : hms;
}

const std::string& program() { return g_program; }

}  // namespace mail::log
