// session.cpp — the SMTP server engine; see session.h for the contract and
// docs/smtp.md for the reply table and the decisions taken here.
//
// Reply texts are sendmail 8.17/8.18's wherever sendmail has one (its
// srvrsmtp.c and collect.c), so that log watchers and client quirks keep
// working; every reply carries an RFC 3463 enhanced status code.
//
// Layout: the line discipline (run/step_command/step_data) turns bytes into
// command lines or message bytes; command() looks the verb up in the table,
// applies the table's sequence rules, then check_* (syntax, sequence and
// limits; returns the error reply) and proceed_* (policy, effects, the
// success reply).  enter_state() is the only place m_state changes.
//
// SECURITY: hostile input never asserts.  Every buffer is bounded (see
// session.h).  Bare CR, bare LF and NUL anywhere end the session with 421
// before anything after them is read, so a "fake" end of data such as
// <LF>.<LF> can never end a message or start a smuggled transaction.
// STANDARDS: RFC 5321, RFC 2920 (PIPELINING; §3.1 which commands end a
// group), RFC 1870 (SIZE), RFC 6152 (8BITMIME), RFC 2034/3463, RFC 3461
// (DSN: NOTIFY, ORCPT, RET, ENVID, xtext §4), RFC 1985 (ETRN), RFC 6531
// (SMTPUTF8 §3.4).
#include "libmail/smtp/session.h"

#include "libmail/util/strings.h"

#include <array>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace mail::smtp {
namespace {

constexpr unsigned bit(State s) {
    return 1u << static_cast<unsigned>(s);
}
constexpr unsigned k_session = bit(State::Start) | bit(State::Ready) | bit(State::Mail) | bit(State::Rcpt);

// Command flags.
// k_wait: the client must wait for this reply before sending anything
//   else.  RFC 2920 §3.1: EHLO and DATA may only be the last command of a
//   group, and the message text may not be sent before the 354; HELO
//   offers no PIPELINING at all.  Bytes already behind such a command are
//   a synchronization error (sendmail 8.18, reference/mta.md §4.3).
// k_unimplemented: an RFC 821 command we do not offer (502, counted bad).
constexpr unsigned k_wait = 1u << 0;
constexpr unsigned k_unimplemented = 1u << 1;

// Text from the peer echoed in a reply or a log: no control characters,
// at most `max` bytes.
std::string shorten(std::string_view s, std::size_t max = 100) {
    std::string out;
    for (unsigned char c : s.substr(0, max)) out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
    if (s.size() > max) out += "...";
    return out;
}

// "503 5.0.0 Need MAIL before RCPT" -> Reply.  For the constant replies of
// this file, so that each reads as it appears on the wire.
Reply r(std::string_view line) {
    Reply out;
    out.code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    std::string_view rest = line.size() > 4 ? line.substr(4) : std::string_view{};
    auto sp = rest.find(' ');
    std::string_view first = rest.substr(0, sp);
    if (first.size() >= 5 && (first[0] == '2' || first[0] == '4' || first[0] == '5') && first[1] == '.') {
        out.enhanced = std::string(first);
        rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
    }
    out.text = std::string(rest);
    return out;
}

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

bool is_ascii(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}

// RFC 3461 §4: xtext = *( xchar / hexchar ); hexchar = "+" 2 upper-case hex.
// (The parameter grammar already excluded control characters, space, '='.)
bool valid_xtext(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '+') continue;
        auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); };
        if (i + 2 >= s.size() || !hex(s[i + 1]) || !hex(s[i + 2])) return false;
        i += 2;
    }
    return true;
}

// The path as the client wrote it: through the first '>' outside a quoted
// local part when it starts with '<', else up to the first space — the
// same boundary address::parse_mail_rcpt_argument() uses.
std::string_view path_token(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    if (s.empty() || s.front() != '<') return s.substr(0, s.find(' '));
    bool quoted = false;
    for (std::size_t i = 1; i < s.size(); ++i) {
        if (quoted && s[i] == '\\')
            ++i;
        else if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && s[i] == '>')
            return s.substr(0, i + 1);
    }
    return s;
}

// reference/mta.md §1.5: goaway is every flag but noreceipts, noetrn,
// nobodyreturn and the restrict* ones.
const char* const k_goaway[] = {"needmailhelo", "needexpnhelo", "noexpn",       "needvrfyhelo",
                                "novrfy",       "noverb",       "authwarnings", "noactualrecipient"};

}  // namespace

