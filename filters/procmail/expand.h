// expand.h — procmail's expansions and quoting (goodies.c readparse()).
//
// One state machine reads rcfile text the way procmail does: `'…'` is
// literal; inside `"…"` a backslash escapes only `"` `\` `$` and the
// backquote; a backslash-newline joins lines; `#` at the start of a word
// starts a comment; and these substitutions, nothing else:
//   $name ${name} ${name:-w} ${name-w} ${name:+w} ${name+w} $\name
//   $# $n (one digit) $$ $? $_ $- $= "$@"
// Backquotes run through ExpandEnv::backquote().  Three contexts:
//   expand_assignment  NAME=value: one word, nothing split (procmail
//                      sarg=1): `X=$C` keeps "two   words" whole
//   expand_args        folder names, `!` addresses, exec'd commands, the
//                      recipe header: unquoted expansions are split on
//                      space, tab and newline (never IFS); "$@" is marked
//   expand_condition   the text of a `* $ …` condition: read as if inside
//                      double quotes, words joined by one space; the caller
//                      re-parses the result as a condition
//   expand_joined      the same without the opening quote (`< n`, `> n`)
// The scanner used by rcfile.h to find where procmail stops reading a value
// is the same code run without an environment (scan_extent), so parse and
// expansion cannot disagree.
//
// SECURITY: raw text comes from a user's rcfile; values come from the
// message (MATCH, captures) and may hold anything.  Nothing here runs a
// program: backquotes go to the caller, who decides shell vs exec with
// has_shell_metas() exactly as procmail does.  Output can be bounded
// (`limit`); past it, like procmail, the text is cut, `overflow` is set and
// no further backquote is run.
// STANDARDS: none; procmailrc(5) "Environment", "MISCELLANEOUS" and BUGS of
// procmail 3.22, checked against Debian's procmail 3.22-27
// (../shared/reference/procmail.md §1.3, E8).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mail::procmail {

// A program to run for a backquote, a pipe, a `?` condition or TRAP.
struct Command {
    // true: run `$SHELL $SHELLFLAGS text` (the text had a $SHELLMETAS
    // character; it is passed unexpanded, the shell expands it).
    // false: exec argv directly (procmail split and expanded it itself).
    bool shell = false;
    std::string text;               // shell: the raw command text
    std::vector<std::string> argv;  // exec: the words, "$@" already inserted
};

// What the expander needs from the interpreter.  The engine implements it;
// tests use a map.  Calls happen in text order.
struct ExpandEnv {
    virtual ~ExpandEnv() = default;
    // A variable's value; nullptr when unset (`${X-w}` tells unset from
    // empty).  Also asked for "SHELLMETAS" when a backquote is met.
    virtual const std::string* get(std::string_view name) = 0;
    // `$$` pid, `$?` last exit code, `$#` number of arguments, `$-`
    // LASTFOLDER (empty when unset), `$_` current rcfile name, `$=` last
    // score, `0` argv[0].  Always a value (never "unset").
    virtual std::string special(char c) = 0;
    // $1, $2 … (unset past the end) and "$@".
    virtual const std::vector<std::string>& args() = 0;
    // Run a backquoted command with the message on stdin; return its
    // output with ALL trailing newlines stripped, cut to what LINEBUF allows
    // (logging "Excessive output quenched from …" is the engine's job).
    virtual std::string backquote(const Command& cmd) = 0;
    // A diagnostic procmail would log, without the "procmail: " prefix and
    // the newline: `Bad substitution of "x"`, `Unexpected EOL`.
    virtual void log(std::string_view diagnostic) = 0;
};

// The static reading of a text: every variable unset, no program run,
// nothing logged (the parser's and the linter's view of an rcfile).
struct StaticEnv final : ExpandEnv {
    const std::string* get(std::string_view) override { return nullptr; }
    std::string special(char) override { return {}; }
    const std::vector<std::string>& args() override { return m_args; }
    std::string backquote(const Command&) override { return {}; }
    void log(std::string_view) override {}

private:
    std::vector<std::string> m_args;
};

struct ExpandedText {
    std::string text;
    bool overflow = false;  // the output reached `limit` and was cut
};

struct ExpandedArgs {
    std::vector<std::string> words;  // never empty: "" gives {""}
    // Index of the word that "$@" ends (procmail's All_args), or -1.  That
    // word is replaced by the arguments; with no arguments it stays (an
    // empty word for a bare "$@", as procmail 3.22 does).
    int all_args_word = -1;
    bool overflow = false;
};

// `limit`: the most bytes of output (0 = no limit).  The engine passes what
// LINEBUF leaves for the line.

ExpandedText expand_assignment(std::string_view raw, ExpandEnv& env, std::size_t limit = 0);
ExpandedArgs expand_args(std::string_view raw, ExpandEnv& env, std::size_t limit = 0);
ExpandedText expand_condition(std::string_view text, ExpandEnv& env, std::size_t limit = 0);
ExpandedText expand_joined(std::string_view text, ExpandEnv& env, std::size_t limit = 0);

// words with "$@" put in (pipes.c callnewprog()): the all_args_word-th word
// is replaced by `args` when there are any.
std::vector<std::string> insert_all_args(const ExpandedArgs& expanded, const std::vector<std::string>& args);

// procmail's metaparse(): a command text (pipe action, `?` condition, TRAP)
// runs through the shell when it contains one of `metas` ($SHELLMETAS),
// else it is expanded and split here and exec'd ("$@" inserted).  A pipe
// action whose exec words are one empty word (`|` alone, `| $EMPTY`) is
// procmail's "write the message to stdout".
Command make_command(std::string_view raw, std::string_view metas, ExpandEnv& env, std::size_t limit = 0);

// True when raw contains any character of metas (strpbrk).
bool has_shell_metas(std::string_view raw, std::string_view metas);

// `$\name`: "()" then the value with each of ( | ) * ? + . ^ $ [ \ escaped
// by a backslash, so a regex matches it literally.  "a.b*c" → "()a\.b\*c".
std::string regex_escape(std::string_view value);

// ---- for rcfile.cpp ---------------------------------------------------------

enum class ScanMode {
    Args,    // procmail sarg=0: stops at an unquoted newline (or comment end)
    Assign,  // sarg=1: also stops at the first unquoted blank after a word
};

struct Extent {
    std::size_t end = 0;   // raw text is [start, end): the terminator excluded
    std::size_t next = 0;  // where reading continues (terminator consumed)
    bool unterminated_quote = false;  // end of input inside quotes/backquotes
};

// Where procmail's reader, started at `start` in `text`, stops.
Extent scan_extent(std::string_view text, std::size_t start, ScanMode mode);

}  // namespace mail::procmail
