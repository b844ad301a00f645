// engine.cpp — see engine.h.  Section references are to
// ../shared/reference/procmail.md.
#include "filters/procmail/engine.h"

#include "filters/common/abstract.h"
#include "filters/procmail/folder.h"
#include "filters/procmail/regex.h"
#include "filters/procmail/security.h"

#include <fmt/format.h>
#include <signal.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>

namespace mail::procmail {

namespace {

constexpr double k_score_max = 2147483647.0;

// procmail's renvint(): a number is its value; on/y/t/e → 1, off/n/f/d → 0,
// a… → 2; anything else keeps `old`.
long bool_value(std::string_view v, long old) {
    std::size_t i = 0;
    while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
    v.remove_prefix(i);
    if (v.empty()) return old;
    if ((v[0] >= '0' && v[0] <= '9') || v[0] == '-' || v[0] == '+') return std::strtol(std::string(v).c_str(), nullptr, 10);
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(v[0])));
    if (v.size() >= 2 && c == 'o') {
        char d = static_cast<char>(std::tolower(static_cast<unsigned char>(v[1])));
        if (d == 'n') return 1;
        if (d == 'f') return 0;
    }
    if (c == 'y' || c == 't' || c == 'e') return 1;
    if (c == 'n' || c == 'f' || c == 'd') return 0;
    if (c == 'a') return 2;
    return old;
}

// Pipes, filters and forwards get the text with one newline added unless it
// already ends in an empty line (§1.8).
std::string with_final_newline(std::string_view text) {
    std::string t(text);
    if (!(t.size() >= 2 && t[t.size() - 1] == '\n' && t[t.size() - 2] == '\n')) t += '\n';
    return t;
}

bool parse_long(std::string_view s, long* out) {
    std::size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::string t(s.substr(i));
    if (t.empty()) return false;
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(t.c_str(), &end, 10);
    if (end == t.c_str() || errno != 0) return false;
    *out = v;
    return true;
}

}  // namespace

struct Engine::Frame {
    bool lastcond;
    bool prevcond;
};

Engine::Engine(Message message, Settings settings, Actions& actions)
    : m_msg(std::move(message)), m_settings(std::move(settings)), m_actions(actions) {
    fix_content_length();
}

// procmail rewrites a Content-Length: field to the body's real length when
// it reads the message (and again after a filter), unless -Y.
void Engine::fix_content_length() {
    if (m_settings.berkeley) return;
    // Copied only when the field's value changes (most messages have none).
    MessageLayout l = message_layout(m_msg.text(), false);
    if (!l.has_content_length || m_msg.text().compare(l.cl_value_offset, l.cl_value.size(), l.cl_value) == 0) return;
    std::string t = m_msg.text();
    t.replace(l.cl_value_offset, l.cl_value.size(), l.cl_value);
    m_msg.set_text(std::move(t));
}

Engine::~Engine() { release(); }

void Engine::release() {
    if (m_global_lock) m_actions.unlock(*m_global_lock);
    m_global_lock.reset();
    if (m_log_fd >= 0) ::close(m_log_fd);
    m_log_fd = -1;
}

// ---- logging ----------------------------------------------------------------

