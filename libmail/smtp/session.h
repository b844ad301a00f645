// session.h — the SMTP server engine (RFC 5321), with no I/O.
//
// The daemon (or `sendmail -bs`) owns the socket; it feeds the engine the
// bytes it reads and writes back the bytes the engine returns.  The engine
// splits lines itself, because the line discipline is part of the
// protocol's security: only CRLF ends a line, a bare LF or CR anywhere
// (commands, headers, body) is answered `421 4.5.0 Bare linefeed (LF) not
// allowed` / `… carriage return (CR) …` and the session ends; NUL likewise;
// only CRLF "." CRLF ends DATA (SMTP smuggling, reference/mta.md §4.3).
//
// One state machine (style.md §3): a State enum, a constexpr command table
// with per-command flags (allowed states, "the client must wait for this
// reply" — EHLO, HELO, DATA: bytes already behind such a command get
// `554 5.5.0 SMTP protocol error` and the session ends, RFC 2920 §3.1),
// check_* separated from proceed_*, and one enter_state().  STARTTLS and
// AUTH (a later issue) are table rows that a later Options field turns on;
// STARTTLS will carry the "must wait" flag too (RFC 3207 §4.2).  Traffic
// sent before the greeting cannot be seen here (no bytes have been fed
// yet): a daemon that wants sendmail's greet_pause checks the socket
// before start().
//
// Message data goes out through Events::data as it arrives (dot-unstuffed,
// CRLF turned into LF), never accumulated here.  At the final "." the
// engine calls Events::data_end and waits: the daemon commits the message
// (group commit) and calls commit_done() with the reply — "250 2.0.0 <id>
// Message accepted for delivery" only once the message is durable.  Input
// that arrives meanwhile (pipelined commands) is kept, bounded, and
// processed after commit_done().
//
// SECURITY: every byte is peer input; nothing asserts on it.  Every buffer
// is bounded: a command line longer than k_max_command_line gets 500 5.5.0,
// a data line longer than k_max_data_line ends the session with 421;
// pipelined input waiting for a commit beyond k_max_pending is dropped and,
// after the commit's reply, the session ends with 421.
// Too many bad commands (Options::max_bad_commands) end the session.
// STANDARDS: RFC 5321, RFC 1869/5321 §4.1.1.1 (EHLO), RFC 2920
// (PIPELINING), RFC 1870 (SIZE), RFC 6152 (8BITMIME), RFC 2034 + RFC 3463
// (enhanced status codes on every reply), RFC 3461 (DSN parameters NOTIFY,
// ORCPT, RET, ENVID), RFC 1985 (ETRN), RFC 6531 (SMTPUTF8).
#pragma once

#include "libmail/address/address.h"
#include "libmail/smtp/policy.h"

#include <cstddef>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mail::smtp {

inline constexpr std::size_t k_max_command_line = 2048;     // RFC 5321 says 512; clients send more
inline constexpr std::size_t k_max_data_line = 1u << 20;    // a text line; longer ends the session
inline constexpr std::size_t k_max_pending = 64u << 10;     // pipelined input held during a commit

enum class State { Start, Ready, Mail, Rcpt, Data, Committing, Closed };

struct Options {
    std::string hostname = "localhost";  // $j
    // The greeting after "220 ": confSMTP_LOGIN_MSG with $j expanded; the
    // daemon appends the date like sendmail ("host ESMTP mailroom 0.1.0; Fri, …").
    std::string greeting = "localhost ESMTP mailroom";
    std::size_t max_message_size = 0;  // SIZE; 0 = no limit (SIZE advertised without a number)
    std::size_t max_recipients = 0;    // per message; 0 = no limit
    std::size_t max_bad_commands = 25;
    bool pipelining = true;
    bool eight_bit_mime = true;
    bool dsn = true;
    bool etrn = true;
    bool smtputf8 = false;
    bool help = true;
    // confPRIVACY_FLAGS, lower case, as Config::privacy_flags() gives them
    // (goaway already expanded): needmailhelo, needvrfyhelo, needexpnhelo,
    // novrfy, noexpn, noverb, noetrn, authwarnings, …
    std::set<std::string> privacy;
};

struct Recipient {
    address::Path path;
    std::string raw;  // between < >
    Params params;    // NOTIFY, ORCPT
};

struct Envelope {
    std::string helo;
    bool esmtp = false;
    address::Path from;
    Params mail_params;  // SIZE, BODY, RET, ENVID, SMTPUTF8
    std::vector<Recipient> recipients;
    bool discard = false;  // a Discard decision was made: accept, then drop
    std::size_t size = 0;  // bytes handed to Events::data so far
};

struct Events {
    // 354 is about to be sent: a message starts.
    std::function<void(const Envelope&)> data_begin;
    // Message bytes, dot-unstuffed, with "\n" line ends.
    std::function<void(std::string_view)> data;
    // The final "." arrived.  `ok` false means the message was refused
    // (too big: the engine already chose the reply and will not wait);
    // otherwise the daemon must call commit_done() later.
    std::function<void(const Envelope&, bool ok)> data_end;
    // -X transcript: every line in ("<<< ") and out (">>> "), no CRLF.
    // Message lines are included as sent (dot-stuffed), cut at
    // k_max_command_line bytes.
    std::function<void(std::string_view line, bool from_client)> transcript;
    // A rejection or protocol event to log, in sendmail's words.
    std::function<void(std::string_view text)> log;
    // Re-entrancy: data_end may call Session::commit_done() before it
    // returns (a synchronous commit); no callback may call feed().
};