// The command table (style.md §3): verb, the states it is allowed in and
// the reply otherwise, flags, check (syntax, sequence, limits: an error
// reply or nothing) and proceed (policy, effects, the success reply), and
// the HELP line.
struct Session::Impl {
    struct Command {
        std::string_view verb;
        unsigned states;
        std::string_view out_of_state;  // the reply when not in `states`
        unsigned flags;
        Session::Check check;
        Session::Proceed proceed;
        std::string_view help;
    };
    static constexpr std::array<Command, 17> k_commands = {{
        {"HELO", k_session, "", k_wait, &Session::check_helo, &Session::proceed_helo,
         "HELO <hostname> -- introduce yourself"},
        {"EHLO", k_session, "", k_wait, &Session::check_ehlo, &Session::proceed_ehlo,
         "EHLO <hostname> -- introduce yourself and list the service extensions"},
        {"MAIL", bit(State::Start) | bit(State::Ready), "503 5.5.0 Sender already specified", 0,
         &Session::check_mail, &Session::proceed_mail,
         "MAIL FROM:<sender> [SIZE=n] [BODY=7BIT|8BITMIME] [RET=FULL|HDRS] [ENVID=id] [SMTPUTF8]"},
        {"RCPT", bit(State::Mail) | bit(State::Rcpt), "503 5.0.0 Need MAIL before RCPT", 0,
         &Session::check_rcpt, &Session::proceed_rcpt,
         "RCPT TO:<recipient> [NOTIFY=NEVER|SUCCESS,FAILURE,DELAY] [ORCPT=type;address]"},
        {"DATA", bit(State::Mail) | bit(State::Rcpt), "503 5.0.0 Need MAIL command", k_wait,
         &Session::check_data, &Session::proceed_data,
         "DATA -- then the message, ended by a line holding only \".\""},
        {"RSET", k_session, "", 0, &Session::check_any, &Session::proceed_rset,
         "RSET -- forget the current message"},
        {"NOOP", k_session, "", 0, &Session::check_any, &Session::proceed_noop, "NOOP -- do nothing"},
        {"QUIT", k_session, "", 0, &Session::check_any, &Session::proceed_quit, "QUIT -- end the session"},
        {"HELP", k_session, "", 0, &Session::check_any, &Session::proceed_help, "HELP [command]"},
        {"VRFY", k_session, "", 0, &Session::check_vrfy, &Session::proceed_vrfy,
         "VRFY <address> -- verify an address, where allowed"},
        {"EXPN", k_session, "", 0, &Session::check_expn, &Session::proceed_expn,
         "EXPN <list> -- expand a mailing list, where allowed"},
        {"ETRN", k_session, "", 0, &Session::check_etrn, &Session::proceed_etrn,
         "ETRN <domain> -- start delivering queued mail for a domain, where allowed"},
        {"VERB", k_session, "", 0, &Session::check_any, &Session::proceed_verb, "VERB -- not available"},
        {"SEND", k_session, "", k_unimplemented, &Session::check_any, &Session::proceed_noop, ""},
        {"SAML", k_session, "", k_unimplemented, &Session::check_any, &Session::proceed_noop, ""},
        {"SOML", k_session, "", k_unimplemented, &Session::check_any, &Session::proceed_noop, ""},
        {"TURN", k_session, "", k_unimplemented, &Session::check_any, &Session::proceed_noop, ""},
    }};

    static const Command* find(std::string_view verb) {
        for (const Command& c : k_commands)
            if (iequals(c.verb, verb)) return &c;
        return nullptr;
    }
};

Session::Session(Options opts, Policy& policy, Client client, Events events)
    : m_opts(std::move(opts)), m_policy(policy), m_client(std::move(client)), m_events(std::move(events)) {}

// ------------------------------------------------------------ the API --

std::string Session::start() {
    if (m_started || closed()) return take_output();
    m_started = true;
    Decision d = m_policy.check_connect(m_client);
    if (d.kind == Decision::Reject) {
        Reply rej = d.reply;
        if (rej.code < 400 || rej.code > 599) rej = r("554 5.7.1 Connection rejected");
        log(!d.log.empty() ? d.log
                           : fmt::format("ruleset=check_relay, arg1={}, arg2={}, relay={}, reject={}",
                                         shorten(m_client.name), shorten(m_client.addr),
                                         m_client.relay_text(), rej.line()));
        close_with(rej);
        return take_output();
    }
    if (d.kind == Decision::Discard) {
        m_session_discard = true;
        m_env.discard = true;
        if (!d.log.empty()) log(d.log);
    }
    send(Reply{220, "", m_opts.greeting});
    return take_output();
}

std::string Session::feed(std::string_view bytes) {
    if (closed() || m_overflow) return take_output();
    if (m_running) {
        // Only reachable from a callback that breaks the "no feed() from a
        // callback" rule; keep the bytes, the outer run() will see them.
        m_in.append(bytes);
        return {};
    }
    if (m_state == State::Committing) {
        if (m_in.size() - m_pos + bytes.size() > k_max_pending) {
            // The client pipelines more than a transaction's worth while we
            // commit: drop it; commit_done() answers, then closes.
            m_overflow = true;
            m_in.clear();
            m_pos = 0;
            log(fmt::format("{}: too much pipelined input while committing a message",
                            m_client.relay_text()));
            return take_output();
        }
        m_in.append(bytes);
        return take_output();
    }
    m_in.append(bytes);
    run();
    return take_output();
}

