// regex.cpp — procmail's regex dialect: the parser, procmail's automaton and
// the PCRE2 translation (see regex.h; docs/procmail.md "Regex dialect").
//
// The facts this file follows were established by running Debian's procmail
// 3.22-27 on probes (tests/filters/test_procmail_regex.py keeps them live):
//   - the compiled program has procmail's layout, because two of its results
//     depend on it: `\/` falls through to the physically next instruction
//     (so `(\/|a)b` does not match "b"), and the order in which epsilon
//     branches are explored decides which threads carry which split point
//     (so `a+\/b*` on "aab" sets MATCH to "ab", the KNOWN_BUGS "redundant
//     operator" effect);
//   - the text is stepped one byte at a time with a virtual '\n' before the
//     area (when the search starts at a line start) and two after it (new
//     threads start on neither of those two, and a match may consume only
//     the first);
//   - a match is found at the first step where any thread finishes; with
//     `\/`, threads carry the position where they crossed it, the earliest
//     one wins, and matching goes on for the longest right part.
//
// SECURITY: see regex.h.  The automaton has a step budget; PCRE2 has match,
// depth and heap limits.  Recursion in the compiler is bounded by the
// pattern size limit (k_max_pattern).
#include "regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cstring>
#include <unordered_map>

namespace mail::procmail {

namespace {

// procmail's macro expansions (config.h), byte for byte from the Debian binary.
constexpr std::string_view k_from_daemon =
    "(^(Mailing-List:|Precedence:.*(junk|bulk|list)|To: Multiple recipients of |"
    "(((Resent-)?(From|Sender)|X-Envelope-From):|>?From )([^>]*[^(.%@a-z0-9])?("
    "Post(ma?(st(e?r)?|n)|office)|(send)?Mail(er)?|daemon|m(mdf|ajordomo)|n?uucp|"
    "LIST(SERV|proc)|NETSERV|o(wner|ps)|r(e(quest|sponse)|oot)|b(ounce|bs\\.smtp)|"
    "echo|mirror|s(erv(ices?|er)|mtp(error)?|ystem)|A(dmin(istrator)?|MMGR|utoanswer))"
    "(([^).!:a-z0-9][-_a-z0-9]*)?[%@>\t ][^<)]*(\\(.*\\).*)?)?$([^>]|$)))";
constexpr std::string_view k_to_ =
    "(^((Original-)?(Resent-)?(To|Cc|Bcc)|(X-Envelope|Apparently(-Resent)?)-To):"
    "(.*[^-a-zA-Z0-9_.])?)";
constexpr std::string_view k_to =
    "(^((Original-)?(Resent-)?(To|Cc|Bcc)|(X-Envelope|Apparently(-Resent)?)-To):"
    "(.*[^a-zA-Z])?)";
constexpr std::string_view k_from_mailer =
    "(^(((Resent-)?(From|Sender)|X-Envelope-From):|>?From )([^>]*[^(.%@a-z0-9])?("
    "Post(ma(st(er)?|n)|office)|(send)?Mail(er)?|daemon|mmdf|n?uucp|ops|r(esponse|oot)|"
    "(bbs\\.)?smtp(error)?|s(erv(ices?|er)|ystem)|A(dmin(istrator)?|MMGR))"
    "(([^).!:a-z0-9][-_a-z0-9]*)?[%@>\t ][^<)]*(\\(.*\\).*)?)?$([^>]|$))";

// Far above anything procmail's LINEBUF lets through; keeps compile-time
// recursion and memory bounded for hostile input.
constexpr size_t k_max_pattern = 256 * 1024;

// The automaton's budget: node visits per search.  procmail's own cost is the
// same order (area × pattern); this only stops pathological cases, e.g. a
// pattern whose epsilon loop procmail itself would spin on forever.
uint64_t g_budget_base = 50'000'000;
uint64_t g_budget_per_byte = 400;

std::string_view cut_at_nul(std::string_view s) {
    size_t z = s.find('\0');
    return z == std::string_view::npos ? s : s.substr(0, z);
}

bool end_of_group(int c) { return c == '|' || c == ')' || c == 0; }

std::string to_lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    return out;
}

using ByteSet = std::bitset<256>;

// procmail's bseti(): put c in (or out of) the set, and its other case too
// when matching ignores case (ASCII letters only).
void set_folded(ByteSet& s, unsigned c, bool value, bool fold) {
    s.set(c & 0xff, value);
    if (!fold) return;
    if (c >= 'A' && c <= 'Z') s.set(c + ('a' - 'A'), value);
    else if (c >= 'a' && c <= 'z') s.set(c - ('a' - 'A'), value);
}

// A bracket expression, parsed as procmail parses it: p points just after
// '['.  `^` negates (and a negated set never holds '\n'); a leading `]` or
// `-` is literal; `a-z` is a range (a descending one holds only its end);
// `-` before `]` or the end is literal; backslash is an ordinary byte; there
// are no named classes; a missing `]` ends the set at the end of the pattern.
ByteSet parse_class(std::string_view pat, size_t& p, bool fold) {
    auto peek = [&](size_t off = 0) -> int {
        return p + off < pat.size() ? static_cast<unsigned char>(pat[p + off]) : 0;
    };
    ByteSet bits;
    const bool neg = peek() == '^';
    if (neg) {
        bits.set();
        ++p;
        bits.flip('\n');
    }
    unsigned last = 0;
    if (peek() == ']') {
        ++p;
        last = ']';
        bits.flip(']');
    } else if (peek() == '-') {
        ++p;
        last = '-';
        bits.flip('-');
    }
    for (;; ++p) {
        int c = peek();
        if (c == ']') {
            ++p;
            break;
        }
        if (c == 0) break;
        if (c == '-') {
            ++p;
            int c2 = peek();
            if (c2 != 0 && c2 != ']') {
                for (unsigned i = last + 1; i < static_cast<unsigned>(c2); ++i) set_folded(bits, i, !neg, fold);
            } else {
                --p;  // a trailing '-' is literal
            }
        }
        last = static_cast<unsigned>(peek());
        set_folded(bits, last, !neg, fold);
    }
    return bits;
}

// `\<` and `\>`: one byte that is not a word character; unlike [^…] it
// does match a newline (procmail toggles '\n' back in).
ByteSet no_word_class() {
    ByteSet bits;
    bits.set();
    for (unsigned c = 'a'; c <= 'z'; ++c) bits.reset(c), bits.reset(c - 32);
    for (unsigned c = '0'; c <= '9'; ++c) bits.reset(c);
    bits.reset('_');
    return bits;
}

}  // namespace

