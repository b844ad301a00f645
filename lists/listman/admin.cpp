// admin.cpp — see admin.h.
#include "lists/listman/admin.h"

#include "libmail/address/address.h"
#include "libmail/log/log.h"
#include "libmail/message/header.h"
#include "libmail/proc/spawn.h"
#include "libmail/util/clock.h"
#include "libmail/util/strings.h"
#include "lists/listman/actions.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mail::lists::admin {

namespace {

constexpr const char* k_alias_entries[] = {"bounces", "confirm", "join",      "leave",
                                           "owner",   "request", "subscribe", "unsubscribe"};

int fail(Output& o, const Error& e) {
    o.err += fmt::format("listman: {}\n", e.message);
    return e.exit_code;
}

Result<Settings> list_or_fail(App& app, const std::string& name) { return need_list(app, name); }

// A plain addr-spec from what an administrator typed, or an error.
Result<std::string> address_arg(std::string_view text) {
    auto mb = address::parse_mailbox(text);
    if (!mb || mb->domain.empty() || mb->local.empty())
        return make_error(EX_DATAERR, fmt::format("\"{}\" is not an email address", message::excerpt(text)));
    return mb->addr_spec();
}

std::vector<std::string> addresses_from(const MemberArgs& a, const std::string& input) {
    std::vector<std::string> out = a.addresses;
    if (!a.file.empty()) {
        std::string text = input;
        if (a.file != "-") {
            std::ifstream f(a.file);
            std::stringstream ss;
            ss << f.rdbuf();
            text = ss.str();
        }
        for (const std::string& line : split(text, "\n", false)) {
            std::string_view l = trim(line);
            if (!l.empty() && l[0] != '#') out.emplace_back(l);
        }
    }
    return out;
}

Status run_newaliases(const App& app) {
    proc::SpawnOptions o;
    o.argv = {app.cfg.str("MAILROOM_SENDMAIL_PATH"), "-bi"};
    o.env = sendmail_env(app.cfg.source());
    o.pipe_stdin = false;
    auto child = proc::spawn(o);
    if (!child) return child.error();
    std::string output = proc::read_all(child->out(), 4096);
    auto status = child->wait();
    if (!status) return status.error();
    if (*status != 0) return make_error(*status, fmt::format("newaliases failed: {}", trim(output)));
    return {};
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') out += fmt::format("\\{}", static_cast<char>(c));
        else if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);
    }
    return out + "\"";
}

