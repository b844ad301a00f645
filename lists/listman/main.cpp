// main.cpp — listman(8): the mailing-list manager.  Parses argv (CLI11) and
// calls one entry point (the aliases' `listman post LIST` …) or one
// administrator subcommand (docs/lists.md).
//
// SECURITY: runs as the aliases file's owner (mail entry points) or as an
// administrator; list names are validated before anything else sees them.
// Exit codes are <sysexits.h> (entry.h lists what the MTA gets).
#include "libmail/log/log.h"
#include "libmail/proc/spawn.h"
#include "lists/listman/admin.h"
#include "lists/listman/app.h"
#include "lists/listman/entry.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>

using namespace mail::lists;

namespace {

std::string env_or(const char* name, const char* def = "") {
    const char* v = std::getenv(name);
    return v ? v : def;
}

int finish(const admin::Output& o, int status) {
    std::fwrite(o.out.data(), 1, o.out.size(), stdout);
    std::fwrite(o.err.data(), 1, o.err.size(), stderr);
    if (std::fflush(stdout) != 0) return EX_IOERR;
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    mail::log::init_program("listman");
    CLI::App cli{"listman — a mailing-list manager driven by email", "listman"};
    cli.require_subcommand(1);
    cli.fallthrough();
    bool foreground = false;
    cli.add_flag("-F,--foreground", foreground, "send a post's fan-out before exiting (no detached child)");

    // Mail entry points: `listman ENTRY LIST`, the message on stdin.
    std::string list;
    std::string entry;
    for (const char* e : {"post", "request", "join", "subscribe", "leave", "unsubscribe", "confirm", "owner", "bounces"}) {
        auto* sub = cli.add_subcommand(e, fmt::format("mail for LIST{} (run by the MTA)",
                                                      std::string_view(e) == "post" ? "" : "-" + std::string(e)));
        sub->add_option("list", list, "the list")->required();
        sub->callback([&entry, e] { entry = e; });
    }

    admin::CreateArgs create;
    auto* c_create = cli.add_subcommand("create", "create a list and print (or write) its aliases");
    c_create->add_option("list", create.list)->required();
    c_create->add_option("--host", create.host, "the list's domain (default: the MTA's host name)");
    c_create->add_option("--owner", create.owners, "an owner's address (repeatable)")->allow_extra_args(false);
    c_create->add_option("--moderator", create.moderators, "a moderator's address (repeatable)")->allow_extra_args(false);
    c_create->add_option("--description", create.description);
    c_create->add_option("--aliases", create.aliases_file, "write the alias block into this aliases file");
    bool no_newaliases = false;
    c_create->add_flag("--no-newaliases", no_newaliases, "with --aliases: do not run newaliases");

    std::string aliases_file;
    auto* c_remove = cli.add_subcommand("remove", "remove a list and everything it keeps");
    c_remove->add_option("list", list)->required();
    c_remove->add_option("--aliases", aliases_file);
    c_remove->add_flag("--no-newaliases", no_newaliases);

    auto* c_lists = cli.add_subcommand("lists", "list the lists");
    auto* c_aliases = cli.add_subcommand("aliases", "print a list's alias block");
    c_aliases->add_option("list", list)->required();

    admin::MemberArgs members;
    std::string format = "csv", address, option, value, reason;
    auto* c_members = cli.add_subcommand("members", "show and change members");
    c_members->require_subcommand(1);
    auto* m_list = c_members->add_subcommand("list", "print the members");
    m_list->add_option("list", list)->required();
    auto* m_add = c_members->add_subcommand("add", "add members (or --invite them to confirm)");
    m_add->add_option("list", members.list)->required();
    m_add->add_option("address", members.addresses);
    m_add->add_option("--file", members.file, "one address per line; - for stdin");
    m_add->add_flag("--invite", members.invite, "send each a confirmation instead of adding them");
    m_add->add_flag("--digest", members.digest);
    m_add->add_flag("--welcome", members.welcome, "send the welcome message");
    auto* m_remove = c_members->add_subcommand("remove", "remove members");
    m_remove->add_option("list", members.list)->required();
    m_remove->add_option("address", members.addresses);
    m_remove->add_option("--file", members.file);
    auto* m_export = c_members->add_subcommand("export", "export the members as CSV or JSON");
    m_export->add_option("list", list)->required();
    m_export->add_option("--format", format)->check(CLI::IsMember({"csv", "json"}));
    auto* m_set = c_members->add_subcommand("set", "set a member option: digest, nomail, moderated, disabled");
    m_set->add_option("list", list)->required();
    m_set->add_option("address", address)->required();
    m_set->add_option("option", option)->required();
    m_set->add_option("value", value)->required()->check(CLI::IsMember({"on", "off", "plain"}));

    bool as_moderator = false;
    auto* c_owners = cli.add_subcommand("owners", "show and change owners and moderators");
    c_owners->require_subcommand(1);
    auto* o_list = c_owners->add_subcommand("list", "print owners and moderators");
    o_list->add_option("list", list)->required();
    auto* o_add = c_owners->add_subcommand("add", "add an owner (or --moderator)");
    o_add->add_option("list", list)->required();
    o_add->add_option("address", address)->required();
    o_add->add_flag("--moderator", as_moderator);
    auto* o_remove = c_owners->add_subcommand("remove", "remove an owner or moderator");
    o_remove->add_option("list", list)->required();
    o_remove->add_option("address", address)->required();

    int64_t held_id = 0;
    auto* c_held = cli.add_subcommand("held", "held posts");
    c_held->require_subcommand(1);
    auto* h_list = c_held->add_subcommand("list", "print the held posts");
    h_list->add_option("list", list)->required();
    auto* h_show = c_held->add_subcommand("show", "print a held post");
    h_show->add_option("list", list)->required();
    h_show->add_option("id", held_id)->required();
    std::string decision;
    for (const char* d : {"approve", "reject", "discard"}) {
        auto* sub = c_held->add_subcommand(d, fmt::format("{} a held post", d));
        sub->add_option("list", list)->required();
        sub->add_option("id", held_id)->required();
        if (std::string_view(d) == "reject") sub->add_option("--reason", reason);
        sub->callback([&decision, d] { decision = d; });
    }

    auto* c_set = cli.add_subcommand("set", "set a list option (see `listman options`)");
    c_set->add_option("list", list)->required();
    c_set->add_option("option", option)->required();
    c_set->add_option("value", value)->required();
    auto* c_show = cli.add_subcommand("show", "print a list's options");
    c_show->add_option("list", list)->required();
    auto* c_options = cli.add_subcommand("options", "print the list options, their values and defaults");
    auto* c_run = cli.add_subcommand("run", "finish stopped fan-outs, expire requests, send due digests (cron)");
    auto* c_digest = cli.add_subcommand("digest", "send a list's digest now");
    c_digest->add_option("list", list)->required();
    auto* c_archive = cli.add_subcommand("archive", "rebuild a list's HTML archive");
    c_archive->add_option("list", list)->required();

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = cli.exit(e);
        return rc == 0 ? 0 : EX_USAGE;
    }