std::string substitute_macros(std::string_view pattern, bool* force_insensitive, bool after_backslash) {
    struct Key {
        std::string_view key, expansion;
    };
    static constexpr std::array<Key, 4> keys = {{{"^FROM_DAEMON", k_from_daemon},
                                                 {"^TO_", k_to_},
                                                 {"^TO", k_to},
                                                 {"^FROM_MAILER", k_from_mailer}}};
    const std::string_view text = cut_at_nul(pattern);
    // Every key starts with ^TO or ^FROM_, and most patterns have neither.
    if (text.find("^TO") == std::string_view::npos && text.find("^FROM_") == std::string_view::npos)
        return std::string(text);
    std::string s(text);
    size_t k = 0;
    while (k < keys.size()) {
        size_t at = s.find(keys[k].key);
        const bool found = at != std::string::npos;
        const bool escaped = found && (at == 0 ? after_backslash : s[at - 1] == '\\');
        if (found && !escaped && s.size() < k_max_pattern) {
            s.replace(at, keys[k].key.size(), keys[k].expansion);
            if (k == 0 && force_insensitive) *force_insensitive = true;
            k = 0;  // procmail starts over with the first key
        } else {
            ++k;
        }
    }
    return s;
}

namespace regex_detail {

enum class Op : uint8_t { Char, Dot, Class, BoText, EoText, Eps, Jump, Bom, Fin };

constexpr int32_t k_none = -1;     // no node ("null pointer")
constexpr int32_t k_busy = -2;     // maxback(): being visited ("&aleps")
constexpr int32_t k_garbage = -3;  // an EPS turned JUMP: procmail overwrote its link

struct Node {
    Op op = Op::Jump;
    uint8_t ch = 0;
    bool done = false, loop_left = false, loop_right = false;
    int32_t next = k_none;
    int32_t spawn = k_none;
    int32_t cls = -1;
};

// procmail's program: one slot per instruction, in procmail's order, so
// "the instruction after this one" (an EPS's first branch, where `\/`
// continues) is index + 1.
struct Program {
    std::vector<Node> nodes;
    std::vector<ByteSet> classes;
    int32_t fin = 0;
    bool has_bom = false;
    bool degenerate = false;  // a loop procmail could not untangle (we stop, it would spin)
    bool spins = false;       // an epsilon cycle survives: procmail loops forever when a thread reaches it
    // The bytes a new thread can consume first, when a new thread can do
    // nothing else (finish, cross \/, see ^^): steps on other bytes with no
    // live thread are no-ops and are skipped.
    bool can_skip = false;
    ByteSet first;
};

void compute_first(Program& prog) {
    const auto& nodes = prog.nodes;
    std::vector<uint8_t> seen(nodes.size(), 0);
    std::vector<int32_t> todo{0};
    ByteSet first;
    while (!todo.empty()) {
        int32_t i = todo.back();
        todo.pop_back();
        if (i < 0 || static_cast<size_t>(i) >= nodes.size() || seen[static_cast<size_t>(i)]) continue;
        seen[static_cast<size_t>(i)] = 1;
        const Node& n = nodes[static_cast<size_t>(i)];
        switch (n.op) {
        case Op::Char: first.set(n.ch); break;
        case Op::Dot: first |= ~ByteSet().set('\n'); break;
        case Op::Class: first |= prog.classes[static_cast<size_t>(n.cls)]; break;
        case Op::Eps: todo.push_back(i + 1); todo.push_back(n.next); break;
        case Op::Jump: todo.push_back(n.next); break;
        default: return;  // Fin, Bom, BoText, EoText: no skipping
        }
    }
    prog.first = first;
    prog.can_skip = true;
}

// After procmail's loop clean-up, is there still a cycle made only of
// instructions that consume nothing (EPS, JUMP, and \/ falling through)?
// procmail's matcher goes round it forever.
bool has_epsilon_cycle(const Program& prog) {
    const auto& nodes = prog.nodes;
    std::vector<uint8_t> color(nodes.size(), 0);  // 0 new, 1 on the path, 2 done
    std::vector<std::pair<int32_t, int>> stack;
    auto succ = [&](int32_t i, int k) -> int32_t {
        const Node& n = nodes[static_cast<size_t>(i)];
        switch (n.op) {
        case Op::Eps: return k == 0 ? i + 1 : (k == 1 ? n.next : k_none);
        case Op::Jump: return k == 0 ? n.next : k_none;
        case Op::Bom: return k == 0 ? i + 1 : k_none;
        default: return k_none;
        }
    };
    for (size_t root = 0; root < nodes.size(); ++root) {
        if (color[root]) continue;
        stack.push_back({static_cast<int32_t>(root), 0});
        color[root] = 1;
        while (!stack.empty()) {
            auto& [i, k] = stack.back();
            if (k > 1) {
                color[static_cast<size_t>(i)] = 2;
                stack.pop_back();
                continue;
            }
            int32_t j = succ(i, k++);
            if (j < 0 || static_cast<size_t>(j) >= nodes.size()) continue;
            if (color[static_cast<size_t>(j)] == 1) return true;
            if (color[static_cast<size_t>(j)] == 0) {
                color[static_cast<size_t>(j)] = 1;
                stack.push_back({j, 0});
            }
        }
    }
    return false;
}

// procmail's compiler (bregcomp: por/pnorm/psimp), run twice like procmail:
// a trial pass (e == k_none) that only measures, then the real one.
class Builder {
public:
    Builder(std::string_view pat, bool fold, Program& prog) : m_pat(pat), m_fold(fold), m_prog(prog) {}

    bool build() {
        alt(k_none);
        const int32_t fin = m_r;
        m_prog.nodes.assign(static_cast<size_t>(fin) + 1, Node{});
        m_prog.fin = fin;
        m_p = 0;
        m_r = 0;
        if (!alt(fin)) m_error = true;  // stopped at a ')' with no '('
        m_prog.nodes[static_cast<size_t>(fin)].op = Op::Fin;
        return !m_error;
    }

private:
    int peek(size_t off = 0) const {
        return m_p + off < m_pat.size() ? static_cast<unsigned char>(m_pat[m_p + off]) : 0;
    }
    Node& at(int32_t i) { return m_prog.nodes[static_cast<size_t>(i)]; }
    void put(int32_t i, Op op, int32_t next, uint8_t ch = 0, int32_t cls = -1) {
        Node& n = at(i);
        n = Node{};
        n.op = op;
        n.next = next;
        n.ch = ch;
        n.cls = cls;
    }
    int32_t add_class(const ByteSet& s) {
        m_prog.classes.push_back(s);
        return static_cast<int32_t>(m_prog.classes.size() - 1);
    }