void Engine::log_raw(std::string_view text) {
    // The explain mode writes nothing anywhere but its report on stdout.
    int fd = m_settings.explain ? 1 : m_log_fd >= 0 ? m_log_fd : 2;
    while (!text.empty()) {
        ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

void Engine::diag(std::string_view text) {
    std::string line = "procmail: ";
    line.append(text);
    line += '\n';
    log_raw(line);
}

bool Engine::want_abstract() const {
    if (m_logabstract == 0) return false;
    if (m_logabstract < 0) return m_log_fd >= 0 || m_verbose;
    return true;
}

void Engine::write_abstract(std::string_view folder, uint64_t bytes) {
    if (!want_abstract()) return;
    // Leading empty lines are not part of the header procmail looks at.
    std::string_view text = m_msg.text();
    bool from_first = m_msg.has_from_line();
    text.remove_prefix(std::min(text.size(), text.find_first_not_of('\n')));
    std::string out = filters::log_abstract(text, folder, bytes);
    if (!from_first && text.substr(0, 5) == "From ") out.erase(0, out.find('\n') + 1);  // only a first line counts
    log_raw(out);
}

// A signal ends procmail (procmail(1) "SIGNALS"): TERM requeues (75), HUP
// and INT bounce (73), QUIT drops the mail (0).  The abstract then has no
// Subject: line, as procmail 3.22 writes it.
void Engine::terminate_on_signal(int sig) {
    diag("Terminating prematurely");
    const char* folder = sig == SIGTERM ? "**Requeued**" : sig == SIGQUIT ? "**Lost**" : "**Bounced**";
    int code = sig == SIGTERM ? EX_TEMPFAIL : sig == SIGQUIT ? EX_OK : EX_CANTCREAT;
    if (want_abstract()) {
        std::string out;
        if (m_msg.has_from_line()) out = std::string(m_msg.from_line()) + "\n";
        out += filters::abstract_folder_line(folder, m_last_bytes);
        log_raw(out);
    }
    if (m_global_lock) m_actions.unlock(*m_global_lock);
    m_global_lock.reset();
    m_actions.release_all();
    _exit(code);
}

void Engine::poll_signals() {
    int sig = g_pending_signal;
    if (g_verbose_request) {
        m_verbose = g_verbose_request > 0 ? 1 : 0;
        g_verbose_request = 0;
    }
    if (sig) terminate_on_signal(sig);
}

// ---- variables --------------------------------------------------------------

long Engine::timing(std::string_view name) const {
    long v = 0;
    if (const std::string* s = m_vars.get(name); s && parse_long(*s, &v)) return v;
    if (name == "LOCKSLEEP") return 8;
    if (name == "LOCKTIMEOUT") return 1024;
    if (name == "SUSPEND") return 16;
    return 0;
}

const std::string* Engine::get(std::string_view name) { return m_vars.get(name); }

std::string Engine::special(char c) {
    switch (c) {
        case '$': return std::to_string(::getpid());
        case '?': return std::to_string(m_last_status);
        case '#': return std::to_string(m_settings.args.size());
        case '-': return m_vars.value("LASTFOLDER");
        case '_': return m_current_file;
        case '=': return std::to_string(m_last_score);
        case '0': return m_settings.argv0;
        default: return {};
    }
}

void Engine::set_logfile(const std::string& path) {
    if (m_log_fd >= 0) ::close(m_log_fd);
    m_log_fd = -1;
    if (m_settings.explain) return;
    // An empty LOGFILE logs to /dev/null (procmail's stderr is gone by then).
    m_log_fd = ::open(path.empty() ? "/dev/null" : path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (m_log_fd < 0) m_log_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
}

void Engine::change_maildir(const std::string& dir) {
    if (::chdir(dir.c_str()) != 0) {
        diag("Couldn't chdir to \"" + dir + "\"");
        m_vars.set("MAILDIR", ".");
    }
}

void Engine::set_lockfile(const std::string& path) {
    if (m_global_lock) {
        m_actions.unlock(*m_global_lock);
        m_global_lock.reset();
        m_global_lock_path.clear();
    }
    if (path.empty()) return;
    m_global_lock = m_actions.lock(path);
    if (m_global_lock) m_global_lock_path = path;
}

void Engine::unset(std::string_view name) {
    m_vars.unset(name);
    if (name == "LOGFILE") set_logfile("");
    if (name == "DEFAULT") m_default_assigned = false;
    else if (name == "LOCKFILE") set_lockfile("");
    else if (name == "SWITCHRC") {
        // Unsetting SWITCHRC ends the current rcfile.
        m_switched = true;
        m_switch_to.clear();
    }
}

void Engine::assign(std::string_view name, std::string value, bool from_cmdline) {
    if (m_verbose) diag("Assigning \"" + std::string(name) + "=" + value + "\"");
    if (m_observer) m_observer->assignment(m_current_file, m_current_line, name, value);
    if (name == "INCLUDERC" || name == "SWITCHRC") {
        if (from_cmdline) return;
        if (name == "SWITCHRC") {
            // An unreadable file is logged and the current one goes on.
            std::string path = value.empty() ? value : absolute(value);
            struct stat st {};
            if (!path.empty() && (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || ::access(path.c_str(), R_OK) != 0)) {
                diag("Couldn't read \"" + path + "\"");
                return;
            }
            m_switched = true;
            m_switch_to = path;
            return;
        }
        if (!value.empty()) {
            std::string path = absolute(value);
            if (m_include_depth > 64) {
                diag("INCLUDERC nested too deeply, skipped \"" + path + "\"");
                return;
            }
            ++m_include_depth;
            std::string saved = m_current_file;
            run_rcfile(path);
            m_current_file = saved;
            --m_include_depth;
        }
        return;
    }
    if (name == "LOG") {
        log_raw(value);
        return;
    }
    if (name == "HOST") {
        if (value != m_settings.hostname) {
            m_host_mismatch = true;
            return;
        }
    }
    m_vars.set(name, value);
    if (name == "DEFAULT") m_default_assigned = true;
    if (name == "MAILDIR") change_maildir(value);
    else if (name == "LOGFILE") set_logfile(value);
    else if (name == "VERBOSE") {
        int was = m_verbose;
        m_verbose = static_cast<int>(bool_value(value, m_verbose));
        if (m_verbose && !was) verbose_stamp();
    }
    else if (name == "LOGABSTRACT") m_logabstract = static_cast<int>(bool_value(value, m_logabstract));
    else if (name == "LOCKFILE") set_lockfile(value);
    else if (name == "UMASK") {
        char* end = nullptr;
        long u = std::strtol(value.c_str(), &end, 8);
        if (end != value.c_str()) {
            m_umask = static_cast<mode_t>(u & 0777);
            ::umask(m_umask);
        }
    } else if (name == "LINEBUF") {
        long n = 0;
        if (parse_long(value, &n)) m_linebuf = static_cast<std::size_t>(std::max<long>(n, 128));
    } else if (name == "TIMEOUT") {
        long n = 0;
        if (parse_long(value, &n)) m_timeout = n;
    } else if (name == "SHIFT") {
        long n = 0;
        if (parse_long(value, &n) && n > 0) {
            auto& a = m_settings.args;
            a.erase(a.begin(), a.begin() + std::min<long>(n, static_cast<long>(a.size())));
        }
    } else if (name == "DELIVERED") {
        if (bool_value(value, 0) == 1 && !m_settings.explain) {
            // The parent reports success to the MTA at once; the child
            // carries on (and can lose the mail: §4.3).
            pid_t pid = ::fork();
            if (pid > 0) _exit(0);
            if (pid == 0) {
                m_detached = true;
                ::setsid();
            }
        }
    } else if (name == "EXITCODE" || name == "TRAP") {
        // read at the end
    }
}

std::string Engine::absolute(const std::string& name) const {
    if (name.empty() || name[0] == '/') return name;
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) == nullptr) return name;
    return std::string(cwd) + "/" + name;
}

// VERBOSE starts with procmail's "[pid] date" line.
void Engine::verbose_stamp() {
    std::time_t now = std::time(nullptr);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", std::localtime(&now));
    diag("[" + std::to_string(::getpid()) + "] " + buf);
}

// ---- rcfiles ------------------------------------------------------------------

bool Engine::run_rcfile(const std::string& path) {
    std::string text;
    if (!read_rcfile(path, &text)) {
        diag("Couldn't read \"" + path + "\"");
        return false;
    }
    return run_rcfile_text(path, std::move(text));
}

bool Engine::run_rcfile_text(const std::string& display, std::string text) {
    std::string name = display;
    std::string body = std::move(text);
    for (int hops = 0;; ++hops) {
        auto rc = std::make_unique<ParsedRcfile>(parse_rcfile_moved(std::move(body)));
        m_current_file = name;
        run_items(name, *rc);
        // Kept until the next one: a run that ends with _exit (main.cpp)
        // does not spend its time freeing the last parse.
        m_retained = std::move(rc);
        if (!m_switched || stopped()) break;
        if (hops > 64) {
            diag("Too many SWITCHRC changes, rest of \"" + name + "\" skipped");
            break;
        }
        m_switched = false;
        if (m_switch_to.empty()) break;
        // SWITCHRC: continue in the new file; $_ shows its absolute path.
        name = m_switch_to;
        m_switch_to.clear();
        body.clear();
        if (!read_rcfile(name, &body)) {
            diag("Couldn't read \"" + name + "\"");
            break;
        }
    }
    m_switched = false;
    return true;
}

bool Engine::run_items(const std::string& display, const ParsedRcfile& rc) {
    std::vector<Frame> stack;
    const auto& items = rc.items;
    for (std::size_t i = 0; i < items.size() && !stopped() && !m_switched; ++i) {
        poll_signals();
        const Item& it = items[i];
        m_current_line = it.line;
        switch (it.kind) {
            case ItemKind::Assign: {
                // NAME=value must fit in LINEBUF; if not, procmail says so
                // and the variable ends up empty.
                m_assign_overhead = it.name.size() + 1;
                ExpandedText v = expand_assignment(it.value, *this);
                m_assign_overhead = 0;
                if (v.overflow || it.name.size() + 1 + v.text.size() > m_linebuf) {
                    diag("Exceeded LINEBUF");
                    m_vars.set("PROCMAIL_OVERFLOW", "yes");
                    v.text.clear();
                }
                assign(it.name, std::move(v.text));
                break;
            }
            case ItemKind::Unset:
                unset(it.name);
                break;
            case ItemKind::Skipped:
                diag("Skipped \"" + std::string(it.value) + "\"");
                break;
            case ItemKind::CloseBrace:
                if (it.stray) {
                    diag("Closing brace unexpected");
                } else if (!stack.empty()) {
                    m_lastcond = stack.back().lastcond;
                    m_prevcond = stack.back().prevcond;
                    stack.pop_back();
                }
                break;
            case ItemKind::Recipe: {
                const Recipe& r = it.recipe;
                // A dynamic header is parsed again with the variables set.
                HeaderFields expanded;
                if (r.header.dynamic) expanded = parse_header_words(expand_args(r.header.raw, *this, m_linebuf).words);
                const HeaderFields& f = r.header.dynamic ? expanded : r.header.fields;
                if (!f.skipped.empty()) diag("Skipped \"" + f.skipped + "\"");
                bool A = f.has('A'), a = f.has('a'), E = f.has('E'), e = f.has('e');
                // procmail's order: e first (it wins over E and a), then E,
                // a and A narrow what may run.
                bool run = true;
                if (e) {
                    run = m_prevcond && !m_lastsucc;
                    if (E) {
                        diag("Conflicting else-if-flag suppressed");
                        E = false;
                    }
                    if (a) {
                        diag("Conflicting also-if-succeeded-flag suppressed");
                        a = false;
                    }
                }
                if (E) run = run && !m_prevcond;
                if (a) run = run && m_lastcond && m_lastsucc;
                if (A) run = run && m_lastcond;
                bool skip = !run;
                bool is_block = r.action.kind == ActionKind::Block;
                if (m_observer) {
                    std::string why;
                    if (skip && e) why = "e: the previous recipe did not match, or its action succeeded";
                    else if (skip && E) why = "E: the previous recipe matched";
                    else if (skip && a) why = "a: the last recipe without A/a did not match, or the previous action failed";
                    else if (skip && A) why = "A: the last recipe without A/a did not match";
                    m_observer->recipe(display, r, f, why);
                }
                double score = 0;
                bool matched = false;
                bool weighted = false;
                if (!skip) matched = eval_recipe(r, f, &score, &weighted);
                if (m_observer && !skip) m_observer->outcome(r, matched, score, weighted);
                if (!(A || a)) m_lastcond = matched;
                if (!m_prevcond || !E) m_prevcond = matched;
                if (is_block && r.action.block_end >= items.size()) {
                    // procmail 3.22 says nothing about a block that is never
                    // closed; we do (its own documented diagnostic).
                    diag("Missing closing brace");
                }
                if (is_block) {
                    // Flags that mean nothing on a block (procmail says so
                    // whether or not the block is entered).
                    if (f.lock != LockKind::None && !f.has('c')) diag("Extraneous locallockfile ignored");
                    if (f.has('b')) diag("Extraneous deliver-body flag ignored");
                    if (f.has('h')) diag("Extraneous deliver-head flag ignored");
                    if (f.has('i')) diag("Extraneous ignore-write-error flag ignored");
                    if (f.has('r')) diag("Extraneous raw-mode flag ignored");
                }
                if (!matched) {
                    if (is_block) i = skip_block(rc, i, r.action.block_end);
                    break;
                }
                if (is_block) {
                    if (f.has('c')) {
                        // The clone runs the block and goes on; the parent
                        // jumps over it (and waits only with w).
                        pid_t pid = ::fork();
                        if (pid > 0) {
                            if (f.has('w') || f.has('W')) {
                                int st = 0;
                                while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
                                }
                            }
                            i = skip_block(rc, i, r.action.block_end);
                            break;
                        }
                        if (pid == 0) {
                            // the clone: its own abstract, no inherited locks
                            m_global_lock.reset();
                        }
                    }
                    stack.push_back({m_lastcond, m_prevcond});
                    m_lastsucc = true;
                    break;
                }
                bool delivering = false;
                bool ok = do_action(r, f, &delivering);
                m_lastsucc = ok;
                if (ok && delivering && !f.has('c')) m_delivered = true;
                break;
            }
        }
    }
    (void)display;
    return true;
}