std::string csv_field(std::string_view s) {
    if (s.find_first_of(",\"\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

}  // namespace

std::string alias_block(const App& app, std::string_view list) {
    const size_t width = list.size() + std::string_view("-unsubscribe").size() + 2;
    auto line = [&](const std::string& key, std::string_view entry) {
        std::string k = key + ":";
        if (k.size() < width) k.append(width - k.size(), ' ');
        return fmt::format("{} \"|{} {} {}\"\n", k, app.listman_path, entry, list);
    };
    std::string out = fmt::format("## {} mailing list\n", list);
    out += line(std::string(list), "post");
    for (const char* e : k_alias_entries) out += line(fmt::format("{}-{}", list, e), e);
    return out;
}

Status edit_aliases_file(const App& app, const std::string& path, std::string_view list, bool remove) {
    std::string text;
    {
        std::ifstream in(path);
        if (in) {
            std::stringstream ss;
            ss << in.rdbuf();
            text = ss.str();
        } else if (errno != ENOENT) {
            return make_error(EX_CANTCREAT, fmt::format("{}: {}", path, std::strerror(errno)));
        }
    }
    // The block runs from its "## LIST mailing list" line to the next blank line.
    const std::string marker = fmt::format("## {} mailing list\n", list);
    size_t at = text.rfind("\n" + marker) != std::string::npos ? text.rfind("\n" + marker) + 1
                : text.rfind(marker, 0) == 0                   ? 0
                                                               : std::string::npos;
    if (at != std::string::npos) {
        size_t end = text.find("\n\n", at);
        end = end == std::string::npos ? text.size() : end + 2;
        text.erase(at, end - at);
    }
    if (!remove) {
        if (!text.empty() && text.back() != '\n') text += '\n';
        if (!text.empty() && text.size() >= 2 && text.substr(text.size() - 2) != "\n\n") text += '\n';
        text += alias_block(app, list) + "\n";
    }
    std::string tmp = path + ".listman-tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f) return make_error(EX_CANTCREAT, fmt::format("{}: {}", tmp, std::strerror(errno)));
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) ::fchmod(fileno(f), st.st_mode & 07777);
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    ok = std::fflush(f) == 0 && ::fsync(fileno(f)) == 0 && ok;
    ok = std::fclose(f) == 0 && ok;
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        return make_error(EX_IOERR, fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
    }
    return {};
}

int create(App& app, const CreateArgs& a, Output& o) {
    if (Status s = check_list_name(a.list); !s) return fail(o, s.error());
    Settings s = defaults(a.list, a.host.empty() ? app.default_host : a.host);
    s.created = app.now();
    if (!a.description.empty())
        if (Status d = s.set("description", a.description); !d) return fail(o, d.error());
    std::vector<std::pair<std::string, std::string>> people;
    for (const auto& x : a.owners) {
        auto addr = address_arg(x);
        if (!addr) return fail(o, addr.error());
        people.emplace_back(*addr, "owner");
    }
    for (const auto& x : a.moderators) {
        auto addr = address_arg(x);
        if (!addr) return fail(o, addr.error());
        people.emplace_back(*addr, "moderator");
    }
    if (Status c = app.store->create_list(s); !c) return fail(o, c.error());
    for (const auto& [addr, role] : people)
        if (Status r = app.store->add_owner(a.list, addr, role); !r) return fail(o, r.error());
    ::mkdir(app.list_dir(a.list).c_str(), 0755);
    log::info("{}: list created", a.list);
    if (!a.aliases_file.empty()) {
        if (Status e = edit_aliases_file(app, a.aliases_file, a.list, false); !e) return fail(o, e.error());
        o.out += fmt::format("The aliases for {} were added to {}.\n", a.list, a.aliases_file);
        if (a.run_newaliases)
            if (Status n = run_newaliases(app); !n) return fail(o, n.error());
        return 0;
    }
    o.out += "To finish creating your mailing list, you must edit your /etc/aliases (or\n"
             "equivalent) file by adding the following lines, and possibly running the\n"
             "`newaliases' program:\n\n";
    o.out += alias_block(app, a.list);
    return 0;
}

int remove(App& app, const std::string& list, const std::string& aliases_file, bool newaliases, Output& o) {
    auto l = list_or_fail(app, list);
    if (!l) return fail(o, l.error());
    if (Status s = app.store->remove_list(list); !s) return fail(o, s.error());
    log::info("{}: list removed", list);
    if (!aliases_file.empty()) {
        if (Status e = edit_aliases_file(app, aliases_file, list, true); !e) return fail(o, e.error());
        o.out += fmt::format("The aliases for {} were removed from {}.\n", list, aliases_file);
        if (newaliases)
            if (Status n = run_newaliases(app); !n) return fail(o, n.error());
        return 0;
    }
    o.out += "To finish removing your mailing list, you must edit your /etc/aliases (or\n"
             "equivalent) file by removing the following lines, and possibly running the\n"
             "`newaliases' program:\n\n";
    o.out += alias_block(app, list);
    return 0;
}

int lists(App& app, Output& o) {
    auto all = app.store->lists();
    if (!all) return fail(o, all.error());
    for (const auto& l : *all) {
        auto n = app.store->count_members(l.name);
        o.out += fmt::format("{} - {} member{}{}{}\n", l.address(), n ? *n : 0, n && *n == 1 ? "" : "s",
                             l.description.empty() ? "" : " - ", l.description);
    }
    return 0;
}

int members_add(App& app, const MemberArgs& a, const std::string& input, Output& o) {
    auto l = list_or_fail(app, a.list);
    if (!l) return fail(o, l.error());
    int status = 0;
    int line = 0;
    // One transaction for a bulk add (100,000 members commit once, not
    // 100,000 times); invitations send mail, so they commit one by one.
    const bool batch = !a.invite && !a.welcome;
    if (batch)
        if (Status s = app.store->begin(); !s) return fail(o, s.error());
    for (const std::string& raw : addresses_from(a, input)) {
        ++line;
        auto addr = address_arg(raw);
        if (!addr) {
            o.err += fmt::format("listman: {}{}\n", a.file.empty() ? "" : fmt::format("{}:{}: ", a.file, line),
                                 addr.error().message);
            status = EX_DATAERR;
            continue;
        }
        if (a.invite) {
            Lines r = subscribe(app, *l, Requester{}, *addr, a.digest ? k_digest_mime : 0);
            for (const auto& x : r) o.out += x + "\n";
            continue;
        }
        Member m{key_of(*addr), *addr, app.now(), a.digest ? k_digest_mime : 0};
        auto added = app.store->add_member(a.list, m);
        if (!added) {
            if (batch) app.store->rollback();
            return fail(o, added.error());
        }
        o.out += *added ? fmt::format("Subscribed: {}\n", *addr) : fmt::format("Already a member: {}\n", *addr);
        if (*added && a.welcome) reply(app, *l, notice::welcome({*l, app.now(), {}}, m.address));
    }
    if (batch)
        if (Status s = app.store->commit(); !s) return fail(o, s.error());
    return status;
}

int members_remove(App& app, const MemberArgs& a, const std::string& input, Output& o) {
    auto l = list_or_fail(app, a.list);
    if (!l) return fail(o, l.error());
    int status = 0;
    for (const std::string& raw : addresses_from(a, input)) {
        auto removed = app.store->remove_member(a.list, key_of(raw));
        if (!removed) return fail(o, removed.error());
        if (*removed) {
            o.out += fmt::format("Unsubscribed: {}\n", key_of(raw));
        } else {
            o.err += fmt::format("listman: {} is not a member of {}\n", message::excerpt(raw), a.list);
            status = EX_NOUSER;
        }
    }
    return status;
}

int members_list(App& app, const std::string& list, Output& o) {
    auto l = list_or_fail(app, list);
    if (!l) return fail(o, l.error());
    Status s = app.store->for_each_member(list, [&](const Member& m) {
        o.out += m.display + "\n";
        return true;
    });
    return s ? 0 : fail(o, s.error());
}

int members_export(App& app, const std::string& list, const std::string& format, Output& o) {
    auto l = list_or_fail(app, list);
    if (!l) return fail(o, l.error());
    if (format != "csv" && format != "json") return fail(o, make_error(EX_USAGE, "--format is csv or json"));
    bool first = true;
    if (format == "csv") o.out += "address,display,joined,digest,nomail,moderated,disabled\n";
    else o.out += "[";
    Status s = app.store->for_each_member(list, [&](const Member& m) {
        if (format == "csv") {
            o.out += fmt::format("{},{},{},{},{},{},{}\n", csv_field(m.address), csv_field(m.display), m.joined,
                                 m.digest, m.nomail ? 1 : 0, m.moderated ? 1 : 0, m.disabled);
        } else {
            o.out += fmt::format("{}\n  {{\"address\": {}, \"display\": {}, \"joined\": {}, \"digest\": {}, "
                                 "\"nomail\": {}, \"moderated\": {}, \"disabled\": {}}}",
                                 first ? "" : ",", json_string(m.address), json_string(m.display), m.joined,
                                 m.digest == 0 ? "false" : m.digest == k_digest_plain ? "\"plain\"" : "\"mime\"",
                                 m.nomail ? "true" : "false",
                                 m.moderated ? "true" : "false", m.disabled);
        }
        first = false;
        return true;
    });
    if (format == "json") o.out += first ? "]\n" : "\n]\n";
    return s ? 0 : fail(o, s.error());
}

int member_set(App& app, const std::string& list, const std::string& address, const std::string& option,
               const std::string& value, Output& o) {
    auto l = list_or_fail(app, list);
    if (!l) return fail(o, l.error());
    auto m = app.store->find_member(list, address);
    if (!m) return fail(o, m.error());
    if (!*m) return fail(o, make_error(EX_NOUSER, fmt::format("{} is not a member of {}", key_of(address), list)));
    const bool plain = option == "digest" && value == "plain";
    if (value != "on" && value != "off" && !plain)
        return fail(o, make_error(EX_USAGE, "the value is on or off (digest: also plain)"));
    Member u = **m;
    bool on = value != "off";
    if (option == "digest") u.digest = plain ? k_digest_plain : on ? k_digest_mime : 0;
    else if (option == "nomail") u.nomail = on;
    else if (option == "moderated") u.moderated = on;
    else if (option == "disabled") {
        u.disabled = on ? app.now() : 0;
        if (!on) (void)app.store->clear_bounces(list, u.address);
    } else return fail(o, make_error(EX_USAGE, "member options are digest, nomail, moderated and disabled"));
    if (Status s = app.store->update_member(list, u); !s) return fail(o, s.error());
    o.out += fmt::format("{}: {} {}\n", u.address, option, value);
    return 0;
}

int owners_add(App& app, const std::string& list, const std::string& address, bool moderator, Output& o) {
    auto l = list_or_fail(app, list);
    if (!l) return fail(o, l.error());
    auto addr = address_arg(address);
    if (!addr) return fail(o, addr.error());
    if (Status s = app.store->add_owner(list, *addr, moderator ? "moderator" : "owner"); !s) return fail(o, s.error());
    return 0;
}

int owners_remove(App& app, const std::string& list, const std::string& address, Output& o) {
    auto l = list_or_fail(app, list);
    if (!l) return fail(o, l.error());
    auto removed = app.store->remove_owner(list, address);
    if (!removed) return fail(o, removed.error());
    if (!*removed) return fail(o, make_error(EX_NOUSER, fmt::format("{} is not an owner of {}", key_of(address), list)));
    return 0;
}

int owners_list(App& app, const std::string& list, Output& o) {
    auto l = list_or_fail(app, list);
    if (!l) return fail(o, l.error());
    auto owners = app.store->owners(list);
    if (!owners) return fail(o, owners.error());
    for (const auto& [addr, role] : *owners) o.out += fmt::format("{} {}\n", role, addr);
    return 0;
}

int held_list(App& app, const std::string& list, Output& o) {
    auto l = list_or_fail(app, list);
    if (!l) return fail(o, l.error());
    auto held = app.store->held(list);
    if (!held) return fail(o, held.error());
    for (const auto& h : *held)
        o.out += fmt::format("{}\t{}\t{}\t{}\t{}\n", h.id, rfc5322_date(h.received), h.sender, h.subject, h.reason);
    return 0;
}

int held_show(App& app, const std::string& list, int64_t id, Output& o) {
    auto l = list_or_fail(app, list);
    if (!l) return fail(o, l.error());
    auto h = app.store->find_held(list, id);
    if (!h) return fail(o, h.error());
    if (!*h) return fail(o, make_error(EX_DATAERR, fmt::format("{} has no held message {}", list, id)));
    o.out += (*h)->message;
    return 0;
}

int held_decide(App& app, const std::string& list, int64_t id, const std::string& decision, const std::string& reason,
                Output& o) {
    auto l = list_or_fail(app, list);
    if (!l) return fail(o, l.error());
    Decision d = decision == "approve" ? Decision::Approve : decision == "reject" ? Decision::Reject : Decision::Discard;
    if (Status s = decide_held(app, *l, id, d, reason); !s) return fail(o, s.error());
    o.out += fmt::format("{} message {}: {}\n", list, id, decision == "approve" ? "approved" : decision + "ed");
    return 0;
}

int set_option(App& app, const std::string& list, const std::string& option, const std::string& value, Output& o) {
    auto l = list_or_fail(app, list);
    if (!l) return fail(o, l.error());
    Settings s = *l;
    if (Status r = s.set(option, value); !r) return fail(o, r.error());
    if (Status r = app.store->save_settings(s); !r) return fail(o, r.error());
    return 0;
}

int show(App& app, const std::string& list, Output& o) {
    auto l = list_or_fail(app, list);
    if (!l) return fail(o, l.error());
    o.out += fmt::format("name {}\nhost {}\naddress {}\n", l->name, l->host, l->address());
    for (const auto& row : k_list_options) {
        auto v = l->get(row.name);
        std::string shown = v ? *v : "";
        for (char& c : shown)
            if (c == '\n') c = '|';
        o.out += fmt::format("{} {}\n", row.name, shown);
    }
    return 0;
}

int options(Output& o) {
    for (const auto& row : k_list_options)
        o.out += fmt::format("{}\t{}\t{}\t{}\n", row.name, row.values[0] ? row.values : "text", row.def, row.doc);
    return 0;
}

int digest(App& app, const std::string& list, Output& o) {
    auto l = list_or_fail(app, list);
    if (!l) return fail(o, l.error());
    if (Status s = maybe_send_digest(app, *l, true); !s) return fail(o, s.error());
    return 0;
}

int archive(App& app, const std::string& list, Output& o) {
    auto l = list_or_fail(app, list);
    if (!l) return fail(o, l.error());
    if (Status s = rebuild_archive(app, *l); !s) return fail(o, s.error());
    return 0;
}

}  // namespace mail::lists::admin