    // One atom.  A group's continuation is e; `\/` has none (it falls through).
    void simp(int32_t e) {
        const bool emit = e != k_none;
        int c = peek();
        switch (c) {
        case '(':
            if (!emit) {
                // Measuring: a group measures the same every time (procmail
                // caches the last one too); without this, nesting is
                // exponential.
                auto it = m_measured.find(m_p);
                if (it != m_measured.end()) {
                    m_p = it->second.first;
                    m_r += it->second.second;
                    return;
                }
                const size_t p0 = m_p;
                const int32_t r0 = m_r;
                ++m_p;
                alt(e);
                m_measured.emplace(p0, std::make_pair(m_p, m_r - r0));
                return;
            }
            ++m_p;
            if (alt(e)) m_error = true;  // reached the end inside a group
            return;
        case '[': {
            ++m_p;
            ByteSet bits = parse_class(m_pat, m_p, m_fold);
            if (emit) put(m_r, Op::Class, e, 0, add_class(bits));
            ++m_r;
            return;
        }
        case 0:
            return;
        case '.':
            if (emit) put(m_r, Op::Dot, e);
            ++m_r;
            ++m_p;
            return;
        case '^':
            if (peek(1) == '^') {
                ++m_p;
                if (emit) put(m_r, e == m_prog.fin ? Op::EoText : Op::BoText, e);
            } else if (emit) {
                put(m_r, Op::Char, e, '\n');
            }
            ++m_r;
            ++m_p;
            return;
        case '$':
            if (emit) put(m_r, Op::Char, e, '\n');
            ++m_r;
            ++m_p;
            return;
        case '\\':
            ++m_p;
            c = peek();
            if (c == '/') {
                if (emit) put(m_r, Op::Bom, k_none);
                m_prog.has_bom = true;
                ++m_r;
                ++m_p;
                return;
            }
            if (c == '<' || c == '>') {
                if (emit) put(m_r, Op::Class, e, 0, add_class(no_word_class()));
                ++m_r;
                ++m_p;
                return;
            }
            if (c == 0) {
                --m_p;  // a trailing backslash is itself
                c = '\\';
            }
            break;
        default:
            break;
        }
        if (emit) {
            uint8_t ch = static_cast<uint8_t>(c);
            if (m_fold && ch >= 'A' && ch <= 'Z') ch = static_cast<uint8_t>(ch + ('a' - 'A'));
            put(m_r, Op::Char, e, ch);
        }
        ++m_r;
        ++m_p;
    }

    // One alternative: atoms with at most one postfix operator each (a
    // second `*` is a literal atom).
    void norm(int32_t e) {
        const bool emit = e != k_none;
        for (;;) {
            size_t pold = m_p;
            int32_t rold = m_r;
            simp(k_none);
            const int op = peek();
            if (end_of_group(op)) {
                if (emit) {
                    m_p = pold;
                    m_r = rold;
                    simp(e);
                }
                return;
            }
            const bool last = end_of_group(peek(1));
            const int32_t after = m_r;
            if (emit) m_p = pold;
            switch (op) {
            case '*':  // EPS(body first, then on) + body looping back to the EPS
                ++m_r;
                if (emit) {
                    put(rold, Op::Eps, last ? e : m_r);
                    m_r = rold + 1;
                    simp(rold);
                }
                break;
            case '+':  // body, then EPS(on first, then back to the body)
                if (emit) {
                    put(after, Op::Eps, rold);
                    if (last) put(after + 1, Op::Jump, e);
                    m_r = rold;
                    simp(after);
                }
                ++m_r;
                if (end_of_group(peek(1))) ++m_r;
                break;
            case '?':  // EPS(body first, then skip)
                ++m_r;
                if (emit) {
                    const int32_t on = last ? e : m_r;
                    put(rold, Op::Eps, on);
                    m_r = rold + 1;
                    simp(on);
                }
                break;
            default:
                if (emit) {
                    m_r = rold;
                    simp(after);
                }
                continue;
            }
            ++m_p;
            if (end_of_group(peek())) return;
        }
    }

    // A group's alternatives.  Returns true when it ran into the end of the
    // pattern (an error inside a group), false at a ')'.
    bool alt(int32_t e) {
        const bool emit = e != k_none;
        for (;;) {
            size_t pold = m_p;
            int32_t rold = m_r;
            for (;;) {
                int c = peek();
                if (!end_of_group(c)) {
                    norm(k_none);
                    m_r = rold;
                    continue;
                }
                if (c != '|') {
                    if (m_p == pold) {  // empty last alternative
                        if (emit) put(m_r, Op::Jump, e);
                        ++m_r;
                    } else {
                        m_p = pold;
                        norm(e);
                    }
                    if (!emit) {
                        if (peek()) ++m_p;
                        return false;
                    }
                    if (peek()) {
                        ++m_p;
                        return false;
                    }
                    return true;
                }
                ++m_r;  // the EPS that chooses this alternative or the rest
                if (m_p == pold) {
                    // An empty alternative that is not the last: its exit is
                    // explored after all the following alternatives.
                    if (emit) put(rold, Op::Eps, e);
                } else {
                    m_p = pold;
                    norm(e);
                    if (emit) put(rold, Op::Eps, m_r);
                }
                ++m_p;
                break;
            }
        }
    }

    std::string_view m_pat;
    size_t m_p = 0;
    int32_t m_r = 0;
    bool m_fold;
    bool m_error = false;
    Program& m_prog;
    std::unordered_map<size_t, std::pair<size_t, int32_t>> m_measured;  // group start → (end, size)
};

// procmail's clean-up of epsilon loops (maxback() and the passes after it in
// bregcomp()), which decides which loop edges survive.
class LoopBreaker {
public:
    explicit LoopBreaker(Program& prog) : m_prog(prog) {}

