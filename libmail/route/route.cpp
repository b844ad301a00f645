// route.cpp — alias, :include: and .forward expansion (see route.h).
//
// The walk is depth-first in file order, like sendmail's recipient(), so
// the targets come out in the order a reader of the aliases file expects.
//
// The +detail rule is sendmail 8's for plussed local parts (since V8.7;
// O'Reilly's "sendmail", §24.4 "Special Aliases"): "name+detail" with no alias and no user of that exact name is
// looked up as the alias "name+*", then as the alias or user "name".  The
// split is at the first '+', so the detail may itself hold '+'.
#include "libmail/route/route.h"

#include "libmail/log/log.h"
#include "libmail/util/strings.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

namespace mail::route {

std::string_view kind_name(Kind k) {
    switch (k) {
        case Kind::Mailbox: return "mailbox";
        case Kind::File: return "file";
        case Kind::Program: return "program";
        case Kind::Remote: return "remote";
        case Kind::Error: return "error";
    }
    return "error";
}

// What named the address being expanded.
struct Router::Frame {
    std::string via;
    Identity ident;
    std::string errors_to;
    std::vector<std::string> chain;  // names being expanded, outermost first
    int depth = 0;
    std::string forward_user;        // inside this user's .forward
    bool trusted = false;            // from a file (may name programs and files)
    std::string detail;              // the +detail that led here, inherited by every target below
};

// State of one expand() call.
struct Router::Walk {
    std::string original;
    std::vector<std::string>* trace = nullptr;
    std::vector<Target> out;
    std::set<std::pair<Kind, std::string>> seen;
    void note(std::string line) {
        if (trace) trace->push_back(std::move(line));
    }
};

namespace {

std::string strip_angles(std::string_view a) {
    a = trim(a);
    if (auto lt = a.rfind('<'); lt != std::string_view::npos) {
        auto gt = a.find('>', lt);
        a = a.substr(lt + 1, gt == std::string_view::npos ? std::string_view::npos : gt - lt - 1);
    }
    return std::string(trim(a));
}

// Splits at the last '@' outside a quoted local part.
std::pair<std::string, std::string> split_domain(const std::string& a) {
    bool q = false;
    size_t at = std::string::npos;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i] == '\\' && q) ++i;
        else if (a[i] == '"') q = !q;
        else if (a[i] == '@' && !q) at = i;
    }
    if (at == std::string::npos) return {a, ""};
    return {a.substr(0, at), a.substr(at + 1)};
}

// How a target is shown in "forwarded to" / "aliased to" trace lines.
std::string shown_target(const std::string& t) {
    if (!t.empty() && (t[0] == '|' || t.find(' ') != std::string::npos)) return "\"" + t + "\"";
    return t;
}

// sendmail's file-safety words for a file that named programs or files.
std::string unsafe_reason(const struct stat& st, const struct stat& dir, uid_t want_uid, bool check_owner,
                          const std::string& owner_name) {
    if (!S_ISREG(st.st_mode)) return "not a regular file";
    if (check_owner && st.st_uid != want_uid && st.st_uid != 0)
        return fmt::format("not owned by {} or root", owner_name);
    if (st.st_mode & S_IWOTH) return "World writable file";
    if (st.st_mode & S_IWGRP) return "Group writable file";
    if ((dir.st_mode & S_IWOTH) && !(dir.st_mode & S_ISVTX)) return "World writable directory";
    if ((dir.st_mode & S_IWGRP) && !(dir.st_mode & S_ISVTX)) return "Group writable directory";
    return "";
}

