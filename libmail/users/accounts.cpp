// accounts.cpp — see accounts.h and docs/accounts.md.
#include "libmail/users/accounts.h"

#include "libmail/proc/spawn.h"
#include "libmail/util/strings.h"

#include <fmt/format.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace mail::users {

namespace {

// The whole of a small system file; nullopt when it cannot be read.
std::optional<std::string> read_small_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string text = proc::read_all(fd, 64 << 20);
    ::close(fd);
    return text;
}

// Calls fn(line) for each line of text (without its newline), stopping
// when fn returns true.
template <class Fn>
void for_each_line(std::string_view text, Fn fn) {
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (fn(line)) return;
    }
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// A line as glibc's files source sees it: leading white space skipped;
// empty and comment lines are nothing.
std::optional<std::string_view> data_line(std::string_view line) {
    while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') return std::nullopt;
    return line;
}

// The next ':'-separated field; a missing field is empty, as in glibc.
std::string_view next_field(std::string_view& rest) {
    std::size_t colon = rest.find(':');
    std::string_view f = rest.substr(0, colon);
    rest.remove_prefix(colon == std::string_view::npos ? rest.size() : colon + 1);
    return f;
}

// glibc's numeric field: strtoul's syntax, at least one digit, then the
// end of the field.
std::optional<unsigned long> number_field(std::string_view f) {
    std::string s(f);
    char* end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(s.c_str(), &end, 10);
    if (end == s.c_str() || *end != '\0') return std::nullopt;
    // glibc caps a value too large for 32 bits (strtou32): never wrap to 0.
    return std::min<unsigned long>(v, std::numeric_limits<std::uint32_t>::max());
}

// NIS compat entries ("+name", "-@netgroup") mean more than the files say.
bool has_compat_lines(std::string_view file) {
    bool found = false;
    for_each_line(file, [&](std::string_view raw) {
        auto line = data_line(raw);
        found = line && (line->front() == '+' || line->front() == '-');
        return found;
    });
    return found;
}

// Whether the files source alone may answer for `database`; `only` says
// whether it is the only source.
struct FilesFirst {
    bool usable = false;
    bool only = false;
};

FilesFirst files_first(std::string_view conf, std::string_view database) {
    auto sources = nsswitch_sources(conf, database);
    if (!sources || sources->empty() || (*sources)[0] != "files") return {};
    if (sources->size() > 1 && (*sources)[1].front() == '[') return {};
    return {true, sources->size() == 1};
}

// Runs `getent DATABASE -- KEY` ("--": a key starting with '-' is not an
// option): its output, or nullopt for exit status 2 ("no such entry").
Result<std::optional<std::string>> run_getent(const AccountSources& src, const std::string& database,
                                              const std::string& key) {
    const std::string what = fmt::format("{} {} {}", src.getent, database, key);
    proc::SpawnOptions o;
    o.argv = {src.getent, database, "--", key};
    o.pipe_stdin = false;
    o.stderr_to_stdout = false;
    // An ignored SIGCHLD (inherited from whoever started us) would reap
    // getent before we can read its status.
    struct sigaction dfl {}, old {};
    dfl.sa_handler = SIG_DFL;
    ::sigemptyset(&dfl.sa_mask);
    ::sigaction(SIGCHLD, &dfl, &old);
    auto child = proc::spawn(o);
    if (!child) {
        ::sigaction(SIGCHLD, &old, nullptr);
        return make_error(EX_TEMPFAIL, fmt::format("{}: {}", what, child.error().message));
    }
    std::string out = proc::read_all(child->out(), 1 << 20);
    auto status = child->wait();
    ::sigaction(SIGCHLD, &old, nullptr);
    if (!status) return make_error(EX_TEMPFAIL, fmt::format("{}: {}", what, status.error().message));
    if (*status == 0) return std::optional<std::string>(std::move(out));
    if (*status == 2) return std::optional<std::string>();
    return make_error(EX_TEMPFAIL, fmt::format("{}: exit status {}", what, *status));
}

Result<std::optional<Account>> ask_getent(const AccountSources& src, const std::string& key,
                                          std::string_view want_name) {
    auto out = run_getent(src, "passwd", key);
    if (!out) return out.error();
    if (!*out) return std::optional<Account>();
    std::string_view text = **out;
    auto account = parse_passwd_line(text.substr(0, text.find('\n')));
    if (!account) return make_error(EX_TEMPFAIL, fmt::format("{} passwd {}: unexpected answer", src.getent, key));
    // getent takes an all-digit key for a uid; a name lookup wants that name.
    if (!want_name.empty() && account->name != want_name) return std::optional<Account>();
    return account;
}

// The files source's answer, or nullopt when getent must be asked.
template <class Key>
std::optional<std::optional<Account>> from_files(const AccountSources& src, Key key) {
    auto conf = read_small_file(src.nsswitch);
    if (!conf) return std::nullopt;
    FilesFirst ff = files_first(*conf, "passwd");
    if (!ff.usable) return std::nullopt;
    auto passwd = read_small_file(src.passwd);
    if (!passwd || has_compat_lines(*passwd)) return std::nullopt;
    if (auto a = find_in_passwd(*passwd, key)) return std::optional<Account>(std::move(*a));
    if (ff.only) return std::optional<Account>();
    return std::nullopt;
}

}  // namespace