    void run() {
        auto& nodes = m_prog.nodes;
        for (size_t st = 0; st < nodes.size() && nodes[st].op != Op::Fin; ++st) {
            if (nodes[st].op != Op::Eps || nodes[st].spawn != k_none) continue;
            m_depth = 0;
            maxback(static_cast<int32_t>(st));
            if (m_prog.degenerate) return;
            // Point everything that enters a loop at the loop's start.
            for (auto& n : nodes) {
                if (n.op == Op::Fin) break;
                if (((n.op == Op::Eps || n.op == Op::Jump) && n.done) || n.op == Op::Bom) continue;
                int32_t f = n.next;
                if (f < 0 || nodes[static_cast<size_t>(f)].op != Op::Eps || nodes[static_cast<size_t>(f)].spawn == k_none)
                    continue;
                int guard = 0;
                while (nodes[static_cast<size_t>(f)].spawn != f) {
                    int32_t s = nodes[static_cast<size_t>(f)].spawn;
                    if (s < 0 || ++guard > 1'000'000) {
                        m_prog.degenerate = true;
                        return;
                    }
                    f = s;
                }
                n.next = f;
            }
            // Cut the loop edges: a left loop keeps only the first branch, a
            // right loop only the second.
            for (size_t i = 0; i < nodes.size() && nodes[i].op != Op::Fin; ++i) {
                Node& n = nodes[i];
                if (n.op == Op::Eps && n.done) {
                    if (n.loop_left != n.loop_right) {
                        if (n.loop_left) n.next = static_cast<int32_t>(i) + 1;
                        n.op = Op::Jump;
                        n.spawn = k_garbage;
                    }
                    n.done = n.loop_left = n.loop_right = false;
                } else if (n.op == Op::Jump && n.done) {
                    n.done = false;
                }
            }
        }
    }

private:
    int32_t maxback(int32_t down) {
        auto& nodes = m_prog.nodes;
        m_ii = false;
        if (++m_depth > 100'000) {
            m_prog.degenerate = true;
            return k_none;
        }
        int guard = 0;
        for (;;) {
            if (down < 0 || m_prog.degenerate) return k_none;
            Node& n = nodes[static_cast<size_t>(down)];
            if (n.op == Op::Jump) {
                n.done = true;
                down = n.next;
                if (++guard > 1'000'000) {
                    m_prog.degenerate = true;
                    return k_none;
                }
                continue;
            }
            if (n.op == Op::Eps && n.done) {
                m_ii = true;
                --m_depth;
                return n.spawn == k_busy ? down : n.spawn;
            }
            if (n.op == Op::Eps) break;
            --m_depth;
            return k_none;
        }
        Node& n = nodes[static_cast<size_t>(down)];
        int32_t result = k_none;
        if (n.spawn == k_none) {
            n.done = true;
            n.spawn = k_busy;
            int32_t left = maxback(n.next);
            Node& m = nodes[static_cast<size_t>(down)];
            if (m_ii) m.loop_left = true;
            int32_t right = maxback(down + 1);
            Node& o = nodes[static_cast<size_t>(down)];
            // procmail keeps the smaller loop number, but only when the left
            // side found one (a null pointer never compares greater).
            if (right >= 0 && left >= 0 && left > right) left = right;
            if (m_ii) {
                o.loop_right = true;
                if (!o.loop_left) m_ii = false;
            }
            if (left < 0) {
                o.spawn = down;
            } else {
                o.spawn = left;
                if (left != down) result = left;
            }
        }
        --m_depth;
        return result;
    }

    Program& m_prog;
    bool m_ii = false;
    int m_depth = 0;
};

// The PCRE2 side: the translated pattern compiled for pcre2_match (JIT) and
// for pcre2_dfa_match (earliest match end, for scoring).
// procmail runs once per message and most patterns search one small header
// once, so the expensive parts are done only when they pay: the DFA form is
// compiled when scoring first needs it, and the JIT only once a pattern has
// searched more than k_jit_after bytes (a body, a big header, many scores).
struct Pcre {
    static constexpr size_t k_jit_after = 64 * 1024;
    pcre2_code* code = nullptr;
    mutable pcre2_code* dfa = nullptr;
    mutable bool dfa_tried = false;
    std::string dfa_pattern;
    uint32_t opts = 0;
    mutable size_t searched = 0;
    mutable bool jit_tried = false;
    pcre2_match_data* md = nullptr;
    pcre2_match_context* mctx = nullptr;
    pcre2_code* dfa_code() const {
        if (!dfa_tried) {
            dfa_tried = true;
            int err = 0;
            PCRE2_SIZE erroff = 0;
            // No auto-possessification: a possessive repeat makes the DFA
            // matcher take the longest run, and we want the earliest end.
            dfa = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(dfa_pattern.data()), dfa_pattern.size(),
                                opts | PCRE2_NO_AUTO_POSSESS, &err, &erroff, nullptr);
        }
        return dfa;
    }
    void account(size_t bytes) const {
        searched += bytes;
        if (!jit_tried && searched > k_jit_after) {
            jit_tried = true;
            pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
        }
    }
    ~Pcre() {
        if (md) pcre2_match_data_free(md);
        if (mctx) pcre2_match_context_free(mctx);
        if (code) pcre2_code_free(code);
        if (dfa) pcre2_code_free(dfa);
    }
};