// procmail reads a block it skips, so it still logs the text it cannot
// parse there.  Returns the index of the block's `}`.
std::size_t Engine::skip_block(const ParsedRcfile& rc, std::size_t start, std::size_t end) {
    for (std::size_t j = start + 1; j < end && j < rc.items.size(); ++j) {
        const Item& it = rc.items[j];
        if (it.kind == ItemKind::Skipped) diag("Skipped \"" + std::string(it.value) + "\"");
        else if (it.kind == ItemKind::Recipe && !it.recipe.header.dynamic && !it.recipe.header.fields.skipped.empty())
            diag("Skipped \"" + it.recipe.header.fields.skipped + "\"");
    }
    return end;
}

// ---- conditions ---------------------------------------------------------------

const Regex* Engine::regex(std::string_view pattern, bool case_sensitive, bool after_backslash, std::string_view area,
                           std::optional<Regex>* uncached) {
    const int flags = (case_sensitive ? 1 : 0) | (after_backslash ? 2 : 0);
    if (auto it = m_regex_cache.find(RegexKeyView{pattern, flags}); it != m_regex_cache.end())
        return it->second ? &*it->second : nullptr;
    auto compiled = Regex::compile(pattern, case_sensitive, after_backslash);
    // Most patterns of a big rcfile are looked at once and cannot match:
    // keeping them would cost more than preparing them again.
    if (compiled && compiled->absent_uncompiled(area)) return &uncached->emplace(std::move(*compiled));
    auto it = m_regex_cache.try_emplace(RegexKey{std::string(pattern), flags}).first;
    if (compiled) it->second.emplace(std::move(*compiled));
    else diag("Invalid regexp \"" + std::string(pattern) + "\"");
    return it->second ? &*it->second : nullptr;
}

