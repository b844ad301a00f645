// rcfile.cpp — procmail's rcfile reader (see rcfile.h).
//
// The loop below follows procmail.c mainloop() and misc.c conditions()
// step by step: the same characters are looked at in the same order, so
// what procmail accepts, skips or misreads, we accept, skip or misread the
// same way.  Values are not expanded here; scan_extent() (expand.cpp) says
// where procmail's reader would stop.
#include "filters/procmail/rcfile.h"

#include "filters/procmail/expand.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>

namespace mail::procmail {
namespace {

constexpr int k_eof = -1;

bool numeric(int c) { return c >= '0' && c <= '9'; }
bool alphanum(int c) {
    return numeric(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool blank(char c) { return c == ' ' || c == '\t'; }

std::string_view c_string(std::string_view v) {
    auto nul = v.find('\0');
    return nul == std::string_view::npos ? v : v.substr(0, nul);
}

std::string_view skip_blanks(std::string_view s) {
    std::size_t k = 0;
    while (k < s.size() && blank(s[k])) ++k;
    return s.substr(k);
}

// procmail reads weights with the C library's strtod() in the C locale:
// a decimal point (never a comma), exponents and hexadecimal included.
double stod(std::string_view s, std::size_t& used) {
    std::string copy(s.substr(0, std::min<std::size_t>(s.size(), 512)));
    char* end = nullptr;
    double v = std::strtod(copy.c_str(), &end);
    used = static_cast<std::size_t>(end - copy.c_str());
    return v;
}

class Parser {
public:
    explicit Parser(std::string text) : m_src(std::make_shared<RcfileSource>()) {
        m_src->text = std::move(text);
        m_t = m_src->text;
        m_line_starts.push_back(0);
        for (std::size_t nl = m_t.find('\n'); nl != std::string_view::npos; nl = m_t.find('\n', nl + 1))
            m_line_starts.push_back(nl + 1);
    }

    ParsedRcfile run();

private:
    int peek() const { return m_pos < m_t.size() ? static_cast<unsigned char>(m_t[m_pos]) : k_eof; }
    int get() { return m_pos < m_t.size() ? static_cast<unsigned char>(m_t[m_pos++]) : k_eof; }
    bool test(char c) {
        if (m_pos >= m_t.size() || m_t[m_pos] != c) return false;
        ++m_pos;
        return true;
    }
    bool skip_space() {
        bool any = false;
        while (peek() == ' ' || peek() == '\t') ++m_pos, any = true;
        return any;
    }
    void skip_line() {
        for (int c = get(); c != '\n' && c != k_eof; c = get()) {
        }
    }
    // The 1-based line of a position.  The parser asks in text order, so
    // the line of the last answer is where the search starts.
    int line_of(std::size_t pos) {
        if (pos < m_line_starts[m_line_hint]) {
            auto it = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), pos);
            m_line_hint = static_cast<std::size_t>(it - m_line_starts.begin()) - 1;
        }
        while (m_line_hint + 1 < m_line_starts.size() && m_line_starts[m_line_hint + 1] <= pos) ++m_line_hint;
        return static_cast<int>(m_line_hint + 1);
    }
    void diag(std::size_t pos, ParseIssue issue, std::string text = {}) {
        m_out.diagnostics.push_back({line_of(pos), issue, std::move(text)});
    }
    // getbl(): the rest of the line (newline consumed, not returned).
    std::string_view get_line() {
        std::size_t start = m_pos;
        std::size_t nl = m_t.find('\n', start);
        if (nl == std::string_view::npos) {
            m_pos = m_t.size();
            return m_t.substr(start);
        }
        m_pos = nl + 1;
        return m_t.substr(start, nl - start);
    }
    // Keeps a text the parser built for as long as the items.
    std::string_view keep(std::string text) {
        m_src->made.push_front(std::move(text));
        return m_src->made.front();
    }
    // getlline(): lines joined at a trailing backslash (kept, then a
    // newline); a line that is only a backslash becomes a newline.
    std::string_view get_long_line() {
        if (m_pos >= m_t.size()) return {};
        std::string_view first = c_string(get_line());
        if (first.empty() || first.back() != '\\') return first;  // the usual case: one line
        std::string out;
        for (std::string_view line = first;;) {
            if (line.size() > 1) out.append(line);
            out.push_back('\n');
            if (m_pos >= m_t.size()) break;
            line = c_string(get_line());
            if (line.empty()) break;
            if (line.back() != '\\') {
                out.append(line);
                break;
            }
        }
        return keep(std::move(out));
    }
    // gobenv(): a variable name ([A-Za-z_][A-Za-z0-9_]*) at the current
    // position, consumed; `ok` when a blank, newline or `=` follows.
    std::string_view get_name(bool& ok) {
        std::size_t start = m_pos;
        if (alphanum(peek()) && !numeric(peek()))
            while (alphanum(peek())) ++m_pos;
        int next = peek();
        ok = m_pos > start && (next == ' ' || next == '\t' || next == '\n' || next == '=');
        return m_t.substr(start, m_pos - start);
    }

    void top_level_item();
    void recipe();
    void action(Recipe& r);

    std::shared_ptr<RcfileSource> m_src;
    std::string_view m_t;  // m_src->text
    std::size_t m_pos = 0;
    std::vector<std::size_t> m_line_starts;
    std::size_t m_line_hint = 0;  // index in m_line_starts of the last line_of() answer
    std::vector<std::size_t> m_open;  // Block recipes still open
    // The last recipe header parsed and its fields (see recipe()).
    bool m_have_last_header = false;
    std::string_view m_last_header_raw;
    HeaderFields m_last_header_fields;
    // Recipe items and where their conditions are in m_src->conditions
    // (the spans are made at the end, once that vector stops growing).
    struct ConditionSpan {
        std::size_t item, first, count;
    };
    std::vector<ConditionSpan> m_condition_spans;
    ParsedRcfile m_out;
};

ParsedRcfile Parser::run() {
    // Items seldom share a line: one per line is room enough not to
    // reallocate (an Item is large, and procmail parses the whole rcfile
    // for every message).
    m_out.items.reserve(m_line_starts.size());
    m_src->conditions.reserve(m_line_starts.size() / 2);
    m_out.line_lengths.reserve(m_line_starts.size());
    for (std::size_t k = 0; k < m_line_starts.size(); ++k) {
        std::size_t start = m_line_starts[k];
        if (start == m_t.size()) break;  // nothing after the last newline
        std::size_t end = k + 1 < m_line_starts.size() ? m_line_starts[k + 1] - 1 : m_t.size();
        m_out.line_lengths.push_back(end - start);
        if (end > start && m_t[end - 1] == '\r') m_out.cr_lines.push_back(static_cast<int>(k + 1));
    }
    for (;;) {
        // blanks, empty lines and comment lines between items
        for (;;) {
            skip_space();
            if (test('\n')) continue;
            if (test('#')) {
                skip_line();
                continue;
            }
            break;
        }
        if (peek() == k_eof) break;
        top_level_item();
    }
    for (const ConditionSpan& c : m_condition_spans)
        m_out.items[c.item].recipe.conditions = std::span<const Condition>(m_src->conditions).subspan(c.first, c.count);
    for (std::size_t idx : m_open) {
        m_out.items[idx].recipe.action.block_end = m_out.items.size();
        m_out.diagnostics.push_back({m_out.items[idx].line, ParseIssue::UnterminatedBlock, "{"});
    }
    std::stable_sort(m_out.diagnostics.begin(), m_out.diagnostics.end(),
                     [](const ParseDiagnostic& a, const ParseDiagnostic& b) { return a.line < b.line; });
    m_out.source = std::move(m_src);
    return std::move(m_out);
}

void Parser::top_level_item() {
    std::size_t start = m_pos;
    if (test(':')) {
        m_pos = start;
        recipe();
        return;
    }
    if (test('}')) {
        std::size_t index = m_out.items.size();
        Item& it = m_out.items.emplace_back();
        it.kind = ItemKind::CloseBrace;
        it.line = line_of(start);
        if (m_open.empty()) {
            it.stray = true;
            diag(start, ParseIssue::StrayBrace, "}");
        } else {
            it.open = m_open.back();
            m_open.pop_back();
            m_out.items[it.open].recipe.action.block_end = index;
        }
        return;
    }
    // an assignment, an unset, or something procmail skips
    bool ok = false;
    std::string_view name = get_name(ok);
    Item& it = m_out.items.emplace_back();
    it.line = line_of(start);
    if (!ok) {
        it.kind = ItemKind::Skipped;
        // a name followed by anything else: only the name is skipped; no
        // name at all: the rest of the line is
        it.value = c_string(name.empty() ? get_line() : name);
        diag(start, ParseIssue::SkippedText, std::string(it.value));
        return;
    }
    it.name = name;
    skip_space();
    if (test('=')) {
        skip_space();  // procmail's reader skips them too
        Extent e = scan_extent(m_t, m_pos, ScanMode::Assign);
        it.kind = ItemKind::Assign;
        it.value = m_t.substr(m_pos, e.end - m_pos);
        if (e.unterminated_quote) diag(m_pos, ParseIssue::UnterminatedQuote, std::string(it.value));
        m_pos = e.next;
    } else {
        it.kind = ItemKind::Unset;
    }
}

void Parser::recipe() {
    // one iteration per header: "Missing action" sends procmail back here
    // for the `:` line that followed the blank line
    for (;;) {
        std::size_t start = m_pos;
        ++m_pos;  // the ':'
        // Built in place: an Item is large, and nothing else is added to
        // the items until this one is complete.
        std::size_t index = m_out.items.size();
        Item& it = m_out.items.emplace_back();
        it.kind = ItemKind::Recipe;
        it.line = line_of(start);
        Recipe& r = it.recipe;
        r.header.line = it.line;
        Extent e = scan_extent(m_t, m_pos, ScanMode::Args);
        std::string_view raw = m_t.substr(m_pos, e.end - m_pos);
        r.header.raw = raw;
        if (e.unterminated_quote) diag(m_pos, ParseIssue::UnterminatedQuote, std::string(raw));
        m_pos = e.next;
        r.header.dynamic = raw.find_first_of("$`") != std::string_view::npos;
        // The fields depend on the raw text alone, and an rcfile repeats
        // the same few headers (`:0:`, `:0`): the last ones are reused.
        if (!m_have_last_header || raw != m_last_header_raw) {
            StaticEnv null_env;
            m_last_header_fields = parse_header_words(expand_args(raw, null_env).words);
            m_last_header_raw = raw;
            m_have_last_header = true;
        }
        r.header.fields = m_last_header_fields;
        if (!r.header.fields.skipped.empty())
            diag(start, ParseIssue::SkippedText, r.header.fields.skipped);

        // conditions (misc.c conditions())
        int nrcond = r.header.fields.legacy_conditions();
        const std::size_t first_condition = m_src->conditions.size();
        bool skipped_empty = false;
        bool missing_action = false;
        for (;;) {
            skip_space();
            --nrcond;
            bool legacy = false;
            if (!test('*')) {
                if (nrcond < 0) {
                    if (test('#')) {
                        skip_line();
                        continue;
                    }
                    if (test('\n')) {
                        skipped_empty = true;
                        continue;
                    }
                    if (skipped_empty && peek() == ':') {
                        missing_action = true;
                        break;
                    }
                    break;
                }
                if (peek() == k_eof) {
                    // procmail would read empty (always true) conditions
                    // until the count runs out; stop here instead
                    diag(m_pos, ParseIssue::LegacyCountPastEof);
                    break;
                }
                legacy = true;
            }
            skip_space();
            Condition& c = m_src->conditions.emplace_back();
            c.line = line_of(m_pos);
            c.legacy = legacy;
            c.text = get_long_line();
            while (!c.text.empty() && blank(c.text.back())) c.text.remove_suffix(1);
        }
        if (std::size_t n = m_src->conditions.size() - first_condition; n > 0)
            m_condition_spans.push_back({index, first_condition, n});  // made at the end
        if (missing_action) {
            r.action.kind = ActionKind::MissingAction;
            r.action.line = line_of(m_pos);
            diag(start, ParseIssue::MissingAction);
            continue;  // the ':' line is the next recipe
        }
        action(r);
        if (r.action.kind == ActionKind::Block) m_open.push_back(index);
        return;
    }
}

void Parser::action(Recipe& r) {
    Action& a = r.action;
    skip_space();
    a.line = line_of(m_pos);
    const std::size_t prefix_start = m_pos;
    std::string prefix;
    if (peek() == k_eof) {
        a.kind = ActionKind::Incomplete;
        diag(m_pos, ParseIssue::IncompleteRecipe);
        return;
    }
    if (peek() != '!' && peek() != '|') {
        bool ok = false;
        std::string_view name = get_name(ok);
        if (ok) {
            prefix = std::string(name);
            if (skip_space()) prefix.push_back(' ');
            if (test('=')) {
                prefix.push_back('=');
                if (skip_space()) prefix.push_back(' ');
                if (peek() == '!' || peek() == '|') a.capture = name;
            }
        } else if (name.empty() && peek() == '{') {
            ++m_pos;
            if (test(' ') || test('\t') || test('\n')) {
                a.kind = ActionKind::Block;
                return;
            }
            prefix.push_back('{');  // (not `= "{"`: a bogus -Wrestrict in g++ 12)
        } else {
            prefix = std::string(name);
        }
        if (a.capture.empty()) {
            a.kind = ActionKind::Folder;
            Extent e = scan_extent(m_t, m_pos, ScanMode::Args);
            std::string_view rest = m_t.substr(m_pos, e.end - m_pos);
            if (e.unterminated_quote) diag(m_pos, ParseIssue::UnterminatedQuote, std::string(rest));
            std::string_view written = m_t.substr(prefix_start, m_pos - prefix_start);
            m_pos = e.next;
            // procmail starts a fresh word after the part it read as a
            // name, so a `#` there begins a comment
            if (!prefix.empty() && !rest.empty() && rest.front() == '#') rest = {};
            if (written == prefix) {  // the usual case: the prefix is as written, the rest follows it
                a.text = m_t.substr(prefix_start, written.size() + rest.size());
            } else {
                prefix += rest;
                a.text = keep(std::move(prefix));
            }
            return;
        }
    }
    if (test('!')) {
        a.kind = ActionKind::Forward;
        Extent e = scan_extent(m_t, m_pos, ScanMode::Args);
        a.text = m_t.substr(m_pos, e.end - m_pos);
        if (e.unterminated_quote) diag(m_pos, ParseIssue::UnterminatedQuote, std::string(a.text));
        m_pos = e.next;
        return;
    }
    ++m_pos;  // '|'
    a.kind = ActionKind::Pipe;
    a.text = get_long_line();
}

}  // namespace

int HeaderFields::legacy_conditions() const {
    if (count >= 0) return count;
    return has('A') || has('a') || has('E') || has('e') ? 0 : 1;
}

HeaderFields parse_header_words(const std::vector<std::string>& words) {
    HeaderFields f;
    // procmail's buf: the words, each NUL-terminated; "tmnate" is its end
    std::string buf;
    for (const auto& w : words) {
        buf.append(c_string(w));
        buf.push_back('\0');
    }
    if (buf.empty()) buf.push_back('\0');
    const std::size_t tmnate = buf.size();

    // strtol(buf, &end, 10), then (int) as procmail stores it
    std::size_t k = 0;
    while (k < buf.size() && (buf[k] == ' ' || (buf[k] >= '\t' && buf[k] <= '\r'))) ++k;
    bool negative = false;
    if (k < buf.size() && (buf[k] == '-' || buf[k] == '+')) negative = buf[k++] == '-';
    std::size_t digits = k;
    long value = 0;
    bool saturated = false;
    while (k < buf.size() && numeric(buf[k])) {
        int d = buf[k++] - '0';
        if (!saturated) {
            if (value > (LONG_MAX - d) / 10) saturated = true;
            else value = value * 10 + d;
        }
    }
    std::size_t c = 0;
    if (k > digits) {
        long v = saturated ? (negative ? LONG_MIN : LONG_MAX) : (negative ? -value : value);
        f.count = static_cast<int>(static_cast<std::uint32_t>(static_cast<unsigned long>(v)));
        c = k;
    }

    // the flag loop
    for (;;) {
        while (c < tmnate && blank(buf[c])) ++c;
        if (c >= tmnate) break;
        char ch = buf[c++];
        if (ch == '\0') {
            if (c != tmnate) continue;
            break;
        }
        if (ch == ':') {
            f.lock = LockKind::Implicit;
            std::size_t from = std::string::npos;
            if (buf[c] != '\0') from = c;
            else if (++c != tmnate) from = c;
            if (from != std::string::npos) {
                std::size_t nul = buf.find('\0', from);
                f.lock = LockKind::Explicit;
                f.lock_name = buf.substr(from, nul - from);
                c = nul + 1;
            }
            break;
        }
        if (k_recipe_flags.find(ch) != std::string_view::npos) {
            f.flags.push_back(ch);
            continue;
        }
        --c;  // not a flag: it and everything after it is skipped
        break;
    }
    // concatenate(): the rest, words joined by one space
    if (c < tmnate) {
        std::string rest = buf.substr(c, tmnate - c);
        if (!rest.empty() && rest.back() == '\0') rest.pop_back();
        std::replace(rest.begin(), rest.end(), '\0', ' ');
        f.skipped = std::move(rest);
    }
    return f;
}

ParsedRcfile parse_rcfile(std::string_view text) { return Parser(std::string(text)).run(); }
ParsedRcfile parse_rcfile_moved(std::string text) { return Parser(std::move(text)).run(); }

std::string squeeze_continuations(std::string_view text) {
    text = c_string(text);
    if (text.find('\n') == std::string_view::npos) return std::string(text);  // one line: nothing to squeeze
    std::string out;
    out.reserve(text.size());
    int state = 0;  // 1: after a backslash, 2: at a line's start
    for (char c : text) {
        switch (c) {
        case '\n':
            out.push_back(c);
            if (state == 1) out.resize(out.size() - 2);  // drop the backslash-newline pair
            state = 2;
            continue;
        case '\\':
            out.push_back(c);
            state = 1;
            continue;
        case ' ':
        case '\t':
            if (state == 2) continue;  // the next line's leading blanks
            break;
        default:
            break;
        }
        out.push_back(c);
        state = 0;
    }
    return out;
}

ConditionParts parse_condition(std::string_view text, ConditionParts carry) {
    ConditionParts p = std::move(carry);
    std::string_view cur = c_string(text);
    for (;;) {
        char c0 = cur.empty() ? '\0' : cur.front();
        switch (c0) {
        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
        case '-': case '+': case '.': case ',': {
            std::size_t used = 0;
            double w = stod(cur, used);
            if (used > 0) {
                std::string_view after = skip_blanks(cur.substr(used));
                if (!after.empty() && after.front() == '^') {
                    std::size_t xused = 0;
                    double x = stod(after.substr(1), xused);
                    if (xused > 0) {
                        p.weighted = true;
                        p.weight = w;
                        p.exponent = x;
                        cur = skip_blanks(after.substr(1 + xused));
                        continue;
                    }
                }
            }
            p.kind = ConditionKind::Regex;
            p.body = squeeze_continuations(cur);
            return p;
        }
        case '$':
            p.kind = ConditionKind::Dollar;
            p.body = squeeze_continuations(cur.substr(1));
            return p;
        case '!':
            p.negate = !p.negate;
            cur = skip_blanks(cur.substr(1));
            continue;
        case '?':
            p.kind = ConditionKind::Program;
            p.body = std::string(cur.substr(1));
            return p;
        case '<':
        case '>':
            p.kind = c0 == '<' ? ConditionKind::Less : ConditionKind::Greater;
            p.body = std::string(cur);
            return p;
        default:
            if (alphanum(static_cast<unsigned char>(c0))) {
                std::size_t n = 1;
                while (n < cur.size() && alphanum(static_cast<unsigned char>(cur[n]))) ++n;
                std::string_view after = skip_blanks(cur.substr(n));
                if (after.substr(0, 2) == "??") {
                    std::string_view name = cur.substr(0, n);
                    p.area_name.clear();
                    if (name == "B") p.area = AreaKind::Body;
                    else if (name == "H") p.area = AreaKind::Header;
                    else if (name == "HB" || name == "BH") p.area = AreaKind::Message;
                    else p.area = AreaKind::Variable, p.area_name = std::string(name);
                    cur = skip_blanks(after.substr(2));
                    continue;
                }
            }
            p.kind = ConditionKind::Regex;
            p.body = squeeze_continuations(cur);
            return p;
        }
    }
}

}  // namespace mail::procmail
