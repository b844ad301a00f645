// regex.h — procmail 3.22's regular expressions (procmailrc(5) "Extended
// regular expressions"), with procmail's exact results.
//
// procmail matches with its own NFA (src/regexp.c, rev 1.64).  Its dialect
// and its answers differ from POSIX and PCRE in ways rcfiles rely on:
// `^`/`$` consume a newline, the area has a virtual newline before and after
// it, `\c` is always the literal c, `{}` are literal, matching is
// leftmost-shortest, and `\/` hands the text after it to $MATCH.  The full
// list, and how we reproduce it, is in docs/procmail.md "Regex dialect".
//
// How: every pattern is parsed once, the way procmail parses it, into
//   - a PCRE2 pattern (8-bit, no UTF, JIT) that answers "does it match" and
//     finds match ends for weighted scoring, and
//   - a copy of procmail's automaton, run only where procmail's answer depends
//     on its thread order: `\/` extraction (MATCH) and patterns containing
//     `\/` (the split point changes what such a pattern accepts), and as the
//     fallback when PCRE2 hits its resource limits.
//
// SECURITY: patterns come from the user's rcfile (or from a variable it
// expands), areas are hostile mail.  Nothing here can run unbounded: PCRE2
// runs under match/depth/heap limits, the automaton under a step budget;
// hitting either is reported (gave_up) and counts as "no match", which the
// engine logs.  Patterns are truncated at the first NUL, as procmail's C
// strings are.  Not thread-safe: one Regex is used by one thread at a time
// (it keeps its PCRE2 match data).
//
// STANDARDS: none; compatibility target is Debian's procmail 3.22-27.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/util/result.h"

namespace mail::procmail {

// procmail's four condition macros, substituted as procmail does: keys are
// looked for in the order ^FROM_DAEMON, ^TO_, ^TO, ^FROM_MAILER; only the
// first occurrence of a key is considered, it is left alone when a backslash
// precedes it (and then that key is not looked for again), and the search
// restarts from the first key after every substitution.  *force_insensitive
// (if non-null) is set when ^FROM_DAEMON was substituted: procmail then
// matches case-insensitively even under the D flag.  after_backslash: the
// condition quoted its first character with a backslash that procmail's
// condition parser dropped (`* \^TO_x`, `* !\^TO_x`): procmail still sees
// that backslash, so a key at the very start is not substituted.
std::string substitute_macros(std::string_view pattern, bool* force_insensitive, bool after_backslash = false);

namespace regex_detail {
struct Program;  // procmail's automaton (regex.cpp)
struct Pcre;     // the PCRE2 side (regex.cpp)
}  // namespace regex_detail

class Regex {
public:
    // pattern: the condition text as procmail sees it after its own
    // line handling (leading/trailing blanks stripped, backslash-newlines
    // squeezed), macros NOT yet substituted: compile() does it.
    // case_sensitive: the recipe's D flag (^FROM_DAEMON overrides it).
    // after_backslash: see substitute_macros().  (procmail drops one
    // backslash at the start of a condition — `* \!x` is the regex `!x` —
    // that is the engine's job; pass the pattern without it.)
    //
    // procmail never refuses a pattern: for an unbalanced `(` or `)` it logs
    // `Invalid regexp "<pattern>"` and goes on matching with what it parsed
    // (`a)b` matches like `a`, `(a` like `a`).  So compile() succeeds for
    // those too and warning() says why procmail would log; the caller logs.
    // compile() fails only when the pattern is too large to handle
    // (EX_SOFTWARE) — procmail's LINEBUF keeps real ones far below that.
    static Result<Regex> compile(std::string_view pattern, bool case_sensitive, bool after_backslash = false);

    Regex(Regex&&) noexcept;
    Regex& operator=(Regex&&) noexcept;
    ~Regex();

    bool has_extraction() const;  // the parsed pattern contains \/
    // Non-empty when procmail logs `Invalid regexp` for this pattern.
    const std::string& warning() const { return m_warning; }
    // procmail 3.22 can loop forever on this pattern: an epsilon cycle (e.g.
    // `(\/)+`, or nullable loops its clean-up misses) survives in its
    // program, and its matcher spins when a thread reaches it.  We answer
    // instead (PCRE2, or the automaton giving up); the engine may warn.
    bool procmail_spins() const;
    // The pattern after macro substitution (what procmail compiles).
    const std::string& expanded() const { return m_expanded; }

