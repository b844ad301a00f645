// parse_test.cpp — options, aliases, recipients, variables and the command
// table's POSIX abbreviations.
#include "mailx/aliases.h"
#include "mailx/commands.h"
#include "mailx/options.h"
#include "mailx/vars.h"

#include <doctest/doctest.h>

using namespace mailx;

TEST_SUITE("mailx.parse") {

TEST_CASE("options: send mode with grouped flags and attached arguments") {
    auto o = parse_options({"-inE", "-sHello world", "-c", "carol,dave", "-b", "eve", "john", "mary, peter"});
    REQUIRE(o.ok());
    CHECK(o->ignore_interrupts);
    CHECK(o->no_system_rc);
    CHECK(o->discard_empty);
    CHECK(*o->subject == "Hello world");
    CHECK(o->cc == std::vector<std::string>{"carol", "dave"});
    CHECK(o->bcc == std::vector<std::string>{"eve"});
    CHECK(o->recipients == std::vector<std::string>{"john", "mary", "peter"});
    CHECK(o->send_mode());
}

TEST_CASE("options: -f takes its file as an operand (mailx -fin box)") {
    auto o = parse_options({"-fin", "mymail.box"});
    REQUIRE(o.ok());
    CHECK(o->file_mode);
    CHECK(o->file == "mymail.box");
    CHECK(o->ignore_interrupts);
    CHECK(!o->send_mode());
    auto o2 = parse_options({"-f"});
    REQUIRE(o2.ok());
    CHECK(o2->file.empty());
}

TEST_CASE("options: usage errors") {
    CHECK(parse_options({"-s", "subject"}).error().exit_code == EX_USAGE);  // no recipient
    CHECK(parse_options({"-s"}).error().message.find("requires an argument") != std::string::npos);
    CHECK(parse_options({"-Z"}).error().message.find("invalid option") != std::string::npos);
    CHECK(!parse_options({"-f", "a", "b"}).ok());
    CHECK(!parse_options({"-e", "john"}).ok());
    CHECK(!parse_options({"-f", "-u", "john"}).ok());
}

TEST_CASE("options: -S and -- ") {
    auto o = parse_options({"-S", "record=out", "-Snoheader", "--", "-john"});
    REQUIRE(o.ok());
    REQUIRE(o->set_vars.size() == 2);
    CHECK(o->set_vars[0] == std::pair<std::string, std::string>{"record", "out"});
    CHECK(o->set_vars[1] == std::pair<std::string, std::string>{"header", "\x01"});  // -S noname unsets
    CHECK(o->recipients == std::vector<std::string>{"-john"});
}

TEST_CASE("vars: set noname") {
    struct Case { const char* word; const char* want; };
    const Case cases[] = {
        {"noheader", "header"}, {"norecord", "record"}, {"noask", "ask"},
        {"nofoo", ""}, {"no", ""}, {"notoplines", "toplines"}, {"header", ""},
    };
    for (const auto& c : cases) {
        CAPTURE(c.word);
        CHECK(negated_name(c.word) == c.want);
    }
}

TEST_CASE("aliases: recursive, each address once, order kept, \\name not expanded") {
    Aliases a;
    a.add("myteam", {"john", "mary", "peter", "tony"});
    a.add("devs", {"myteam", "alice"});
    a.add("ops", {"root", "\\ops", "bob"});
    a.add("zz", {"zed", "amy", "bob", "amy"});
    CHECK(a.expand({"myteam"}) == std::vector<std::string>{"john", "mary", "peter", "tony"});
    CHECK(a.expand({"devs", "carol"}) == std::vector<std::string>{"john", "mary", "peter", "tony", "alice", "carol"});
    CHECK(a.expand({"ops"}) == std::vector<std::string>{"root", "ops", "bob"});
    CHECK(a.expand({"zz", "bob"}) == std::vector<std::string>{"zed", "amy", "bob"});
    CHECK(a.expand({"myteam@host"}) == std::vector<std::string>{"myteam@host"});  // whole address only
    CHECK(a.expand({"MyTeam"}) == std::vector<std::string>{"MyTeam"});            // case-sensitive
}

TEST_CASE("aliases: a later alias line appends; unalias removes") {
    Aliases a;
    a.add("t", {"a"});
    a.add("t", {"b", "a"});
    CHECK(*a.find("t") == std::vector<std::string>{"a", "b"});
    CHECK(a.remove("t"));
    CHECK(!a.remove("t"));
    CHECK(a.expand({"t"}) == std::vector<std::string>{"t"});
}

TEST_CASE("aliases: loops stop at depth 25 with a warning and keep what was found") {
    Aliases a;
    a.add("loop1", {"loop2", "x1"});
    a.add("loop2", {"loop1", "x2"});
    std::vector<std::string> warnings;
    auto r = a.expand({"loop1"}, &warnings);
    CHECK(r == std::vector<std::string>{"x1", "x2"});
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == "Expanding alias to depth larger than 25");
}

