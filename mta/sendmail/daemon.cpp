// daemon.cpp — see daemon.h.
#include "mta/sendmail/daemon.h"

#include "libmail/log/log.h"
#include "libmail/queue/queue.h"
#include "libmail/smtp/session.h"
#include "libmail/util/clock.h"
#include "libmail/util/strings.h"
#include "mta/sendmail/deliver.h"
#include "mta/sendmail/intake.h"
#include "mta/sendmail/privilege.h"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <list>
#include <map>

namespace mail::sendmail {

namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_stop_signal(int) { g_stop = 1; }

constexpr std::size_t k_read_chunk = 64 * 1024;
constexpr std::size_t k_max_output = 1 << 20;  // stop reading a client that does not read its replies

struct Listener {
    int fd = -1;
    config::DaemonOptions opts;
};

struct Conn {
    int fd = -1;
    smtp::Client client;
    std::unique_ptr<smtp::Policy> policy;
    std::unique_ptr<smtp::Session> session;
    std::unique_ptr<Intake> intake;
    std::string out;
    std::chrono::steady_clock::time_point last_input;
    bool ready_to_commit = false;  // data_end(ok) seen, waiting for the group commit
    bool reading = true;
    // FEATURE(greet_pause): the greeting waits until then; a client that
    // talks before it is an early talker and is refused.
    std::optional<std::chrono::steady_clock::time_point> greet_at;
};

std::string expand_greeting(const Context& ctx) {
    std::string text = ctx.cfg.str("confSMTP_LOGIN_MSG");
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '$' && i + 1 < text.size()) {
            char c = text[++i];
            if (c == 'j') out += ctx.cfg.hostname();
            else if (c == 'v' || c == 'Z') out += MAILROOM_VERSION;
            else if (c == 'b') out += rfc5322_date(now());
            else out += std::string("$") + c;
            continue;
        }
        out += text[i];
    }
    // sendmail's default says "Sendmail"; we say what we are, and ESMTP
    // must be in the greeting for clients that look for it.
    auto pos = out.find(" Sendmail ");
    if (pos != std::string::npos) out.replace(pos, 10, " ESMTP mailroom ");
    if (out.find("ESMTP") == std::string::npos) {
        auto sp = out.find(' ');
        out.insert(sp == std::string::npos ? out.size() : sp, " ESMTP");
    }
    return out;
}

Result<Listener> open_listener(const config::DaemonOptions& d) {
    bool v6 = d.family == "inet6";
    int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return make_error(EX_OSERR, fmt::format("socket: {}", std::strerror(errno)));
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc;
    if (v6) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(static_cast<uint16_t>(d.port));
        a.sin6_addr = in6addr_any;
        if (!d.addr.empty() && ::inet_pton(AF_INET6, d.addr.c_str(), &a.sin6_addr) != 1) {
            ::close(fd);
            return make_error(EX_CONFIG, fmt::format("DAEMON_OPTIONS: bad IPv6 address {}", d.addr));
        }
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(d.port));
        a.sin_addr.s_addr = htonl(INADDR_ANY);
        if (!d.addr.empty() && ::inet_pton(AF_INET, d.addr.c_str(), &a.sin_addr) != 1) {
            ::close(fd);
            return make_error(EX_CONFIG, fmt::format("DAEMON_OPTIONS: bad IPv4 address {}", d.addr));
        }
        rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    if (rc != 0 || ::listen(fd, d.listen > 0 ? d.listen : 1024) != 0) {
        int err = errno;
        ::close(fd);
        return make_error(err == EACCES ? EX_NOPERM : EX_OSERR,
                          fmt::format("cannot listen on {}:{}: {}", d.addr.empty() ? "*" : d.addr, d.port,
                                      std::strerror(err)));
    }
    return Listener{fd, d};
}

std::string peer_address(int fd, int* port) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "unknown";
    char buf[INET6_ADDRSTRLEN] = "";
    if (ss.ss_family == AF_INET) {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        ::inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
        *port = ntohs(a->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        ::inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
        *port = ntohs(a->sin6_port);
        std::string s = buf;
        if (s.rfind("::ffff:", 0) == 0) return s.substr(7);
    }
    return buf;
}

