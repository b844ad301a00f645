// rcfile.h — procmail's rcfile text → items (assignments, recipes, braces)
// with 1-based line numbers and parse diagnostics.
//
// procmail 3.22 lexes its rcfile while it runs; we parse the whole file
// first.  The result is the same because where procmail's reader stops
// depends only on the characters (quotes, backslashes, `${…}` braces,
// backquotes, comments), never on a variable's value: every piece that
// procmail expands at run time is kept here as raw text, and expand.h
// expands it with the same state machine.  (Two rare corners depend on
// values in procmail — a `#` right after an empty expansion, a `"` ending a
// backquote under a changed SHELLMETAS — see docs/procmail.md "Corners
// where we differ".)
//
// The parse is as forgiving as procmail: nothing is rejected.  Bare words
// become Unset items, garbage becomes a Skipped item (procmail logs
// `Skipped "…"` when it passes it), a `}` with no open block is a CloseBrace
// item marked stray, a `}` action is a folder named `}`.  What procmail only
// notices at run time, or never, is also listed in `diagnostics` for lint.h.
//
// The items are flat (a block's body is the items between its Recipe and its
// CloseBrace), so 10,000 nested braces need no recursion to parse, walk or
// destroy.
//
// The texts of the items (names, values, conditions, actions) are views
// into a copy of the rcfile that the ParsedRcfile holds (RcfileSource):
// procmail parses the whole rcfile for every message, and one string per
// condition and action was most of the parse's cost.  The few texts that
// are not a piece of the file (lines joined at a backslash, a folder name
// written with other blanks than one space) are kept there too.  A copy of
// a ParsedRcfile shares the source; the views live as long as any copy.
//
// SECURITY: the input is a user's file (or, for the fuzzer, any bytes):
// every byte value, NUL included, any line length and any nesting depth are
// handled without recursion and without reading out of bounds.  Nothing is
// expanded or run here.
// STANDARDS: none; procmailrc(5) of procmail 3.22 and the behaviour of
// Debian's procmail 3.22-27 (../shared/reference/procmail.md §1.3–§1.7).
#pragma once

#include <cstddef>
#include <forward_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mail::procmail {

// The recipe flag characters procmail knows (config.h RECFLAGS).
inline constexpr std::string_view k_recipe_flags = "HBDAahbfcwWiEer";

enum class LockKind {
    None,      // `:0`
    Implicit,  // `:0:`  — lock on <folder>$LOCKEXT, or the word after `>>` of a pipe
    Explicit,  // `:0:name`, `:0 : name` — lock_name (relative to MAILDIR)
};

// What procmail takes from a recipe's header line after expanding it as an
// argument list (procmail.c mainloop: strtol, then the flag loop).
struct HeaderFields {
    // The number after `:` (procmail's strtol, including its int
    // truncation); -1 when none was written (`:fw`).  0 counts the `*`
    // lines; N > 0 is the old syntax (the next N lines are conditions).
    int count = -1;
    std::string flags;    // known flag characters, as written (repeats kept)
    std::string skipped;  // text from the first unknown character on, words
                          // joined by one space: procmail logs `Skipped "…"`
                          // and ignores it, including any flags and `:` in it
    LockKind lock = LockKind::None;
    std::string lock_name;  // Explicit only

    bool has(char flag) const { return flags.find(flag) != std::string::npos; }
    // How many lines of the old syntax are conditions whether or not they
    // start with `*`: `count` if ≥ 0, else 1 unless A/a/E/e is set (then 0).
    int legacy_conditions() const;
};

// The fields of a header from its expanded words (expand_args(raw).words).
HeaderFields parse_header_words(const std::vector<std::string>& words);

struct RecipeHeader {
    int line = 0;
    // Everything after the `:` up to the end of the header (comment and
    // backslash-newlines included, the newline itself excluded).  An
    // argument-list context: expand_args(raw).
    std::string_view raw;
    // raw contains `$` or a backquote: procmail expands the header before it
    // reads the flags, so the engine must recompute
    // parse_header_words(expand_args(raw, env).words) at run time.  `fields`
    // then holds the parse with every variable unset and no backquote run
    // (which is what decided how many old-syntax condition lines there are).
    bool dynamic = false;
    HeaderFields fields;
};

struct Condition {
    int line = 0;  // where it starts (continuations may follow)
    // The text after `*` and the blanks after it (old syntax: the line
    // after its leading blanks), read as procmail's getlline() does: a line
    // ending in `\` keeps the `\` and continues with a newline; a line that
    // is only `\` becomes a newline.  Trailing blanks are stripped (misc.c
    // conditions()).  The prefixes (weight, `!`, `$`, `?`, `<`, `>`,
    // `VAR ??`) are left for parse_condition().
    std::string_view text;
    bool legacy = false;  // one of a `:N` recipe's counted lines without `*`
};

enum class ActionKind {
    Folder,         // words: folder name(s) (several: hard links)
    Pipe,           // `| cmd` (a filter with `f`, a capture with `capture`)
    Forward,        // `! addresses`
    Block,          // `{` … `}`
    MissingAction,  // a blank line, then a `:` line: procmail logs "Missing
                    // action"; the conditions were evaluated and the recipe
                    // counts as not matched; the `:` line is the next recipe
    Incomplete,     // end of file instead of an action: procmail logs
                    // "Incomplete recipe" (the conditions were evaluated)
};