TEST_CASE("alternates and allnet decide who 'me' is") {
    Aliases a;
    a.add_alternates({"me@alt.example"});
    CHECK(a.is_me("tony", "tony", false));
    CHECK(a.is_me("Me <ME@alt.example>", "tony", false));
    CHECK(!a.is_me("tony@host.example", "tony", false));
    CHECK(a.is_me("tony@host.example", "tony", true));
}

TEST_CASE("recipients as users type them") {
    CHECK(split_recipients("john, mary peter") == std::vector<std::string>{"john", "mary", "peter"});
    CHECK(split_recipients("Mary Smith <mary@x>, bob") == std::vector<std::string>{"Mary Smith <mary@x>", "bob"});
    CHECK(split_recipients("\"Smith, Mary\" <mary@x>") == std::vector<std::string>{"\"Smith, Mary\" <mary@x>"});
    CHECK(split_recipients("bob@x (Bob B), carol") == std::vector<std::string>{"bob@x (Bob B)", "carol"});
    CHECK(split_recipients("  ").empty());
    CHECK(bare_address("Mary Smith <mary@x>") == "mary@x");
    CHECK(bare_address("bob@x (Bob)") == "bob@x");
}

TEST_CASE("variables: POSIX defaults, ask = asksub, numbers") {
    Vars v = Vars::with_defaults();
    CHECK(v.is_set("asksub"));
    CHECK(v.is_set("ask"));
    v.unset("ask");
    CHECK(!v.is_set("asksub"));
    CHECK(v.str("escape") == "~");
    CHECK(v.str("indentprefix") == "\t");
    CHECK(v.number("toplines", 0, 0) == 5);
    CHECK(v.is_set("save"));
    CHECK(v.is_set("header"));
    CHECK(!v.is_set("hold"));
    v.set("crt");
    CHECK(v.number("crt", -1, 24) == 24);
    v.set("crt", "abc");
    CHECK(v.number("crt", -1, 24) == -1);
    CHECK(find_variable("toplines") != nullptr);
}

TEST_CASE("commands: every POSIX abbreviation selects the POSIX command") {
    const std::pair<const char*, const char*> table[] = {
        {"a", "alias"}, {"alt", "alternates"}, {"cd", "cd"}, {"ch", "chdir"}, {"c", "copy"}, {"C", "Copy"},
        {"d", "delete"}, {"di", "discard"}, {"dp", "dp"}, {"dt", "dt"}, {"ec", "echo"}, {"e", "edit"},
        {"ex", "exit"}, {"x", "xit"}, {"fi", "file"}, {"fold", "folder"}, {"folders", "folders"},
        {"fo", "followup"}, {"F", "Followup"}, {"f", "from"}, {"h", "headers"}, {"hel", "help"}, {"?", "?"},
        {"ho", "hold"}, {"pre", "preserve"}, {"i", "if"}, {"el", "else"}, {"en", "endif"}, {"ig", "ignore"},
        {"l", "list"}, {"m", "mail"}, {"mb", "mbox"}, {"n", "next"}, {"pi", "pipe"}, {"|", "|"}, {"P", "Print"},
        {"T", "Type"}, {"p", "print"}, {"t", "type"}, {"q", "quit"}, {"r", "reply"}, {"R", "Reply"},
        {"ret", "retain"}, {"s", "save"}, {"S", "Save"}, {"se", "set"}, {"sh", "shell"}, {"si", "size"},
        {"so", "source"}, {"to", "top"}, {"tou", "touch"}, {"una", "unalias"}, {"u", "undelete"},
        {"uns", "unset"}, {"v", "visual"}, {"w", "write"}, {"z", "z"}, {"!", "!"}, {"#", "#"}, {"=", "="},
        {"g", "group"}, {"res", "respond"}, {"Res", "Respond"}, {"inc", "inc"},
    };
    for (const auto& entry : table) {
        const char* abbrev = entry.first;
        CAPTURE(abbrev);
        const Command* c = find_command(abbrev);
        REQUIRE(c != nullptr);
        CHECK(c->name == entry.second);
    }
    CHECK(find_command("foo") == nullptr);
    CHECK(find_command("") == nullptr);
    CHECK(find_command("undeletex") == nullptr);
}

TEST_CASE("commands: every full name finds itself") {
    for (const auto& c : commands()) {
        CAPTURE(c.name);
        CHECK(find_command(c.name) == &c);
    }
}

}  // TEST_SUITE
