// explain.cpp — see explain.h.
#include "filters/procmail/explain.h"

#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

namespace mail::procmail {

namespace {

std::string one_line(std::string_view s, std::size_t max = 200) {
    std::string out;
    for (char c : s) {
        if (out.size() >= max) {
            out += "…";
            break;
        }
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        else out += c;
    }
    return out;
}

std::string folder_kind(const std::string& name) {
    if (name == "/dev/null") return "discarded";
    if (!name.empty() && name.back() == '/') return "Maildir";
    if (name.size() >= 2 && name.compare(name.size() - 2, 2, "/.") == 0) return "MH folder";
    struct stat st {};
    if (::stat(name.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return "directory";
    return "mbox";
}

class ExplainActions final : public Actions {
public:
    explicit ExplainActions(ExplainReport& r) : m_report(r) {}
    Result<Delivery> write_folder(const FolderRequest& req) override {
        std::string names;
        for (const auto& n : req.names) names += (names.empty() ? "" : " ") + n;
        std::string part = req.header && req.body ? "" : req.header ? ", header only" : ", body only";
        m_report.print(fmt::format("    → would write the message to \"{}\" ({}{}{})\n", names,
                                   folder_kind(req.names.empty() ? "" : req.names[0]), part, req.raw ? ", raw" : ""));
        return Delivery{names, req.message.size()};
    }
    RunResult run(const RunSpec& spec, Purpose purpose) override {
        std::string what = one_line(spec.argv.empty() ? "" : spec.argv.back());
        if (spec.argv.size() >= 1 && !(spec.argv.size() == 3 && spec.argv[1] == "-c")) {
            what.clear();
            for (const auto& a : spec.argv) what += (what.empty() ? "" : " ") + one_line(a);
        }
        RunResult r;
        r.started = true;
        r.status = 0;
        switch (purpose) {
            case Purpose::Condition:
            case Purpose::Backquote:
                if (m_report.run_conditions()) {
                    RunResult real = run_program(spec);
                    if (purpose == Purpose::Backquote) m_report.print(fmt::format("    (ran `{}`)\n", what));
                    else m_report.hold(fmt::format("ran it, exit {}", real.status));
                    return real;
                }
                if (purpose == Purpose::Backquote)
                    m_report.print(fmt::format("    (`{}` not run: empty text; use --run-conditions)\n", what));
                else
                    m_report.hold("not run, counts as failed; use --run-conditions");
                r.status = purpose == Purpose::Condition ? 1 : 0;
                return r;
            case Purpose::Pipe: m_report.print(fmt::format("    → would pipe the message to `{}`\n", what)); return r;
            case Purpose::Forward: m_report.print(fmt::format("    → would forward with `{}`\n", what)); return r;
            case Purpose::Filter:
                m_report.print(fmt::format("    → would filter the message through `{}` (not run: the message stays as it is)\n", what));
                r.output = std::string(spec.input);
                return r;
            case Purpose::Capture:
                m_report.print(fmt::format("    → would capture the output of `{}` (not run: empty)\n", what));
                return r;
            case Purpose::Trap: m_report.print(fmt::format("TRAP would run `{}`\n", what)); return r;
        }
        return r;
    }
    std::optional<int> lock(const std::string& path) override {
        m_report.print(fmt::format("    (would lock \"{}\")\n", path));
        return 0;
    }
    void unlock(int) override {}

private:
    ExplainReport& m_report;
};

}  // namespace

void ExplainReport::print(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }

void ExplainReport::recipe(const std::string& file, const Recipe& r, const HeaderFields& f, std::string_view skipped) {
    std::string flags = f.flags;
    std::string lock = f.lock == LockKind::None ? "" : f.lock == LockKind::Implicit ? ":" : ":" + f.lock_name;
    print(fmt::format("{}:{}: recipe :0{}{}{}\n", file, r.header.line, flags.empty() ? "" : " ", flags, lock));
    if (!skipped.empty()) print(fmt::format("    skipped ({})\n", skipped));
}

void ExplainReport::condition(std::string_view text, bool result, std::string_view detail) {
    std::string extra = m_held.empty() ? std::string(detail) : m_held;
    m_held.clear();
    print(fmt::format("    * {}  → {}{}{}\n", one_line(text), result ? "true" : "false", extra.empty() ? "" : " (",
                      extra.empty() ? std::string() : one_line(extra) + ")"));
}

void ExplainReport::outcome(const Recipe& r, bool matched, double score, bool weighted) {
    if (weighted) print(fmt::format("    score {:g}\n", score));
    if (!matched) {
        print("    no match\n");
        return;
    }
    switch (r.action.kind) {
        case ActionKind::Block: print("    matched → entering the block\n"); break;
        case ActionKind::MissingAction:
        case ActionKind::Incomplete: print("    no action: the recipe is incomplete\n"); break;
        default: print("    matched\n"); break;
    }
}

void ExplainReport::assignment(const std::string& file, int line, std::string_view name, std::string_view value) {
    if (line <= 0) print(fmt::format("(start-up): {}={}\n", name, one_line(value)));
    else print(fmt::format("{}:{}: {}={}\n", file, line, name, one_line(value)));
}

int ExplainReport::finish() {
    // Run the end of processing with the explain Actions: DEFAULT or not.
    bool delivered = m_engine.delivered();
    int code = m_engine.finish();
    const std::string* last = m_engine.vars().get("LASTFOLDER");
    if (delivered) print(fmt::format("result: delivered by a recipe to \"{}\"\n", last ? *last : ""));
    else print(fmt::format("result: no recipe delivered it; it falls through to \"{}\"\n", last ? *last : ""));
    print(fmt::format("exit status would be {}\n", code));
    return 0;
}

std::unique_ptr<Actions> make_explain_actions(ExplainReport& report) { return std::make_unique<ExplainActions>(report); }

}  // namespace mail::procmail