// The delivery worker: one child process that delivers the messages whose
// ids arrive on `in`, and runs the queue every `interval`.
[[noreturn]] void delivery_worker(Context& ctx, int in, std::chrono::seconds interval) {
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGINT, SIG_IGN);
    auto q = queue::Queue::open(ctx.cfg.str("QUEUE_DIR"));
    if (!q) {
        log::error("delivery worker: {}", q.error().message);
        _exit(EX_TEMPFAIL);
    }
    Deliverer d(ctx, *q);
    std::string buf;
    auto next_run = std::chrono::steady_clock::now();
    while (true) {
        auto now_t = std::chrono::steady_clock::now();
        if (now_t >= next_run) {
            if (Status s = d.run_queue(queue::Filter{}); !s) log::error("queue run failed: {}", s.error().message);
            next_run = std::chrono::steady_clock::now() + interval;
        }
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_run - std::chrono::steady_clock::now());
        pollfd p{in, POLLIN, 0};
        int rc = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, std::min<long long>(wait.count(), 60000))));
        if (rc <= 0) continue;
        char chunk[4096];
        ssize_t n = ::read(in, chunk, sizeof chunk);
        if (n == 0) _exit(0);  // the daemon is gone
        if (n < 0) continue;
        buf.append(chunk, static_cast<std::size_t>(n));
        // Every id that is waiting is one batch: one mailbox sync for all.
        std::vector<std::string> batch;
        bool run_all = false;
        std::size_t nl;
        while ((nl = buf.find('\n')) != std::string::npos) {
            std::string id = buf.substr(0, nl);
            buf.erase(0, nl + 1);
            if (id == "*") run_all = true;  // ETRN
            else if (!id.empty()) batch.push_back(std::move(id));
        }
        if (!batch.empty())
            if (Status s = d.run_batch(batch); !s) log::error("delivery failed: {}", s.error().message);
        if (run_all)
            if (Status s = d.run_queue(queue::Filter{}); !s) log::error("queue run failed: {}", s.error().message);
    }
}

class Daemon {
public:
    Daemon(const Invocation& inv, Context& ctx) : m_inv(inv), m_ctx(ctx) {}
    int run();

private:
    void accept_from(Listener& l);
    void on_readable(Conn& c);
    void flush(Conn& c);
    void close_conn(int fd);
    void commit_batch();
    void feed_worker();
    void greet_due();
    void sweep_timeouts();
    void update_interest(Conn& c);
    int supervise(const std::optional<Identity>& id);
    pid_t start_worker(int in);
    pid_t start_sessions(int out, const std::optional<Identity>& id);
    int serve();

    const Invocation& m_inv;
    Context& m_ctx;
    std::vector<Listener> m_listeners;
    std::map<int, Conn> m_conns;
    std::unique_ptr<PolicyFactory> m_policies;
    smtp::Options m_engine;
    std::optional<queue::Queue> m_queue;
    int m_epoll = -1;
    int m_worker_pipe = -1;
    pid_t m_supervisor = -1;
    std::optional<Identity> m_identity;
    std::string m_worker_backlog;  // ids not yet written to the worker's pipe
    std::chrono::milliseconds m_greet_pause{0};
    std::size_t m_waiting_greetings = 0;
    std::chrono::seconds m_interval{1800};
    long long m_max_sessions = 0;
    long long m_rate = 0;
    std::chrono::steady_clock::time_point m_rate_window;
    long long m_rate_count = 0;
};

// Children of the supervisor die with it (PR_SET_PDEATHSIG), so a killed
// daemon never leaves a session process holding the ports.  The setting is
// made after any change of identity, which would clear it.
static void die_with_parent(pid_t parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) _exit(0);
}

pid_t Daemon::start_worker(int in) {
    pid_t pid = ::fork();
    if (pid == 0) {
        for (auto& l : m_listeners) ::close(l.fd);
        die_with_parent(m_supervisor);
        delivery_worker(m_ctx, in, m_interval);
    }
    return pid;
}

