// header.h — an RFC 5322 header section as an ordered list of fields.
//
// Fields keep their bytes: `value` is everything after the colon (leading
// space included, folded continuation lines joined with "\n" and their
// whitespace), so serialize() reproduces a parsed section exactly.  New
// fields are added with the text that should follow the colon, normally
// starting with a space.
//
// STANDARDS: RFC 5322 §2.2 (header fields, folding), §3.6 (field names).
#pragma once

#include "libmail/util/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace mail::message {

struct Field {
    std::string name;
    std::string value;  // raw text after ':', no trailing newline
};

class Headers {
public:
    // `text` is a header section with LF line ends (no blank line).  A line
    // that is neither a field nor a continuation is an error (EX_DATAERR).
    static Result<Headers> parse(std::string_view text);

    const Field* find(std::string_view name) const;  // first, case-insensitive
    std::vector<const Field*> find_all(std::string_view name) const;
    size_t count(std::string_view name) const;
    void remove_all(std::string_view name);
    void append(std::string name, std::string value);
    void prepend(std::string name, std::string value);
    std::string serialize() const;  // "Name:value\n" per field
    bool empty() const { return m_fields.empty(); }
    const std::vector<Field>& fields() const { return m_fields; }

private:
    std::vector<Field> m_fields;
};

// True if `line` starts a header field: a name of printable ASCII other
// than ':' and space, then ':' (RFC 5322 §3.6.8 field-name).
bool is_field_start(std::string_view line);

// RFC 5322 §2.2.3 unfolding: drops the line breaks before whitespace; trims.
std::string unfold(std::string_view value);

// "Name: value", folded at whitespace so lines stay within `width` where a
// word allows; continuation lines start with a tab.
std::string fold(std::string_view name, std::string_view value, size_t width = 78);

}  // namespace mail::message
