// fields.h — formail's header fields: how a line is recognised as a field,
// and the lists formail keeps them in.
//
// formail's notion of a field is its own, not RFC 5322's, and every byte of
// its output depends on it (reference procmail.md §2):
//  * A field name is a run of non-control bytes ending in ':' — blanks are
//    allowed only right before the colon ("Subject :" is a field, "X Y: z"
//    is not).  "From " followed by anything is the mbox From_ line, a field
//    of its own whose name is the five bytes "From ".
//  * A field is its first line plus every following line that starts with a
//    blank (for a From_ line: every following line that starts with '>').
//  * Names given on the command line may be partial ("X-" matches every
//    X-… field): a name matches a field when it is a prefix of the field's
//    name, compared without regard to ASCII case.
//
// SECURITY: header bytes are untrusted; nothing here assumes a field is
// short, printable, or free of NUL bytes.
// STANDARDS: RFC 822 §3.1 field syntax as formail approximates it; RFC 4155
// (the From_ line).
#pragma once

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <string_view>

namespace mail::filters::formail {

constexpr std::string_view k_from_ = "From ";  // the mbox separator, formail's FROM

// One field: its bytes (normally ending in '\n') and the length of its name
// including the colon (5 for a From_ line; 0 only for the placeholder of an
// "Article " line until it is renamed).
struct Field {
    std::string text;
    size_t id_len = 0;

    std::string_view name() const { return std::string_view(text).substr(0, id_len); }
    bool is_from_line() const { return text.compare(0, k_from_.size(), k_from_) == 0; }
};

// Where the field name in `line` ends: > 0 is the name's length including
// the colon (or 5 for "From "); 0 means the line cannot start a field; a
// negative value −n means the first n bytes look like the beginning of a
// name that was cut short (the end of `line`, a control byte or a blank not
// followed by a colon), which the command line accepts as a partial name.
int break_field(std::string_view line);

// ASCII-only, like strncasecmp(3) in the C locale.
bool iequal_prefix(std::string_view a, std::string_view b, size_t n);

// A field made from text, with its name length as formail's addfield() sets
// it: the break_field() length, or its magnitude for a partial name.
Field make_field(std::string text, bool first_of_header = false);

using FieldList = std::list<Field>;

// A field named on the command line (-a -A -i -I -u -U -x -X -R) and, for
// -u/-U, the occurrence in the current header it keeps.
struct Pattern {
    Field field;
    std::optional<FieldList::iterator> keep;  // -u/-U only
    bool keep_stale = false;                  // `keep` refers to a header that is gone
};
using PatternList = std::list<Pattern>;

// The first pattern whose name is a prefix of `f`'s name (both compared up
// to the pattern's name length), or end().  With `split_partial` (the -u and
// -U lists), a partial pattern that matches a longer name first gets a new
// pattern with that full name inserted before it, so that every distinct
// name is made unique on its own.
PatternList::iterator find_pattern(const Field& f, PatternList& list, bool split_partial = false);

// The first field of `list` whose name is a prefix of `name`'s name.
FieldList::iterator find_field(const Field& name, FieldList& list);

// formail -c: every newline of a field except its last becomes a space
// (not for From_ lines).
void concatenate(Field& f);

// Renames f: the first old_len bytes of its name become new_name; a
// new_name ending in ':' replaces the whole old name.  A From_ line's
// ">From" continuations become blank continuations, and renaming to "From "
// turns blank continuations into ">" ones (formail's renfield()).
void rename_field(Field& f, size_t old_len, std::string_view new_name);

}  // namespace mail::filters::formail