pid_t Daemon::start_sessions(int out, const std::optional<Identity>& id) {
    pid_t pid = ::fork();
    if (pid == 0) {
        if (id) {
            if (Status s = become(*id); !s) {
                log::error("{}", s.error().message);
                _exit(s.error().exit_code);
            }
        }
        die_with_parent(m_supervisor);
        m_worker_pipe = out;
        ::fcntl(m_worker_pipe, F_SETFL, O_NONBLOCK);
        _exit(serve());
    }
    return pid;
}

// The supervisor keeps the listening sockets and two children: the delivery
// worker (root in system mode: it becomes each recipient) and the session
// loop (RunAsUser in system mode), and restarts either one that dies.  It
// holds both ends of the pipe between them, so ids written while the worker
// restarts wait in the pipe.  A child that fails within two seconds of
// starting stops the daemon with its exit code instead of being restarted
// in a loop (a bad RunAsUser, an unreadable queue).
int Daemon::supervise(const std::optional<Identity>& id) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        log::error("cannot make the delivery pipe: {}", std::strerror(errno));
        return EX_OSERR;
    }
    m_supervisor = ::getpid();
    using Clock = std::chrono::steady_clock;
    struct Child {
        const char* what;
        pid_t pid = -1;
        Clock::time_point started;
    };
    Child worker{"delivery worker", -1, {}}, sessions{"session loop", -1, {}};
    auto start = [&](Child& c) {
        c.pid = &c == &worker ? start_worker(fds[0]) : start_sessions(fds[1], id);
        c.started = Clock::now();
        if (c.pid < 0) log::error("cannot start the {}: {}", c.what, std::strerror(errno));
    };
    start(worker);
    start(sessions);
    int result = EX_OK;
    while (!g_stop) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            ::sleep(1);  // ECHILD: a fork failed; try again below
        }
        for (Child* c : {&worker, &sessions}) {
            if (pid > 0 && pid != c->pid) continue;
            if (pid > 0) {
                bool early = Clock::now() - c->started < std::chrono::seconds(2);
                int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
                log::error("{} exited ({}); {}", c->what,
                           WIFSIGNALED(status) ? fmt::format("signal {}", WTERMSIG(status)) : fmt::format("status {}", code),
                           early && code != 0 ? "stopping" : "restarting");
                c->pid = -1;
                if (early && code != 0) {
                    result = code;
                    g_stop = 1;
                    break;
                }
            }
            if (c->pid < 0 && !g_stop) start(*c);
        }
    }
    for (Child* c : {&sessions, &worker})
        if (c->pid > 0) ::kill(c->pid, SIGTERM);
    for (Child* c : {&sessions, &worker})
        if (c->pid > 0) ::waitpid(c->pid, nullptr, 0);
    return result;
}

void Daemon::update_interest(Conn& c) {
    epoll_event ev{};
    ev.data.fd = c.fd;
    ev.events = (c.reading ? uint32_t{EPOLLIN} : 0u) | (c.out.empty() ? 0u : uint32_t{EPOLLOUT}) | uint32_t{EPOLLRDHUP};
    ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
}