std::string Session::commit_done(const Reply& reply) {
    if (m_state != State::Committing) return take_output();
    Reply rep = reply;
    if (rep.code < 200 || rep.code > 599) rep = r("451 4.3.0 Temporary system failure");
    send(rep);
    reset_transaction();
    if (rep.code == 421) {
        enter_state(State::Closed);
        return take_output();
    }
    enter_state(idle_state());
    if (m_overflow) {
        close_with(Reply{421, "4.5.0", m_opts.hostname + " Too much pipelined input; closing connection"});
        return take_output();
    }
    if (!m_running) run();  // from inside data_end, the outer run() goes on by itself
    return take_output();
}

std::string Session::timeout() {
    if (closed()) return take_output();
    log(fmt::format("timeout waiting for input from {} during {}", m_client.relay_text(),
                    m_state == State::Data ? "message collect" : "server cmd read"));
    close_with(Reply{421, "4.4.2", m_opts.hostname + " Timeout waiting for input"});
    return take_output();
}

void Session::end_of_input() {
    if (closed()) return;
    if (m_state == State::Data || m_state == State::Mail || m_state == State::Rcpt)
        log(fmt::format("lost input channel from {} to {} after {}", m_client.relay_text(),
                        shorten(m_client.daemon),
                        m_state == State::Data   ? "DATA"
                        : m_state == State::Rcpt ? "RCPT"
                                                 : "MAIL"));
    if (m_state == State::Data) {
        flush_data();
        if (m_events.data_end) m_events.data_end(m_env, false);
    }
    reset_transaction();
    enter_state(State::Closed);
}

// ---------------------------------------------------- line discipline --

void Session::run() {
    m_running = true;
    while (!closed() && m_state != State::Committing && m_pos < m_in.size()) {
        bool progressed = m_state == State::Data ? step_data() : step_command();
        if (!progressed) break;
    }
    if (m_state == State::Data) flush_data();
    m_in.erase(0, m_pos);
    m_pos = 0;
    m_running = false;
}

// One command line, or as much of one as has arrived.  Only CRLF ends a
// line (RFC 5321 §2.3.8, §4.1.1); a CR not followed by LF, an LF not
// preceded by CR and NUL end the session (reference/mta.md §4.3).
bool Session::step_command() {
    std::string_view in(m_in);
    std::size_t special = in.find_first_of(std::string_view("\r\n\0", 3), m_pos);
    if (special == std::string_view::npos) {
        if (m_skipping || in.size() - m_pos > k_max_command_line) {
            // Overlong: forget what we have, answer at the CRLF.
            m_skipping = true;
            m_pos = in.size();
        }
        return false;
    }
    if (in[special] == '\0') {
        line_error("NUL not allowed");
        return false;
    }
    if (in[special] == '\n') {
        line_error("Bare linefeed (LF) not allowed");
        return false;
    }
    if (special + 1 == in.size()) {
        if (special - m_pos > k_max_command_line) {
            m_skipping = true;
            m_pos = special;  // keep the CR: it may be the start of CRLF
        }
        return false;
    }
    if (in[special + 1] != '\n') {
        line_error("Bare carriage return (CR) not allowed");
        return false;
    }
    std::string line(in.substr(m_pos, special - m_pos));
    m_pos = special + 2;
    if (m_skipping || line.size() > k_max_command_line) {
        m_skipping = false;
        transcript(shorten(line, k_max_command_line), true);
        if (count_bad_command()) return false;
        send(r("500 5.5.0 Command line too long"));
        return true;
    }
    command(line, m_pos < m_in.size());
    return true;
}

// Message text: streamed to Events::data without keeping lines, so only
// the bytes that decide what a line start means (".", ".\r") wait for more
// input.  RFC 5321 §4.5.2: a line starting with "." loses that dot; a line
// holding only "." ends the data.
bool Session::step_data() {
    while (m_pos < m_in.size()) {
        std::string_view in(m_in);  // afresh each time: callbacks ran since the last pass
        if (m_line_start && in[m_pos] == '.') {
            if (m_pos + 1 >= in.size()) return false;
            if (in[m_pos + 1] == '\r') {
                if (m_pos + 2 >= in.size()) return false;
                if (in[m_pos + 2] == '\n') {
                    m_pos += 3;
                    end_of_data();
                    return true;
                }
                // ".\r" then not LF: a bare CR, reported below.
            }
            if (m_events.transcript) m_data_line += '.';
            ++m_pos;  // the stuffed dot
            m_line_start = false;
            continue;
        }
        m_line_start = false;
        std::size_t special = in.find_first_of(std::string_view("\r\n\0", 3), m_pos);
        std::size_t end = special == std::string_view::npos ? in.size() : special;
        if (end > m_pos) {
            std::string_view text = in.substr(m_pos, end - m_pos);
            m_line_length += text.size();
            if (m_line_length > k_max_data_line) {
                line_error("Line too long");
                return false;
            }
            if (m_events.transcript && m_data_line.size() < k_max_command_line)
                m_data_line.append(text.substr(0, k_max_command_line - m_data_line.size()));
            emit(text);
            m_pos = end;
        }
        if (special == std::string_view::npos) return false;
        if (in[special] == '\0') {
            line_error("NUL not allowed");
            return false;
        }
        if (in[special] == '\n') {
            line_error("Bare linefeed (LF) not allowed");
            return false;
        }
        if (special + 1 >= in.size()) return false;  // a CR: wait for its LF
        if (in[special + 1] != '\n') {
            line_error("Bare carriage return (CR) not allowed");
            return false;
        }
        if (m_line_length == 0) m_in_headers = false;  // the empty line after the header
        emit("\n");
        transcript(m_data_line, true);
        m_data_line.clear();
        m_pos = special + 2;
        m_line_start = true;
        m_line_length = 0;
    }
    return false;
}

