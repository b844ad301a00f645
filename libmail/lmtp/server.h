// server.h — the LMTP server engine (RFC 2033), with no I/O.
//
// The program owns the socket or pipe; it feeds the engine one line at a
// time (CRLF or LF already removed) and writes back the reply lines the
// engine returns, each without its CRLF.  Long lines may arrive in pieces
// (feed(piece, Piece::Partial) … feed(last, Piece::End)) so that neither the
// reader nor the engine ever buffers an unbounded line.
//
// One state machine: a state enum, a constexpr command table with check_*
// (sequence and syntax) separated from proceed_* (effects), and enter_state()
// as the only place the state changes (style.md §3).  Message data is handed
// to Callbacks::data as it arrives, never accumulated here.
//
// SECURITY: every byte is peer input: nothing here asserts on it; bad input
// gets a 5xx reply and the session goes on.  Recipients are checked through
// the callback; the engine never touches files.
// STANDARDS: RFC 2033 (LMTP: one reply per recipient after DATA, §4.2),
// RFC 5321 (command syntax, dot-stuffing §4.5.2), RFC 2034 + RFC 3463
// (enhanced status codes), RFC 1652 (8BITMIME), RFC 2920 (PIPELINING).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mail::lmtp {

enum class State { Start, Ready, Mail, Rcpt, Data, Closed };

enum class Piece { End, Partial };  // does this text finish its line?

struct Options {
    std::string hostname = "localhost";
    bool eight_bit_mime = true;  // advertise 8BITMIME (mail.local -7 turns it off)
};

// The result of delivering to one recipient, as a sysexits code.
struct DeliveryResult {
    int exit_code = 0;          // EX_OK, EX_TEMPFAIL, EX_NOPERM, …
    std::string text;           // human reason for the reply
    bool mailbox_full = false;  // quota / file size: 452 4.2.2
};

struct Callbacks {
    // RCPT: does this local user exist?  Gets the local part.
    std::function<bool(std::string_view user)> user_exists;
    // DATA accepted: a new message starts (the sink should truncate).
    std::function<void()> data_begin;
    // A piece of the (dot-unstuffed) message; `line_end` says whether a
    // newline follows it.
    std::function<void(std::string_view bytes, bool line_end)> data;
    // "." seen: deliver to every accepted recipient; one result per
    // recipient, in order (RFC 2033 §4.2).
    std::function<std::vector<DeliveryResult>(const std::string& sender,
                                              const std::vector<std::string>& recipients)>
        deliver;
    // mailroom's batch extension (advertised as XSYNC when set): after
    // "XBATCH" deliveries may skip their own fsync (the 250 then means
    // "written", not "durable"); "XSYNC" makes everything written since
    // durable and answers 250 only if it is.  The MTA records deliveries as
    // done only after XSYNC's 250, so one fsync serves a whole batch.
    std::function<void(bool on)> batch_mode;
    std::function<DeliveryResult()> sync;
};

// Longest command line accepted (RFC 5321 §4.5.3.1.4 says 512 octets; we are
// lenient up to 1000, the text-line limit), and the longest data line.
inline constexpr std::size_t k_max_command_line = 1000;
inline constexpr std::size_t k_max_data_line = 1u << 20;

class Server {
public:
    Server(Options opts, Callbacks cb);

    std::vector<std::string> greeting() const;  // "220 <host> LMTP ready"
    std::vector<std::string> feed(std::string_view text, Piece piece = Piece::End);
    // Input ended without QUIT: abort the transaction.
    void end_of_input();

    State state() const { return m_state; }
    bool closed() const { return m_state == State::Closed; }

    // The reply for one recipient's delivery result (exposed for tests).
    static std::string reply_for(const DeliveryResult& r, std::string_view recipient);

private:
    friend struct CommandTable;
    using Check = std::string (Server::*)(std::string_view arg);
    using Proceed = void (Server::*)(std::string_view arg, std::vector<std::string>& out);

    std::vector<std::string> feed_command(std::string_view line);
    void feed_data(std::string_view text, Piece piece, std::vector<std::string>& out);
    void enter_state(State s);
    void reset_transaction();

    std::string check_lhlo(std::string_view arg);
    std::string check_mail(std::string_view arg);
    std::string check_rcpt(std::string_view arg);
    std::string check_data(std::string_view arg);
    std::string check_none(std::string_view arg);
    std::string check_any(std::string_view arg);
    void proceed_lhlo(std::string_view arg, std::vector<std::string>& out);
    void proceed_mail(std::string_view arg, std::vector<std::string>& out);
    void proceed_rcpt(std::string_view arg, std::vector<std::string>& out);
    void proceed_data(std::string_view arg, std::vector<std::string>& out);
    void proceed_xbatch(std::string_view arg, std::vector<std::string>& out);
    void proceed_xsync(std::string_view arg, std::vector<std::string>& out);
    void proceed_rset(std::string_view arg, std::vector<std::string>& out);
    void proceed_noop(std::string_view arg, std::vector<std::string>& out);
    void proceed_vrfy(std::string_view arg, std::vector<std::string>& out);
    void proceed_quit(std::string_view arg, std::vector<std::string>& out);

    Options m_opts;
    Callbacks m_cb;
    State m_state = State::Start;
    std::string m_sender;
    std::vector<std::string> m_recipients;
    std::string m_pending;          // the address check_* parsed, for proceed_*
    std::string m_pending_line;     // command mode: pieces of the current line
    bool m_line_start = true;       // DATA: next text starts a line
    bool m_skipping = false;        // command mode: discarding an overlong line
    std::size_t m_line_length = 0;  // bytes of the current partial line
};

}  // namespace mail::lmtp