void Daemon::accept_from(Listener& l) {
    while (true) {
        int fd = ::accept4(l.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        auto now_t = std::chrono::steady_clock::now();
        if (m_rate > 0) {
            if (now_t - m_rate_window >= std::chrono::seconds(1)) {
                m_rate_window = now_t;
                m_rate_count = 0;
            }
            if (++m_rate_count > m_rate) {
                static const char msg[] = "421 4.3.2 Connection rate limit exceeded; please try again later\r\n";
                (void)!::write(fd, msg, sizeof msg - 1);
                ::close(fd);
                continue;
            }
        }
        if (m_max_sessions > 0 && static_cast<long long>(m_conns.size()) >= m_max_sessions) {
            static const char msg[] = "421 4.3.2 Too many concurrent SMTP connections; please try again later\r\n";
            (void)!::write(fd, msg, sizeof msg - 1);
            ::close(fd);
            log::notice("rejecting connection: {} sessions (MaxDaemonChildren)", m_conns.size());
            continue;
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        Conn& c = m_conns[fd];
        c.fd = fd;
        c.client.addr = peer_address(fd, &c.client.port);
        c.client.name = c.client.addr == "127.0.0.1" || c.client.addr == "::1" ? "localhost" : "";
        c.client.daemon = l.opts.name.empty() ? "MTA" : l.opts.name;
        c.last_input = now_t;
        c.intake = std::make_unique<Intake>(m_ctx, m_ctx.cfg.str("QUEUE_DIR"), c.client.daemon);
        smtp::Events ev;
        Conn* cp = &c;
        ev.data_begin = [cp](const smtp::Envelope& e) { cp->intake->begin(e); };
        ev.data = [cp](std::string_view b) { cp->intake->data(b); };
        ev.data_end = [cp](const smtp::Envelope&, bool ok) { cp->ready_to_commit = ok; };
        ev.log = [](std::string_view text) { log::notice("{}", text); };
        if (m_ctx.transcript) {
            FILE* t = m_ctx.transcript;
            ev.transcript = [t, fd](std::string_view line, bool from_client) {
                fmt::print(t, "{:05} {} {}\n", fd, from_client ? "<<<" : ">>>", line);
                std::fflush(t);
            };
        }
        c.policy = m_policies->make();
        c.session = std::make_unique<smtp::Session>(m_engine, *c.policy, c.client, std::move(ev));
        if (m_greet_pause.count() > 0) c.greet_at = now_t + m_greet_pause;
        else c.out = c.session->start();
        epoll_event e{};
        e.data.fd = fd;
        e.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &e);
        flush(c);
    }
}

void Daemon::flush(Conn& c) {
    while (!c.out.empty()) {
        ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n > 0) {
            c.out.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        c.out.clear();  // the client is gone
        c.session->end_of_input();
        break;
    }
    bool want_read = c.out.size() < k_max_output && !c.session->closed();
    if (want_read != c.reading) c.reading = want_read;
    if (m_conns.count(c.fd)) update_interest(c);
}

void Daemon::on_readable(Conn& c) {
    if (c.greet_at) {
        // Bytes (or a hang-up) before the greeting: sendmail's greet_pause.
        char probe;
        ssize_t n = ::recv(c.fd, &probe, 1, MSG_PEEK);
        if (n > 0) {
            log::notice("rejecting commands from {} due to pre-greeting traffic", c.client.relay_text());
            c.out = fmt::format("554 5.5.0 {} not accepting messages: traffic before the greeting\r\n",
                                m_ctx.cfg.hostname());
            c.greet_at.reset();
            c.session->end_of_input();
        } else if (n == 0) {
            c.greet_at.reset();
            c.session->end_of_input();
        }
        return;
    }
    char buf[k_read_chunk];
    for (int rounds = 0; rounds < 4 && c.reading && !c.session->closed(); ++rounds) {
        ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n == 0) {
            c.session->end_of_input();
            return;
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) c.session->end_of_input();
            return;
        }
        c.last_input = std::chrono::steady_clock::now();
        c.out += c.session->feed(std::string_view(buf, static_cast<std::size_t>(n)));
        if (c.out.size() >= k_max_output || c.session->committing()) break;
    }
}