// procmail's pattern → PCRE2, on the subject "\n" + area + "\n" (the virtual
// newlines made real; see run_pcre).  Same grammar as Builder.
class Translator {
public:
    Translator(std::string_view pat, bool fold) : m_pat(pat), m_fold(fold) {}
    std::string run() {
        std::string out;
        alt(true, out);  // a ')' with no '(' ends the pattern, as in procmail
        return out;
    }

private:
    int peek(size_t off = 0) const {
        return m_p + off < m_pat.size() ? static_cast<unsigned char>(m_pat[m_p + off]) : 0;
    }
    static void put_byte(std::string& out, unsigned c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            out += static_cast<char>(c);
        } else {
            static const char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[(c >> 4) & 15];
            out += hex[c & 15];
        }
    }
    static void put_class(std::string& out, const ByteSet& s) {
        if (s.none()) {
            out += "[^\\x00-\\xff]";
            return;
        }
        out += '[';
        for (unsigned c = 0; c < 256;) {
            if (!s.test(c)) {
                ++c;
                continue;
            }
            unsigned d = c;
            while (d + 1 < 256 && s.test(d + 1)) ++d;
            put_byte(out, c);
            if (d > c) {
                out += '-';
                put_byte(out, d);
            }
            c = d + 1;
        }
        out += ']';
    }

    // Moves past one atom without translating it (memoized for groups);
    // a non-group atom moves as simp() moves.
    void skip_atom() {
        int c = peek();
        switch (c) {
        case '(': {
            auto it = m_skipped.find(m_p);
            if (it != m_skipped.end()) {
                m_p = it->second;
                return;
            }
            const size_t p0 = m_p;
            std::string scratch;
            ++m_p;
            alt(false, scratch);
            m_skipped.emplace(p0, m_p);
            return;
        }
        case '[':
            ++m_p;
            (void)parse_class(m_pat, m_p, m_fold);
            return;
        case 0:
            return;
        case '^':
            m_p += peek(1) == '^' ? 2 : 1;
            return;
        case '\\':
            ++m_p;
            if (peek() != 0) ++m_p;
            return;
        default:
            ++m_p;
            return;
        }
    }

    void simp(bool at_end, std::string& out) {
        int c = peek();
        switch (c) {
        case '(': {
            ++m_p;
            out += "(?:";
            alt(at_end, out);
            out += ')';
            return;
        }
        case '[': {
            ++m_p;
            put_class(out, parse_class(m_pat, m_p, m_fold));
            return;
        }
        case 0:
            return;
        case '.':
            ++m_p;
            out += "[^\\n]";
            return;
        case '^':
            if (peek(1) == '^') {
                m_p += 2;
                // procmail: BOTEXT consumes the virtual newline before the
                // area; EOTEXT (a `^^` that ends the pattern) is the end of
                // the area — or, failing that, the same as BOTEXT.
                out += at_end ? "(?:\\A\\n|(?=\\n\\z))" : "(?:\\A\\n)";
                return;
            }
            [[fallthrough]];
        case '$':
            ++m_p;
            out += "\\n";
            return;
        case '\\':
            ++m_p;
            c = peek();
            if (c == '<' || c == '>') {
                ++m_p;
                put_class(out, no_word_class());
                return;
            }
            if (c == '/') {  // not translated: patterns with \/ use the automaton
                ++m_p;
                out += "(?:)";
                return;
            }
            if (c == 0) {
                put_byte(out, '\\');
                return;
            }
            ++m_p;
            put_byte(out, static_cast<unsigned>(c));
            return;
        default:
            ++m_p;
            put_byte(out, static_cast<unsigned>(c));
            return;
        }
    }

    void norm(bool at_end, std::string& out) {
        for (;;) {
            // Look past the atom first: whether `^^` is EOTEXT depends on
            // what follows it.
            size_t pold = m_p;
            skip_atom();
            const int op = peek();
            bool atom_at_end = false;
            if (end_of_group(op)) atom_at_end = at_end;
            else if (op == '?') atom_at_end = at_end && end_of_group(peek(1));
            m_p = pold;
            simp(atom_at_end, out);
            if (end_of_group(op)) return;
            if (op == '*' || op == '+' || op == '?') {
                out += static_cast<char>(op);
                ++m_p;
                if (end_of_group(peek())) return;
            }
        }
    }

    bool alt(bool at_end, std::string& out) {
        for (;;) {
            if (!end_of_group(peek())) norm(at_end, out);
            int c = peek();
            if (c == '|') {
                out += '|';
                ++m_p;
                continue;
            }
            if (c == ')') {
                ++m_p;
                return false;
            }
            return true;
        }
    }

    std::string_view m_pat;
    size_t m_p = 0;
    bool m_fold;
    std::unordered_map<size_t, size_t> m_skipped;  // group start → end
};

}  // namespace regex_detail

using regex_detail::Node;
using regex_detail::Op;
using regex_detail::Program;

Regex::Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;
Regex::~Regex() = default;

bool Regex::has_extraction() const {
    if (m_deferred) return false;  // a deferred pattern has no \/ (required_literal)
    return m_program && m_program->has_bom;
}
void Regex::set_step_budget(uint64_t base, uint64_t per_byte) {
    g_budget_base = base;
    g_budget_per_byte = per_byte;
}

bool Regex::procmail_spins() const {
    ensure_compiled();
    if (!m_program) return false;
    prepare_automaton();
    return m_program->spins;
}

std::string Regex::required_literal(std::string_view pat) {
    // The top level of procmail's grammar (Builder/Translator): atoms, each
    // optionally followed by one of * + ?; `|` at the top level means no
    // single literal is required; a group, class, newline, `.`, `^`, `$`,
    // `\<`, `\>` ends a run; `\/` and unbalanced parentheses make us give
    // up (their meaning is for the full compiler to decide).
    const size_t n = pat.size();
    std::string best, cur;
    auto flush = [&] {
        if (cur.size() > best.size()) best = cur;
        cur.clear();
    };
    // A byte that is an atom standing for itself, and an operator after it.
    auto ordinary = [](char c) {
        switch (c) {
        case '|': case ')': case '(': case '[': case '.': case '$': case '^': case '\\': case '\n':
            return false;
        default:
            return true;
        }
    };
    auto repeat = [](char c) { return c == '*' || c == '?' || c == '+'; };
    size_t p = 0;
    while (p < n) {
        // the common case first: ordinary bytes with no operator after them
        size_t run = p;
        while (run < n && ordinary(pat[run]) && !(run + 1 < n && repeat(pat[run + 1]))) ++run;
        if (run > p) {
            cur.append(pat.substr(p, run - p));
            p = run;
            continue;
        }
        const unsigned char c = static_cast<unsigned char>(pat[p]);
        if (c == '|' || c == ')') return "";
        int literal = -1;  // the byte this atom stands for, if it is one
        size_t end = p + 1;
        if (c == '(') {
            int depth = 1;
            size_t q = p + 1;
            while (q < n && depth > 0) {
                const char d = pat[q];
                if (d == '\\') {
                    if (q + 1 < n && pat[q + 1] == '/') return "";
                    q += 2;
                } else if (d == '[') {
                    ++q;
                    (void)parse_class(pat, q, false);
                } else {
                    if (d == '(') ++depth;
                    else if (d == ')') --depth;
                    ++q;
                }
            }
            if (depth > 0) return "";
            end = q;
        } else if (c == '[') {
            size_t q = p + 1;
            (void)parse_class(pat, q, false);
            end = q;
        } else if (c == '.' || c == '$') {
        } else if (c == '^') {
            if (p + 1 < n && pat[p + 1] == '^') end = p + 2;
        } else if (c == '\\') {
            if (p + 1 >= n) {
                literal = '\\';
            } else {
                const char e = pat[p + 1];
                if (e == '/') return "";
                end = p + 2;
                if (e != '<' && e != '>') literal = static_cast<unsigned char>(e);
            }
        } else {
            literal = c;
        }
        // A newline may match the newline procmail searches as if before
        // and after the area (`b\n` matches the area "b"), so it is never
        // part of a literal that must occur in the area itself.
        if (literal == '\n') literal = -1;
        const int op = end < n ? static_cast<unsigned char>(pat[end]) : 0;
        if (op == '*' || op == '?') {
            flush();  // the atom may be absent
            p = end + 1;
        } else if (op == '+') {
            if (literal >= 0) cur += static_cast<char>(literal);
            flush();  // more of it may follow
            p = end + 1;
        } else {
            if (literal >= 0) cur += static_cast<char>(literal);
            else flush();
            p = end;
        }
    }
    flush();
    return best;
}