bool Engine::eval_recipe(const Recipe& r, const HeaderFields& f, double* score, bool* weighted) {
    bool weighted_any = false, inf_done = false;
    *score = 0;
    for (const Condition& c : r.conditions) {
        bool ok = eval_condition(f, c.text, score, &weighted_any, &inf_done);
        if (!ok) {
            m_last_score = static_cast<long>(*score);
            *weighted = weighted_any;
            return false;
        }
    }
    m_last_score = static_cast<long>(*score);
    if (*score > 0 && *score < 1) m_last_score = 1;
    *weighted = weighted_any;
    if (weighted_any && *score <= 0) return false;
    if (r.action.kind == ActionKind::MissingAction) {
        diag("Missing action");
        return false;
    }
    if (r.action.kind == ActionKind::Incomplete) {
        diag("Incomplete recipe");
        return false;
    }
    return true;
}

// One condition; false = the recipe does not match.  Weighted conditions
// add to *score and return true unless the score fell to -infinity.
bool Engine::eval_condition(const HeaderFields& f, std::string_view text, double* score, bool* weighted_any,
                            bool* inf_done) {
    if (text.size() >= m_linebuf) {  // procmail's line buffer overflows: the recipe fails
        diag("Exceeded LINEBUF");
        m_vars.set("PROCMAIL_OVERFLOW", "yes");
        return false;
    }
    ConditionParts p = parse_condition(text);
    if (p.kind == ConditionKind::Dollar) {
        ExpandedText t = expand_condition(p.body, *this);
        if (t.overflow || t.text.size() >= m_linebuf) {
            diag("Exceeded LINEBUF");
            m_vars.set("PROCMAIL_OVERFLOW", "yes");
            return false;
        }
        ConditionParts carry = p;
        carry.kind = ConditionKind::Regex;
        carry.body.clear();
        p = parse_condition(t.text, carry);
    }
    // A leading backslash quotes the character after it: the rest is a
    // regular expression as written (`\!x`, `\<`, `\/x` are literal).
    bool after_backslash = false;
    if (p.kind == ConditionKind::Regex && !p.body.empty() && p.body[0] == '\\') {
        p.body.erase(0, 1);
        after_backslash = true;  // and a macro right after it is not one
    }
    if (p.weighted) {
        *weighted_any = true;
        if (*inf_done) return true;  // +infinity: the rest is not evaluated
    }
    bool H = f.has('H'), B = f.has('B');
    if (!H && !B) H = true;
    std::string area_store;
    std::string_view area;
    bool sized_area = false;
    switch (p.area) {
        case AreaKind::Default:
            if (H && B) {
                area_store = m_msg.joined_header();
                area_store.append(m_msg.body());
                area = area_store;
            } else {
                area = H ? std::string_view(m_msg.joined_header()) : m_msg.body();
            }
            break;
        case AreaKind::Header: area = m_msg.joined_header(); sized_area = true; break;
        case AreaKind::Body: area = m_msg.body(); sized_area = true; break;
        case AreaKind::Message:
            area_store = m_msg.joined_header();
            area_store.append(m_msg.body());
            area = area_store;
            sized_area = true;
            break;
        case AreaKind::Variable: {
            const std::string* v = m_vars.get(p.area_name);
            area_store = v ? *v : std::string();
            area = area_store;
            sized_area = true;
            break;
        }
    }
    double w = p.weight, x = p.exponent;
    auto add = [&](double v) {
        *score += v;
        if (*score >= k_score_max) {
            *score = k_score_max;
            *inf_done = true;
        } else if (*score <= -k_score_max) {
            *score = -k_score_max;
        }
    };
    auto series = [&](long n) {  // w + w·x + … (n terms)
        double term = w, sum = 0;
        for (long k = 0; k < n; ++k) {
            sum += term;
            term *= x;
        }
        return sum;
    };
    switch (p.kind) {
        case ConditionKind::Dollar:  // not reached: expanded above
        case ConditionKind::Regex: {
            bool cs = f.has('D');
            std::optional<Regex> uncached;  // set only for a pattern `area` cannot match
            const Regex* re = regex(p.body, cs, after_backslash, area, &uncached);
            if (re == nullptr) return p.weighted;  // too large to compile: logged; no match
            if (!re->warning().empty()) diag("Invalid regexp \"" + p.body + "\"");
            if (!p.weighted) {
                std::string match;
                bool gave_up = false;
                bool m = !uncached && re->search(area, re->has_extraction() ? &match : nullptr, &gave_up);
                if (gave_up) diag("Search too costly, taken as no match: \"" + p.body + "\"");
                if (m && re->has_extraction() && !p.negate) m_vars.set("MATCH", match);
                if (m_verbose) diag(std::string(m != p.negate ? "Match on" : "No match on") + (p.negate ? " !" : "") + " \"" + re->expanded() + "\"");
                if (m_observer) m_observer->condition(text, m != p.negate, re->has_extraction() && m ? "MATCH=" + match : "");
                return m != p.negate;
            }
            if (p.negate) {
                bool m = re->search(area, nullptr);
                if (!m) add(w);
                return *score > -k_score_max;
            }
            double before = *score;
            double sum = 0, term = w;
            bool infinite = false;
            re->for_each_match(area, [&](bool empty) {
                if (empty && x >= 1) {
                    infinite = true;
                    return false;
                }
                if (empty && x > 0 && x < 1) {
                    sum += term / (1 - x);
                    return false;
                }
                sum += term;
                term *= x;
                return true;
            });
            if (infinite) {
                if (w > 0) add(std::numeric_limits<double>::infinity());
                else if (w < 0) add(-std::numeric_limits<double>::infinity());
            } else {
                add(sum);
            }
            if (m_observer) m_observer->condition(text, true, "adds " + std::to_string(sum) + ", score " + std::to_string(*score));
            if (m_verbose) {
                long total = static_cast<long>(*score);
                std::string t = fmt::format("{:>7}", total);
                if (total == 0 && *score > 0) t[5] = '+';  // procmail shows +0 for (0,1)
                diag(fmt::format("Score: {:>7} {}", static_cast<long>(*score - before), t) + " \"" + re->expanded() + "\"");
            }
            return *score > -k_score_max;
        }
        case ConditionKind::Program: {
            Command cmd = command_for(p.body);
            // The program reads the area being searched (the header with its
            // continuations joined), with a final newline as a pipe gets.
            std::string input = with_final_newline(area);
            RunSpec spec = program_spec(cmd, input);
            spec.discard_stdout = true;
            RunResult res = run_checked(spec, Actions::Purpose::Condition);
            m_last_status = res.status;
            bool ok = res.started && res.status == 0;
            if (m_observer) m_observer->condition(text, ok != p.negate, "exit " + std::to_string(res.status));
            if (!p.weighted) return ok != p.negate;
            if (p.negate) add(series(res.status));
            else add(ok ? w : x);
            return *score > -k_score_max;
        }
        case ConditionKind::Less:
        case ConditionKind::Greater: {
            ExpandedText t = expand_joined(p.body.substr(1), *this, m_linebuf);
            long limit = 0;
            parse_long(t.text, &limit);
            double M = static_cast<double>(sized_area ? area.size() : m_msg.text().size());
            double L = static_cast<double>(limit);
            bool less = p.kind == ConditionKind::Less;
            if (!p.weighted) {
                bool r = less ? M < L : M > L;
                if (m_observer) m_observer->condition(text, r != p.negate, "size " + std::to_string(static_cast<long>(M)));
                return r != p.negate;
            }
            double ratio = less ? (M > 0 ? L / M : k_score_max) : (L > 0 ? M / L : k_score_max);
            add(w * std::pow(ratio, x));
            return *score > -k_score_max;
        }
    }
    return false;
}