void Daemon::commit_batch() {
    std::vector<Conn*> ready;
    for (auto& [fd, c] : m_conns)
        if (c.ready_to_commit) ready.push_back(&c);
    if (ready.empty()) return;
    std::vector<queue::Message> messages(ready.size());
    std::vector<queue::Queue::Pending> pending;
    std::vector<int> slot(ready.size(), -1);
    std::vector<std::optional<smtp::Reply>> replies(ready.size());
    struct statvfs vfs {};
    bool low_space = ::statvfs(m_ctx.cfg.str("QUEUE_DIR").c_str(), &vfs) == 0 &&
                     static_cast<long long>(vfs.f_bavail) < m_ctx.cfg.num("confMIN_FREE_BLOCKS");
    for (std::size_t i = 0; i < ready.size(); ++i) {
        Conn& c = *ready[i];
        c.ready_to_commit = false;
        const auto& env = c.session->envelope();
        if (low_space) {
            replies[i] = smtp::Reply{452, "4.3.1", "Insufficient system storage"};
            continue;
        }
        smtp::Reply refusal;
        auto m = c.intake->prepare(env, c.client, &refusal);
        if (!m) {
            replies[i] = refusal;
            log::notice("collect: relay={}, from=<{}>, info={}", c.client.relay_text(),
                        env.from.null ? "" : env.from.local + "@" + env.from.domain, refusal.text);
            continue;
        }
        if (env.discard) {
            log::notice("{}: discarded", m->env.id);
            replies[i] = smtp::Reply{250, "2.0.0", m->env.id + " Message accepted for delivery"};
            continue;
        }
        messages[i] = std::move(*m);
        slot[i] = static_cast<int>(pending.size());
        pending.push_back({&messages[i], &c.intake->body()});
    }
    std::vector<Status> results;
    Status batch_error;
    if (!pending.empty()) {
        auto r = m_queue->insert_many(pending);
        if (r) results = std::move(*r);
        else batch_error = r.error();
    }
    std::string ids;
    for (std::size_t i = 0; i < ready.size(); ++i) {
        Conn& c = *ready[i];
        smtp::Reply reply;
        if (replies[i]) {
            reply = *replies[i];
        } else if (!batch_error.ok() || !results[static_cast<std::size_t>(slot[i])].ok()) {
            const Error& e = !batch_error.ok() ? batch_error.error() : results[static_cast<std::size_t>(slot[i])].error();
            log::error("queue insert failed: {}", e.message);
            reply = e.exit_code == EX_DATAERR ? smtp::Reply{554, "5.6.0", "Message rejected: " + e.message}
                                              : smtp::Reply{451, "4.3.0", "Temporary failure, please try again later"};
        } else {
            const queue::Message& m = messages[i];
            Intake::log_received(m, c.client, true);
            reply = smtp::Reply{250, "2.0.0", m.env.id + " Message accepted for delivery"};
            ids += m.env.id + "\n";
        }
        c.out += c.session->commit_done(reply);
        flush(c);
    }
    m_worker_backlog += ids;
    feed_worker();
}

// Sends the greeting to sessions whose greet_pause has passed.
void Daemon::greet_due() {
    auto now_t = std::chrono::steady_clock::now();
    m_waiting_greetings = 0;
    for (auto& [fd, c] : m_conns) {
        if (!c.greet_at) continue;
        if (now_t < *c.greet_at) {
            ++m_waiting_greetings;
            continue;
        }
        c.greet_at.reset();
        c.out += c.session->start();
        flush(c);
    }
}

