// server.cpp — see server.h.  Reply texts follow sendmail's where it has
// them; every reply carries an RFC 3463 enhanced status code (RFC 2034).
#include "libmail/lmtp/server.h"

#include "libmail/util/strings.h"
#include "libmail/util/sysexits.h"

#include <sysexits.h>

#include <array>

#include <fmt/format.h>

namespace mail::lmtp {
namespace {

constexpr unsigned bit(State s) {
    return 1u << static_cast<unsigned>(s);
}
constexpr unsigned k_session = bit(State::Start) | bit(State::Ready) | bit(State::Mail) | bit(State::Rcpt);

// Replies go back to the peer; strip anything that could break the framing.
std::string clean(std::string_view s) {
    std::string out;
    for (unsigned char c : s) out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
    return out;
}

// "<addr> params" after "FROM:" / "TO:": the address without brackets and
// the parameter text.  Returns false on a syntax error.
bool split_path(std::string_view arg, std::string& addr, std::string_view& params) {
    arg = trim_left(arg);
    if (arg.starts_with("<")) {
        auto close = arg.find('>');
        if (close == std::string_view::npos) return false;
        addr = std::string(arg.substr(1, close - 1));
        params = trim(arg.substr(close + 1));
    } else {
        // sendmail accepts a bare address; so do we.
        auto sp = arg.find(' ');
        addr = std::string(arg.substr(0, sp));
        params = sp == std::string_view::npos ? std::string_view{} : trim(arg.substr(sp));
        if (addr.empty()) return false;
    }
    // A source route (RFC 5321 §4.1.2 "<@a,@b:user@c>") is ignored.
    if (addr.starts_with("@")) {
        auto colon = addr.find(':');
        if (colon == std::string::npos) return false;
        addr.erase(0, colon + 1);
    }
    return true;
}

// The local part of user@domain, unquoted.
std::string local_part(std::string_view addr) {
    auto at = addr.rfind('@');
    std::string_view local = at == std::string_view::npos ? addr : addr.substr(0, at);
    if (local.size() >= 2 && local.front() == '"' && local.back() == '"')
        local = local.substr(1, local.size() - 2);
    return std::string(local);
}

}  // namespace

// The command table (style.md §3): verb, states it is allowed in, the
// check (syntax and sequence; returns an error reply or "") and the proceed
// (effects and the success reply).
struct CommandTable {
    struct Command {
        std::string_view verb;
        unsigned states;
        Server::Check check;
        Server::Proceed proceed;
    };
    static constexpr std::array<Command, 10> k_commands = {{
        {"LHLO", k_session, &Server::check_lhlo, &Server::proceed_lhlo},
        {"MAIL", bit(State::Ready), &Server::check_mail, &Server::proceed_mail},
        {"RCPT", bit(State::Mail) | bit(State::Rcpt), &Server::check_rcpt, &Server::proceed_rcpt},
        {"DATA", bit(State::Mail) | bit(State::Rcpt), &Server::check_data, &Server::proceed_data},
        {"RSET", k_session, &Server::check_none, &Server::proceed_rset},
        {"NOOP", k_session, &Server::check_any, &Server::proceed_noop},
        {"VRFY", k_session, &Server::check_any, &Server::proceed_vrfy},
        {"QUIT", k_session, &Server::check_none, &Server::proceed_quit},
        {"XBATCH", bit(State::Ready), &Server::check_none, &Server::proceed_xbatch},
        {"XSYNC", k_session, &Server::check_none, &Server::proceed_xsync},
    }};
};

Server::Server(Options opts, Callbacks cb) : m_opts(std::move(opts)), m_cb(std::move(cb)) {}

std::vector<std::string> Server::greeting() const {
    return {fmt::format("220 {} LMTP ready", m_opts.hostname)};
}

std::vector<std::string> Server::feed(std::string_view text, Piece piece) {
    std::vector<std::string> out;
    if (m_state == State::Closed) return out;
    if (m_state == State::Data) {
        feed_data(text, piece, out);
        return out;
    }
    // Command mode: collect pieces up to the limit, then discard the rest of
    // an overlong line and answer once at its end.
    m_line_length += text.size();
    if (m_line_length > k_max_command_line) m_skipping = true;
    if (!m_skipping) m_pending_line.append(text);
    if (piece == Piece::Partial) return out;
    std::string line = std::move(m_pending_line);
    m_pending_line.clear();
    m_line_length = 0;
    if (m_skipping) {
        m_skipping = false;
        return {"500 5.5.2 Line too long"};
    }
    return feed_command(line);
}

std::vector<std::string> Server::feed_command(std::string_view line) {
    std::vector<std::string> out;
    std::string_view verb = line.substr(0, line.find(' '));
    std::string_view arg = verb.size() < line.size() ? line.substr(verb.size() + 1) : std::string_view{};
    for (const CommandTable::Command& c : CommandTable::k_commands) {
        if (!iequals(c.verb, verb)) continue;
        if (!(c.states & bit(m_state))) {
            if (m_state == State::Start) return {"503 5.5.1 Polite people say LHLO first"};
            if (c.verb == "MAIL") return {"503 5.5.1 Sender already specified"};
            return {fmt::format("503 5.5.1 Need MAIL before {}", c.verb)};
        }
        if (std::string err = (this->*c.check)(arg); !err.empty()) return {err};
        (this->*c.proceed)(arg, out);
        return out;
    }
    return {fmt::format("500 5.5.1 Command unrecognized: \"{}\"", clean(line.substr(0, 100)))};
}

void Server::feed_data(std::string_view text, Piece piece, std::vector<std::string>& out) {
    if (m_line_start && piece == Piece::End && text == ".") {
        std::vector<DeliveryResult> results = m_cb.deliver(m_sender, m_recipients);
        for (std::size_t i = 0; i < m_recipients.size(); ++i) {
            DeliveryResult r =
                i < results.size() ? results[i] : DeliveryResult{EX_SOFTWARE, "no delivery result", false};
            out.push_back(reply_for(r, m_recipients[i]));
        }
        reset_transaction();
        enter_state(State::Ready);
        return;
    }
    // RFC 5321 §4.5.2: the receiver deletes the first "." of a line.
    if (m_line_start && text.starts_with(".")) text.remove_prefix(1);
    m_cb.data(text, piece == Piece::End);
    m_line_start = piece == Piece::End;
}

void Server::end_of_input() {
    reset_transaction();
    enter_state(State::Closed);
}

void Server::enter_state(State s) {
    m_state = s;
    if (s == State::Data) m_line_start = true;
}

void Server::reset_transaction() {
    m_sender.clear();
    m_recipients.clear();
}

std::string Server::reply_for(const DeliveryResult& r, std::string_view recipient) {
    std::string text = clean(r.text);
    if (r.exit_code == EX_OK) return fmt::format("250 2.0.0 <{}> delivered", recipient);
    if (r.mailbox_full)
        return r.exit_code == EX_TEMPFAIL ? fmt::format("452 4.2.2 <{}> mailbox full: {}", recipient, text)
                                          : fmt::format("552 5.2.2 <{}> mailbox full: {}", recipient, text);
    if (exit_code_is_temporary(r.exit_code)) return fmt::format("451 4.3.0 <{}> {}", recipient, text);
    switch (r.exit_code) {
        case EX_NOUSER: return fmt::format("550 5.1.1 <{}>... User unknown", recipient);
        case EX_NOPERM: return fmt::format("550 5.2.0 <{}> {}", recipient, text);
        case EX_DATAERR: return fmt::format("554 5.6.0 <{}> {}", recipient, text);
        case EX_UNAVAILABLE: return fmt::format("550 5.2.1 <{}> {}", recipient, text);
        default: return fmt::format("554 5.3.0 <{}> {}", recipient, text);
    }
}

std::string Server::check_lhlo(std::string_view arg) {
    if (trim(arg).empty()) return "501 5.0.0 LHLO requires domain address";
    return {};
}

std::string Server::check_mail(std::string_view arg) {
    if (!istarts_with(arg, "FROM:")) return "501 5.5.2 Syntax error in parameters (MAIL FROM:<address>)";
    std::string_view params;
    if (!split_path(arg.substr(5), m_pending, params)) return "501 5.1.7 Bad sender address syntax";
    for (const std::string& p : split(params, " ")) {
        std::string key = to_lower(p.substr(0, p.find('=')));
        std::string value = p.find('=') == std::string::npos ? "" : to_lower(p.substr(p.find('=') + 1));
        if (key == "body" && (value == "7bit" || (value == "8bitmime" && m_opts.eight_bit_mime))) continue;
        if (key == "size" && !value.empty() && value.find_first_not_of("0123456789") == std::string::npos)
            continue;
        return fmt::format("555 5.5.4 {} parameter unrecognized", clean(p.substr(0, 64)));
    }
    return {};
}

std::string Server::check_rcpt(std::string_view arg) {
    if (!istarts_with(arg, "TO:")) return "501 5.5.2 Syntax error in parameters (RCPT TO:<address>)";
    std::string addr;
    std::string_view params;
    if (!split_path(arg.substr(3), addr, params) || local_part(addr).empty())
        return "501 5.1.3 Bad recipient address syntax";
    if (!params.empty())
        return fmt::format("555 5.5.4 {} parameter unrecognized", clean(params.substr(0, 64)));
    if (!m_cb.user_exists(local_part(addr)))
        return fmt::format("550 5.1.1 <{}>... User unknown", clean(addr));
    m_pending = local_part(addr);
    return {};
}

std::string Server::check_data(std::string_view arg) {
    if (!trim(arg).empty()) return "501 5.5.4 Syntax error: DATA takes no parameters";
    // RFC 2033 §4.2: DATA with no successful RCPT MUST fail with 503.
    if (m_recipients.empty()) return "503 5.5.1 No valid recipients";
    return {};
}

std::string Server::check_none(std::string_view arg) {
    if (!trim(arg).empty()) return "501 5.5.4 Syntax error: no parameters allowed";
    return {};
}

std::string Server::check_any(std::string_view) {
    return {};
}

void Server::proceed_lhlo(std::string_view, std::vector<std::string>& out) {
    reset_transaction();  // LHLO implies RSET (RFC 5321 §4.1.4)
    enter_state(State::Ready);
    std::vector<std::string_view> keywords = {"PIPELINING", "ENHANCEDSTATUSCODES"};
    if (m_opts.eight_bit_mime) keywords.push_back("8BITMIME");
    if (m_cb.sync && m_cb.batch_mode) keywords.push_back("XSYNC");
    out.push_back(fmt::format("250-{}", m_opts.hostname));
    for (std::size_t i = 0; i < keywords.size(); ++i)
        out.push_back(fmt::format("250{}{}", i + 1 < keywords.size() ? "-" : " ", keywords[i]));
}

void Server::proceed_mail(std::string_view, std::vector<std::string>& out) {
    m_sender = std::move(m_pending);
    enter_state(State::Mail);
    out.push_back("250 2.1.0 Sender ok");
}

void Server::proceed_rcpt(std::string_view, std::vector<std::string>& out) {
    m_recipients.push_back(std::move(m_pending));
    enter_state(State::Rcpt);
    out.push_back("250 2.1.5 OK");
}

void Server::proceed_data(std::string_view, std::vector<std::string>& out) {
    m_cb.data_begin();
    enter_state(State::Data);
    out.push_back("354 Go ahead, end with \".\" on a line by itself");
}

void Server::proceed_rset(std::string_view, std::vector<std::string>& out) {
    reset_transaction();
    if (m_state != State::Start) enter_state(State::Ready);
    out.push_back("250 2.0.0 Reset state");
}

void Server::proceed_xbatch(std::string_view, std::vector<std::string>& out) {
    if (!m_cb.batch_mode || !m_cb.sync) {
        out.push_back("502 5.5.1 XBATCH not available");
        return;
    }
    m_cb.batch_mode(true);
    out.push_back("250 2.0.0 Batch mode: deliveries are durable after XSYNC");
}

void Server::proceed_xsync(std::string_view, std::vector<std::string>& out) {
    if (!m_cb.sync) {
        out.push_back("502 5.5.1 XSYNC not available");
        return;
    }
    DeliveryResult r = m_cb.sync();
    out.push_back(r.exit_code == EX_OK ? std::string("250 2.0.0 Synced")
                                       : fmt::format("451 4.3.0 Sync failed: {}", r.text));
}

void Server::proceed_noop(std::string_view, std::vector<std::string>& out) {
    out.push_back("250 2.0.0 OK");
}

void Server::proceed_vrfy(std::string_view, std::vector<std::string>& out) {
    out.push_back("252 2.5.2 Cannot VRFY user; try RCPT to attempt delivery");
}

void Server::proceed_quit(std::string_view, std::vector<std::string>& out) {
    reset_transaction();
    enter_state(State::Closed);
    out.push_back(fmt::format("221 2.0.0 {} closing connection", m_opts.hostname));
}

}  // namespace mail::lmtp