class Session {
public:
    Session(Options opts, Policy& policy, Client client, Events events);

    // The greeting (or the Connect: rejection, after which closed()).
    std::string start();
    // Raw bytes from the client; returns the bytes to send (CRLF lines).
    std::string feed(std::string_view bytes);
    // The daemon's verdict on the message given to data_end(ok=true):
    // Reply{250,"2.0.0","<id> Message accepted for delivery"} once durable,
    // or a 451/452.  Pipelined input held meanwhile is processed now.
    std::string commit_done(const Reply& reply);
    // No input for too long: "421 4.4.2 host Timeout waiting for input".
    // A message in progress is refused (data_end ok=false).  Not meant for
    // the Committing state (the daemon is the one being waited for); if
    // called then, the session closes and the later commit_done() is ignored.
    std::string timeout();
    // The client closed the connection.
    void end_of_input();

    State state() const { return m_state; }
    bool closed() const { return m_state == State::Closed; }
    bool committing() const { return m_state == State::Committing; }
    const Envelope& envelope() const { return m_env; }

private:
    struct Impl;  // the command table (session.cpp)
    using Check = std::optional<Reply> (Session::*)(std::string_view arg);
    using Proceed = void (Session::*)(std::string_view arg);

    Options m_opts;
    Policy& m_policy;
    Client m_client;
    Events m_events;
    State m_state = State::Start;
    Envelope m_env;
    // (the implementation adds its private members here)

    // What check_mail/check_rcpt parsed, for proceed_mail/proceed_rcpt.
    struct Pending {
        address::Path path;
        std::string shown;  // the path as sent, "<a@b>", for replies and logs
        std::string raw;    // between < >
        Params params;
    };

    // Input: line discipline and the two modes.
    void run();
    bool step_command();  // false: needs more input
    bool step_data();
    void command(const std::string& line, bool more_input);
    void end_of_data();
    void line_error(std::string_view what);  // bare LF/CR, NUL, overlong data line: 421
    void emit(std::string_view bytes);       // message bytes, counted against SIZE
    void flush_data();

    // Output and state.
    void send(const Reply& r);
    void close_with(const Reply& r);  // send, abort any message, Closed
    std::string take_output();
    void enter_state(State s);
    State idle_state() const;  // Ready after HELO/EHLO, else Start
    void reset_transaction();
    bool privacy(std::string_view flag) const;
    void log(std::string_view text);
    void transcript(std::string_view line, bool from_client);
    bool decide(const Decision& d, std::string_view ruleset, std::string_view arg);
    bool count_bad_command();  // true when the limit was hit (421 sent)
    std::optional<Reply> parse_path_arg(std::string_view arg, std::string_view word, bool mail);

    std::optional<Reply> check_hello(std::string_view arg, std::string_view verb);
    std::optional<Reply> check_helo(std::string_view arg);
    std::optional<Reply> check_ehlo(std::string_view arg);
    std::optional<Reply> check_mail(std::string_view arg);
    std::optional<Reply> check_rcpt(std::string_view arg);
    std::optional<Reply> check_data(std::string_view arg);
    std::optional<Reply> check_vrfy(std::string_view arg);
    std::optional<Reply> check_expn(std::string_view arg);
    std::optional<Reply> check_etrn(std::string_view arg);
    std::optional<Reply> check_any(std::string_view arg);
    void proceed_helo(std::string_view arg);
    void proceed_ehlo(std::string_view arg);
    void proceed_mail(std::string_view arg);
    void proceed_rcpt(std::string_view arg);
    void proceed_data(std::string_view arg);
    void proceed_rset(std::string_view arg);
    void proceed_noop(std::string_view arg);
    void proceed_quit(std::string_view arg);
    void proceed_help(std::string_view arg);
    void proceed_vrfy(std::string_view arg);
    void proceed_expn(std::string_view arg);
    void proceed_etrn(std::string_view arg);
    void proceed_verb(std::string_view arg);
    void hello(std::string_view arg, bool esmtp);

    std::string m_in;         // unprocessed input (a partial line, or pipelined input held while committing)
    std::size_t m_pos = 0;    // first unprocessed byte of m_in
    std::string m_out;        // replies not yet returned
    std::string m_chunk;      // message bytes not yet given to Events::data
    std::string m_data_line;  // the current data line as sent, for the transcript (capped)
    Pending m_pending;
    std::size_t m_line_length = 0;  // bytes of the current data or overlong command line
    std::size_t m_bad_commands = 0;
    bool m_started = false;
    bool m_running = false;  // inside run(): commit_done() from data_end must not re-enter it
    bool m_got_helo = false;
    bool m_first_command = true;     // the open-proxy check looks at the first command only
    bool m_skipping = false;         // discarding an overlong command line up to its CRLF
    bool m_line_start = true;        // DATA: the next byte starts a line
    bool m_in_headers = true;        // DATA: no empty line seen yet (for logs)
    bool m_too_big = false;          // DATA: over SIZE; keep reading to the "."
    bool m_session_discard = false;  // Connect:/HELO DISCARD: every message of the session
    bool m_overflow = false;         // too much pipelined input while committing
};

}  // namespace mail::smtp
