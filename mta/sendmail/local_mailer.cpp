// local_mailer.cpp — see local_mailer.h.
#include "mta/sendmail/local_mailer.h"

#include "libmail/util/strings.h"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace mail::sendmail {

namespace {

// No single LMTP reply may take longer than this (mail.local's own lock
// timeout is shorter, so this only catches a wedged child).
constexpr int k_reply_timeout_ms = 15 * 60 * 1000;
constexpr size_t k_max_reply_line = 4096;

Reply broken(std::string why) {
    Reply r;
    r.code = 0;
    r.status = "4.3.0";
    r.text = std::move(why);
    return r;
}

// LF text to the wire: CRLF line ends and RFC 5321 §4.5.2 dot-stuffing,
// with the line-start state carried across pieces.
class WireEncoder {
public:
    std::string encode(std::string_view piece) {
        std::string out;
        out.reserve(piece.size() + piece.size() / 32 + 8);
        for (char c : piece) {
            if (m_line_start && c == '.') out += '.';
            if (c == '\n') {
                out += "\r\n";
                m_line_start = true;
                continue;
            }
            if (c == '\r') continue;  // bare CRs never reach the wire (no smuggling)
            out += c;
            m_line_start = false;
        }
        return out;
    }
    std::string finish() const { return m_line_start ? ".\r\n" : "\r\n.\r\n"; }

private:
    bool m_line_start = true;
};

}  // namespace

std::string Reply::line() const {
    return code ? fmt::format("{} {}", code, text) : text;
}

LocalMailer::LocalMailer(const config::Config& cfg, FILE* transcript) : m_cfg(cfg), m_transcript(transcript) {}

void LocalMailer::note(std::string_view dir, std::string_view line) {
    if (!m_transcript) return;
    fmt::print(m_transcript, "{:05} {} {}\n", getpid(), dir, line);
    fflush(m_transcript);
}

LocalMailer::~LocalMailer() {
    if (m_child) {
        (void)send("QUIT");
        (void)read_reply();
    }
    stop();
}

void LocalMailer::stop() {
    if (!m_child) return;
    m_child->close_in();
    (void)m_child->wait();
    m_child.reset();
    m_inbuf.clear();
}

Status LocalMailer::start() {
    // LOCAL_MAILER_ARGS is "mail.local -l": the first word is argv[0].
    std::vector<std::string> argv = split(m_cfg.str("LOCAL_MAILER_ARGS"), " \t");
    if (argv.empty()) argv = {"mail.local", "-l"};
    argv[0] = m_cfg.str("LOCAL_MAILER_PATH");
    proc::SpawnOptions o;
    o.argv = argv;
    o.env = {"PATH=/usr/bin:/bin", "MAILROOM_CONFIG=" + m_cfg.source()};
    if (const char* tz = std::getenv("TZ")) o.env.push_back(std::string("TZ=") + tz);
    if (const char* ft = std::getenv("MAILROOM_FAKE_TIME")) o.env.push_back(std::string("MAILROOM_FAKE_TIME=") + ft);
    o.stderr_to_stdout = false;
    auto child = proc::spawn(o);
    if (!child) return child.error();
    m_child = std::make_unique<proc::Child>(std::move(*child));
    // RFC 2033 §4.1: the server greets first; then LHLO.
    Reply greeting = read_reply();
    if (greeting.code != 220) {
        stop();
        return make_error(EX_TEMPFAIL, fmt::format("local mailer did not greet: {}", greeting.line()));
    }
    if (Status s = send(fmt::format("LHLO {}", m_cfg.hostname())); !s) return s;
    Reply lhlo = read_reply();
    if (!lhlo.ok()) {
        stop();
        return make_error(EX_TEMPFAIL, fmt::format("local mailer refused LHLO: {}", lhlo.line()));
    }
    m_can_batch = false;
    for (const auto& l : m_lines)
        if (l.size() >= 9 && l.compare(4, 5, "XSYNC") == 0) m_can_batch = true;
    if (m_batch) {
        // A new mailer in the middle of a batch: what the old one wrote can
        // no longer be synced; the batch must not count.
        m_batch_broken = true;
        if (m_can_batch) {
            if (Status s = send("XBATCH"); !s) return s;
            (void)read_reply();
        }
    }
    return {};
}

bool LocalMailer::begin_batch() {
    if (!m_child) {
        if (Status s = start(); !s) return false;
    }
    if (!m_can_batch) return false;
    if (!send("XBATCH")) return false;
    Reply r = read_reply();
    m_batch = r.ok();
    m_batch_broken = false;
    return m_batch;
}

Reply LocalMailer::sync() {
    if (!m_batch) return Reply{250, "2.0.0", "not in a batch"};
    m_batch = false;
    if (m_batch_broken || !m_child) return broken("the local mailer was restarted during the batch");
    if (!send("XSYNC")) return broken("local mailer pipe broken");
    return read_reply();
}

Status LocalMailer::send(std::string_view line) {
    note(">>>", line);
    std::string wire(line);
    wire += "\r\n";
    if (!m_child || !proc::write_all(m_child->in(), wire)) return make_error(EX_TEMPFAIL, "local mailer pipe broken");
    return {};
}

