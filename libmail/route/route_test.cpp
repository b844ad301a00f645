// route_test.cpp — unit tests for recipient expansion (aliases, :include:, .forward).
#include "libmail/route/route.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace mail;
using route::Kind;

namespace {

struct Fixture {
    std::string dir;
    config::Config cfg;
    users::Directory users;

    explicit Fixture(const std::string& aliases_text, bool instance = true) {
        std::string t = (fs::temp_directory_path() / "routetest.XXXXXX").string();
        dir = ::mkdtemp(t.data());
        write("aliases", aliases_text);
        std::string ids = std::to_string(::getuid()) + ":" + std::to_string(::getgid());
        std::string text = "owner:x:" + ids + ":Owner:" + dir + "/home/owner:/bin/sh\n";
        // "pat+x" is a user whose name holds a '+' (the +detail rule must not hide it).
        for (const char* u : {"john", "peter", "mary", "tony", "pat+x"}) {
            text += std::string(u) + ":x:" + ids + ":" + u + ":" + dir + "/home/" + u + ":/bin/sh\n";
            fs::create_directories(dir + "/home/" + u);
            fs::permissions(dir + "/home/" + u, fs::perms::owner_all);
        }
        auto d = users::Directory::parse(text, dir + "/users");
        REQUIRE(d.ok());
        users = *d;
        REQUIRE(cfg.set("confDOMAIN_NAME", "test.example").ok());
        REQUIRE(cfg.set("ALIAS_FILE", dir + "/aliases").ok());
        if (instance) REQUIRE(cfg.set("MAILROOM_INSTANCE", dir).ok());
    }
    ~Fixture() { fs::remove_all(dir); }
    std::string write(const std::string& name, const std::string& text, fs::perms mode = fs::perms::owner_read |
                                                                                         fs::perms::owner_write) const {
        std::string p = dir + "/" + name;
        std::ofstream(p) << text;
        fs::permissions(p, mode);
        return p;
    }
    route::Router router() const {
        auto r = route::Router::open(cfg, users, true);
        REQUIRE(r.ok());
        return std::move(*r);
    }
};

// "mailbox:john file:/x program:cmd remote:a@b error:x(User unknown/67)"
std::string summary(const std::vector<route::Target>& ts) {
    std::string s;
    for (const auto& t : ts) {
        if (!s.empty()) s += " ";
        s += std::string(route::kind_name(t.kind)) + ":" + t.value;
        if (t.kind == Kind::Error) s += "(" + t.error + "/" + std::to_string(t.exit_code) + ")";
    }
    return s;
}

std::string lines(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += x + "\n";
    return s;
}

}  // namespace