std::string parent_dir(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// Opens a list file (.forward, :include:) safely: no blocking on FIFOs, no
// controlling tty; returns the text and stat, or an errno-style reason.
struct ListFile {
    std::string text;
    struct stat st {};
    struct stat dir {};
    int err = 0;
};

ListFile read_list(const std::string& path) {
    ListFile lf;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        lf.err = errno;
        return lf;
    }
    ::fstat(fd, &lf.st);
    ::stat(parent_dir(path).c_str(), &lf.dir);
    if (S_ISREG(lf.st.st_mode)) {
        char buf[8192];
        ssize_t n;
        // Lists are small; cap them so a huge file cannot exhaust memory.
        while ((n = ::read(fd, buf, sizeof buf)) > 0 && lf.text.size() < (1u << 20))
            lf.text.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return lf;
}

std::vector<std::pair<int, std::string>> list_lines(const std::string& text) {
    std::vector<std::pair<int, std::string>> out;
    int n = 0;
    for (const std::string& raw : split(text, "\n", false)) {
        ++n;
        std::string_view l = trim(raw);
        if (l.empty() || l.front() == '#') continue;
        out.emplace_back(n, std::string(l));
    }
    return out;
}

}  // namespace

Result<Router> Router::open(const config::Config& cfg, const users::Directory& users, bool allow_rebuild) {
    auto db = aliases::AliasDb::open(cfg, allow_rebuild);
    if (!db) return db.error();
    Router r(cfg, users, std::move(*db));
    return r;
}

Router::Router(config::Config cfg, users::Directory users, aliases::AliasDb db)
    : m_cfg(std::move(cfg)), m_users(std::move(users)), m_aliases(std::move(db)) {
    m_warnings = m_aliases.warnings();
    m_max_depth = static_cast<int>(m_cfg.num("confMAX_ALIAS_RECURSION"));
    std::string host = m_cfg.hostname();
    m_short_host = host.substr(0, host.find('.'));

    // confDEF_USER_ID: "user", "uid:gid" or "user:group"-less numbers.
    const std::string& def = m_cfg.str("confDEF_USER_ID");
    m_default = {65534, 65534, "nobody", "/"};
    if (auto colon = def.find(':'); colon != std::string::npos) {
        char* end = nullptr;
        unsigned long u = std::strtoul(def.c_str(), &end, 10);
        unsigned long g = std::strtoul(def.c_str() + colon + 1, nullptr, 10);
        if (end == def.c_str() + colon) m_default = {static_cast<uid_t>(u), static_cast<gid_t>(g), def.substr(0, colon), "/"};
        else m_warnings.push_back(fmt::format("DefaultUser {}: not uid:gid; using nobody", def));
    } else if (const passwd* pw = ::getpwnam(def.c_str())) {
        m_default = {pw->pw_uid, pw->pw_gid, pw->pw_name, pw->pw_dir};
    } else {
        m_warnings.push_back(fmt::format("DefaultUser {}: unknown user; using nobody (65534)", def));
    }
    if (m_default.uid == 0) {
        m_warnings.push_back("DefaultUser must not be root; using nobody (65534)");
        m_default = {65534, 65534, "nobody", "/"};
    }

    // The instance owner: the users-file entry with our uid, else our own name.
    m_owner = {::getuid(), ::getgid(), "", ""};
    for (const auto& u : m_users.instance_users())
        if (u.uid == m_owner.uid) {
            m_owner.user = u.name;
            m_owner.home = u.home;
            break;
        }
    if (m_owner.user.empty()) {
        const passwd* pw = ::getpwuid(m_owner.uid);
        m_owner.user = pw ? pw->pw_name : std::to_string(m_owner.uid);
        m_owner.home = pw ? pw->pw_dir : "/";
    }
}

Router::Identity Router::owner_identity(uid_t owner) const {
    if (m_cfg.instance()) return m_owner;
    if (owner == 0) return m_default;
    if (const passwd* pw = ::getpwuid(owner)) return {pw->pw_uid, pw->pw_gid, pw->pw_name, pw->pw_dir};
    return {owner, m_default.gid, std::to_string(owner), "/"};
}

Router::Identity Router::user_identity(const users::User& u) const {
    if (m_cfg.instance()) return {m_owner.uid, m_owner.gid, u.name, u.home};
    return {u.uid, u.gid, u.name, u.home};
}

std::string Router::errors_to_for(const std::string& name, const Frame& f) const {
    std::string owner = "owner-" + name;
    if (auto e = m_aliases.lookup(owner)) return owner;
    return f.errors_to;
}

