// lint.cpp — procmail's silent traps (see lint.h).  The texts are pinned
// in lint_test.cpp.
#include "filters/procmail/lint.h"

#include "filters/procmail/expand.h"

#include <algorithm>

namespace mail::procmail {
namespace {

std::string quoted(std::string_view s, std::size_t max = 60) {
    std::string o = "\"";
    std::size_t n = 0;
    for (char c : s) {
        if (n++ == max) {
            o += "...";
            break;
        }
        if (c == '\n') o += "\\n";
        else if (c == '\t') o += "\\t";
        else if (c == '\r') o += "\\r";
        else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) o += "?";
        else o += c;
    }
    return o + "\"";
}

bool all_upper(std::string_view name) {
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
}

class Linter {
public:
    Linter(const ParsedRcfile& p, const LintOptions& o) : m_p(p), m_o(o) {}
    std::vector<LintMessage> run();

private:
    void add(int line, LintSeverity sev, std::string text) {
        m_out.push_back({m_o.file, line, sev, std::move(text)});
    }
    void warn(int line, std::string text) { add(line, LintSeverity::Warning, std::move(text)); }
    void error(int line, std::string text) { add(line, LintSeverity::Error, std::move(text)); }

    void unset_item(std::size_t k);
    void recipe(const Item& it);
    void flags(const Recipe& r, int line);
    void conditions(const Recipe& r);
    void action(const Recipe& r);