void Session::line_error(std::string_view what) {
    std::string where = m_state == State::Data ? (m_in_headers ? "header" : "body") : "command";
    if (m_state == State::Data) {
        const address::Path& f = m_env.from;
        std::string from = f.null ? "" : f.domain.empty() ? f.local : f.local + "@" + f.domain;
        log(fmt::format("collect: relay={}, from=<{}>, info={}, where={}, status=tempfail",
                        m_client.relay_text(), shorten(from), what, where));
    } else {
        log(fmt::format("{}: {}, where={}", m_client.relay_text(), what, where));
    }
    close_with(Reply{421, "4.5.0", std::string(what)});
}

void Session::emit(std::string_view bytes) {
    if (m_too_big) return;
    if (m_opts.max_message_size > 0 && m_env.size + bytes.size() > m_opts.max_message_size) {
        m_too_big = true;
        return;
    }
    m_chunk.append(bytes);
    m_env.size += bytes.size();
}

void Session::flush_data() {
    if (m_chunk.empty()) return;
    if (m_events.data) m_events.data(m_chunk);
    m_chunk.clear();
}

void Session::end_of_data() {
    flush_data();
    transcript(".", true);
    if (m_too_big) {
        Reply rep = Reply{552, "5.2.3",
                          fmt::format("Message exceeds maximum fixed size ({})", m_opts.max_message_size)};
        log(fmt::format("{}: message size exceeds maximum ({}), reject={}", m_client.relay_text(),
                        m_opts.max_message_size, rep.line()));
        if (m_events.data_end) m_events.data_end(m_env, false);
        send(rep);
        reset_transaction();
        enter_state(idle_state());
        return;
    }
    // Committing first: data_end may call commit_done() right away.
    enter_state(State::Committing);
    if (m_events.data_end) m_events.data_end(m_env, true);
}

// ------------------------------------------------------------ commands --

void Session::command(const std::string& line, bool more_input) {
    transcript(line, true);
    std::string_view rest = line;
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    std::size_t end = 0;
    while (end < rest.size() && !is_space(rest[end])) ++end;
    std::string_view verb = rest.substr(0, end);
    std::string_view arg = trim_blanks(rest.substr(end));

    // An HTTP request as the first command: somebody's open proxy is
    // pointing at us (sendmail does the same).
    if (m_first_command) {
        m_first_command = false;
        for (std::string_view http : {"GET", "POST", "CONNECT", "USER"}) {
            if (iequals(verb, http) && end < rest.size()) {
                log(fmt::format("{}: probable open proxy: command={}", m_client.relay_text(),
                                shorten(line, 40)));
                close_with(
                    Reply{421, "4.7.0", m_opts.hostname + " Rejecting open proxy " + m_client.relay_text()});
                return;
            }
        }
    }

    const Impl::Command* c = Impl::find(verb);
    if (c == nullptr) {
        if (count_bad_command()) return;
        send(Reply{500, "5.5.1", fmt::format("Command unrecognized: \"{}\"", shorten(line))});
        return;
    }
    if ((c->flags & k_wait) && more_input) {
        std::string name = fmt::format("server {}", c->verb);
        log(fmt::format("rejecting {} from {} due to traffic before response", name, m_client.relay_text()));
        close_with(r("554 5.5.0 SMTP protocol error"));
        return;
    }
    if (c->flags & k_unimplemented) {
        if (count_bad_command()) return;
        send(Reply{502, "5.5.1", fmt::format("Command not implemented: \"{}\"", shorten(line))});
        return;
    }
    if (!(c->states & bit(m_state))) {
        send(r(c->out_of_state));
        return;
    }
    if (std::optional<Reply> err = (this->*c->check)(arg)) {
        if (err->code == 421)
            close_with(*err);
        else
            send(*err);
        return;
    }
    (this->*c->proceed)(arg);
}