void Router::add(Target t, const Frame& f, Walk& w) const {
    if (!w.seen.emplace(t.kind, t.value).second) return;
    t.original = w.original;
    if (t.via.empty()) t.via = f.via;
    if (t.errors_to.empty()) t.errors_to = f.errors_to;
    if (t.detail.empty()) t.detail = f.detail;
    w.out.push_back(std::move(t));
}

void Router::fail(std::string value, std::string error, int code, const Frame& f, Walk& w) const {
    Target t;
    t.kind = Kind::Error;
    t.value = std::move(value);
    t.error = std::move(error);
    t.exit_code = code;
    add(std::move(t), f, w);
}

std::vector<Target> Router::expand(std::string_view address_text, std::vector<std::string>* trace) const {
    Walk w;
    w.original = std::string(trim(address_text));
    w.trace = trace;
    Frame top;
    address(w.original, top, w);
    if (w.out.empty()) fail(w.original, "aliasing/forwarding produced no recipients", EX_UNAVAILABLE, top, w);
    return w.out;
}

void Router::address(std::string_view text, const Frame& f, Walk& w) const {
    std::string a(trim(text));
    bool from_file = f.trusted;
    if (!a.empty() && (a[0] == '|' || a[0] == '/' || istarts_with(a, ":include:"))) {
        if (!from_file) {
            const char* what = a[0] == '|' ? "programs" : a[0] == '/' ? "files" : "include files";
            fail(a, fmt::format("Cannot mail directly to {}", what), EX_UNAVAILABLE, f, w);
            return;
        }
        if (a[0] == ':') return include(std::string(trim(std::string_view(a).substr(9))), f, w);
        Target t;
        t.kind = a[0] == '|' ? Kind::Program : Kind::File;
        t.value = t.kind == Kind::Program ? std::string(trim(std::string_view(a).substr(1))) : a;
        t.uid = f.ident.uid;
        t.gid = f.ident.gid;
        t.user = f.ident.user;
        t.home = f.ident.home;
        return add(std::move(t), f, w);
    }
    if (!a.empty() && a[0] == '\\') {
        std::string name = strip_angles(std::string_view(a).substr(1));
        auto [lp, dom] = split_domain(name);
        if (auto u = m_users.find(lp)) return user(*u, a, false, f, w);
        // A backslash and john+detail: john's mailbox, still without aliasing.
        if (auto plus = lp.find('+'); plus != std::string::npos && plus > 0)
            if (auto u = m_users.find(lp.substr(0, plus))) {
                Frame g = f;
                g.detail = lp.substr(plus + 1);
                return user(*u, a, false, g, w);
            }
        return fail(a, "User unknown", EX_NOUSER, f, w);
    }
    std::string addr = strip_angles(a);
    if (addr.empty()) return fail(a, "User address required", EX_DATAERR, f, w);
    auto [lp, domain] = split_domain(addr);
    if (!domain.empty() && !m_cfg.is_local_domain(domain)) {
        Target t;
        t.kind = Kind::Remote;
        t.value = lp + "@" + to_lower(domain);
        return add(std::move(t), f, w);
    }
    if (lp.empty()) return fail(addr, "User address required", EX_DATAERR, f, w);
    local(lp, addr, f, w);
}

// The checks made before `key` is looked up: a user naming themself in their
// own .forward, an alias naming itself, and loops.  True when they decided
// what `shown` becomes.
bool Router::self_or_loop(const std::string& key, const std::string& user_name, const std::string& shown,
                          const Frame& f, Walk& w) const {
    // A user naming themself in their own .forward gets the mailbox.
    if (!f.forward_user.empty() && key == to_lower(f.forward_user)) {
        if (auto u = m_users.find(user_name)) {
            user(*u, shown, false, f, w);
            return true;
        }
    }
    for (size_t i = 0; i < f.chain.size(); ++i) {
        if (f.chain[i] != key) continue;
        // "john: john, other": the alias names itself, so john's own mailbox.
        if (i + 1 == f.chain.size())
            if (auto u = m_users.find(user_name)) {
                user(*u, shown, false, f, w);
                return true;
            }
        std::string path;
        for (size_t j = i; j < f.chain.size(); ++j) path += f.chain[j] + " -> ";
        fail(shown, fmt::format("aliasing/forwarding loop broken ({}{}){}", path, key, f.via.empty() ? "" : " in " + f.via),
             EX_CONFIG, f, w);
        return true;
    }
    return false;
}