std::optional<std::vector<std::string>> nsswitch_sources(std::string_view conf, std::string_view database) {
    // As glibc reads it: '#' starts a comment; the database name ends at a
    // blank or ':' and is compared exactly; a later line for the same
    // database replaces an earlier one.
    std::optional<std::vector<std::string>> result;
    for_each_line(conf, [&](std::string_view line) {
        line = line.substr(0, line.find('#'));
        while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
        std::size_t name_end = 0;
        while (name_end < line.size() && !is_space(line[name_end]) && line[name_end] != ':') ++name_end;
        if (name_end == 0 || name_end == line.size() || line.substr(0, name_end) != database) return false;
        std::string_view rest = line.substr(name_end);
        while (!rest.empty() && (is_space(rest.front()) || rest.front() == ':')) rest.remove_prefix(1);
        std::vector<std::string> sources;
        while (true) {
            while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
            if (rest.empty()) break;
            std::size_t end = 0;
            if (rest.front() == '[') {
                end = rest.find(']');
                end = end == std::string_view::npos ? rest.size() : end + 1;
            } else {
                while (end < rest.size() && !is_space(rest[end]) && rest[end] != '[') ++end;
            }
            sources.emplace_back(rest.substr(0, end));
            rest.remove_prefix(end);
        }
        result = std::move(sources);
        return false;
    });
    return result;
}

std::optional<Account> parse_passwd_line(std::string_view raw) {
    auto line = data_line(raw);
    if (!line) return std::nullopt;
    std::string_view rest = *line;
    Account a;
    a.name = next_field(rest);
    a.passwd = next_field(rest);
    auto uid = number_field(next_field(rest));
    auto gid = number_field(next_field(rest));
    if (a.name.empty() || !uid || !gid) return std::nullopt;
    a.uid = static_cast<uid_t>(*uid);
    a.gid = static_cast<gid_t>(*gid);
    a.gecos = next_field(rest);
    a.home = next_field(rest);
    a.shell = rest;  // the rest of the line, ':' included
    return a;
}

std::optional<Account> find_in_passwd(std::string_view file, std::string_view name) {
    std::optional<Account> found;
    for_each_line(file, [&](std::string_view raw) {
        auto line = data_line(raw);
        if (!line || line->substr(0, line->find(':')) != name) return false;
        found = parse_passwd_line(*line);
        return found.has_value();
    });
    return found;
}

std::optional<Account> find_in_passwd(std::string_view file, uid_t uid) {
    std::optional<Account> found;
    for_each_line(file, [&](std::string_view raw) {
        auto line = data_line(raw);
        if (!line) return false;
        std::string_view rest = *line;
        next_field(rest);  // name
        next_field(rest);  // password
        auto u = number_field(next_field(rest));
        if (!u || static_cast<uid_t>(*u) != uid) return false;
        found = parse_passwd_line(*line);  // nullopt when another field is bad: glibc skips the line
        return found.has_value();
    });
    return found;
}

std::vector<gid_t> groups_in_group_file(std::string_view file, std::string_view name, gid_t gid) {
    // glibc's files initgroups parses every line as it is: no comment or
    // blank-line skipping, no leading-blank trimming of the group's name;
    // a member's leading blanks are skipped, trailing ones kept.  Groups
    // are listed as often as they match (glibc does not remove repeats).
    std::vector<gid_t> groups{gid};
    for_each_line(file, [&](std::string_view rest) {
        next_field(rest);  // the group's name
        next_field(rest);  // password
        auto g = number_field(next_field(rest));
        if (!g || static_cast<gid_t>(*g) == gid) return false;
        while (!rest.empty()) {
            std::size_t comma = rest.find(',');
            std::string_view member = rest.substr(0, comma);
            rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
            while (!member.empty() && is_space(member.front())) member.remove_prefix(1);
            if (member == name) {
                groups.push_back(static_cast<gid_t>(*g));
                break;
            }
        }
        return false;
    });
    return groups;
}

Result<std::optional<Account>> FilesThenGetent::by_name(std::string_view name) const {
    if (name.empty() || name.find_first_of(":\n") != std::string_view::npos) return std::optional<Account>();
    if (auto answer = from_files(m_src, name)) return std::move(*answer);
    return ask_getent(m_src, std::string(name), name);
}

Result<std::optional<Account>> FilesThenGetent::by_uid(uid_t uid) const {
    if (auto answer = from_files(m_src, uid)) return std::move(*answer);
    return ask_getent(m_src, std::to_string(uid), {});
}

Result<std::vector<gid_t>> FilesThenGetent::group_list(std::string_view name, gid_t gid) const {
    if (auto conf = read_small_file(m_src.nsswitch)) {
        FilesFirst ff = files_first(*conf, "group");
        if (ff.usable && ff.only && !nsswitch_sources(*conf, "initgroups")) {
            auto group = read_small_file(m_src.group);
            if (group && !has_compat_lines(*group)) return groups_in_group_file(*group, name, gid);
        }
    }
    auto out = run_getent(m_src, "initgroups", std::string(name));
    if (!out) return out.error();
    // "NAME  gid gid …": the user's groups from every source.
    std::vector<gid_t> groups{gid};
    const std::string answer = out->value_or(std::string());  // exit 2: no groups
    std::string_view text = answer;
    text = text.substr(0, text.find('\n'));
    auto words = split(text, " \t");
    for (std::size_t i = 1; i < words.size(); ++i) {
        auto g = number_field(words[i]);
        if (!g) return make_error(EX_TEMPFAIL, fmt::format("{} initgroups {}: unexpected answer", m_src.getent, name));
        if (static_cast<gid_t>(*g) != gid) groups.push_back(static_cast<gid_t>(*g));
    }
    return groups;
}

Status init_groups(std::string_view name, gid_t gid) {
    auto groups = group_list(name, gid);
    if (!groups) return groups.error();
    if (::setgroups(groups->size(), groups->data()) != 0)
        return make_error(EX_OSERR, fmt::format("setgroups: {}", std::strerror(errno)));
    return {};
}

}  // namespace mail::users
