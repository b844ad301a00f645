// intake.cpp — see intake.h.
#include "mta/sendmail/intake.h"

#include "libmail/address/address.h"
#include "libmail/log/log.h"
#include "libmail/message/header.h"
#include "libmail/util/clock.h"
#include "libmail/util/strings.h"
#include "mta/sendmail/deliver.h"
#include "mta/sendmail/targets.h"

#include <fmt/format.h>

#include <unistd.h>

#include <set>

namespace mail::sendmail {

namespace {

// Reads the spooled body back in 64 KiB pieces.
class SpoolBody : public queue::BodySource {
public:
    SpoolBody(int fd, std::size_t size) : m_fd(fd), m_size(size) {}
    Result<bool> next(std::string& out) override {
        if (m_pos >= m_size) return false;
        std::size_t want = std::min<std::size_t>(65536, m_size - m_pos);
        std::size_t old = out.size();
        out.resize(old + want);
        ssize_t n = ::pread(m_fd, out.data() + old, want, static_cast<off_t>(m_pos));
        if (n <= 0) return make_error(EX_IOERR, "cannot read the spooled message");
        out.resize(old + static_cast<std::size_t>(n));
        m_pos += static_cast<std::size_t>(n);
        return m_pos < m_size;
    }

private:
    int m_fd;
    std::size_t m_size;
    std::size_t m_pos = 0;
};

std::string addr_of(const address::Path& p) {
    if (p.null) return "";
    std::string local = address::quote_local_part(p.local);
    return p.domain.empty() ? local : local + "@" + p.domain;
}

std::string param(const smtp::Params& ps, std::string_view name) {
    for (const auto& [k, v] : ps)
        if (k == name) return v;
    return "";
}

}  // namespace

Intake::Intake(Context& ctx, std::string spool_dir, std::string proto_daemon)
    : m_ctx(ctx), m_spool_dir(std::move(spool_dir)), m_daemon(std::move(proto_daemon)) {}

void Intake::begin(const smtp::Envelope&) {
    m_headers.clear();
    m_in_body = false;
    m_too_big_header = false;
    m_error.clear();
    m_body.reset();
    if (!m_spool) {
        auto s = mailbox::MessageSpool::create(m_spool_dir);
        if (!s) {
            m_error = s.error().message;
            return;
        }
        m_spool.emplace(std::move(*s));
    } else if (Status st = m_spool->reset(); !st) {
        m_error = st.error().message;
    }
}

void Intake::data(std::string_view bytes) {
    if (!m_error.empty()) return;
    if (!m_in_body) {
        // The header section ends at the first empty line (or a line that
        // starts the body without one: we keep the bytes as they came).
        std::size_t limit = static_cast<std::size_t>(m_ctx.cfg.num("confMAX_HEADERS_LENGTH"));
        std::size_t before = m_headers.size();
        m_headers.append(bytes);
        std::size_t end = std::string::npos;
        if (m_headers.size() >= 1 && m_headers[0] == '\n') end = 0;
        else if (auto p = m_headers.find("\n\n", before > 0 ? before - 1 : 0); p != std::string::npos) end = p + 1;
        if (end == std::string::npos) {
            if (limit && m_headers.size() > limit) {
                // Over the limit without a blank line: fine if a body line
                // already began (no blank line after the header), else the
                // header section really is too large.
                std::string prefix = split_off_body();
                if (prefix.empty()) {
                    m_too_big_header = true;
                    m_error = "headers too large";
                    return;
                }
                m_in_body = true;
                if (Status st = m_spool->write(prefix); !st) m_error = st.error().message;
            }
            return;
        }
        std::string rest = m_headers.substr(end + 1);  // after the blank line
        m_headers.resize(end);
        m_in_body = true;
        // A line that is not a header field starts the body (sendmail does
        // the same): it and what follows, blank line included, are body.
        std::string prefix = split_off_body();
        if (!prefix.empty()) rest = prefix + "\n" + rest;
        if (!rest.empty())
            if (Status s = m_spool->write(rest); !s) m_error = s.error().message;
        return;
    }
    if (Status s = m_spool->write(bytes); !s) m_error = s.error().message;
}

std::string Intake::split_off_body() {
    std::size_t pos = 0;
    while (pos < m_headers.size()) {
        auto nl = m_headers.find('\n', pos);
        std::size_t end = nl == std::string::npos ? m_headers.size() : nl;
        std::string_view line(m_headers.data() + pos, end - pos);
        bool continuation = pos > 0 && !line.empty() && (line[0] == ' ' || line[0] == '\t');
        if (!continuation && !message::is_field_line(line)) {
            std::string body = m_headers.substr(pos);
            m_headers.resize(pos);
            return body;
        }
        pos = end + 1;
    }
    return "";
}

queue::BodySource& Intake::body() { return *m_body; }

Result<queue::Message> Intake::prepare(const smtp::Envelope& env, const smtp::Client& client,
                                       smtp::Reply* refusal) {
    const config::Config& cfg = m_ctx.cfg;
    auto refuse = [&](int code, std::string enh, std::string text) -> Error {
        *refusal = smtp::Reply{code, std::move(enh), std::move(text)};
        return make_error(code >= 500 ? EX_DATAERR : EX_TEMPFAIL, refusal->text);
    };
    if (m_too_big_header)
        return refuse(552, "5.6.0", fmt::format("Headers too large ({} max)", cfg.num("confMAX_HEADERS_LENGTH")));
    if (!m_error.empty()) return refuse(451, "4.3.0", "Temporary failure: " + m_error);
    if (!m_in_body) {
        // No blank line: everything after the last header field is body.
        m_in_body = true;
        std::string prefix = split_off_body();
        if (!prefix.empty())
            if (Status s = m_spool->write(prefix); !s) return refuse(452, "4.3.1", "Insufficient system storage");
    }
    if (Status s = m_spool->flush(); !s) return refuse(452, "4.3.1", "Insufficient system storage");

    std::string head = m_headers;
    auto headers = message::Headers::parse(head);
    if (!headers) return refuse(554, "5.6.0", fmt::format("Malformed header: {}", headers.error().message));
    if (static_cast<long long>(headers->count("Received")) > cfg.num("confMAX_HOP"))
        return refuse(554, "5.4.6", fmt::format("Too many hops {} ({} max)", headers->count("Received"),
                                                cfg.num("confMAX_HOP")));

    auto router = m_ctx.router();
    if (!router) return refuse(451, "4.3.0", "Temporary failure: " + router.error().message);

    queue::Message m;
    m.env.arrived = now();
    m.env.id = queue::Queue::new_id(m.env.arrived);
    const std::string host = cfg.hostname();
    std::set<std::string> seen;
    for (const auto& r : env.recipients) {
        std::string addr = addr_of(r.path);
        if (!seen.insert(to_lower(addr)).second) continue;
        std::vector<route::Target> errors;
        for (auto& t : to_queue_targets((*router)->expand(addr), &errors)) {
            t.notify = param(r.params, "NOTIFY");
            t.orcpt = param(r.params, "ORCPT");
            m.targets.push_back(std::move(t));
        }
        for (const auto& e : errors)
            log::notice("{}: to=<{}>, {} (accepted at RCPT, refused by routing)", m.env.id, addr, e.error);
    }
    if (m.targets.empty()) return refuse(550, "5.1.1", "No deliverable recipients");

    m.env.sender = addr_of(env.from);
    std::string date = rfc5322_date(m.env.arrived);
    if (!headers->find("Message-Id")) headers->prepend("Message-Id", message_id(m.env.id, host, m.env.arrived));
    if (!headers->find("Date")) headers->prepend("Date", date);
    std::string from_part = fmt::format("from {} ({})", env.helo.empty() ? client.addr : env.helo, client.relay_text());
    std::string with = env.esmtp ? (client.tls ? "ESMTPS" : "ESMTP") : "SMTP";
    std::string for_part = env.recipients.size() == 1 ? fmt::format("\n\tfor <{}>", addr_of(env.recipients[0].path)) : "";
    headers->prepend("Received", fmt::format("{}\n\tby {} (mailroom/{}) with {} id {}{};\n\t{}", from_part, host,
                                             MAILROOM_VERSION, with, m.env.id, for_part, date));
    m.env.headers = headers->serialize();
    while (!m.env.headers.empty() && m.env.headers.back() == '\n') m.env.headers.pop_back();
    if (const auto* id = headers->find("Message-Id")) m.env.msgid = std::string(trim(id->value));
    m.env.envid = param(env.mail_params, "ENVID");
    m.env.ret = param(env.mail_params, "RET");
    m.env.bodytype = param(env.mail_params, "BODY");
    m.env.proto = with;
    m.env.relay = client.relay_text();
    m_body = std::make_unique<SpoolBody>(m_spool->fd(), m_spool->size());
    return m;
}

void Intake::log_received(const queue::Message& m, const smtp::Client& client, bool) {
    log::info("{}: from=<{}>, size={}, class=0, nrcpts={}, msgid={}, proto={}, daemon={}, relay={}", m.env.id,
              m.env.sender, m.env.size, m.targets.size(), m.env.msgid, m.env.proto, client.daemon,
              client.relay_text());
}

}  // namespace mail::sendmail