bool Session::count_bad_command() {
    ++m_bad_commands;
    if (m_opts.max_bad_commands == 0 || m_bad_commands <= m_opts.max_bad_commands) return false;
    log(fmt::format("{}: too many bad commands", m_client.relay_text()));
    close_with(Reply{421, "4.7.0", m_opts.hostname + " Too many bad commands; closing connection"});
    return true;
}

// Logs and answers a Reject with the policy's reply (a 421 also ends the
// session) and returns false; Accept and Discard return true (the caller
// marks the message once the command succeeds).
bool Session::decide(const Decision& d, std::string_view ruleset, std::string_view arg) {
    if (d.kind == Decision::Accept) return true;
    if (d.kind == Decision::Discard) {
        log(!d.log.empty() ? d.log
                           : fmt::format("ruleset={}, arg1={}, relay={}, discard", ruleset, shorten(arg),
                                         m_client.relay_text()));
        return true;
    }
    Reply rej = d.reply;
    if (rej.code < 400 || rej.code > 599) rej = r("451 4.3.0 Temporary system failure");
    log(!d.log.empty() ? d.log
                       : fmt::format("ruleset={}, arg1={}, relay={}, reject={}", ruleset, shorten(arg),
                                     m_client.relay_text(), rej.line()));
    if (rej.code == 421)
        close_with(rej);
    else
        send(rej);
    return false;
}

std::optional<Reply> Session::check_any(std::string_view) {
    return std::nullopt;
}

// RFC 5321 §4.1.1.1; sendmail takes letters, digits and "[].-_#:" and
// refuses anything else (spaces inside, 8-bit bytes).
std::optional<Reply> Session::check_hello(std::string_view arg, std::string_view verb) {
    if (arg.empty()) return Reply{501, "5.0.0", fmt::format("{} requires domain address", verb)};
    if (arg.size() > 255) return r("501 5.0.0 Invalid domain name");
    for (unsigned char c : arg)
        if (!(std::isalnum(c) ||
              std::string_view("[].-_#:").find(static_cast<char>(c)) != std::string_view::npos))
            return r("501 5.0.0 Invalid domain name");
    return std::nullopt;
}

std::optional<Reply> Session::check_helo(std::string_view arg) {
    return check_hello(arg, "HELO");
}

std::optional<Reply> Session::check_ehlo(std::string_view arg) {
    return check_hello(arg, "EHLO");
}

void Session::proceed_helo(std::string_view arg) {
    hello(arg, false);
}

void Session::proceed_ehlo(std::string_view arg) {
    hello(arg, true);
}

void Session::hello(std::string_view arg, bool esmtp) {
    Decision d = m_policy.check_helo(m_client, arg);
    if (!decide(d, "check_helo", arg)) return;
    if (d.kind == Decision::Discard) m_session_discard = true;  // for every message of the session
    // RFC 5321 §4.1.4: EHLO/HELO in a transaction resets it.
    reset_transaction();
    m_env.helo = std::string(arg);
    m_env.esmtp = esmtp;
    m_got_helo = true;
    enter_state(State::Ready);
    std::string first =
        fmt::format("{} Hello {}, pleased to meet you", m_opts.hostname, m_client.relay_text());
    if (!esmtp) {
        send(Reply{250, "", first});
        return;
    }
    // sendmail's order (reference/mta.md §1.1); VERB is never offered.
    std::vector<std::string> lines = {first, "ENHANCEDSTATUSCODES"};
    if (m_opts.pipelining) lines.emplace_back("PIPELINING");
    if (!privacy("noexpn")) lines.emplace_back("EXPN");
    if (m_opts.eight_bit_mime) lines.emplace_back("8BITMIME");
    lines.push_back(m_opts.max_message_size > 0 ? fmt::format("SIZE {}", m_opts.max_message_size) : "SIZE");
    if (m_opts.dsn && !privacy("noreceipts")) lines.emplace_back("DSN");
    if (m_opts.smtputf8) lines.emplace_back("SMTPUTF8");
    if (m_opts.etrn && !privacy("noetrn")) lines.emplace_back("ETRN");
    if (m_opts.help) lines.emplace_back("HELP");
    send(Reply{250, "", join(lines, "\n")});
}

