// programs.cpp — starting the -s programs with mail::proc::spawn, the way
// formail's shexec() starts them: execvp(3) semantics ($PATH search; a file
// that is not a binary or a #! script runs under /bin/sh), and when the
// program cannot be run at all, "/bin/sh program args…" (so the shell
// reports the error and its exit status is formail's).
#include "filters/formail/engine.h"

#include "libmail/proc/spawn.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <deque>

namespace mail::filters::formail {

namespace {

bool runnable(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Does execve(2) take this file as it is (an ELF binary or a #! script)?
bool directly_executable(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return true;  // let exec report it
    char head[4] = {};
    ssize_t n = ::read(fd, head, sizeof head);
    ::close(fd);
    if (n >= 2 && head[0] == '#' && head[1] == '!') return true;
    return n == 4 && head[0] == '\x7f' && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
}

std::vector<std::string> resolve(const std::vector<std::string>& argv) {
    const std::string& name = argv[0];
    std::string found;
    if (name.find('/') != std::string::npos) {
        if (runnable(name)) found = name;
    } else if (!name.empty()) {
        const char* env = std::getenv("PATH");
        std::string path = env ? env : "/bin:/usr/bin";
        size_t start = 0;
        for (;;) {
            size_t colon = path.find(':', start);
            std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
            std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
            if (runnable(candidate)) {
                found = candidate;
                break;
            }
            if (colon == std::string::npos) break;
            start = colon + 1;
        }
    }
    std::vector<std::string> out;
    if (found.empty() || !directly_executable(found)) {
        out.push_back("/bin/sh");
        out.push_back(found.empty() ? name : found);
    } else {
        out.push_back(found);
    }
    out.insert(out.end(), argv.begin() + 1, argv.end());
    return out;
}

class SpawningPrograms : public Programs {
public:
    explicit SpawningPrograms(int stdout_fd) : m_stdout(stdout_fd) {}

    int start(const std::vector<std::string>& argv, const std::vector<std::string>& env) override {
        if (argv.empty()) return -1;
        mail::proc::SpawnOptions o;
        o.argv = resolve(argv);
        o.env = env;
        o.pipe_stdin = true;
        o.pipe_stdout = false;
        o.stdout_fd = m_stdout;
        o.stderr_to_stdout = false;
        auto child = mail::proc::spawn(o);
        if (!child) return -1;
        int fd = ::fcntl(child->in(), F_DUPFD_CLOEXEC, 3);
        child->close_in();
        m_children.push_back(std::move(*child));
        return fd;
    }

    int wait_last() override {
        if (m_children.empty()) return 0;
        int status = exit_status(m_children.back());
        m_children.pop_back();
        return status;
    }

    bool wait_oldest(int& status) override {
        if (m_children.empty()) return false;
        status = exit_status(m_children.front());
        m_children.pop_front();
        return true;
    }

    size_t running() const override { return m_children.size(); }

private:
    static int exit_status(mail::proc::Child& c) {
        auto r = c.wait();
        return r ? *r : EX_OSERR;
    }

    int m_stdout;
    std::deque<mail::proc::Child> m_children;
};

}  // namespace

std::unique_ptr<Programs> make_spawning_programs(int stdout_fd) {
    return std::make_unique<SpawningPrograms>(stdout_fd);
}

}  // namespace mail::filters::formail