TEST_SUITE("route") {
    TEST_CASE("expansion table") {
        Fixture fx(
            "allteam: john,peter,mary,tony\n"
            "team: allteam, john, Mary\n"
            "a: b\nb: a\n"
            "tony: tony, peter\n"
            "ext: bob@Remote.Example, john@test.example\n"
            "typo: jonh, peter\n"
            "d0: d1\nd1: d2\nd2: d3\nd3: d4\nd4: d5\nd5: d6\nd6: d7\nd7: d8\nd8: d9\nd9: d10\nd10: john\n"
            "ok0: ok1\nok1: ok2\nok2: ok3\nok3: ok4\nok4: ok5\nok5: ok6\nok6: ok7\nok7: ok8\nok8: ok9\nok9: john\n"
            "prog: \"|/usr/bin/vacation john\", /var/archive/mbox\n"
            "bsl: \\john\n");
        auto r = fx.router();
        const std::string A = fx.dir + "/aliases";
        struct Case {
            std::string in;
            std::string want;
        };
        const Case cases[] = {
            {"allteam", "mailbox:john mailbox:peter mailbox:mary mailbox:tony"},
            {"ALLTEAM@Test.Example", "mailbox:john mailbox:peter mailbox:mary mailbox:tony"},
            {"<allteam@test.example>", "mailbox:john mailbox:peter mailbox:mary mailbox:tony"},
            {"All Team <allteam@test.example>", "mailbox:john mailbox:peter mailbox:mary mailbox:tony"},
            {"john", "mailbox:john"},
            {"JOHN", "mailbox:john"},
            {"team", "mailbox:john mailbox:peter mailbox:mary mailbox:tony"},
            {"team1", "error:team1(User unknown/67)"},
            {"team1@test.example", "error:team1@test.example(User unknown/67)"},
            {"bob@elsewhere.example", "remote:bob@elsewhere.example"},
            {"ext", "remote:bob@remote.example mailbox:john"},
            {"typo", "error:jonh(User unknown/67) mailbox:peter"},
            {"a", "error:a(aliasing/forwarding loop broken (a -> b -> a) in alias b (" + A + ":4)/78)"},
            {"tony", "mailbox:tony mailbox:peter"},
            {"d0", "error:d10(aliasing/forwarding loop broken (11 aliases deep; 10 max) in alias d10 (" + A +
                       ":18)/78)"},
            {"ok0", "mailbox:john"},
            {"prog", "program:/usr/bin/vacation john file:/var/archive/mbox"},
            {"bsl", "mailbox:john"},
            {"\\john", "mailbox:john"},
            {"\\nobody", "error:\\nobody(User unknown/67)"},
            {"|/bin/sh -c evil", "error:|/bin/sh -c evil(Cannot mail directly to programs/69)"},
            {"/etc/passwd", "error:/etc/passwd(Cannot mail directly to files/69)"},
            {":include:/etc/x", "error::include:/etc/x(Cannot mail directly to include files/69)"},
            {"<>", "error:<>(User address required/65)"},
            {"", "error:(User address required/65)"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(summary(r.expand(c.in)) == c.want);
        }
    }

    TEST_CASE("trace, via, original, identity, owner-") {
        Fixture fx("# x\nallteam: john,peter,mary,tony\nlist: john, \"|/bin/archive list\"\nowner-list: mary\n");
        auto r = fx.router();
        std::vector<std::string> trace;
        auto ts = r.expand("allteam@test.example", &trace);
        CHECK(lines(trace) == "allteam@test.example... aliased to john,peter,mary,tony\n");
        REQUIRE(ts.size() == 4);
        CHECK(ts[1].via == "alias allteam (" + fx.dir + "/aliases:2)");
        CHECK(ts[1].original == "allteam@test.example");
        CHECK(ts[1].user == "peter");
        CHECK(ts[1].home == fx.dir + "/home/peter");
        CHECK(ts[1].uid == ::getuid());
        CHECK(ts[1].errors_to == "");

        ts = r.expand("list");
        REQUIRE(ts.size() == 2);
        CHECK(ts[0].errors_to == "owner-list");
        CHECK(ts[1].kind == Kind::Program);
        CHECK(ts[1].value == "/bin/archive list");
        CHECK(ts[1].errors_to == "owner-list");
        CHECK(ts[1].user == "owner");  // instance: the owner runs alias programs
        CHECK(ts[1].uid == ::getuid());
        CHECK(ts[1].gid == ::getgid());
    }

    TEST_CASE("include files") {
        Fixture fx("");
        std::string list = fx.write("list.inc", "# members\npeter\n\nmary, \"|/bin/cat\"\n");
        std::string ww = fx.write("ww.inc", "peter\n", fs::perms::owner_read | fs::perms::others_write);
        std::string bad = fx.write("bad.inc", "peter\n\"unterminated\n");
        fx.write("aliases", "l: :include:" + list + "\nmissing: :include:" + fx.dir + "/none\nww: :include:" + ww +
                                "\nrel: :include:list.inc\nbad: :include:" + bad + "\nloop: :include:" + fx.dir +
                                "/loop.inc\n");
        fx.write("loop.inc", "loop\n");
        auto r = fx.router();
        std::vector<std::string> trace;
        auto ts = r.expand("l", &trace);
        CHECK(summary(ts) == "mailbox:peter mailbox:mary program:/bin/cat");
        CHECK(ts[2].via == ":include:" + list + ":4");
        CHECK(lines(trace) == "l... aliased to :include:" + list + "\n:include:" + list + "... including file " + list + "\n");
        CHECK(summary(r.expand("missing")) ==
              "error::include:" + fx.dir + "/none(Cannot open " + fx.dir + "/none: No such file or directory/69)");
        CHECK(summary(r.expand("ww")) == "error::include:" + ww + "(Cannot open " + ww + ": World writable file/69)");
        CHECK(summary(r.expand("rel")) == "error::include:list.inc(include file name must be an absolute path/78)");
        CHECK(summary(r.expand("bad")) == "mailbox:peter error::include:" + bad + "(" + bad +
                                              ":2: unbalanced '\"' in \"\"unterminated\"/78)");
        CHECK(summary(r.expand("loop")) == "error:loop(aliasing/forwarding loop broken (loop -> :include:" + fx.dir +
                                               "/loop.inc -> loop) in :include:" + fx.dir + "/loop.inc:1/78)");
    }

    TEST_CASE(".forward files") {
        Fixture fx("fwdall: john, mary\n");
        std::string home = fx.dir + "/home/";
        fx.write("home/john/.forward", "# mine\n\"|/usr/bin/procmail -f-\", \\john\n");
        fx.write("home/mary/.forward", "peter\n", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_write);
        fx.write("home/peter/.forward", "\n# nothing\n");
        fx.write("home/tony/.forward", "tony, fwdall\n");
        auto r = fx.router();
        std::vector<std::string> trace;
        auto ts = r.expand("john", &trace);
        CHECK(summary(ts) == "program:/usr/bin/procmail -f- mailbox:john");
        CHECK(lines(trace) == "john... forwarded to \"|/usr/bin/procmail -f-\", \\john\n");
        CHECK(ts[0].user == "john");
        CHECK(ts[0].home == home + "john");
        CHECK(ts[0].via == ".forward of john (" + home + "john/.forward:2)");

        trace.clear();
        CHECK(summary(r.expand("mary", &trace)) == "mailbox:mary");
        CHECK(lines(trace) == "forward: " + home + "mary/.forward: Group writable file\n");
        CHECK(summary(r.expand("peter")) == "mailbox:peter");  // empty .forward: normal delivery
        // tony forwards to himself and to an alias that reaches john's .forward.
        CHECK(summary(r.expand("tony")) == "mailbox:tony program:/usr/bin/procmail -f- mailbox:john mailbox:mary");

        fx.write("home/peter/.forward", "john\n");
        fs::permissions(home + "peter", fs::perms::owner_all | fs::perms::others_write);
        trace.clear();
        CHECK(summary(r.expand("peter", &trace)) == "mailbox:peter");
        CHECK(lines(trace) == "forward: " + home + "peter/.forward: World writable directory\n");
    }

    TEST_CASE("ForwardPath with $w and $u, and depth option") {
        Fixture fx("");
        REQUIRE(fx.cfg.set("confFORWARD_PATH", "$z/.forward.$w:$z/.fwd-$u").ok());
        fx.write("home/john/.forward.test", "mary\n");
        fx.write("home/peter/.fwd-peter", "tony\n");
        auto r = fx.router();
        CHECK(summary(r.expand("john")) == "mailbox:mary");
        CHECK(summary(r.expand("peter")) == "mailbox:tony");
    }

    TEST_CASE("+detail: name+detail, then name+*, then name (sendmail 8)") {
        Fixture fx(
            "team-confirm: \"|/bin/confirm team\"\n"
            "team-bounces: \"|/bin/bounces team\"\n"
            "list+*: mary\n"
            "list: peter\n"
            "list+exact: john\n"
            "owner-list: john\n"
            "tony: tony+inbox, peter\n"
            "self: self+x\n"
            "fwd: team-confirm+fromalias\n");
        auto r = fx.router();
        struct Case {
            std::string in;
            std::string want;
            std::string detail;  // of the first target
        };
        const Case cases[] = {
            {"john+foo", "mailbox:john", "foo"},
            {"john+foo@test.example", "mailbox:john", "foo"},
            {"<JOHN+Foo@Test.Example>", "mailbox:john", "Foo"},
            {"john+a+b", "mailbox:john", "a+b"},
            {"john+", "mailbox:john", ""},
            {"john", "mailbox:john", ""},
            {"\\john+foo", "mailbox:john", "foo"},
            {"list+exact", "mailbox:john", ""},
            {"list+other", "mailbox:mary", "other"},
            {"list+", "mailbox:mary", ""},
            {"list", "mailbox:peter", ""},
            {"team-confirm+0123abcd@test.example", "program:/bin/confirm team", "0123abcd"},
            {"team-bounces+user=dom.example@test.example", "program:/bin/bounces team", "user=dom.example"},
            {"fwd", "program:/bin/confirm team", "fromalias"},
            {"pat+x", "mailbox:pat+x", ""},
            {"pat+y", "error:pat+y(User unknown/67)", ""},
            {"nobody+foo", "error:nobody+foo(User unknown/67)", ""},
            {"+foo", "error:+foo(User unknown/67)", ""},
            {"tony", "mailbox:tony mailbox:peter", "inbox"},
            {"self", "error:self+x(aliasing/forwarding loop broken (self -> self) in alias self (" + fx.dir +
                         "/aliases:8)/78)",
             "x"},
            {"bob+x@elsewhere.example", "remote:bob+x@elsewhere.example", ""},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            auto ts = r.expand(c.in);
            CHECK(summary(ts) == c.want);
            REQUIRE(!ts.empty());
            CHECK(ts[0].detail == c.detail);
        }

        // The target keeps the whole envelope recipient; owner-list owns list+*.
        auto ts = r.expand("team-confirm+0123abcd@test.example");
        REQUIRE(ts.size() == 1);
        CHECK(ts[0].original == "team-confirm+0123abcd@test.example");
        CHECK(ts[0].via == "alias team-confirm (" + fx.dir + "/aliases:1)");
        ts = r.expand("list+other");
        REQUIRE(ts.size() == 1);
        CHECK(ts[0].errors_to == "owner-list");
        CHECK(ts[0].via == "alias list+* (" + fx.dir + "/aliases:3)");
        // Only what the detail led to carries it: "tony+inbox" in tony's
        // alias gives tony's mailbox the detail, peter beside it has none.
        ts = r.expand("tony");
        REQUIRE(ts.size() == 2);
        CHECK(ts[1].detail == "");
    }

    TEST_CASE("+detail in a .forward: the user's own name with a detail is the mailbox") {
        Fixture fx("");
        fx.write("home/john/.forward", "john+archive, mary+copy\n");
        auto r = fx.router();
        auto ts = r.expand("john");
        CHECK(summary(ts) == "mailbox:john mailbox:mary");
        REQUIRE(ts.size() == 2);
        CHECK(ts[0].detail == "archive");
        CHECK(ts[1].detail == "copy");
    }

    TEST_CASE("system mode identity: alias file owner, DefaultUser") {
        Fixture fx("p: \"|/bin/true\"\n", false);
        REQUIRE(fx.cfg.set("confDEF_USER_ID", "1:1").ok());
        auto r = fx.router();
        auto ts = r.expand("p");
        REQUIRE(ts.size() == 1);
        // The aliases file is ours: run as us, or as DefaultUser when we are root.
        CHECK(ts[0].uid == (::getuid() == 0 ? 1u : ::getuid()));
        CHECK(ts[0].gid == (::getuid() == 0 ? 1u : ::getgid()));
        CHECK(r.warnings().size() == 1);  // the db was built on open
    }

    TEST_CASE("DefaultUser errors become warnings, never root") {
        Fixture fx("", false);
        REQUIRE(fx.cfg.set("confDEF_USER_ID", "0:0").ok());
        auto r = fx.router();
        bool warned = false;
        for (const auto& w : r.warnings()) warned |= w == "DefaultUser must not be root; using nobody (65534)";
        CHECK(warned);
    }
}
