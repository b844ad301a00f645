// message.h — the message procmail is filtering, in memory.
//
// procmail holds the whole message as one text: the From_ line (if the
// input had one or -d/-f made one), the header, the blank line, the body.
// Conditions search the header "as procmail sees it" — continuation lines
// joined (the newline before a continuation becomes a space, the
// indentation stays) — or the body, or both; actions get the whole text or
// the h/b part; a filter replaces the whole text or one part.  Positions
// are recomputed on every change, so the parts always agree with the text.
//
// STANDARDS: the split is procmail's, not RFC 5322's: the header ends at the
// first empty line; a message without one is all header.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mail::procmail {

class Message {
public:
    Message() = default;
    explicit Message(std::string text) { set_text(std::move(text)); }

    const std::string& text() const { return m_text; }
    void set_text(std::string text);

    // The header including the From_ line and the empty line that ends it
    // (if there is one), and the body after that line.
    std::string_view header() const { return std::string_view(m_text).substr(0, m_header_len); }
    std::string_view body() const { return std::string_view(m_text).substr(m_header_len); }
    // The header with continuations joined, for header conditions.
    const std::string& joined_header() const { return m_joined; }

    void replace_header(std::string_view header);
    void replace_body(std::string_view body);

    bool has_from_line() const { return m_text.compare(0, 5, "From ") == 0; }
    // The first line without its newline, "" without a From_ line.
    std::string_view from_line() const;
    // Drops the From_ line and the `>From ` lines right after it (what
    // Maildir and forwarding leave out).
    std::string_view without_from_line() const;

private:
    std::string m_text;
    std::size_t m_header_len = 0;
    std::string m_joined;
};

// The length procmail's `<`/`>` conditions compare (the whole text).
inline std::size_t message_size(const Message& m) { return m.text().size(); }

// Reading the input: in delivery mode or with -f procmail skips leading
// newlines; -f/-d (re)make the From_ line.  `from` empty = keep the line;
// "-" = refresh the date only.  `now` is the ctime text to use.
struct FromOptions {
    bool skip_leading_newlines = false;
    bool make_from_line = false;  // -d, -f
    std::string sender;           // -f NAME ("" = keep/derive, "-" = refresh date)
    std::string default_sender;   // -d without -f: the invoker's name
    bool override_fake = false;   // -o
    std::string now;              // ctime text
};
std::string prepare_input(std::string raw, const FromOptions& opts);

}  // namespace mail::procmail