    // Search `area` (the exact bytes procmail searches: the header with
    // continuations joined, the body, or a variable's value).  Returns
    // whether it matched; when it matched and has_extraction(), *match
    // (if non-null) receives the new value of MATCH, byte-exact to procmail
    // (cut at a NUL, as an environment string is).  *gave_up (if non-null)
    // is set when a resource limit stopped the search (the result is then
    // "no match"); it is left alone otherwise.
    bool search(std::string_view area, std::string* match = nullptr, bool* gave_up = nullptr) const;

    // Weighted scoring (procmailsc(5)): the successive matches procmail
    // counts — each search starts where the previous match ended, and the
    // empty match at the end of the area counts too (`1^1 ^.*$` gives
    // lines + 1).  Calls on_match(empty) for each match in order (empty:
    // the match ended where it started, after which procmail stops); stops
    // when it returns false.  Returns the number of matches reported.  With
    // \/, *match receives MATCH after the last match (procmail sets it on
    // every one).
    long for_each_match(std::string_view area, const std::function<bool(bool empty)>& on_match,
                        std::string* match = nullptr, bool* gave_up = nullptr) const;

    // For tests and the fuzzer: the same search done by procmail's
    // automaton alone, without PCRE2.  Must always agree with search().
    bool search_automaton(std::string_view area, std::string* match = nullptr,
                          bool* gave_up = nullptr) const;
    // The automaton's budget in node visits per search: base + per_byte ×
    // area size (default 50M + 400/byte).  procmail's own matcher is
    // exponential on some nested empty alternatives and loops; past the
    // budget a search gives up.  For tests and fuzzing; process-wide.
    static void set_step_budget(uint64_t base, uint64_t per_byte);
    // The PCRE2 pattern (tests, --explain).  Empty when PCRE2 is not used.
    const std::string& pcre_pattern() const {
        ensure_compiled();
        return m_pcre_pattern;
    }
    // Bytes every match must contain (the longest run of plain characters
    // that the pattern's top level requires), or "" when there is no such
    // run or the pattern is not simple enough to tell.  When the searched
    // area does not contain it (ignoring ASCII case unless D), the pattern
    // cannot match and search() answers at once, without compiling: a
    // procmail run compiles each pattern for one small header, and most
    // patterns of a big rcfile do not match.
    static std::string required_literal(std::string_view expanded);
    const std::string& literal() const { return m_literal; }
    // Not compiled yet, and `area` lacks the required literal: search()
    // answers "no match" for it without compiling (the engine then does
    // not keep the pattern).
    bool absent_uncompiled(std::string_view area) const { return m_deferred && literal_absent(area); }

private:
    Regex();
    // One search as procmail's bregexec() does it, from area offset `from`
    // (the rest of the area after a scoring match).  Returns the area offset
    // procmail returns (may be from-1 or past the end), or no value.
    struct Hit {
        bool matched = false;
        long end = 0;        // procmail's returned pointer, as an area offset
        bool set_match = false;
        std::string match;
    };
    Hit run_automaton(std::string_view area, size_t from, bool want_match, bool* gave_up) const;
    // subject: "\n" + area + "\n" (the virtual newlines made real).
    Hit run_pcre(std::string_view area, const std::string& subject, size_t from, bool want_end,
                 bool* fallback) const;
    Hit run_one(std::string_view area, const std::string& subject, size_t from, bool want_end,
                bool want_match, bool* gave_up) const;

    // Builds the automaton program and the PCRE2 side.  compile() defers it
    // for a pattern with a required literal until a search finds that
    // literal; such a pattern has balanced parentheses and no \/, so
    // warning() and has_extraction() are known without it.
    static Result<Regex> compile_now(std::string expanded, bool fold);
    void ensure_compiled() const;
    bool literal_absent(std::string_view area) const;

    mutable std::unique_ptr<regex_detail::Program> m_program;
    mutable std::unique_ptr<regex_detail::Pcre> m_pcre;
    std::string m_expanded;
    std::string m_warning;
    mutable std::string m_pcre_pattern;
    std::string m_literal;          // see required_literal(); lower case when matching ignores case
    mutable bool m_deferred = false;  // compile_now() has not run yet
    bool m_empty = false;
    mutable bool m_prepared = false;  // prepare_automaton() has run
    void prepare_automaton() const;
    bool m_fold_text = false;  // matching ignores case: the text is lowered byte by byte  // empty after substitution: egrepin() matches without searching
};

}  // namespace mail::procmail