// "FROM:<path> params" / "TO:<path> params" into m_pending, or the reply.
std::optional<Reply> Session::parse_path_arg(std::string_view arg, std::string_view word, bool mail) {
    // sendmail's skipword(): the word, optional blanks, ':', then text.
    std::string_view s = arg;
    std::size_t i = 0;
    while (i < s.size() && s[i] != ':' && !is_space(s[i])) ++i;
    std::string_view w = s.substr(0, i);
    while (i < s.size() && is_space(s[i])) ++i;
    std::string_view after = i < s.size() && s[i] == ':' ? trim_blanks(s.substr(i + 1)) : std::string_view{};
    if (!iequals(w, word) || i >= s.size() || s[i] != ':' || after.empty())
        return Reply{501, "5.5.2", fmt::format("Syntax error in parameters scanning \"{}\"", shorten(arg))};

    std::string_view token = path_token(after);
    m_pending = Pending{};
    m_pending.shown = shorten(token, 300);
    std::string_view raw = token;
    if (raw.size() >= 2 && raw.front() == '<' && raw.back() == '>') raw = raw.substr(1, raw.size() - 2);
    m_pending.raw = std::string(raw);

    auto parsed = address::parse_mail_rcpt_argument(after, mail);
    if (!parsed) {
        const std::string& msg = parsed.error().message;
        if (msg.starts_with("Syntax error in parameter")) return Reply{501, "5.5.4", msg};
        return Reply{553, mail ? "5.1.7" : "5.1.3", fmt::format("{}... {}", m_pending.shown, msg)};
    }
    m_pending.path = std::move(parsed->path);
    m_pending.params = std::move(parsed->params);
    for (std::size_t a = 0; a < m_pending.params.size(); ++a)
        for (std::size_t b = 0; b < a; ++b)
            if (m_pending.params[a].first == m_pending.params[b].first)
                return Reply{501, "5.5.0", fmt::format("Duplicate {} parameter", m_pending.params[a].first)};
    return std::nullopt;
}

std::optional<Reply> Session::check_mail(std::string_view arg) {
    if (!m_got_helo && privacy("needmailhelo")) return r("503 5.0.0 Polite people say HELO first");
    if (auto err = parse_path_arg(arg, "FROM", true)) return err;
    bool dsn = m_opts.dsn && !privacy("noreceipts");
    bool utf8 = false;
    for (const auto& [key, value] : m_pending.params) {
        if (key == "SIZE") {
            if (value.empty()) return r("501 5.5.2 SIZE requires a value");
            if (value.find_first_not_of("0123456789") != std::string::npos)
                return r("501 5.5.4 Syntax error in SIZE parameter value");
            std::size_t n = 0;
            if (std::from_chars(value.data(), value.data() + value.size(), n).ec != std::errc())
                return r("552 5.2.3 Message size exceeds maximum value");
        } else if (key == "BODY") {
            if (value.empty()) return r("501 5.5.2 BODY requires a value");
            if (!iequals(value, "7BIT") && !(iequals(value, "8BITMIME") && m_opts.eight_bit_mime))
                return Reply{501, "5.5.4", fmt::format("Unknown BODY type {}", shorten(value))};
        } else if (key == "RET") {
            if (!dsn) return r("504 5.7.0 Sorry, RET not supported, we do not allow DSN");
            if (value.empty()) return r("501 5.5.2 RET requires a value");
            if (!iequals(value, "FULL") && !iequals(value, "HDRS"))
                return Reply{501, "5.5.2", fmt::format("Bad argument \"{}\" to RET", shorten(value))};
        } else if (key == "ENVID") {
            if (!dsn) return r("504 5.7.0 Sorry, ENVID not supported, we do not allow DSN");
            if (value.empty()) return r("501 5.5.2 ENVID requires a value");
            if (value.size() > 100 || !valid_xtext(value))  // RFC 3461 §4.4: 100 characters at most
                return r("501 5.5.4 Syntax error in ENVID parameter value");
        } else if (key == "SMTPUTF8" && m_opts.smtputf8) {
            if (!value.empty()) return r("501 5.5.4 SMTPUTF8 takes no value");
            utf8 = true;
        } else {
            return Reply{555, "5.5.4", fmt::format("{} parameter unrecognized", shorten(key))};
        }
    }
    // RFC 6531 §3.4: a UTF-8 address needs SMTPUTF8 on this MAIL.
    if (!utf8 && !is_ascii(m_pending.raw))
        return Reply{553, "5.6.7", m_pending.shown + "... Address requires SMTPUTF8"};
    return std::nullopt;
}

void Session::proceed_mail(std::string_view) {
    Decision d = m_policy.check_mail(m_client, m_pending.path, m_pending.params);
    if (!decide(d, "check_mail", m_pending.shown)) return;
    // SIZE is checked after the policy, as sendmail does.
    for (const auto& [key, value] : m_pending.params) {
        if (key != "SIZE" || m_opts.max_message_size == 0) continue;
        std::size_t n = 0;
        (void)std::from_chars(value.data(), value.data() + value.size(), n);
        if (n > m_opts.max_message_size) {
            Reply rep{
                552, "5.2.3",
                fmt::format("Message size exceeds fixed maximum message size ({})", m_opts.max_message_size)};
            log(fmt::format("ruleset=check_mail, arg1={}, relay={}, reject={}", m_pending.shown,
                            m_client.relay_text(), rep.line()));
            send(rep);
            return;
        }
    }
    if (d.kind == Decision::Discard) m_env.discard = true;
    m_env.from = std::move(m_pending.path);
    m_env.mail_params = std::move(m_pending.params);
    enter_state(State::Mail);
    send(Reply{250, "2.1.0", m_pending.shown + "... Sender ok"});
}