Reply LocalMailer::read_reply() {
    m_lines.clear();
    if (!m_child) return broken("local mailer not running");
    std::string last;
    while (true) {
        size_t nl;
        while ((nl = m_inbuf.find('\n')) == std::string::npos) {
            if (m_inbuf.size() > k_max_reply_line) return broken("local mailer reply too long");
            pollfd p{m_child->out(), POLLIN, 0};
            int pr = poll(&p, 1, k_reply_timeout_ms);
            if (pr < 0 && errno == EINTR) continue;
            if (pr <= 0) return broken("timeout waiting for local mailer");
            char buf[4096];
            ssize_t n = read(m_child->out(), buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return broken("local mailer died");
            m_inbuf.append(buf, static_cast<size_t>(n));
        }
        std::string line = m_inbuf.substr(0, nl);
        m_inbuf.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        note("<<<", line);
        m_lines.push_back(line);
        if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])))
            return broken(fmt::format("local mailer protocol error: \"{}\"", line));
        bool more = line.size() > 3 && line[3] == '-';
        if (more) continue;
        Reply r;
        r.code = std::atoi(line.substr(0, 3).c_str());
        r.text = line.size() > 4 ? line.substr(4) : "";
        // RFC 3463 status at the start of the text: class.subject.detail.
        auto sp = r.text.find(' ');
        std::string first = r.text.substr(0, sp);
        if (first.size() >= 5 && (first[0] == '2' || first[0] == '4' || first[0] == '5') && first[1] == '.')
            r.status = first;
        return r;
    }
}

std::vector<Reply> LocalMailer::deliver(const std::string& sender, const std::vector<std::string>& users,
                                        const MessageWriter& message) {
    std::vector<Reply> out(users.size());
    auto fail_all = [&](const std::string& why) {
        for (auto& r : out)
            if (r.code == 0 || r.ok()) r = broken(why);
        stop();
        return out;
    };
    // The sender and the users go into command lines: nothing in them may
    // end a line or the <…> path (a VERP return path is built from an
    // envelope recipient; queue::verp_address already replaces such bytes).
    auto unsafe = [](const std::string& a) {
        for (unsigned char c : a)
            if (c < 0x20 || c == 0x7f || c == '<' || c == '>') return true;
        return false;
    };
    bool bad_user = false;
    for (const auto& u : users) bad_user |= unsafe(u);
    if (unsafe(sender) || bad_user) {
        for (auto& r : out) r = Reply{553, "5.1.7", "5.1.7 unsafe characters in the envelope; not delivered"};
        return out;
    }
    if (!m_child) {
        if (Status s = start(); !s) return fail_all(s.error().message);
    }
    // PIPELINING (RFC 2920, which mail.local offers): MAIL, every RCPT and
    // DATA in one write, then the replies in order — one round trip.
    std::vector<std::string> lines = {fmt::format("MAIL FROM:<{}>", sender)};
    for (const auto& u : users) lines.push_back(fmt::format("RCPT TO:<{}>", u));
    lines.push_back("DATA");
    std::string group;
    for (const auto& l : lines) {
        note(">>>", l);
        group += l + "\r\n";
    }
    if (!m_child || !proc::write_all(m_child->in(), group)) return fail_all("local mailer pipe broken");
    Reply mail = read_reply();
    if (mail.code == 0) return fail_all(mail.text);
    std::vector<size_t> accepted;
    for (size_t i = 0; i < users.size(); ++i) {
        out[i] = read_reply();
        if (out[i].code == 0) return fail_all(out[i].text);
        if (!mail.ok()) out[i] = mail;  // the RCPT replies say "need MAIL"; the cause is MAIL's
        else if (out[i].ok()) accepted.push_back(i);
    }
    Reply data = read_reply();
    if (data.code == 0) return fail_all(data.text);
    if (data.code == 354 && accepted.empty()) {
        // Cannot happen with mail.local (no recipient: 503); end the data cleanly anyway.
        (void)proc::write_all(m_child->in(), ".\r\n");
        (void)read_reply();
    }
    if (accepted.empty() || data.code != 354) {
        for (size_t i : accepted) out[i] = data;
        (void)send("RSET");
        (void)read_reply();
        return out;
    }
    WireEncoder enc;
    note(">>>", "(message text)");
    Status written = message([&](std::string_view piece) -> Status {
        if (!proc::write_all(m_child->in(), enc.encode(piece))) return make_error(EX_TEMPFAIL, "local mailer pipe broken");
        return {};
    });
    if (!written) return fail_all(written.error().message);
    if (!proc::write_all(m_child->in(), enc.finish())) return fail_all("local mailer pipe broken");
    note(">>>", ".");
    // RFC 2033 §4.2: one reply per accepted recipient, in RCPT order.
    for (size_t i : accepted) {
        out[i] = read_reply();
        if (out[i].code == 0) return fail_all(out[i].text);
    }
    return out;
}

}  // namespace mail::sendmail
