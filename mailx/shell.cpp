// shell.cpp — see shell.h.
#include "mailx/shell.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

namespace mailx {

int wait_status(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run_shell(const Vars& vars, const std::string& command) {
    std::fflush(stdout);
    std::string shell = vars.str("SHELL", "/bin/sh");
    pid_t pid = fork();
    if (pid < 0) {
        std::fprintf(stderr, "fork: %s\n", std::strerror(errno));
        return 127;
    }
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        if (command.empty()) execl(shell.c_str(), shell.c_str(), static_cast<char*>(nullptr));
        else execl(shell.c_str(), shell.c_str(), "-c", "--", command.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    return wait_status(pid);
}

}  // namespace mailx