// ---- actions --------------------------------------------------------------------

std::string Engine::action_text(const HeaderFields& f) const {
    bool h = f.has('h'), b = f.has('b');
    if (h && !b) return std::string(m_msg.header());
    if (b && !h) return std::string(m_msg.body());
    return m_msg.text();
}

// procmail's metaparse(): the shell when the text has a $SHELLMETAS
// character (or starts with `test`, or overflows), else the words expanded
// and exec'd.  *shown gets what LASTFOLDER shows: the text for the shell,
// the words joined by spaces ("$@" as an empty word) for exec.
Command Engine::command_for(std::string_view raw, std::string* shown) {
    const std::string* metas = m_vars.get("SHELLMETAS");
    std::string_view text = raw.substr(0, raw.find('\0'));
    Command cmd;
    cmd.shell = has_shell_metas(text, metas ? std::string_view(*metas) : std::string_view());
    if (!cmd.shell) {
        ExpandedArgs a = expand_args(text, *this, m_linebuf);
        if (a.overflow || a.words.front() == "test") {
            cmd.shell = true;
        } else {
            cmd.argv = insert_all_args(a, m_settings.args);
            if (shown) {
                shown->clear();
                for (std::size_t i = 0; i < a.words.size(); ++i) {
                    if (i) *shown += ' ';
                    if (static_cast<int>(i) != a.all_args_word) *shown += a.words[i];
                }
            }
        }
    }
    if (cmd.shell) {
        cmd.text = std::string(text);
        if (shown) *shown = cmd.text;
    }
    return cmd;
}

