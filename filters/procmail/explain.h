// explain.h — `procmail --explain`: what would happen to this message.
//
// The seed's ritual for testing a rule (a scratch directory, a fake
// message, VERBOSE=on, reading the log) in one command:
//     procmail --explain [-f sender] [VAR=value …] rcfile < message
// reads the rcfile and the message, runs the real interpreter, and prints
// every assignment, every recipe reached (or why it was skipped), each
// condition's result (with MATCH, the exit code or the size it compared),
// and every action it would take — but delivers nothing and runs nothing:
// folders are not written, pipes, filters, forwards, captures and TRAP are
// not run.  `?` conditions and backquotes are not run either; they count
// as failed / empty, and the report says so.  With --run-conditions they
// are run (they get the message on stdin and cannot deliver it), which is
// what a whitelist check such as `* ? formail -x From: | grep -f list`
// needs to be explained truthfully.
//
// SECURITY: nothing is written except the report on stdout; the rcfile's
// MAILDIR is still entered (procmail's relative names depend on it).
#pragma once

#include "filters/procmail/engine.h"

#include <memory>
#include <string>

namespace mail::procmail {

class ExplainReport final : public Engine::Observer {
public:
    explicit ExplainReport(Engine& engine, bool run_conditions = false)
        : m_engine(engine), m_run_conditions(run_conditions) {}
    void recipe(const std::string& file, const Recipe& r, const HeaderFields& f, std::string_view skipped) override;
    void condition(std::string_view text, bool result, std::string_view detail) override;
    void outcome(const Recipe& r, bool matched, double score, bool weighted) override;
    void assignment(const std::string& file, int line, std::string_view name, std::string_view value) override;
    // The closing summary; returns the exit code procmail would have used.
    int finish();
    bool run_conditions() const { return m_run_conditions; }
    void print(std::string_view text);
    // A note for the next condition line (how its program was handled).
    void hold(std::string note) { m_held = std::move(note); }

private:
    std::string m_held;
    Engine& m_engine;
    bool m_run_conditions;
};

std::unique_ptr<Actions> make_explain_actions(ExplainReport& report);

}  // namespace mail::procmail
