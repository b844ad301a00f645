// engine.h — procmail's interpreter: runs an rcfile's items against a message.
//
// The engine keeps procmail's run-time state: the variables (vars.h), the
// message (message.h), the recipe chain state (lastcond, prevcond,
// lastsucc), the block stack, LASTFOLDER, MATCH, the score and the log.  It
// walks the parsed items of rcfile.h, expands text with expand.h (it is the
// ExpandEnv), matches with regex.h (each pattern compiled once per run), and
// does everything that touches the world through an Actions object: the
// real one writes folders and runs programs, the explain one (explain.h)
// only reports what would happen.
//
// SECURITY: everything runs as the user procmail runs as.  Text from the
// message (MATCH, captures) is only ever passed as data: to programs on
// stdin or in the environment, never spliced into a shell command.
#pragma once

#include "filters/procmail/expand.h"
#include "filters/procmail/message.h"
#include "filters/procmail/rcfile.h"
#include "filters/procmail/regex.h"
#include "filters/procmail/runner.h"
#include "filters/procmail/vars.h"
#include "libmail/util/result.h"

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mail::procmail {


// Where a delivery went and how many bytes it wrote (for the abstract).
struct Delivery {
    std::string folder;  // LASTFOLDER's new value
    uint64_t bytes = 0;
};

// How a folder is written (the h/b/r flags, -Y …); see folder.h.
struct FolderRequest {
    std::vector<std::string> names;  // expanded folder words
    std::string_view message;        // the whole message
    bool header = true;              // the part to write: h, b or both
    bool body = true;
    bool raw = false;                // r
    bool berkeley = false;           // -Y
};

// What the engine does to the world.
class Actions {
public:
    virtual ~Actions() = default;
    virtual Result<Delivery> write_folder(const FolderRequest& req) = 0;
    // What the program is for, so the explain mode can say it and decide
    // whether to run it.
    enum class Purpose { Pipe, Filter, Capture, Condition, Backquote, Trap, Forward };
    virtual RunResult run(const RunSpec& spec, Purpose purpose) = 0;
    // A dotlock (`:0:`, LOCKFILE, $DEFAULT$LOCKEXT); false = "Lock failure".
    // The returned id releases it with unlock().
    virtual std::optional<int> lock(const std::string& path) = 0;
    virtual void unlock(int id) = 0;
    // Drops every lock still held (the end, a signal).
    virtual void release_all() {}
};

// Forwards to another Actions set later (the real Actions need the engine).
class DeferredActions final : public Actions {
public:
    Actions* target = nullptr;
    Result<Delivery> write_folder(const FolderRequest& req) override { return target->write_folder(req); }
    RunResult run(const RunSpec& spec, Purpose purpose) override { return target->run(spec, purpose); }
    std::optional<int> lock(const std::string& path) override { return target->lock(path); }
    void unlock(int id) override { target->unlock(id); }
    void release_all() override { target->release_all(); }
};

enum class Mode { Filter, Delivery, General };

struct Settings {
    Mode mode = Mode::Filter;
    bool soft_fail = false;         // -t
    bool berkeley = false;          // -Y
    std::string argv0 = "procmail";
    std::vector<std::string> args;  // $1 … (-a, or -m's arguments)
    std::string hostname;
    bool explain = false;           // the explain mode's reporting
};

class Engine final : public ExpandEnv {
public:
    Engine(Message message, Settings settings, Actions& actions);
    ~Engine() override;

    Vars& vars() { return m_vars; }
    // procmail's assignment: store and apply the side effects.  `from_cmdline`
    // refuses INCLUDERC/SWITCHRC as procmail does on its command line.
    void assign(std::string_view name, std::string value, bool from_cmdline = false);
    void unset(std::string_view name);

    // Runs one rcfile (path as given; `display` is what $_ shows).
    // Returns false when the file could not be read ("Couldn't read").
    bool run_rcfile(const std::string& path);
    bool run_rcfile_text(const std::string& display, std::string text);
    // What the destructor does that matters outside the process: releases
    // the global lock (LOCKFILE) and closes the log.  main() calls it and
    // then _exit()s, since freeing the engine's memory only costs time.
    void release();

    bool delivered() const { return m_delivered; }
    // HOST was set to another host's name: this rcfile ended; main tries the
    // next one on the command line and then calls reset_host().
    bool host_mismatch() const { return m_host_mismatch; }
    void reset_host(const std::string& host) {
        m_host_mismatch = false;
        m_vars.set("HOST", host);
    }
    void set_system_mailbox(std::string path) { m_system_mailbox = std::move(path); }
    long timing(std::string_view name) const;  // LOCKSLEEP, LOCKTIMEOUT, SUSPEND
    bool verbose() const { return m_verbose != 0; }
    int log_fd() const { return m_log_fd; }
    bool stopped() const { return m_delivered || m_host_mismatch || m_exit_now; }
    // Falling off the end: $DEFAULT, then $ORGMAIL, then bounce.  Writes the
    // abstract, runs TRAP, returns the exit code.
    int finish();

    // procmail: diagnostics ("procmail: " + text + "\n") to the log.
    void diag(std::string_view text);
    void log_raw(std::string_view text);

    // ExpandEnv
    const std::string* get(std::string_view name) override;
    std::string special(char c) override;
    const std::vector<std::string>& args() override { return m_settings.args; }
    std::string backquote(const Command& cmd) override;
    void log(std::string_view diagnostic) override { diag(diagnostic); }

    // For the explain mode: called with each decision as it is made.
    struct Observer {
        virtual ~Observer() = default;
        // A recipe is reached; `skipped` says why it is not evaluated ("" =
        // it is).
        virtual void recipe(const std::string& file, const Recipe& r, const HeaderFields& f, std::string_view skipped) = 0;
        virtual void condition(std::string_view text, bool result, std::string_view detail) = 0;
        virtual void outcome(const Recipe& r, bool matched, double score, bool weighted) = 0;
        virtual void assignment(const std::string& file, int line, std::string_view name, std::string_view value) = 0;
    };
    void set_observer(Observer* o) { m_observer = o; }

private:
    struct Frame;
    bool run_items(const std::string& display, const ParsedRcfile& rc);
    std::size_t skip_block(const ParsedRcfile& rc, std::size_t start, std::size_t end);
    bool eval_recipe(const Recipe& r, const HeaderFields& f, double* score, bool* weighted);
    bool eval_condition(const HeaderFields& f, std::string_view text, double* score, bool* weighted_any,
                        bool* inf_done);
    // Runs the action; returns false when it failed.  *delivering tells
    // whether it counts as a delivery.
    bool do_action(const Recipe& r, const HeaderFields& f, bool* delivering);
    bool deliver_to_folder(const Recipe& r, const HeaderFields& f, const std::vector<std::string>& names);
    bool run_pipe(const Recipe& r, const HeaderFields& f);
    bool forward(const Recipe& r, const HeaderFields& f);
    std::string action_text(const HeaderFields& f) const;
    RunSpec program_spec(const Command& cmd, std::string_view input) const;
    Command command_for(std::string_view raw, std::string* shown = nullptr);
    // The compiled pattern (nullptr: too large, logged).  A pattern that
    // cannot match `area` (Regex::absent_uncompiled) is not cached: it goes
    // to *uncached, which is set only then (its search is known to fail).
    const Regex* regex(std::string_view pattern, bool case_sensitive, bool after_backslash, std::string_view area,
                       std::optional<Regex>* uncached);
    void record_delivery(const Delivery& d, bool copy);
    void write_abstract(std::string_view folder, uint64_t bytes);
    bool want_abstract() const;
    void set_logfile(const std::string& path);
    void set_lockfile(const std::string& path);
    void change_maildir(const std::string& dir);
    std::size_t linebuf() const { return m_linebuf; }
    std::string absolute(const std::string& name) const;
    RunResult run_checked(const RunSpec& spec, Actions::Purpose purpose);
    void fix_content_length();
    void verbose_stamp();
public:
    void poll_signals();
    [[noreturn]] void terminate_on_signal(int sig);
private:
    bool deliver_default(const std::string& box, bool lock_it);

    Message m_msg;
    Settings m_settings;
    Actions& m_actions;
    Vars m_vars;
    Observer* m_observer = nullptr;

    // recipe chain state (procmail's lastcond / prevcond / lastsucc)
    bool m_lastcond = false;
    bool m_prevcond = false;
    bool m_lastsucc = true;
    std::string m_current_file;
    int m_current_line = 0;

    bool m_delivered = false;
    bool m_detached = false;          // DELIVERED=yes: the MTA was told it is delivered
    bool m_default_assigned = false;  // -m: DEFAULT counts only once assigned
    std::string m_system_mailbox;     // /var/mail/$LOGNAME (its dotlock needs the spool)
    bool m_host_mismatch = false;
    bool m_exit_now = false;
    bool m_switched = false;  // SWITCHRC abandons the current file
    std::string m_switch_to;
    int m_include_depth = 0;
    int m_last_status = 0;    // $?
    long m_last_score = 0;    // $=
    std::string m_last_folder_abstract;
    uint64_t m_last_bytes = 0;
    bool m_abstract_pending = false;

    int m_log_fd = -1;  // LOGFILE, else stderr
    int m_verbose = 0;
    int m_logabstract = -1;
    std::size_t m_linebuf = 2048;
    std::size_t m_assign_overhead = 0;  // "NAME=" while an assignment expands
    std::optional<int> m_global_lock;
    std::string m_global_lock_path;
    long m_timeout = 960;
    mode_t m_umask = 077;

    // Pattern text + (case_sensitive | after_backslash << 1) → compiled
    // (no value: too large to compile).  Held in the map's nodes, which
    // never move.
    // Looked up by RegexKeyView: no key is built unless the pattern is kept.
    struct RegexKey {
        std::string pattern;
        int flags;
    };
    struct RegexKeyView {
        std::string_view pattern;
        int flags;
    };
    struct RegexKeyHash {
        using is_transparent = void;
        static std::size_t of(std::string_view p, int flags) noexcept {
            return std::hash<std::string_view>{}(p) * 31u + static_cast<std::size_t>(flags);
        }
        std::size_t operator()(const RegexKey& k) const noexcept { return of(k.pattern, k.flags); }
        std::size_t operator()(const RegexKeyView& k) const noexcept { return of(k.pattern, k.flags); }
    };
    struct RegexKeyEqual {
        using is_transparent = void;
        template <class A, class B>
        bool operator()(const A& a, const B& b) const noexcept {
            return a.flags == b.flags && std::string_view(a.pattern) == std::string_view(b.pattern);
        }
    };
    std::unordered_map<RegexKey, std::optional<Regex>, RegexKeyHash, RegexKeyEqual> m_regex_cache;
    std::unique_ptr<ParsedRcfile> m_retained;  // the last rcfile parsed (run_rcfile_text)
};

// The real Actions: folders through folder.h, programs through runner.h,
// locks through filters/common/dotlock.h.
std::unique_ptr<Actions> make_real_actions(const Settings& s, Engine& engine);

}  // namespace mail::procmail