RunSpec Engine::program_spec(const Command& cmd, std::string_view input) const {
    RunSpec s;
    if (cmd.shell) {
        s.argv = {m_vars.value("SHELL"), m_vars.value("SHELLFLAGS"), cmd.text};
        if (s.argv[1].empty()) s.argv.erase(s.argv.begin() + 1);
    } else {
        s.argv = cmd.argv;
    }
    s.env = m_vars.environ();
    s.input = input;
    s.stderr_fd = m_log_fd;
    s.timeout = std::chrono::seconds(m_timeout > 0 ? m_timeout : 0);
    return s;
}

void Engine::record_delivery(const Delivery& d, bool copy) {
    m_vars.set("LASTFOLDER", d.folder);
    m_last_bytes = d.bytes;
    if (m_verbose) diag("Assigning \"LASTFOLDER=" + d.folder + "\"");
    if (copy) {
        if (m_logabstract == 2) write_abstract(d.folder, d.bytes);
        return;
    }
    m_last_folder_abstract = d.folder;
    m_last_bytes = d.bytes;
    m_abstract_pending = true;
}

bool Engine::do_action(const Recipe& r, const HeaderFields& f, bool* delivering) {
    *delivering = false;
    switch (r.action.kind) {
        case ActionKind::Folder: {
            ExpandedArgs words = expand_args(r.action.text, *this, m_linebuf);
            *delivering = true;
            return deliver_to_folder(r, f, words.words);
        }
        case ActionKind::Pipe:
            *delivering = r.action.capture.empty() && !f.has('f');
            return run_pipe(r, f);
        case ActionKind::Forward:
            *delivering = true;
            return forward(r, f);
        case ActionKind::Block:
        case ActionKind::MissingAction:
        case ActionKind::Incomplete:
            return false;
    }
    return false;
}

bool Engine::deliver_to_folder(const Recipe& r, const HeaderFields& f, const std::vector<std::string>& names) {
    if (names.empty() || (names.size() == 1 && names[0].empty())) return false;
    if (f.has('f')) diag("Extraneous filter-flag ignored");
    std::optional<int> lock;
    std::string lockname;
    if (f.lock == LockKind::Implicit) lockname = names[0] + m_vars.value("LOCKEXT");
    else if (f.lock == LockKind::Explicit) lockname = expand_assignment(f.lock_name, *this, m_linebuf).text;
    if (!lockname.empty()) {
        if (lockname == m_global_lock_path) {
            diag("Deadlock attempted on \"" + lockname + "\"");
        } else {
            lock = m_actions.lock(lockname);  // a failure is logged; procmail writes anyway
        }
    }
    bool h = f.has('h'), b = f.has('b');
    FolderRequest req{names, m_msg.text(), h || !b, b || !h, f.has('r'), m_settings.berkeley};
    auto d = m_actions.write_folder(req);  // failures are logged by the folder code
    if (lock) m_actions.unlock(*lock);
    if (!d) return false;
    record_delivery(*d, f.has('c'));
    (void)r;
    return true;
}