std::optional<Reply> Session::check_rcpt(std::string_view arg) {
    if (m_opts.max_recipients > 0 && m_env.recipients.size() >= m_opts.max_recipients) {
        log(fmt::format("{}: too many recipients ({})", m_client.relay_text(), m_opts.max_recipients));
        return r("452 4.5.3 Too many recipients");
    }
    if (auto err = parse_path_arg(arg, "TO", false)) return err;
    bool dsn = m_opts.dsn && !privacy("noreceipts");
    for (const auto& [key, value] : m_pending.params) {
        if (key == "NOTIFY") {
            if (!dsn) return r("504 5.7.0 Sorry, NOTIFY not supported, we do not allow DSN");
            if (value.empty()) return r("501 5.5.2 NOTIFY requires a value");
            // RFC 3461 §4.1: "NEVER" alone, or a list of SUCCESS, FAILURE, DELAY.
            if (iequals(value, "NEVER")) continue;
            for (const std::string& v : split(value, ",", false))
                if (!iequals(v, "SUCCESS") && !iequals(v, "FAILURE") && !iequals(v, "DELAY"))
                    return Reply{501, "5.5.4", fmt::format("Bad argument \"{}\" to NOTIFY", shorten(v))};
        } else if (key == "ORCPT") {
            if (!dsn) return r("504 5.7.0 Sorry, ORCPT not supported, we do not allow DSN");
            if (value.empty()) return r("501 5.5.2 ORCPT requires a value");
            // RFC 3461 §4.2: addr-type ";" xtext, addr-type an atom.
            auto semi = value.find(';');
            bool ok = semi != std::string::npos && semi > 0 && value.size() <= 500 &&
                      valid_xtext(std::string_view(value).substr(semi + 1));
            for (std::size_t k = 0; ok && k < semi; ++k)
                ok = std::isalnum(static_cast<unsigned char>(value[k])) || value[k] == '-';
            if (!ok) return r("501 5.5.4 Syntax error in ORCPT parameter value");
        } else {
            return Reply{555, "5.5.4", fmt::format("{} parameter unrecognized", shorten(key))};
        }
    }
    bool utf8 = false;
    for (const auto& p : m_env.mail_params) utf8 = utf8 || p.first == "SMTPUTF8";
    if (!utf8 && !is_ascii(m_pending.raw))
        return Reply{553, "5.6.7", m_pending.shown + "... Address requires SMTPUTF8"};
    return std::nullopt;
}

void Session::proceed_rcpt(std::string_view) {
    Decision d = m_policy.check_rcpt(m_client, m_env.from, m_pending.path, m_pending.raw, m_pending.params);
    if (!decide(d, "check_rcpt", m_pending.shown)) return;
    if (d.kind == Decision::Discard) m_env.discard = true;  // sendmail: DISCARD drops the whole message
    m_env.recipients.push_back(
        Recipient{std::move(m_pending.path), m_pending.raw, std::move(m_pending.params)});
    enter_state(State::Rcpt);
    send(Reply{250, "2.1.5", m_pending.shown + "... Recipient ok"});
}

std::optional<Reply> Session::check_data(std::string_view) {
    // sendmail ignores an argument to DATA; so do we.
    if (m_env.recipients.empty()) return r("503 5.0.0 Need RCPT (recipient)");
    return std::nullopt;
}

void Session::proceed_data(std::string_view) {
    if (m_events.data_begin) m_events.data_begin(m_env);
    enter_state(State::Data);
    send(r("354 Enter mail, end with \".\" on a line by itself"));
}

void Session::proceed_rset(std::string_view) {
    reset_transaction();
    enter_state(idle_state());
    send(r("250 2.0.0 Reset state"));
}

void Session::proceed_noop(std::string_view) {
    send(r("250 2.0.0 OK"));
}

void Session::proceed_quit(std::string_view) {
    if (!m_env.recipients.empty())
        log(fmt::format("{}: transaction aborted by sender ({} recipients)", m_client.relay_text(),
                        m_env.recipients.size()));
    reset_transaction();
    send(Reply{221, "2.0.0", m_opts.hostname + " closing connection"});
    enter_state(State::Closed);
}

void Session::proceed_help(std::string_view arg) {
    if (!m_opts.help) {
        send(r("502 5.3.0 HELP not implemented"));
        return;
    }
    std::vector<std::string> lines;
    if (arg.empty()) {
        std::string verbs;
        for (const Impl::Command& c : Impl::k_commands)
            if (!c.help.empty()) verbs += (verbs.empty() ? "" : " ") + std::string(c.verb);
        lines = {"This is the mailroom SMTP server", "Commands: " + verbs,
                 "\"HELP <command>\" describes one command"};
    } else {
        const Impl::Command* c = Impl::find(arg);
        if (c == nullptr || c->help.empty()) {
            send(Reply{504, "5.3.0", fmt::format("HELP topic \"{}\" unknown", shorten(arg, 10))});
            return;
        }
        lines = {std::string(c->help)};
    }
    lines.emplace_back("End of HELP info");
    send(Reply{214, "2.0.0", join(lines, "\n")});
}

