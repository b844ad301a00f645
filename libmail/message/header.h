// header.h — an RFC 5322 header section as an ordered list of fields.
//
// Parsing keeps every byte: a field's value is the text after the colon with
// its folding intact, and the bytes between the name and the value (": ",
// ":", " : ") are remembered, so serialize() reproduces a parsed section
// byte for byte.  Callers that want the logical value call unfold().
//
// SECURITY: the text comes from whoever wrote the message.  Parsing is one
// linear pass with no recursion; error messages quote at most a short,
// sanitised excerpt of the offending line.  fold() never lets a bare line
// break through, so a value cannot inject a new header field.
//
// STANDARDS: RFC 5322 §2.2 (header fields, field names of printable ASCII
// except ':'), §2.2.3 (folding/unfolding), §4.5 (obs-optional: white space
// before the colon).
#pragma once

#include "libmail/util/result.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mail::message {

struct Field {
    std::string name;   // as written, without trailing white space
    std::string value;  // raw text after the colon and its leading SP/HT; folding kept
                        // ("\n" + the continuation line), no trailing newline
    // The exact bytes between name and value as read (": ", ":\t", " :");
    // fields made by append()/prepend() use ": ".
    std::string separator = ": ";
};

class Headers {
public:
    using const_iterator = std::vector<Field>::const_iterator;

    // Parses a header section with LF line ends ("\r\n" is accepted and
    // becomes "\n").  Parsing stops at the first empty line; a leading mbox
    // "From " line must be removed first with strip_from_line().  Errors are
    // EX_DATAERR, e.g. `header line 3: no colon in "garbage"`.
    static Result<Headers> parse(std::string_view text);

    // Case-insensitive lookups; find() returns the first match or nullptr.
    // Pointers stay valid until the Headers is modified.
    const Field* find(std::string_view name) const;
    std::vector<const Field*> find_all(std::string_view name) const;
    size_t count(std::string_view name) const;

    void remove_all(std::string_view name);
    void append(std::string name, std::string value);
    void prepend(std::string name, std::string value);

    // Each field as name + separator + value + "\n".
    std::string serialize() const;

    const_iterator begin() const { return m_fields.begin(); }
    const_iterator end() const { return m_fields.end(); }
    size_t size() const { return m_fields.size(); }
    bool empty() const { return m_fields.empty(); }
    const std::vector<Field>& fields() const { return m_fields; }

private:
    std::vector<Field> m_fields;
};

// If `text` starts with an mbox "From " line, returns the text after that
// line and stores the line (without its newline) in *from_line; otherwise
// returns `text` unchanged and leaves *from_line alone.
std::string_view strip_from_line(std::string_view text, std::string* from_line = nullptr);

// True if `line` (no newline) starts a header field: a non-empty name of
// printable ASCII other than ':', optional SP/HT, then ':'.
bool is_field_line(std::string_view line);

// RFC 5322 §2.2.3: removes each CRLF or LF that is followed by SP/HT (the
// white space stays), then trims white space at both ends.
std::string unfold(std::string_view value);

// Returns "Name: value", folded at white space so lines stay within `width`
// where a word allows it; words are never split.  Existing folding in
// `value` is undone first, and any other CR or LF becomes a space, so the
// result always unfolds back to one logical field.
std::string fold(std::string_view name, std::string_view value, size_t width = 78);

// A short printable excerpt of `text` for error messages (at most ~60 bytes,
// control bytes shown as '?').
std::string excerpt(std::string_view text);

}  // namespace mail::message