bool Engine::run_pipe(const Recipe& r, const HeaderFields& f) {
    std::string_view raw = r.action.text;
    bool capture = !r.action.capture.empty();
    bool filter = f.has('f') && !capture;
    if (f.has('c') && (filter || capture)) diag("Extraneous copy-flag ignored");
    std::optional<int> lock;
    bool wait_forced = false;
    if (f.lock != LockKind::None) {
        std::string lockname;
        if (f.lock == LockKind::Explicit) {
            lockname = expand_assignment(f.lock_name, *this, m_linebuf).text;
        } else {
            std::size_t p = raw.find(">>");
            if (p == std::string_view::npos) {
                diag("Couldn't determine implicit lockfile from \"" + std::string(raw) + "\"");
                lockname = m_vars.value("LOCKEXT");
            } else {
                ExpandedArgs w = expand_args(raw.substr(p + 2), *this, m_linebuf);
                lockname = (w.words.empty() ? std::string() : w.words[0]) + m_vars.value("LOCKEXT");
            }
        }
        lock = m_actions.lock(lockname);  // a failure is logged; procmail runs it anyway
        wait_forced = true;
    }
    std::string folder;
    Command cmd = command_for(raw, &folder);
    bool bare = !cmd.shell && (cmd.argv.empty() || (cmd.argv.size() == 1 && cmd.argv[0].empty()));
    std::string input = with_final_newline(action_text(f));
    if (bare) {
        // A bare `|` writes the mail to stdout.
        bool ok = true;
        std::string_view t = input;
        while (!t.empty()) {
            ssize_t n = ::write(1, t.data(), t.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                ok = false;
                break;
            }
            t.remove_prefix(static_cast<std::size_t>(n));
        }
        if (lock) m_actions.unlock(*lock);
        if (ok && !filter && !capture) record_delivery({"|", input.size()}, f.has('c'));
        return ok;
    }
    RunSpec spec = program_spec(cmd, input);
    m_last_bytes = input.size();  // what the abstract shows if a signal ends us now
    spec.capture = filter || capture;
    spec.discard_stdout = !spec.capture;  // a delivering program's output goes nowhere
    if (capture) spec.capture_limit = m_linebuf;
    auto purpose = capture ? Actions::Purpose::Capture : filter ? Actions::Purpose::Filter : Actions::Purpose::Pipe;
    RunResult res = run_checked(spec, purpose);
    if (lock) m_actions.unlock(*lock);
    m_last_status = res.status;
    // procmail names a shell command by its text and an exec'd one by its
    // program (messages) or by its words joined with spaces (LASTFOLDER).
    std::string shown = cmd.shell ? cmd.text : (cmd.argv.empty() ? std::string() : cmd.argv[0]);
    if (res.timed_out) diag("Timeout, terminating \"" + shown + "\"");
    if (res.write_error && !f.has('i')) {
        diag("Error while writing to \"" + shown + "\"");
        return false;
    }
    bool checked = f.has('w') || f.has('W') || wait_forced;
    bool failed = res.status != 0;
    // A locked pipe waits like W: its status counts, but no failure is logged.
    if (failed && f.has('w') && !f.has('W'))
        diag("Program failure (" + std::to_string(res.status >= 128 ? -(res.status - 128) : res.status) + ") of \"" + shown + "\"");
    if (capture) {
        std::string out = std::move(res.output);
        if (!out.empty() && out.back() == '\n') out.pop_back();
        if (res.truncated) {
            diag("Excessive output quenched from \"" + shown + "\"");
            m_vars.set("PROCMAIL_OVERFLOW", "yes");
        }
        assign(r.action.capture, std::move(out));
        return !(checked && failed);
    }
    if (filter) {
        if (checked && failed) {
            if (!f.has('W') || m_verbose) diag("Rescue of unfiltered data succeeded");
            return false;
        }
        if (f.has('h') && !f.has('b')) m_msg.replace_header(res.output);
        else if (f.has('b') && !f.has('h')) m_msg.replace_body(res.output);
        else m_msg.set_text(std::move(res.output));
        fix_content_length();
        return true;
    }
    if (checked && failed) return false;
    record_delivery({folder, input.size()}, f.has('c'));
    return true;
}

bool Engine::forward(const Recipe& r, const HeaderFields& f) {
    ExpandedArgs sm = expand_args("\"$SENDMAIL\" $SENDMAILFLAGS", *this, m_linebuf);
    ExpandedArgs words = expand_args(r.action.text, *this, m_linebuf);
    std::vector<std::string> argv = sm.words;
    std::vector<std::string> shown_words = sm.words;
    for (std::size_t i = 0; i < words.words.size(); ++i)
        shown_words.push_back(static_cast<int>(i) == words.all_args_word ? std::string() : words.words[i]);
    auto all = insert_all_args(words, m_settings.args);
    argv.insert(argv.end(), all.begin(), all.end());
    argv.erase(std::remove_if(argv.begin(), argv.end(), [](const std::string& s) { return s.empty(); }), argv.end());
    if (argv.empty()) return false;
    Message view(action_text(f));
    std::string input = with_final_newline(view.without_from_line());
    Command cmd;
    cmd.argv = argv;
    RunSpec spec = program_spec(cmd, input);
    spec.discard_stdout = true;
    RunResult res = run_checked(spec, Actions::Purpose::Forward);
    m_last_status = res.status;
    std::string shown;
    for (const auto& w : shown_words) {
        if (!shown.empty()) shown += ' ';
        shown += w;
    }
    if (res.write_error && !f.has('i')) {
        diag("Error while writing to \"" + argv[0] + "\"");
        return false;
    }
    if ((f.has('w') || f.has('W')) && res.status != 0) {
        if (!f.has('W')) diag("Program failure (" + std::to_string(res.status) + ") of \"" + argv[0] + "\"");
        return false;
    }
    record_delivery({shown, input.size()}, f.has('c'));
    return true;
}