Result<Regex> Regex::compile(std::string_view pattern, bool case_sensitive, bool after_backslash) {
    bool force_insensitive = false;
    std::string expanded = substitute_macros(pattern, &force_insensitive, after_backslash);
    if (expanded.size() > k_max_pattern)
        return make_error(EX_SOFTWARE, "regular expression too long (" + std::to_string(expanded.size()) + " bytes)");
    const bool fold = force_insensitive || !case_sensitive;
    std::string literal = required_literal(expanded);
    if (literal.size() < 2) return compile_now(std::move(expanded), fold);
    Regex re;
    re.m_expanded = std::move(expanded);
    re.m_fold_text = fold;
    re.m_literal = fold ? to_lower_ascii(literal) : literal;
    re.m_deferred = true;
    return re;
}

void Regex::ensure_compiled() const {
    if (!m_deferred) return;
    m_deferred = false;
    auto full = compile_now(m_expanded, m_fold_text);
    if (!full) return;  // cannot happen: the size was checked; no PCRE2 means the automaton decides
    m_program = std::move(full->m_program);
    m_pcre = std::move(full->m_pcre);
    m_pcre_pattern = std::move(full->m_pcre_pattern);
}

bool Regex::literal_absent(std::string_view area) const {
    if (m_literal.empty()) return false;
    const std::string_view lit = m_literal;
    const size_t k = lit.size();
    if (area.size() < k) return true;
    if (!m_fold_text) return area.find(lit) == std::string_view::npos;
    const unsigned char first = static_cast<unsigned char>(lit[0]);
    const unsigned char first_upper = first >= 'a' && first <= 'z' ? first - ('a' - 'A') : first;
    const char* p = area.data();
    const char* const end = area.data() + area.size() - k + 1;
    while (p < end) {
        const void* a = std::memchr(p, first, static_cast<size_t>(end - p));
        const void* b = first_upper != first ? std::memchr(p, first_upper, static_cast<size_t>(end - p)) : nullptr;
        const char* hit = static_cast<const char*>(a);
        if (!hit || (b && static_cast<const char*>(b) < hit)) hit = static_cast<const char*>(b);
        if (!hit) return true;
        size_t i = 1;
        for (; i < k; ++i) {
            unsigned char ch = static_cast<unsigned char>(hit[i]);
            if (ch >= 'A' && ch <= 'Z') ch = static_cast<unsigned char>(ch + ('a' - 'A'));
            if (ch != static_cast<unsigned char>(lit[i])) break;
        }
        if (i == k) return false;
        p = hit + 1;
    }
    return true;
}

Result<Regex> Regex::compile_now(std::string expanded, bool fold) {
    Regex re;
    re.m_expanded = std::move(expanded);
    re.m_fold_text = fold;
    re.m_empty = re.m_expanded.empty();
    re.m_program = std::make_unique<Program>();
    regex_detail::Builder builder(re.m_expanded, fold, *re.m_program);
    if (!builder.build()) re.m_warning = "unbalanced parentheses";
    // The automaton's own preparation waits until it is needed: most
    // patterns are answered by PCRE2 alone (and procmail runs once per
    // message, so compile time counts).
    if (re.m_program->has_bom) {  // the automaton decides (see regex.h)
        re.prepare_automaton();
        return re;
    }
    re.m_pcre_pattern = regex_detail::Translator(re.m_expanded, fold).run();
    auto pc = std::make_unique<regex_detail::Pcre>();
    const uint32_t opts = PCRE2_NEVER_UTF | PCRE2_NEVER_UCP | PCRE2_NEVER_BACKSLASH_C | (fold ? PCRE2_CASELESS : 0);
    int err = 0;
    PCRE2_SIZE erroff = 0;
    const std::string main = "(?:" + re.m_pcre_pattern + ")";
    pc->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(main.data()), main.size(), opts, &err, &erroff, nullptr);
    pc->dfa_pattern = "[\\x00-\\xff]*(?:" + re.m_pcre_pattern + ")";
    pc->opts = opts;
    if (!pc->code) return re;  // too complex for PCRE2: the automaton does it all
    pc->md = pcre2_match_data_create(1, nullptr);
    pc->mctx = pcre2_match_context_create(nullptr);
    if (!pc->md || !pc->mctx) return re;
    pcre2_set_match_limit(pc->mctx, 10'000'000);
    pcre2_set_depth_limit(pc->mctx, 100'000);
    pcre2_set_heap_limit(pc->mctx, 64 * 1024);  // KiB
    re.m_pcre = std::move(pc);
    return re;
}

namespace {

// The automaton's per-search state, reused across searches by one thread.
struct Scratch {
    std::vector<int32_t> list[2];
    std::vector<uint8_t> in[2];
    std::vector<long> label[2];
    std::vector<int32_t> work;
    std::string subject;
    std::vector<int> dfa_ws;
};

Scratch& scratch() {
    thread_local Scratch s;
    return s;
}

}  // namespace

// procmail's bregexec(), step for step.  Positions are area offsets; the
// virtual newline before the area is at from-1.
void Regex::prepare_automaton() const {
    if (m_prepared) return;
    m_prepared = true;
    regex_detail::LoopBreaker(*m_program).run();
    m_program->spins = m_program->degenerate || regex_detail::has_epsilon_cycle(*m_program);
    if (!m_program->spins) regex_detail::compute_first(*m_program);
}