struct Action {
    ActionKind kind = ActionKind::Incomplete;
    int line = 0;
    // Folder: the argument text (expand_args), e.g. `$MAILDIR/box other`.
    // Forward: the text after `!` (expand_args; "$@" allowed).
    // Pipe: the command after `|`, leading blanks kept, in getlline form
    //   (like Condition::text, trailing blanks kept); make_command() decides
    //   shell or exec.  Only blanks → the message goes to stdout.
    std::string_view text;
    // `VAR=| cmd` (also `VAR=! addr`, which procmail runs as a capture of
    // $SENDMAIL's output): the variable that receives the output.
    std::string_view capture;
    // Block: index in ParsedRcfile::items of the matching CloseBrace, or
    // items.size() when the file ends first.  The body is the items in
    // between.
    std::size_t block_end = 0;
};

struct Recipe {
    RecipeHeader header;
    std::span<const Condition> conditions;  // in RcfileSource::conditions
    Action action;
};

enum class ItemKind {
    Assign,      // NAME=value: name, value (raw, for expand_assignment)
    Unset,       // a bare NAME: procmail removes the variable
    Recipe,      // recipe
    CloseBrace,  // `}`: open (index of its Block recipe) or stray
    Skipped,     // text procmail skips, logging `Skipped "value"`
};

struct Item {
    ItemKind kind = ItemKind::Skipped;
    int line = 0;      // first line of the item
    std::string_view name;  // Assign, Unset
    // Assign: the raw value after `=` and the blanks after it, up to the
    // first unquoted blank or newline: procmail reads one word
    // (`B=two words` → value "two", then Unset "words").
    // Skipped: the text procmail logs.
    std::string_view value;
    Recipe recipe;               // Recipe
    bool stray = false;          // CloseBrace with no open block in this file
    std::size_t open = 0;        // CloseBrace (not stray): index of its Recipe
};

enum class ParseIssue {
    StrayBrace,         // `}` with no open block ("Closing brace unexpected")
    UnterminatedBlock,  // `{` still open at the end ("Missing closing brace");
                        // line = the recipe's header line
    MissingAction,      // see ActionKind::MissingAction
    IncompleteRecipe,   // see ActionKind::Incomplete
    SkippedText,        // a Skipped item or a header's skipped text
    UnterminatedQuote,  // a quote or backquote still open at the end of the
                        // file ("Unexpected EOL" at run time)
    LegacyCountPastEof, // `:N` asks for more condition lines than the file
                        // has (procmail would spin reading empty lines;
                        // we stop at the end)
};

struct ParseDiagnostic {
    int line = 0;
    ParseIssue issue = ParseIssue::SkippedText;
    std::string text;  // the offending text (may be empty)
};

// What the views of the items point into (see the file comment).
struct RcfileSource {
    std::string text;                    // the rcfile
    std::forward_list<std::string> made;  // texts built by the parser
    std::vector<Condition> conditions;   // every recipe's, in file order
};

struct ParsedRcfile {
    std::shared_ptr<const RcfileSource> source;
    std::vector<Item> items;
    std::vector<ParseDiagnostic> diagnostics;  // in line order
    // Per physical line (index 0 = line 1): its length in bytes without the
    // newline, for LINEBUF checks.
    std::vector<std::size_t> line_lengths;
    // Lines whose last byte before the newline is a CR (a DOS file): procmail
    // does not take it for a blank.
    std::vector<int> cr_lines;
};

// Parse a whole rcfile.  Never fails; see the file comment.  The text is
// copied (parse_rcfile_moved: taken) into the result's source.
ParsedRcfile parse_rcfile(std::string_view text);
ParsedRcfile parse_rcfile_moved(std::string text);

// ---- conditions -----------------------------------------------------------

enum class ConditionKind {
    Regex,    // body: the regular expression (continuations squeezed:
              // backslash-newline pairs removed with the next line's
              // leading blanks), macros (^TO_ …) not yet substituted
    Dollar,   // `$ text`: body = text; expand_condition(body), then call
              // parse_condition(expanded, parts) to continue
    Program,  // `? cmd`: body = cmd, leading blank kept (make_command)
    Less,     // `< n` / `> n`: body = the whole `<…` text; procmail expands
    Greater,  //   it (expand_joined) and reads a number; the rest is
              //   logged as Skipped
};

enum class AreaKind {
    Default,   // the header, the body or both, as the H/B flags say
    Header,    // `H ??`
    Body,      // `B ??`
    Message,   // `HB ??` / `BH ??`
    Variable,  // `NAME ??`: area_name's value
};

struct ConditionParts {
    bool weighted = false;  // `w^x` seen (the last one counts)
    double weight = 0;
    double exponent = 0;
    bool negate = false;  // an odd number of `!`
    AreaKind area = AreaKind::Default;
    std::string area_name;  // Variable
    ConditionKind kind = ConditionKind::Regex;
    std::string body;
};

// Split one condition text (Condition::text, or the expansion of a Dollar
// body with the parts so far in `carry`) the way misc.c conditions() does:
// any mix of `w^x` weights, `!` and `NAME ??` prefixes, then one kind.
ConditionParts parse_condition(std::string_view text, ConditionParts carry = {});

// procmail's squeeze(): drop each backslash-newline pair and the blanks that
// start the following line.
std::string squeeze_continuations(std::string_view text);

}  // namespace mail::procmail