std::string Engine::backquote(const Command& cmd) {
    std::string input = with_final_newline(m_msg.text());
    RunSpec spec = program_spec(cmd, input);
    spec.capture = true;
    // procmail keeps what fits in LINEBUF after "NAME=" and two spare bytes.
    std::size_t reserve = m_assign_overhead + 2;
    spec.capture_limit = m_linebuf > reserve ? m_linebuf - reserve : 1;
    RunResult res = run_checked(spec, Actions::Purpose::Backquote);
    m_last_status = res.status;
    std::string out = std::move(res.output);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    if (res.truncated) {
        diag("Excessive output quenched from \"" + (cmd.shell ? cmd.text : cmd.argv.empty() ? "" : cmd.argv[0]) + "\"");
        m_vars.set("PROCMAIL_OVERFLOW", "yes");
    }
    return out;
}

RunResult Engine::run_checked(const RunSpec& spec, Actions::Purpose purpose) {
    RunResult r = m_actions.run(spec, purpose);
    poll_signals();
    return r;
}

// ---- the end ------------------------------------------------------------------------

// The fall-through deliveries: $DEFAULT with its dotlock, $ORGMAIL without
// (procmail's "last resort").  A directory folder needs no dotlock, and the
// system mailbox is dotlocked only where we may write the spool directory
// (procmail's set-gid privilege, which we never have, is what normally
// allows it; the kernel lock still protects the write).
bool Engine::deliver_default(const std::string& box, bool lock_it) {
    if (box.empty()) return false;
    std::optional<int> lock;
    bool directory = box.back() == '/' || (box.size() >= 2 && box.compare(box.size() - 2, 2, "/.") == 0);
    struct stat st {};
    if (!directory && ::stat(box.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) directory = true;
    if (lock_it && !directory && box != "/dev/null") {
        std::string lockname = box + m_vars.value("LOCKEXT");
        std::string dir = lockname.substr(0, lockname.rfind('/') == std::string::npos ? 0 : lockname.rfind('/'));
        bool spool = !m_system_mailbox.empty() && box == m_system_mailbox;
        if (!spool || ::access(dir.empty() ? "." : dir.c_str(), W_OK) == 0) lock = m_actions.lock(lockname);
    }
    FolderRequest req{{box}, m_msg.text(), true, true, false, m_settings.berkeley};
    auto d = m_actions.write_folder(req);
    if (lock) m_actions.unlock(*lock);
    if (!d) return false;
    record_delivery(*d, false);
    return true;
}

int Engine::finish() {
    int code = EX_OK;
    if (m_host_mismatch && !m_delivered) {
        // No rcfile left whose HOST matches: procmail drops the mail (§1.10).
        write_abstract("", 0);
        m_delivered = true;
        m_abstract_pending = false;
    } else if (!m_delivered) {
        // With -m, $DEFAULT counts only once it has been assigned.
        std::string def = m_settings.mode == Mode::General && !m_default_assigned ? "" : m_vars.value("DEFAULT");
        bool ok = deliver_default(def, true);
        std::string org = m_vars.value("ORGMAIL");
        if (!ok && !org.empty() && org != def) ok = deliver_default(org, false);
        if (!ok) {
            if (m_detached) {
                write_abstract("**Lost**", 0);  // DELIVERED=yes told the MTA it was delivered
            } else {
                write_abstract(m_settings.soft_fail ? "**Requeued**" : "**Bounced**", 0);
                code = m_settings.soft_fail ? EX_TEMPFAIL : EX_CANTCREAT;
            }
        }
    }
    if (m_abstract_pending) {
        write_abstract(m_last_folder_abstract, m_last_bytes);
        m_abstract_pending = false;
    }
    const std::string* exitcode = m_vars.get("EXITCODE");
    // EXITCODE is read like procmail's other numbers (renvint): "5x" is 5,
    // "all" is 2, what it cannot read leaves the exit code alone.
    long forced = exitcode && !exitcode->empty() ? bool_value(*exitcode, -1) : -1;
    if (forced >= 0) code = static_cast<int>(forced);
    if (const std::string* trap = m_vars.get("TRAP"); trap && !trap->empty()) {
        Command cmd = command_for(*trap);
        std::string input = with_final_newline(m_msg.text());
        RunSpec spec = program_spec(cmd, input);
        spec.stdout_fd = m_log_fd >= 0 ? m_log_fd : 2;  // its output goes where the log goes
        RunResult res = run_checked(spec, Actions::Purpose::Trap);
        // EXITCODE set but empty: a failing TRAP's status becomes ours.
        if (exitcode && exitcode->empty() && res.status != 0) code = res.status;
    }
    if (m_global_lock) {
        m_actions.unlock(*m_global_lock);
        m_global_lock.reset();
    }
    return code;
}

}  // namespace mail::procmail