// Hands accepted ids to the delivery worker.  When its pipe is full (the
// worker is behind), the rest waits here and goes on the next turns of the
// loop; nothing is dropped, so no message waits for the next queue run.
void Daemon::feed_worker() {
    while (!m_worker_backlog.empty() && m_worker_pipe >= 0) {
        ssize_t n = ::write(m_worker_pipe, m_worker_backlog.data(), m_worker_backlog.size());
        if (n > 0) {
            m_worker_backlog.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break;  // full (EAGAIN) or gone: try again next turn
    }
}

void Daemon::sweep_timeouts() {
    auto now_t = std::chrono::steady_clock::now();
    auto limit = m_ctx.cfg.duration("confTO_COMMAND");
    std::vector<int> expired;
    for (auto& [fd, c] : m_conns)
        if (!c.session->committing() && now_t - c.last_input > limit) expired.push_back(fd);
    for (int fd : expired) {
        Conn& c = m_conns[fd];
        c.out += c.session->timeout();
        log::notice("timeout waiting for input from {}", c.client.relay_text());
        flush(c);
    }
}

void Daemon::close_conn(int fd) {
    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    m_conns.erase(fd);
}

int Daemon::run() {
    const config::Config& cfg = m_ctx.cfg;
    m_interval = m_inv.queue_interval.value_or(std::chrono::minutes(30));
    m_max_sessions = cfg.num("confMAX_DAEMON_CHILDREN");
    m_rate = cfg.num("confCONNECTION_RATE_THROTTLE");
    if (cfg.feature("greet_pause")) {
        auto args = cfg.feature_args("greet_pause");
        long ms = args.empty() || args[0].empty() ? 0 : std::strtol(args[0].c_str(), nullptr, 10);
        m_greet_pause = std::chrono::milliseconds(ms > 0 ? ms : 0);
    }
    for (const auto& d : cfg.daemon_options()) {
        auto l = open_listener(d);
        if (!l) {
            fmt::print(stderr, "sendmail: {}\n", l.error().message);
            log::error("{}", l.error().message);
            return l.error().exit_code;
        }
        m_listeners.push_back(*l);
    }
    // The queue is created (and, in system mode, handed to RunAsUser) before
    // anything forks, so the children do not race to create it and errors
    // still reach the terminal.
    {
        auto created = queue::Queue::open(cfg.str("QUEUE_DIR"));
        if (!created) {
            fmt::print(stderr, "sendmail: {}\n", created.error().message);
            log::error("{}", created.error().message);
            return created.error().exit_code;
        }
    }
    auto identity = session_identity(cfg);
    Status handed = identity ? Status{} : Status{identity.error()};
    if (identity && *identity) handed = hand_queue_to(cfg.str("QUEUE_DIR"), **identity);
    if (!handed) {
        fmt::print(stderr, "sendmail: {}\n", handed.error().message);
        log::error("{}", handed.error().message);
        return handed.error().exit_code;
    }
    m_identity = *identity;
    if (m_inv.mode != Mode::DaemonForeground) {
        pid_t pid = ::fork();
        if (pid < 0) return EX_OSERR;
        if (pid > 0) return EX_OK;
        ::setsid();
    } else {
        log::set_echo_stderr(true);
    }
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    // Everything above ran with the privileges we were started with; the
    // sessions run as RunAsUser from here on (docs/trust.md).  SQLite
    // connections must not cross fork(), so the supervisor keeps none.
    m_ctx.abandon_router();
    return supervise(m_identity);
}

// The session loop: accepts connections and runs SMTP sessions until told
// to stop.  Runs unprivileged in system mode.
int Daemon::serve() {
    const config::Config& cfg = m_ctx.cfg;
    auto q = queue::Queue::open(cfg.str("QUEUE_DIR"));
    if (!q) {
        log::error("{}", q.error().message);
        return q.error().exit_code;
    }
    m_queue.emplace(std::move(*q));
    auto factory = PolicyFactory::create(m_ctx, [this](std::string_view) {
        // ETRN: ask the worker for a queue run now.
        return m_worker_pipe >= 0 && ::write(m_worker_pipe, "*\n", 2) == 2;
    });
    if (!factory) {
        log::error("{}", factory.error().message);
        return factory.error().exit_code;
    }
    m_policies = std::move(*factory);
    m_engine = engine_options(m_ctx);
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    for (auto& l : m_listeners) {
        epoll_event e{};
        e.data.fd = l.fd;
        e.events = EPOLLIN;
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, l.fd, &e);
    }
    std::string ports;
    for (auto& l : m_listeners)
        ports += fmt::format("{}{}:{}", ports.empty() ? "" : ", ", l.opts.addr.empty() ? "*" : l.opts.addr, l.opts.port);
    log::info("starting daemon (mailroom {}): SMTP+queueing@{} on {}", MAILROOM_VERSION,
              log::format_delay(m_interval.count()), ports);

    std::vector<epoll_event> events(256);
    auto last_sweep = std::chrono::steady_clock::now();
    while (!g_stop) {
        int n = ::epoll_wait(m_epoll, events.data(), static_cast<int>(events.size()), m_worker_backlog.empty() && m_waiting_greetings == 0 ? 1000 : 10);
        if (n < 0 && errno != EINTR) break;
        for (int i = 0; i < n; ++i) {
            int fd = events[static_cast<std::size_t>(i)].data.fd;
            auto lit = std::find_if(m_listeners.begin(), m_listeners.end(), [fd](const Listener& l) { return l.fd == fd; });
            if (lit != m_listeners.end()) {
                accept_from(*lit);
                continue;
            }
            auto it = m_conns.find(fd);
            if (it == m_conns.end()) continue;
            Conn& c = it->second;
            uint32_t ev = events[static_cast<std::size_t>(i)].events;
            if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(c);
            flush(c);
        }
        commit_batch();
        feed_worker();
        greet_due();
        auto now_t = std::chrono::steady_clock::now();
        if (now_t - last_sweep >= std::chrono::seconds(1)) {
            sweep_timeouts();
            last_sweep = now_t;
        }
        std::vector<int> done;
        for (auto& [fd, c] : m_conns)
            if (c.session->closed() && (c.out.empty() || !c.reading) && !c.ready_to_commit) done.push_back(fd);
        for (int fd : done) {
            Conn& c = m_conns[fd];
            flush(c);
            close_conn(fd);
        }
    }
    log::info("stopping daemon");
    for (auto& [fd, c] : m_conns) ::close(fd);
    if (m_worker_pipe >= 0) ::close(m_worker_pipe);
    return EX_OK;
}

}  // namespace