void Router::local(const std::string& name, const std::string& shown, const Frame& f, Walk& w) const {
    const std::string key = to_lower(name);
    if (self_or_loop(key, name, shown, f, w)) return;
    auto found = m_aliases.find(key);
    if (!found) return fail(shown, found.error().message, EX_TEMPFAIL, f, w);
    if (*found) return alias(**found, shown, f, w);
    if (auto u = m_users.find(name)) return user(*u, shown, true, f, w);

    // +detail: "name+*", then "name" (alias or user), keeping the detail.
    const size_t plus = name.find('+');
    if (plus == std::string::npos || plus == 0) return fail(shown, "User unknown", EX_NOUSER, f, w);
    const std::string base = name.substr(0, plus);
    Frame g = f;
    g.detail = name.substr(plus + 1);
    for (const std::string& k : {to_lower(base) + "+*", to_lower(base)}) {
        if (self_or_loop(k, base, shown, g, w)) return;
        auto a = m_aliases.find(k);
        if (!a) return fail(shown, a.error().message, EX_TEMPFAIL, f, w);
        if (*a) return alias(**a, shown, g, w);
    }
    if (auto u = m_users.find(base)) return user(*u, shown, true, g, w);
    fail(shown, "User unknown", EX_NOUSER, f, w);
}

void Router::alias(const aliases::Entry& e, const std::string& shown, const Frame& f, Walk& w) const {
    if (f.depth + 1 > m_max_depth)
        return fail(shown, fmt::format("aliasing/forwarding loop broken ({} aliases deep; {} max) in alias {} ({}:{})",
                                       f.depth + 1, m_max_depth, e.name, e.file, e.line),
                    EX_CONFIG, f, w);
    w.note(fmt::format("{}... aliased to {}", shown, trim(e.rhs)));
    Frame next = f;
    next.depth = f.depth + 1;
    next.chain.push_back(e.name);
    next.via = fmt::format("alias {} ({}:{})", e.name, e.file, e.line);
    // The owner of "team+*" is owner-team, as for "team" itself.
    std::string owned = e.name;
    if (owned.size() > 2 && owned.compare(owned.size() - 2, 2, "+*") == 0) owned.resize(owned.size() - 2);
    next.errors_to = errors_to_for(owned, f);
    next.forward_user.clear();
    next.trusted = true;
    struct stat st {};
    next.ident = owner_identity(::stat(e.file.c_str(), &st) == 0 ? st.st_uid : 0);
    for (const std::string& t : e.targets) address(t, next, w);
}

void Router::user(const users::User& u, const std::string& shown, bool try_forward, const Frame& f, Walk& w) const {
    if (try_forward && forward(u, shown, f, w)) return;
    Identity id = user_identity(u);
    Target t;
    t.kind = Kind::Mailbox;
    t.value = u.name;
    t.uid = id.uid;
    t.gid = id.gid;
    t.user = id.user;
    t.home = id.home;
    add(std::move(t), f, w);
}