Regex::Hit Regex::run_automaton(std::string_view area, size_t from, bool want_match, bool* gave_up) const {
    prepare_automaton();
    const Program& prog = *m_program;
    const auto& nodes = prog.nodes;
    Hit hit;
    if (prog.degenerate) {
        if (gave_up) *gave_up = true;
        return hit;
    }
    Scratch& s = scratch();
    const size_t nn = nodes.size();
    for (int k = 0; k < 2; ++k) {
        s.list[k].clear();
        s.in[k].assign(nn, 0);
        s.label[k].assign(nn, 0);
    }
    const long n = static_cast<long>(area.size());
    const long len = n - static_cast<long>(from);
    const long pend = n + 1;  // procmail's "two past end"
    // A pattern procmail spins on ends in our budget sooner or later: make
    // it sooner.
    uint64_t budget = prog.spins ? 1'000'000 : g_budget_base + g_budget_per_byte * static_cast<uint64_t>(area.size());

    int cur = 0, oth = 1;
    bool phase2 = false;  // a thread has crossed \/ (procmail's second loop)
    bool have_eom = false;
    long eom = 0, bom = 0, start = pend;
    int32_t initcode = 0;
    constexpr int32_t k_nop = -1;
    enum class Kind { Virtual, Real, End1, End2 } kind = Kind::Real;
    long pos = 0;
    unsigned ch = 0;
    const bool fold_text = m_fold_text;

    auto push = [&](int32_t reg) {
        auto& in = s.in[oth];
        auto& lab = s.label[oth];
        if (!in[static_cast<size_t>(reg)]) {
            in[static_cast<size_t>(reg)] = 1;
            s.list[oth].push_back(reg);
            lab[static_cast<size_t>(reg)] = phase2 ? start : pend;
        } else if (phase2 && start < lab[static_cast<size_t>(reg)]) {
            lab[static_cast<size_t>(reg)] = start;
        }
    };
    // procmail's cleantail(): drop threads whose split point is after
    // `limit`; the survivors come back in reverse order.
    auto cleantail = [&](int k, long limit) {
        auto& l = s.list[k];
        std::vector<int32_t> kept;
        kept.reserve(l.size());
        for (size_t i = l.size(); i-- > 0;) {
            int32_t r = l[i];
            if (limit < s.label[k][static_cast<size_t>(r)]) s.in[k][static_cast<size_t>(r)] = 0;
            else kept.push_back(r);
        }
        // procmail walks head (back) to tail and relinks each survivor in
        // front of the previous ones: the last one walked becomes the head.
        l.assign(kept.begin(), kept.end());
    };

    enum class Outcome { Continue, MatchNoBom, NoMatch, Check, GaveUp };
    // Runs one thread from `reg` through its epsilon closure.
    auto thread = [&](int32_t reg) -> Outcome {
        s.work.clear();
        for (;;) {
            if (budget-- == 0) return Outcome::GaveUp;
            const Node& nd = nodes[static_cast<size_t>(reg)];
            bool take = false;
            switch (nd.op) {
            case Op::Char:
                take = ch == nd.ch;
                break;
            case Op::Eps:
                s.work.push_back(reg);
                ++reg;
                continue;
            case Op::Jump:
                reg = nd.next;
                continue;
            case Op::Bom:
                if (!phase2) {
                    phase2 = true;
                    start = pos;
                } else if (!have_eom) {
                    start = pos;
                }
                ++reg;
                continue;
            case Op::EoText:
                if (kind == Kind::End1) goto fin;
                take = pos < 0;
                break;
            case Op::BoText:
                take = pos < 0;
                break;
            case Op::Class:
                take = prog.classes[static_cast<size_t>(nd.cls)].test(ch);
                break;
            case Op::Dot:
                take = ch != '\n';
                break;
            case Op::Fin:
            fin:
                if (!phase2) return Outcome::MatchNoBom;
                if (start < pend) {
                    bom = start;
                    cleantail(cur, bom);
                    cleantail(oth, bom);
                    eom = pos;
                    have_eom = true;
                    initcode = k_nop;
                    break;
                }
                return Outcome::MatchNoBom;
            }
            if (take) push(reg);
            if (s.work.empty()) return Outcome::Continue;
            reg = nodes[static_cast<size_t>(s.work.back())].next;
            s.work.pop_back();
        }
    };

    // One step: the new thread (not on the two end steps), then the threads
    // that survived the previous byte, most recent first.
    auto step = [&]() -> Outcome {
        std::swap(cur, oth);
        s.list[oth].clear();
        start = pend;
        if (kind == Kind::Virtual || kind == Kind::Real) {
            if (initcode == k_nop) {
                if (s.list[cur].empty()) return phase2 ? Outcome::Check : Outcome::NoMatch;
            } else {
                const bool botext_lead = nodes[static_cast<size_t>(initcode)].op == Op::BoText && kind == Kind::Virtual;
                Outcome o = thread(initcode);
                if (botext_lead) initcode = k_nop;  // `^^…` is anchored
                if (o != Outcome::Continue) return o;
            }
        }
        while (!s.list[cur].empty()) {
            int32_t reg = s.list[cur].back();
            s.list[cur].pop_back();
            s.in[cur][static_cast<size_t>(reg)] = 0;
            start = s.label[cur][static_cast<size_t>(reg)];
            Outcome o = thread(nodes[static_cast<size_t>(reg)].next);
            if (o != Outcome::Continue) return o;
        }
        return Outcome::Continue;
    };

    auto finish = [&](Outcome o) -> Hit {
        Hit h;
        if (o == Outcome::GaveUp) {
            if (gave_up) *gave_up = true;
            return h;
        }
        if (o == Outcome::MatchNoBom) {
            h.matched = true;
            h.end = pos;
            return h;
        }
        if (!have_eom) return h;  // NoMatch, or Check without a match
        long b = std::max(bom, 0L);
        long e = std::min(eom, n);
        h.matched = true;
        h.end = e;
        h.set_match = true;
        if (want_match && e > b) h.match.assign(cut_at_nul(area.substr(static_cast<size_t>(b), static_cast<size_t>(e - b))));
        return h;
    };

    // The first step: the virtual newline at a line start (or on an empty
    // rest of the area).
    const bool begofline = from == 0 || area[from - 1] == '\n';
    long last = static_cast<long>(from) - 1;  // position of the last step run
    if (begofline || len == 0) {
        kind = Kind::Virtual;
        pos = last = begofline ? static_cast<long>(from) - 1 : static_cast<long>(from);
        ch = '\n';
        Outcome o = step();
        if (o != Outcome::Continue) return finish(o);
    }
    for (long p = static_cast<long>(from); p < n; ++p) {
        if (prog.can_skip && !phase2 && initcode == 0 && s.list[oth].empty()) {
            while (p < n) {
                unsigned c = static_cast<unsigned char>(area[static_cast<size_t>(p)]);
                if (fold_text && c >= 'A' && c <= 'Z') c += 'a' - 'A';
                if (prog.first.test(c)) break;
                ++p;
            }
            if (p >= n) {
                last = n - 1;
                break;
            }
        }
        kind = Kind::Real;
        pos = last = p;
        ch = static_cast<unsigned char>(area[static_cast<size_t>(p)]);
        if (fold_text && ch >= 'A' && ch <= 'Z') ch += 'a' - 'A';
        Outcome o = step();
        if (o != Outcome::Continue) return finish(o);
    }
    for (Kind k : {Kind::End1, Kind::End2}) {  // the virtual newlines after the area
        kind = k;
        pos = ++last;
        ch = '\n';
        Outcome o = step();
        if (o != Outcome::Continue) return finish(o);
    }
    return finish(Outcome::Check);
}