Result<std::unique_ptr<PolicyFactory>> PolicyFactory::create(Context& ctx, std::function<bool(std::string_view)> etrn) {
    std::unique_ptr<PolicyFactory> f(new PolicyFactory());
    f->m_settings = policy::Settings::from_config(ctx.cfg);
    // Our own addresses make user@[our address] local.
    ifaddrs* ifs = nullptr;
    if (::getifaddrs(&ifs) == 0) {
        for (ifaddrs* i = ifs; i; i = i->ifa_next) {
            if (!i->ifa_addr) continue;
            char buf[INET6_ADDRSTRLEN] = "";
            if (i->ifa_addr->sa_family == AF_INET)
                ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, buf, sizeof buf);
            else if (i->ifa_addr->sa_family == AF_INET6)
                ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, buf, sizeof buf);
            if (*buf) f->m_settings.our_addresses.emplace_back(buf);
        }
        ::freeifaddrs(ifs);
    }
    auto spec = policy::access_map_spec(ctx.cfg);
    if (!spec) return spec.error();
    if (*spec) f->m_access.emplace(**spec);
    Context* c = &ctx;
    f->m_hooks.local_user_exists = [c](std::string_view local) {
        auto router = c->router();
        if (!router) return true;  // cannot tell now: let delivery decide
        for (const auto& t : (*router)->expand(local))
            if (t.kind != route::Kind::Error) return true;
        return false;
    };
    f->m_hooks.expand = [c](std::string_view local) -> std::optional<std::vector<std::string>> {
        auto router = c->router();
        if (!router) return std::nullopt;
        std::vector<std::string> out;
        for (const auto& t : (*router)->expand(local)) {
            if (t.kind == route::Kind::Error) return std::nullopt;
            out.push_back(t.value);
        }
        return out;
    };
    f->m_hooks.etrn = std::move(etrn);
    f->m_hooks.log = [](std::string_view line) { log::notice("{}", line); };
    return f;
}

std::unique_ptr<smtp::Policy> PolicyFactory::make() {
    return std::make_unique<policy::SmtpPolicy>(m_settings, m_access ? &*m_access : nullptr, m_hooks);
}

smtp::Options engine_options(const Context& ctx) {
    smtp::Options o;
    o.hostname = ctx.cfg.hostname();
    o.greeting = expand_greeting(ctx);
    o.max_message_size = static_cast<std::size_t>(ctx.cfg.num("confMAX_MESSAGE_SIZE"));
    o.max_recipients = static_cast<std::size_t>(ctx.cfg.num("confMAX_RCPTS_PER_MESSAGE"));
    o.privacy = ctx.cfg.privacy_flags();
    o.etrn = !o.privacy.count("noetrn");
    return o;
}

int run_smtp_daemon(const Invocation& inv, Context& ctx) {
    Daemon d(inv, ctx);
    return d.run();
}

}  // namespace mail::sendmail
