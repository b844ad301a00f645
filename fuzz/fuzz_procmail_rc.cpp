// fuzz_procmail_rc.cpp — libFuzzer target for procmail's rcfile reader,
// linter and expander: any bytes as an rcfile must parse, lint and have
// every piece of raw text expanded (with a dummy environment whose
// backquotes echo their command) without crashing, without unbounded
// recursion, and with the parse's invariants intact: every item's line is
// inside the file, a block's end index is a CloseBrace that points back to
// it, and expanding a value always yields at least one word.
#include "filters/procmail/expand.h"
#include "filters/procmail/lint.h"
#include "filters/procmail/rcfile.h"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace mail::procmail;

namespace {

struct DummyEnv final : ExpandEnv {
    std::string value = "v a\tl\nue";
    std::string metas = "&|<>~;?*[";
    std::vector<std::string> arguments{"one", "two words"};
    const std::string* get(std::string_view name) override {
        if (name == "SHELLMETAS") return &metas;
        if (name.empty() || name[0] == 'U') return nullptr;  // some unset
        return &value;
    }
    std::string special(char c) override { return std::string(1, c) + "1"; }
    const std::vector<std::string>& args() override { return arguments; }
    std::string backquote(const Command& cmd) override {
        std::string out = cmd.shell ? cmd.text : (cmd.argv.empty() ? std::string() : cmd.argv[0]);
        return out.substr(0, 64);
    }
    void log(std::string_view) override {}
};

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    ParsedRcfile p = parse_rcfile(text);
    int lines = static_cast<int>(p.line_lengths.size()) + 1;
    for (std::size_t k = 0; k < p.items.size(); ++k) {
        const Item& it = p.items[k];
        check(it.line >= 1 && it.line <= lines);
        if (it.kind == ItemKind::Recipe && it.recipe.action.kind == ActionKind::Block) {
            std::size_t end = it.recipe.action.block_end;
            check(end > k && end <= p.items.size());
            if (end < p.items.size()) {
                check(p.items[end].kind == ItemKind::CloseBrace);
                check(p.items[end].open == k);
            }
        }
    }

    LintOptions o;
    o.check_regex = [](std::string_view pat) -> std::optional<std::string> {
        if (pat.find("((") != std::string_view::npos) return std::string("nested");
        return std::nullopt;
    };
    auto msgs = lint(p, o);
    for (const auto& m : msgs) check(!m.format().empty());

    DummyEnv env;
    const std::size_t limit = 4096;
    for (const Item& it : p.items) {
        switch (it.kind) {
        case ItemKind::Assign: {
            auto e = expand_assignment(it.value, env, limit);
            check(e.text.size() <= limit);
            break;
        }
        case ItemKind::Recipe: {
            const Recipe& r = it.recipe;
            auto h = expand_args(r.header.raw, env, limit);
            check(!h.words.empty());
            (void)parse_header_words(h.words);
            for (const auto& c : r.conditions) {
                ConditionParts parts = parse_condition(c.text);
                if (parts.kind == ConditionKind::Dollar) {
                    auto x = expand_condition(parts.body, env, limit);
                    (void)parse_condition(x.text, parts);
                } else if (parts.kind == ConditionKind::Program) {
                    (void)make_command(parts.body, env.metas, env, limit);
                } else if (parts.kind == ConditionKind::Less || parts.kind == ConditionKind::Greater) {
                    (void)expand_joined(parts.body, env, limit);
                }
            }
            const Action& a = r.action;
            if (a.kind == ActionKind::Folder || a.kind == ActionKind::Forward) {
                auto w = expand_args(a.text, env, limit);
                check(!w.words.empty());
                auto all = insert_all_args(w, env.arguments);
                check(!all.empty() || w.words.empty());
            } else if (a.kind == ActionKind::Pipe) {
                Command c = make_command(a.text, env.metas, env, limit);
                check(c.shell || !c.argv.empty());
            }
            break;
        }
        default: break;
        }
    }
    // the whole input as each kind of text, too
    (void)expand_args(text, env, limit);
    (void)expand_assignment(text, env, limit);
    (void)expand_condition(text, env, limit);
    (void)scan_extent(text, 0, ScanMode::Args);
    return 0;
}