    auto opened = open_app(argc > 0 ? argv[0] : "listman");
    if (!opened) {
        fmt::print(stderr, "listman: {}\n", opened.error().message);
        return opened.error().exit_code == EX_CONFIG ? EX_CONFIG : EX_TEMPFAIL;
    }
    App& app = *opened;
    mail::log::init("listman", app.cfg);
    admin::Output o;

    if (!entry.empty()) {
        Delivery d;
        d.message = mail::proc::read_all(0, static_cast<size_t>(1) << 30);
        d.sender = env_or("SENDER");
        d.recipient = env_or("RECIPIENT");
        app.background = !foreground;
        return run_entry(app, entry, list, d);
    }
    if (*c_create) {
        create.run_newaliases = !no_newaliases;
        return finish(o, admin::create(app, create, o));
    }
    if (*c_remove) return finish(o, admin::remove(app, list, aliases_file, !no_newaliases, o));
    if (*c_lists) return finish(o, admin::lists(app, o));
    if (*c_aliases) {
        if (auto s = check_list_name(list); !s) {
            o.err = fmt::format("listman: {}\n", s.error().message);
            return finish(o, s.error().exit_code);
        }
        o.out = admin::alias_block(app, list);
        return finish(o, 0);
    }
    if (*m_list) return finish(o, admin::members_list(app, list, o));
    if (*m_add) {
        std::string input = members.file == "-" ? mail::proc::read_all(0, static_cast<size_t>(1) << 30) : "";
        return finish(o, admin::members_add(app, members, input, o));
    }
    if (*m_remove) {
        std::string input = members.file == "-" ? mail::proc::read_all(0, static_cast<size_t>(1) << 30) : "";
        return finish(o, admin::members_remove(app, members, input, o));
    }
    if (*m_export) return finish(o, admin::members_export(app, list, format, o));
    if (*m_set) return finish(o, admin::member_set(app, list, address, option, value, o));
    if (*o_list) return finish(o, admin::owners_list(app, list, o));
    if (*o_add) return finish(o, admin::owners_add(app, list, address, as_moderator, o));
    if (*o_remove) return finish(o, admin::owners_remove(app, list, address, o));
    if (*h_list) return finish(o, admin::held_list(app, list, o));
    if (*h_show) return finish(o, admin::held_show(app, list, held_id, o));
    if (!decision.empty()) return finish(o, admin::held_decide(app, list, held_id, decision, reason, o));
    if (*c_set) return finish(o, admin::set_option(app, list, option, value, o));
    if (*c_show) return finish(o, admin::show(app, list, o));
    if (*c_options) return finish(o, admin::options(o));
    if (*c_run) return run_maintenance(app);
    if (*c_digest) return finish(o, admin::digest(app, list, o));
    if (*c_archive) return finish(o, admin::archive(app, list, o));
    return EX_USAGE;
}