// VRFY/EXPN: the privacy flags are the engine's (sendmail's order: the
// refusal first, then "introduce yourself"); what an allowed VRFY or EXPN
// reveals is the policy's.
std::optional<Reply> Session::check_vrfy(std::string_view arg) {
    if (privacy("novrfy")) {
        log(fmt::format("{}: VRFY {} [rejected]", m_client.relay_text(), shorten(arg)));
        return r("252 2.5.2 Cannot VRFY user; try RCPT to attempt delivery (or try finger)");
    }
    if (!m_got_helo && privacy("needvrfyhelo"))
        return r("503 5.0.0 I demand that you introduce yourself first");
    if (arg.empty()) return r("501 5.5.2 Argument required");
    return std::nullopt;
}

std::optional<Reply> Session::check_expn(std::string_view arg) {
    if (privacy("noexpn")) {
        log(fmt::format("{}: EXPN {} [rejected]", m_client.relay_text(), shorten(arg)));
        return r("502 5.7.0 Sorry, we do not allow this operation");
    }
    if (!m_got_helo && privacy("needexpnhelo"))
        return r("503 5.0.0 I demand that you introduce yourself first");
    if (arg.empty()) return r("501 5.5.2 Argument required");
    return std::nullopt;
}

std::optional<Reply> Session::check_etrn(std::string_view arg) {
    if (!m_opts.etrn || privacy("noetrn")) {
        log(fmt::format("{}: ETRN {} [rejected]", m_client.relay_text(), shorten(arg)));
        return r("502 5.7.0 Sorry, we do not allow this operation");
    }
    if (arg.empty()) return r("500 5.5.2 Parameter required");
    return std::nullopt;
}

void Session::proceed_vrfy(std::string_view arg) {
    log(fmt::format("{}: VRFY {}", m_client.relay_text(), shorten(arg)));
    send(m_policy.vrfy(m_client, arg));
}

void Session::proceed_expn(std::string_view arg) {
    log(fmt::format("{}: EXPN {}", m_client.relay_text(), shorten(arg)));
    send(m_policy.expn(m_client, arg));
}

void Session::proceed_etrn(std::string_view arg) {
    log(fmt::format("{}: ETRN {}", m_client.relay_text(), shorten(arg)));
    send(m_policy.etrn(m_client, arg));
}

// sendmail's VERB switches to verbose interactive delivery; this server
// always queues, so VERB is refused as sendmail refuses it under noverb.
void Session::proceed_verb(std::string_view) {
    send(r("502 5.7.0 Verbose unavailable"));
}

// -------------------------------------------------------------- helpers --

void Session::send(const Reply& reply) {
    if (closed()) return;
    Reply rep = reply;
    if (rep.code < 200 || rep.code > 599) rep = r("451 4.3.0 Temporary system failure");
    for (const std::string& line : rep.lines()) {
        transcript(line, false);
        m_out += line;
        m_out += "\r\n";
    }
}

void Session::close_with(const Reply& reply) {
    send(reply);
    if (m_state == State::Data) {
        // The message in progress is refused: the daemon must drop it.
        flush_data();
        if (m_events.data_end) m_events.data_end(m_env, false);
    }
    reset_transaction();
    enter_state(State::Closed);
}

std::string Session::take_output() {
    std::string out;
    out.swap(m_out);
    return out;
}

// The only place the state changes (style.md §3).
void Session::enter_state(State s) {
    m_state = s;
    switch (s) {
        case State::Data:
            m_line_start = true;
            m_in_headers = true;
            m_too_big = false;
            m_line_length = 0;
            m_env.size = 0;
            m_data_line.clear();
            m_chunk.clear();
            break;
        case State::Closed:
            m_in.clear();
            m_pos = 0;
            m_chunk.clear();
            break;
        default: break;
    }
}

State Session::idle_state() const {
    return m_got_helo ? State::Ready : State::Start;
}

void Session::reset_transaction() {
    std::string helo = std::move(m_env.helo);
    bool esmtp = m_env.esmtp;
    m_env = Envelope{};
    m_env.helo = std::move(helo);
    m_env.esmtp = esmtp;
    m_env.discard = m_session_discard;
}

bool Session::privacy(std::string_view flag) const {
    if (m_opts.privacy.count(std::string(flag))) return true;
    if (!m_opts.privacy.count("goaway")) return false;
    for (const char* g : k_goaway)
        if (flag == g) return true;
    return false;
}

void Session::log(std::string_view text) {
    if (m_events.log) m_events.log(text);
}

void Session::transcript(std::string_view line, bool from_client) {
    if (m_events.transcript) m_events.transcript(line, from_client);
}

}  // namespace mail::smtp