Regex::Hit Regex::run_pcre(std::string_view area, const std::string& subject, size_t from, bool want_end,
                           bool* fallback) const {
    const regex_detail::Pcre& pc = *m_pcre;
    Hit hit;
    const long n = static_cast<long>(area.size());
    const bool begofline = from == 0 || area[from - 1] == '\n';
    // Where the first step is, which starts are allowed (none on the
    // virtual newline after the area) and how subject offsets map back.
    static const char k_tail[] = "x\n\n";
    PCRE2_SPTR subj;
    size_t slen, off;
    long limit, base;
    if (begofline || static_cast<long>(from) < n) {
        subj = reinterpret_cast<PCRE2_SPTR>(subject.data());
        slen = static_cast<size_t>(n) + 2;
        off = begofline ? from : from + 1;
        limit = n;
        base = -1;
    } else {
        // The rest is empty and does not follow a newline: procmail steps a
        // virtual newline there, then its two end steps.
        subj = reinterpret_cast<PCRE2_SPTR>(k_tail);
        slen = 3;
        off = 1;
        limit = 1;
        base = static_cast<long>(from) - 1;
    }
    pc.account(slen - off);
    int rc = pcre2_match(pc.code, subj, slen, off, 0, pc.md, pc.mctx);
    if (rc == PCRE2_ERROR_NOMATCH) return hit;
    if (rc < 0) {
        *fallback = true;
        return hit;
    }
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(pc.md);
    const PCRE2_SIZE leftmost = ov[0];
    if (static_cast<long>(leftmost) > limit) return hit;
    hit.matched = true;
    if (!want_end) return hit;
    // procmail reports the first step at which any thread finishes: the
    // earliest match end over all starts, which the DFA matcher finds with
    // a leading [\x00-\xff]* anchored at the leftmost start.
    auto& ws = scratch().dfa_ws;
    if (ws.size() < 4096) ws.resize(4096);
    pcre2_code* dfa = pc.dfa_code();
    if (dfa == nullptr) {
        *fallback = true;
        hit.matched = false;
        return hit;
    }
    rc = pcre2_dfa_match(dfa, subj, slen, leftmost, PCRE2_ANCHORED | PCRE2_DFA_SHORTEST, pc.md, pc.mctx, ws.data(),
                         ws.size());
    if (rc < 0) {
        hit.matched = false;
        *fallback = true;
        return hit;
    }
    hit.end = base + static_cast<long>(ov[1]);
    return hit;
}

Regex::Hit Regex::run_one(std::string_view area, const std::string& subject, size_t from, bool want_end,
                          bool want_match, bool* gave_up) const {
    if (m_pcre && !m_program->has_bom) {
        bool fallback = false;
        Hit h = run_pcre(area, subject, from, want_end, &fallback);
        if (!fallback) return h;
    }
    return run_automaton(area, from, want_match, gave_up);
}

namespace {
void make_subject(std::string& buf, std::string_view area) {
    buf.clear();
    buf.reserve(area.size() + 2);
    buf += '\n';
    buf.append(area);
    buf += '\n';
}
}  // namespace

bool Regex::search(std::string_view area, std::string* match, bool* gave_up) const {
    if (m_empty) return true;  // procmail's egrepin() does not even search
    if (literal_absent(area)) return false;
    ensure_compiled();
    std::string& subject = scratch().subject;
    if (m_pcre && !m_program->has_bom) make_subject(subject, area);
    Hit h = run_one(area, subject, 0, false, match != nullptr, gave_up);
    if (h.matched && h.set_match && match) *match = std::move(h.match);
    return h.matched;
}

bool Regex::search_automaton(std::string_view area, std::string* match, bool* gave_up) const {
    if (m_empty) return true;
    ensure_compiled();  // no prefilter here: tests compare the two
    Hit h = run_automaton(area, 0, match != nullptr, gave_up);
    if (h.matched && h.set_match && match) *match = std::move(h.match);
    return h.matched;
}

long Regex::for_each_match(std::string_view area, const std::function<bool(bool empty)>& on_match,
                           std::string* match, bool* gave_up) const {
    // procmail's scoring loop (misc.c conditions()): search the rest of the
    // area again from where the last match ended, until no match, an empty
    // match, or the rest is used up.
    if (literal_absent(area)) return 0;
    ensure_compiled();
    std::string& subject = scratch().subject;
    if (m_pcre && !m_program->has_bom) make_subject(subject, area);
    long count = 0;
    long from = 0;
    long rest = static_cast<long>(area.size());
    while (rest >= 0) {
        Hit h = run_one(area, subject, static_cast<size_t>(from), true, match != nullptr, gave_up);
        if (!h.matched) break;
        if (h.set_match && match) *match = std::move(h.match);
        ++count;
        const bool empty = from >= h.end;
        if (!on_match(empty) || empty) break;
        rest -= h.end - from;
        from = h.end;
    }
    return count;
}

}  // namespace mail::procmail