// Returns true when a usable, non-empty .forward took over delivery.
bool Router::forward(const users::User& u, const std::string& shown, const Frame& f, Walk& w) const {
    const std::string& fp = m_cfg.str("confFORWARD_PATH");
    for (const std::string& pattern : split(fp, ":")) {
        std::string path;
        for (size_t i = 0; i < pattern.size(); ++i) {
            if (pattern[i] == '$' && i + 1 < pattern.size()) {
                char m = pattern[++i];
                if (m == 'z') path += u.home;
                else if (m == 'w') path += m_short_host;
                else if (m == 'u') path += u.name;
                else if (m == '$') path += '$';
                else path += std::string("$") + m;
            } else {
                path += pattern[i];
            }
        }
        ListFile lf = read_list(path);
        if (lf.err == ENOENT || lf.err == ENOTDIR) continue;
        Identity id = user_identity(u);
        std::string why = lf.err ? std::strerror(lf.err)
                                 : unsafe_reason(lf.st, lf.dir, m_cfg.instance() ? ::getuid() : u.uid, true, u.name);
        if (!why.empty()) {
            w.note(fmt::format("forward: {}: {}", path, why));
            log::warning("forward {}: {}", path, why);
            continue;
        }
        Frame next = f;
        next.depth = f.depth + 1;
        next.chain.push_back(to_lower(u.name));
        next.forward_user = u.name;
        next.ident = id;
        next.trusted = true;
        if (next.depth > m_max_depth) {
            fail(shown, fmt::format("aliasing/forwarding loop broken ({} aliases deep; {} max) in {}", next.depth,
                                    m_max_depth, path),
                 EX_CONFIG, f, w);
            return true;
        }
        std::vector<std::pair<int, std::vector<std::string>>> lines;
        std::vector<std::string> all;
        for (const auto& [n, text] : list_lines(lf.text)) {
            auto targets = aliases::split_targets(text);
            if (!targets) {
                w.note(fmt::format("{}:{}: {}", path, n, targets.error().message));
                log::warning("{}:{}: {}", path, n, targets.error().message);
                continue;
            }
            for (const auto& t : *targets) all.push_back(shown_target(t));
            lines.emplace_back(n, std::move(*targets));
        }
        if (all.empty()) return false;  // an empty .forward means normal delivery
        w.note(fmt::format("{}... forwarded to {}", shown, join(all, ", ")));
        for (auto& [n, targets] : lines) {
            next.via = fmt::format(".forward of {} ({}:{})", u.name, path, n);
            for (const auto& t : targets) address(t, next, w);
        }
        return true;
    }
    return false;
}

void Router::include(const std::string& path, const Frame& f, Walk& w) const {
    const std::string shown = ":include:" + path;
    if (path.empty() || path[0] != '/')
        return fail(shown, "include file name must be an absolute path", EX_CONFIG, f, w);
    const std::string& key = shown;  // paths are case-sensitive
    for (const auto& c : f.chain)
        if (c == key) return fail(shown, fmt::format("include loop in {}", f.via), EX_CONFIG, f, w);
    if (f.depth + 1 > m_max_depth)
        return fail(shown, fmt::format("aliasing/forwarding loop broken ({} aliases deep; {} max) in {}", f.depth + 1,
                                       m_max_depth, f.via),
                    EX_CONFIG, f, w);
    ListFile lf = read_list(path);
    std::string why = lf.err ? std::strerror(lf.err) : unsafe_reason(lf.st, lf.dir, 0, false, "");
    if (!why.empty()) {
        bool temporary = lf.err != 0 && lf.err != ENOENT && lf.err != ENOTDIR && lf.err != EACCES;
        return fail(shown, fmt::format("Cannot open {}: {}", path, why), temporary ? EX_TEMPFAIL : EX_UNAVAILABLE, f, w);
    }
    w.note(fmt::format("{}... including file {}", shown, path));
    Frame next = f;
    next.depth = f.depth + 1;
    next.chain.push_back(key);
    next.ident = owner_identity(lf.st.st_uid);
    next.trusted = true;
    for (const auto& [n, text] : list_lines(lf.text)) {
        next.via = fmt::format(":include:{}:{}", path, n);
        auto targets = aliases::split_targets(text);
        if (!targets) {
            fail(shown, fmt::format("{}:{}: {}", path, n, targets.error().message), EX_CONFIG, next, w);
            continue;
        }
        for (const auto& t : *targets) address(t, next, w);
    }
}

}  // namespace mail::route
