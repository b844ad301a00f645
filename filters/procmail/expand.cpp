// expand.cpp — procmail's reader/expander (see expand.h).
//
// The Reader below is one state machine with procmail's five states
// (nothing yet, skipping blanks, normal text, double quoted, single
// quoted), its brace level for `${…}` alternatives and its skip counter.
// It writes into a flat buffer like procmail's: in an argument list each
// word ends with a NUL, so a NUL byte in the text also ends a word, exactly
// as in procmail.  Checked against Debian's procmail 3.22-27 with
// VERBOSE=on; the surprising cases are pinned in expand_test.cpp.
#include "filters/procmail/expand.h"

#include <cstdio>
#include <string>

namespace mail::procmail {
namespace {

constexpr int k_eof = -1;

enum Got { NothingYet = -1, SkippingSpace = 0, NormalText = 1, DoubleQuoted = 2, SingleQuoted = 3 };
enum class Sarg { Args = 0, Assign = 1, Joined = 2 };

bool numeric(int c) { return c >= '0' && c <= '9'; }
bool alphanum(int c) {
    return numeric(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// A value as C sees it: up to its first NUL (procmail's variables are C
// strings).
std::string_view c_string(std::string_view v) {
    auto nul = v.find('\0');
    return nul == std::string_view::npos ? v : v.substr(0, nul);
}

// Stands in for the environment when rcfile.cpp only wants to know where a
// value ends: every variable is set to a word without blanks and no program
// runs, so the reader takes the same path through the characters.
struct LexEnv final : ExpandEnv {
    std::string m_word = "x";
    std::string m_metas = "&|<>~;?*[";  // procmail's default SHELLMETAS
    std::vector<std::string> m_args;
    const std::string* get(std::string_view name) override {
        return name == "SHELLMETAS" ? &m_metas : &m_word;
    }
    std::string special(char) override { return m_word; }
    const std::vector<std::string>& args() override { return m_args; }
    std::string backquote(const Command&) override { return m_word; }
    void log(std::string_view) override {}
};

class Reader {
public:
    Reader(std::string_view in, std::size_t start, Sarg sarg, ExpandEnv& env, std::size_t limit, bool lex_only)
        : m_in(in), m_pos(start), m_sarg(sarg), m_env(env), m_limit(limit), m_lex_only(lex_only) {}

    void run();

    std::string m_out;          // procmail's buf: words NUL-terminated in Args mode
    long m_all_args = -1;       // procmail's All_args: where "$@" was seen
    bool m_overflow = false;
    bool m_unterminated = false;
    std::size_t m_end = 0, m_next = 0;

private:
    int get() {
        if (m_pos < m_in.size()) {
            m_last_was_eof = false;
            return static_cast<unsigned char>(m_in[m_pos++]);
        }
        m_last_was_eof = true;
        return k_eof;
    }
    void emit(char c) {
        if (m_limit && m_out.size() >= m_limit) {
            mark_overflow();
            return;
        }
        m_out.push_back(c);
    }
    void mark_overflow() {
        if (!m_overflow) {
            m_overflow = true;
            m_skip |= 1;  // like procmail: no more programs once the line overflowed
        }
    }
    void unexpected_eol() {
        m_unterminated = true;
        if (!m_lex_only) m_env.log("Unexpected EOL");
    }
    void finish() {
        if (m_got != SkippingSpace || m_sarg != Sarg::Args) emit('\0');
        if (m_last_was_eof) {
            m_end = m_next = m_in.size();
        } else {
            m_end = m_pos - 1;
            m_next = m_pos;
        }
    }
    // A value: the variable's text, or nullopt when unset.
    const std::string* lookup(const std::string& name);
    // procmail's simplsplit/copyit: an unquoted value in an argument list is
    // split on blanks; anything else is copied whole.
    void put_value(std::string_view value, bool copy_always);
    // Runs the command collected since startb; true when procmail would
    // have split it with a nested readparse() (no shell metacharacter),
    // which clobbers its static `i` (see the `"` case in run()).
    bool run_backquote(std::size_t startb);

    std::string_view m_in;
    std::size_t m_pos;
    Sarg m_sarg;
    ExpandEnv& m_env;
    std::size_t m_limit;
    bool m_lex_only;
    bool m_last_was_eof = false;

    int m_got = NothingYet;
    int m_bracelev = 0, m_qbracelev = 0;
    int m_skip = 0;  // procmail's skiprc: bit 0 no programs, +2 per skipped ${…} word
    // The one pending skipped ${name:-word}: where its output started.
    bool m_skipback_set = false;
    std::size_t m_skipback = 0;
    int m_skipbracelev = 0;
    int m_bracegot = 0;
    std::optional<std::string> m_oldvalue;
    std::string m_valuebuf;
};

const std::string* Reader::lookup(const std::string& name) {
    if (m_skip) return nullptr;  // procmail does not look while skipping
    if (name.empty()) return nullptr;
    if (numeric(name[0])) {
        int j = name[0] - '0';
        if (j == 0) {
            m_valuebuf = m_env.special('0');
            return &m_valuebuf;
        }
        const auto& args = m_env.args();
        if (static_cast<std::size_t>(j) <= args.size()) return &args[static_cast<std::size_t>(j - 1)];
        return nullptr;
    }
    return m_env.get(name);
}

void Reader::put_value(std::string_view value, bool copy_always) {
    value = c_string(value);
    if (!copy_always && m_got != DoubleQuoted && m_sarg == Sarg::Args) {
        for (char c : value) {
            if (c == ' ' || c == '\t' || c == '\n') {
                if (m_got > SkippingSpace) {
                    emit('\0');
                    m_got = SkippingSpace;
                }
                continue;
            }
            emit(c);
            m_got = NormalText;
        }
        return;
    }
    for (char c : value) emit(c);
    if (m_got <= SkippingSpace) m_got = NormalText;
}

bool Reader::run_backquote(std::size_t startb) {
    std::string text = m_out.substr(startb);
    m_out.resize(startb);
    if (m_skip) return false;  // not run while skipping or after an overflow
    std::string_view cmdtext = c_string(text);
    Command cmd;
    const std::string* metas = m_env.get("SHELLMETAS");
    cmd.shell = has_shell_metas(cmdtext, metas ? std::string_view(*metas) : std::string_view());
    bool metas_found = cmd.shell;
    if (!cmd.shell) {
        // procmail splits the words itself (and expands them once more).
        ExpandedArgs a = expand_args(cmdtext, m_env, m_limit ? m_limit : 0);
        if (a.overflow || a.words.front() == "test") {
            cmd.shell = true;
        } else {
            cmd.argv = insert_all_args(a, m_env.args());
        }
    }
    if (cmd.shell) cmd.text = std::string(cmdtext);
    std::string output = m_env.backquote(cmd);
    for (char c : c_string(output)) emit(c);
    return !metas_found;
}

void Reader::run() {
    int i = 0;
    bool pending = false;  // procmail's "newchar": i already holds the next character
    std::string name;
    for (;;) {
        if (!pending) i = get();
        pending = false;
        const std::string* value = nullptr;
        bool have_value = false;     // a substitution to put (simplsplit/copyit)
        bool copy_always = false;    // $$ $? $# $= are copied, never split
        switch (i) {
        case k_eof:
            if (m_sarg != Sarg::Joined && m_got > NormalText) unexpected_eol();
            finish();
            return;
        case '\\': {
            if (m_got == SingleQuoted) goto nodelim;
            i = get();
        escaped_char:
            switch (i) {
            case k_eof:
                unexpected_eol();
                finish();
                return;
            case '\n':
                continue;  // backslash-newline joins the lines
            case '#':
                if (m_got > SkippingSpace) goto noesc;  // not at a word's start: literal \#
                [[fallthrough]];
            case ' ':
            case '\t':
            case '\'':
                if (m_got == DoubleQuoted) goto noesc;
                [[fallthrough]];
            case '"':
            case '\\':
            case '$':
            case '`':
                goto nodelim;
            case '}':
                if ((m_got <= NormalText && m_bracelev) || (m_got == DoubleQuoted && m_bracelev > m_qbracelev))
                    goto nodelim;
                break;
            default:
                break;
            }
            if (m_got > NormalText) {
            noesc:
                emit('\\');
            }
            goto nodelim;
        }
        case '`': {
            if (m_got == SingleQuoted) goto nodelim;
            std::size_t startb = m_out.size();
            for (;;) {
                i = get();
                bool run_it = false;
                switch (i) {
                case '"':
                    if (m_got != DoubleQuoted) break;
                    run_it = true;  // a `"` ends an unclosed backquote inside "…"
                    break;
                case k_eof:
                case '`':
                    run_it = true;
                    break;
                case '\\': {
                    int c = get();
                    if (c == k_eof) {
                        unexpected_eol();
                        i = k_eof;
                        run_it = true;
                        break;
                    }
                    if (c == '\n') continue;
                    if ((c == '"' && m_got == DoubleQuoted) || c == '\\' || c == '$' || c == '`') {
                        emit(static_cast<char>(c));
                        continue;
                    }
                    emit('\\');
                    emit(static_cast<char>(c));
                    continue;
                }
                default:
                    break;
                }
                if (run_it) break;
                emit(static_cast<char>(i));
            }
            if (i == k_eof) m_unterminated = true;
            bool nested = run_backquote(startb);
            if (m_got != DoubleQuoted) {
                // the output is split (argument list) or copied (elsewhere)
                std::string output = m_out.substr(startb);
                m_out.resize(startb);
                put_value(output, false);
                continue;
            }
            // procmail means a `"` that ended the backquote to end the "…"
            // too, but its nested readparse() has overwritten the character
            // by then: only a shell command (no nested parse) ends it
            if ((i == '"' && !nested) || m_got <= SkippingSpace) m_got = NormalText;
            continue;
        }
        case '"':
            switch (m_got) {
            case DoubleQuoted:
                if (m_qbracelev < m_bracelev) goto nodelim;  // still inside a ${…}
                m_got = NormalText;
                continue;
            case SingleQuoted:
                goto nodelim;
            default:
                break;
            }
            m_qbracelev = m_bracelev;
            m_got = DoubleQuoted;
            continue;
        case '\'':
            switch (m_got) {
            case DoubleQuoted:
                goto nodelim;
            case SingleQuoted:
                m_got = NormalText;
                continue;
            default:
                break;
            }
            m_got = SingleQuoted;
            continue;
        case '}':
            if ((m_got <= NormalText && m_bracelev) || (m_got == DoubleQuoted && m_bracelev > m_qbracelev)) {
                m_bracelev--;
                if (m_skipback_set && m_bracelev == m_skipbracelev) {
                    // the end of a ${name:-word} whose word was not wanted:
                    // drop what it produced and put the variable instead
                    m_skip -= 2;
                    if (m_out.size() > m_skipback) m_out.resize(m_skipback);
                    m_skipback_set = false;
                    m_got = m_bracegot;
                    m_valuebuf = m_oldvalue ? *m_oldvalue : std::string();
                    value = &m_valuebuf;
                    have_value = true;
                    break;
                }
                continue;
            }
            goto nodelim;
        case '#':
            if (m_got > SkippingSpace) goto nodelim;
            while ((i = get()) != k_eof && i != '\n') {
            }
            finish();
            return;
        case '$': {
            if (m_got == SingleQuoted) goto nodelim;
            name.clear();
            i = get();
            switch (i) {
            case k_eof:
                emit('$');
                m_got = NormalText;
                finish();
                return;
            case '@':
                if (m_got != DoubleQuoted) {
                    // "$@" needs the quotes; unquoted, procmail drops the `$`
                    if (m_got <= SkippingSpace) m_got = NormalText;
                    pending = true;
                    continue;
                }
                if (!m_skip) m_all_args = static_cast<long>(m_out.size());
                continue;
            case '{': {
                while ((i = get()) != k_eof && alphanum(i)) name.push_back(static_cast<char>(i));
                bool bad = numeric(name.empty() ? 0 : name[0]) && name.size() > 1;
                const std::string* v = bad ? nullptr : lookup(name);
                bool noalt = false, doalt = false;
                if (!bad) {
                    switch (i) {
                    case ':': {
                        int c = get();
                        if (c == '-') {
                            if (v && !c_string(*v).empty()) noalt = true;
                            else doalt = true;
                        } else if (c == '+') {
                            if (v && !c_string(*v).empty()) doalt = true;
                            else noalt = true, v = nullptr;
                        } else {
                            bad = true;
                        }
                        break;
                    }
                    case '+':
                        if (v) doalt = true;
                        else noalt = true;
                        break;
                    case '-':
                        if (v) noalt = true;
                        else doalt = true;
                        break;
                    case '}':
                        m_valuebuf = v ? *v : std::string();
                        value = &m_valuebuf;
                        have_value = true;
                        break;
                    default:
                        bad = true;
                        break;
                    }
                }
                if (bad) {
                    // the character after the name is gone too, as in procmail
                    if (!m_lex_only) m_env.log("Bad substitution of \"" + std::string(c_string(name)) + "\"");
                    continue;
                }
                if (noalt || doalt) {
                    if (noalt && !m_skip) {
                        m_skip += 2;
                        m_skipback_set = true;
                        m_skipback = m_out.size();
                        m_skipbracelev = m_bracelev;
                        m_oldvalue = v ? std::optional<std::string>(*v) : std::nullopt;
                        m_bracegot = m_got;
                    }
                    m_bracelev++;
                    continue;
                }
                i = 0;
                break;
            }
            case '$':
            case '?':
            case '#':
            case '=':
                m_valuebuf = m_env.special(static_cast<char>(i));
                value = &m_valuebuf;
                have_value = true;
                copy_always = true;
                i = 0;
                break;
            case '_':
            case '-':
                m_valuebuf = m_env.special(static_cast<char>(i));
                value = &m_valuebuf;
                have_value = true;
                i = 0;
                break;
            default: {
                bool quoted = false;
                if (numeric(i)) {
                    name.push_back(static_cast<char>(i));
                    i = 0;
                } else {
                    if (i == '\\') {
                        quoted = true;
                        i = get();
                    }
                    if (!alphanum(i)) {
                        emit('$');  // not a substitution: pretend nothing happened
                        if (m_got <= SkippingSpace) m_got = NormalText;
                        if (quoted) goto escaped_char;
                        pending = true;
                        continue;
                    }
                    do name.push_back(static_cast<char>(i));
                    while ((i = get()) != k_eof && alphanum(i));
                    if (i == k_eof) i = 0;
                }
                const std::string* v = lookup(name);
                if (quoted) {
                    // $\name: a regex that matches the value literally
                    for (char c : regex_escape(c_string(v ? std::string_view(*v) : std::string_view())))
                        emit(c);
                    if (m_got <= SkippingSpace) m_got = NormalText;
                    if (i) pending = true;
                    continue;
                }
                m_valuebuf = v ? *v : std::string();
                value = &m_valuebuf;
                have_value = true;
                break;
            }
            }
            if (have_value) {
                put_value(*value, copy_always);
                have_value = false;
            }
            if (i) pending = true;
            continue;
        }
        case ' ':
        case '\t':
            switch (m_got) {
            case NormalText:
                if (m_sarg == Sarg::Assign) {
                    finish();
                    return;
                }
                m_got = SkippingSpace;
                emit(m_sarg == Sarg::Args ? '\0' : ' ');
                continue;
            case NothingYet:
            case SkippingSpace:
                continue;
            default:
                break;
            }
            goto nodelim;
        case '\n':
            if (m_got <= NormalText) {
                finish();
                return;
            }
            goto nodelim;
        default:
            goto nodelim;
        }
        // a `}` that closed a skipped ${…} puts its variable here
        if (have_value) {
            put_value(*value, copy_always);
            continue;
        }
        continue;
    nodelim:
        emit(static_cast<char>(i));
        if (m_got <= SkippingSpace) m_got = NormalText;
    }
}

ExpandedArgs words_of(const Reader& r) {
    ExpandedArgs a;
    a.overflow = r.m_overflow;
    std::string word;
    for (std::size_t k = 0; k < r.m_out.size(); ++k) {
        char c = r.m_out[k];
        if (c == '\0') {
            if (static_cast<long>(k) == r.m_all_args) a.all_args_word = static_cast<int>(a.words.size());
            a.words.push_back(std::move(word));
            word.clear();
        } else {
            word.push_back(c);
        }
    }
    if (!word.empty()) a.words.push_back(std::move(word));  // cut by the limit
    if (a.words.empty()) a.words.emplace_back();
    return a;
}

ExpandedText text_of(const Reader& r) {
    ExpandedText t;
    t.overflow = r.m_overflow;
    t.text = std::string(c_string(r.m_out));
    return t;
}

}  // namespace

ExpandedText expand_assignment(std::string_view raw, ExpandEnv& env, std::size_t limit) {
    Reader r(raw, 0, Sarg::Assign, env, limit, false);
    r.run();
    return text_of(r);
}

ExpandedArgs expand_args(std::string_view raw, ExpandEnv& env, std::size_t limit) {
    Reader r(raw, 0, Sarg::Args, env, limit, false);
    r.run();
    return words_of(r);
}

ExpandedText expand_joined(std::string_view text, ExpandEnv& env, std::size_t limit) {
    Reader r(text, 0, Sarg::Joined, env, limit, false);
    r.run();
    return text_of(r);
}

ExpandedText expand_condition(std::string_view text, ExpandEnv& env, std::size_t limit) {
    // misc.c conditions(): the `$` is replaced by `"` and the line is read
    // with sarg=2; the result's leading blanks are skipped.
    std::string quoted;
    quoted.reserve(text.size() + 1);
    quoted.push_back('"');
    quoted.append(text);
    ExpandedText t = expand_joined(quoted, env, limit);
    std::size_t k = t.text.find_first_not_of(" \t");
    t.text.erase(0, k == std::string::npos ? t.text.size() : k);
    return t;
}

std::vector<std::string> insert_all_args(const ExpandedArgs& expanded, const std::vector<std::string>& args) {
    std::vector<std::string> out;
    out.reserve(expanded.words.size() + args.size());
    for (std::size_t k = 0; k < expanded.words.size(); ++k) {
        if (static_cast<int>(k) == expanded.all_args_word && !args.empty()) {
            out.insert(out.end(), args.begin(), args.end());
        } else {
            out.push_back(expanded.words[k]);
        }
    }
    return out;
}

Command make_command(std::string_view raw, std::string_view metas, ExpandEnv& env, std::size_t limit) {
    Command cmd;
    std::string_view text = c_string(raw);
    cmd.shell = has_shell_metas(text, metas);
    if (!cmd.shell) {
        ExpandedArgs a = expand_args(text, env, limit);
        // procmail leaves an overflowing line, and `test`, to the shell
        if (a.overflow || a.words.front() == "test") {
            cmd.shell = true;
        } else {
            cmd.argv = insert_all_args(a, env.args());
        }
    }
    if (cmd.shell) cmd.text = std::string(text);
    return cmd;
}

bool has_shell_metas(std::string_view raw, std::string_view metas) {
    raw = c_string(raw);
    metas = c_string(metas);
    return !metas.empty() && raw.find_first_of(metas) != std::string_view::npos;
}

std::string regex_escape(std::string_view value) {
    static constexpr std::string_view k_specials = "(|)*?+.^$[\\";
    std::string out = "()";
    out.reserve(value.size() * 2 + 2);
    for (char c : value) {
        if (k_specials.find(c) != std::string_view::npos) out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

Extent scan_extent(std::string_view text, std::size_t start, ScanMode mode) {
    // Most values are plain: up to the newline there is no quote, escape,
    // substitution or comment, and (for an assignment) no blank.  The
    // reader would stop at that newline; say so without running it.
    std::string_view plain_stops = mode == ScanMode::Assign ? "\n\\`\"'#$ \t" : "\n\\`\"'#$";
    std::size_t stop = text.find_first_of(plain_stops, start);
    if (stop == std::string_view::npos) return {text.size(), text.size(), false};
    if (text[stop] == '\n') return {stop, stop + 1, false};

    LexEnv lex;
    Reader r(text, start, mode == ScanMode::Assign ? Sarg::Assign : Sarg::Args, lex, 0, true);
    r.run();
    Extent e;
    e.end = r.m_end;
    e.next = r.m_next;
    e.unterminated_quote = r.m_unterminated;
    return e;
}

}  // namespace mail::procmail