    const ParsedRcfile& m_p;
    const LintOptions& m_o;
    std::vector<LintMessage> m_out;
};

std::vector<LintMessage> Linter::run() {
    for (std::size_t k = 0; k < m_p.items.size(); ++k) {
        const Item& it = m_p.items[k];
        switch (it.kind) {
        case ItemKind::Unset: unset_item(k); break;
        case ItemKind::Skipped:
            warn(it.line, "procmail skips " + quoted(it.value) + " (not an assignment, recipe or brace)");
            break;
        case ItemKind::CloseBrace:
            if (it.stray) error(it.line, "`}` without an open block (procmail: \"Closing brace unexpected\")");
            break;
        case ItemKind::Recipe: recipe(it); break;
        case ItemKind::Assign: break;
        }
    }
    for (const auto& d : m_p.diagnostics) {
        switch (d.issue) {
        case ParseIssue::UnterminatedBlock:
            error(d.line, "this recipe's `{` is never closed (procmail: \"Missing closing brace\")");
            break;
        case ParseIssue::UnterminatedQuote:
            error(d.line, "a quote or backquote is still open at the end of the file (procmail: \"Unexpected EOL\")");
            break;
        case ParseIssue::LegacyCountPastEof:
            warn(d.line, "the recipe's `:N` asks for more condition lines than the file has");
            break;
        default: break;  // reported from the items
        }
    }
    for (std::size_t k = 0; k < m_p.line_lengths.size(); ++k) {
        if (m_p.line_lengths[k] > m_o.linebuf) {
            warn(static_cast<int>(k + 1), "line is " + std::to_string(m_p.line_lengths[k]) +
                                              " bytes, longer than LINEBUF (" + std::to_string(m_o.linebuf) +
                                              "): procmail fails or stops here (\"Exceeded LINEBUF\")");
        }
    }
    if (!m_p.cr_lines.empty()) {
        std::size_t n = m_p.cr_lines.size() - 1;
        std::string more = n == 0   ? std::string()
                           : n == 1 ? std::string(" (and 1 more line)")
                                    : " (and " + std::to_string(n) + " more lines)";
        warn(m_p.cr_lines.front(), "line ends in a carriage return" + more +
                                       ": procmail takes it as part of the text, not as a blank; use Unix line ends");
    }
    std::stable_sort(m_out.begin(), m_out.end(),
                     [](const LintMessage& a, const LintMessage& b) { return a.line < b.line; });
    return std::move(m_out);
}

void Linter::unset_item(std::size_t k) {
    const Item& it = m_p.items[k];
    auto same_line = [&](std::size_t j) { return j < m_p.items.size() && m_p.items[j].line == it.line; };
    // one message for a run of bare words on a line
    if (k > 0 && same_line(k - 1) && m_p.items[k - 1].kind == ItemKind::Unset) return;
    std::size_t last = k;
    while (same_line(last + 1) && m_p.items[last + 1].kind == ItemKind::Unset) ++last;
    std::string names;
    for (std::size_t j = k; j <= last; ++j)
        names += (j == k ? "`" : j == last ? " and `" : ", `") + std::string(m_p.items[j].name) + "`";
    bool several = last > k;
    const char* unsets = several ? " unset variables of those names" : " unsets the variable of that name";
    if (k > 0 && same_line(k - 1) && m_p.items[k - 1].kind == ItemKind::Assign) {
        const Item& a = m_p.items[k - 1];
        std::string all(a.value);
        for (std::size_t j = k; j <= last; ++j) (all += ' ') += m_p.items[j].name;
        const std::string name(a.name);
        warn(it.line, "the value of " + name + " is one word, " + quoted(a.value) + "; " + names + " after it" +
                          unsets + " (quote the value: " + name + "=\"" + all + "\")");
        return;
    }
    bool alone = !several && !(k > 0 && same_line(k - 1)) && !same_line(k + 1);
    if (alone && all_upper(it.name)) return;  // `LOCKFILE` on its own: the documented way to unset
    warn(it.line, "bare word" + std::string(several ? "s " : " ") + names + unsets +
                      (several ? "" : " (write `" + std::string(it.name) + "=` if that is meant)"));
}

void Linter::recipe(const Item& it) {
    const Recipe& r = it.recipe;
    const HeaderFields& f = r.header.fields;
    if (r.header.dynamic)
        warn(it.line, "recipe header " + quoted(":" + std::string(r.header.raw)) +
                          " uses $ or a backquote: its flags and lock are decided at run time");
    if (!f.skipped.empty()) {
        std::string first = quoted(f.skipped.substr(0, 1));
        warn(it.line, "unknown flag `" + first.substr(1, first.size() - 2) + "` in " + quoted(":" + std::string(r.header.raw)) +
                          ": procmail skips " + quoted(f.skipped) + " and any flag or lock in it (procmail: \"Skipped\")");
    }
    if (f.count < 0 && f.legacy_conditions() > 0) {
        warn(it.line, "recipe header without a number: procmail reads the next line as a condition even without `*` "
                      "(write `:0`)");
    } else if (f.count > 0) {
        warn(it.line, "old `:" + std::to_string(f.count) + "` syntax: the next " + std::to_string(f.count) +
                          " line(s) are conditions even without `*` (write `:0` and `*` lines)");
    }
    flags(r, it.line);
    conditions(r);
    action(r);
}

void Linter::flags(const Recipe& r, int line) {
    const HeaderFields& f = r.header.fields;
    if (f.has('E') && f.has('e'))
        warn(line, "flags E and e conflict: procmail ignores E (\"Conflicting else-if-flag suppressed\")");
    if (f.has('e') && f.has('a'))
        warn(line, "flags e and a conflict: procmail ignores a (\"Conflicting also-if-succeeded-flag suppressed\")");
    const Action& a = r.action;
    bool block = a.kind == ActionKind::Block;
    bool folder = a.kind == ActionKind::Folder;
    if (f.has('f') && (folder || block))
        warn(line, std::string("flag f on ") + (block ? "a block" : "a folder") +
                       " does nothing (procmail: \"Extraneous filter-flag ignored\")");
    if (f.has('c') && (a.kind == ActionKind::Pipe || a.kind == ActionKind::Forward) &&
        (f.has('f') || !a.capture.empty()))
        warn(line, std::string("flag c on a ") + (f.has('f') ? "filter" : "capture") +
                       " does nothing (procmail: \"Extraneous copy-flag ignored\")");
    if (block) {
        static const struct {
            char flag;
            const char* name;
        } k_block_flags[] = {{'h', "deliver-head flag"},
                             {'b', "deliver-body flag"},
                             {'i', "ignore-write-error flag"},
                             {'r', "raw-mode flag"}};
        for (const auto& bf : k_block_flags)
            if (f.has(bf.flag))
                warn(line, std::string("flag ") + bf.flag + " on a block does nothing (procmail: \"Extraneous " +
                               bf.name + " ignored\")");
        if (f.lock != LockKind::None && !f.has('c'))
            warn(line, "a lock on a block without c does nothing (procmail: \"Extraneous locallockfile ignored\")");
    }
}

void Linter::conditions(const Recipe& r) {
    for (const auto& c : r.conditions) {
        ConditionParts parts = parse_condition(c.text);
        if (parts.kind != ConditionKind::Regex && parts.kind != ConditionKind::Dollar) continue;
        std::size_t hash = parts.body.find('#');
        if (hash != std::string::npos && hash > 0 &&
            (parts.body[hash - 1] == ' ' || parts.body[hash - 1] == '\t')) {
            warn(c.line, "`#` on a condition line is not a comment: " + quoted(parts.body.substr(hash)) +
                             " is part of the " + (parts.kind == ConditionKind::Regex ? "regular expression" : "condition"));
        }
        if (parts.kind == ConditionKind::Regex && m_o.check_regex) {
            if (auto why = m_o.check_regex(parts.body))
                error(c.line, "invalid regular expression " + quoted(parts.body) + ": " + *why +
                                  " (procmail: \"Invalid regexp\")");
        }
    }
}

void Linter::action(const Recipe& r) {
    const HeaderFields& f = r.header.fields;
    const Action& a = r.action;
    switch (a.kind) {
    case ActionKind::MissingAction:
        error(a.line, "the recipe above has no action before this recipe (procmail: \"Missing action\")");
        return;
    case ActionKind::Incomplete:
        error(a.line, "the file ends before the recipe's action (procmail: \"Incomplete recipe\")");
        return;
    case ActionKind::Block:
        return;
    case ActionKind::Folder: {
        StaticEnv env;
        auto words = expand_args(a.text, env).words;
        if (words.front() == "}") {
            error(a.line, "the action is a folder named `}`: the `{` of a block is missing");
            return;
        }
        if (!a.text.empty() && a.text.front() == ':') {
            warn(a.line, "the action is a folder named " + quoted(words.front()) +
                             ": a recipe line right after the conditions is taken as the previous recipe's action");
            return;
        }
        break;
    }
    case ActionKind::Pipe:
    case ActionKind::Forward: {
        bool filter = f.has('f');
        bool waits = f.has('w') || f.has('W') || f.lock != LockKind::None;
        if (a.kind == ActionKind::Pipe && filter && !waits) {
            warn(a.line, "filter without w: if the program fails, its output (perhaps nothing) still replaces the "
                         "message");
        } else if (a.kind == ActionKind::Pipe && !filter && a.capture.empty() && !f.has('c') && !waits) {
            warn(a.line, "delivering pipe without w: procmail takes the mail as delivered even when the program "
                         "fails, so the mail can be lost (add w)");
        }
        if (f.lock == LockKind::Implicit && a.capture.empty() && !filter && a.text.find(">>") == std::string::npos)
            warn(a.line, "`:0:` on a pipe needs `>>` in the command to name the lock file (procmail: \"Couldn't "
                         "determine implicit lockfile\"); name one: `:0:file.lock`");
        break;
    }
    }
    // only the header or only the body delivered
    bool delivering = !f.has('c') && a.capture.empty() && !(a.kind == ActionKind::Pipe && f.has('f'));
    if (delivering && f.has('h') != f.has('b'))
        warn(a.line, std::string(f.has('h') ? "h without b" : "b without h") +
                         " on a delivering recipe: only the " + (f.has('h') ? "header" : "body") +
                         " is delivered and the " + (f.has('h') ? "body" : "header") + " is lost");
}

}  // namespace

std::string LintMessage::format() const {
    return file + ":" + std::to_string(line) + ": " + (severity == LintSeverity::Error ? "error: " : "warning: ") +
           text;
}

std::vector<LintMessage> lint(const ParsedRcfile& parsed, const LintOptions& options) {
    return Linter(parsed, options).run();
}

bool has_errors(const std::vector<LintMessage>& messages) {
    return std::any_of(messages.begin(), messages.end(),
                       [](const LintMessage& m) { return m.severity == LintSeverity::Error; });
}

}  // namespace mail::procmail
