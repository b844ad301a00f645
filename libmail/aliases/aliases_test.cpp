// aliases_test.cpp — unit tests for aliases(5) parsing, newaliases and AliasDb.
#include "libmail/aliases/aliases.h"

#include "libmail/config/config.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace mail::aliases;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        std::string t = (fs::temp_directory_path() / "aliastest.XXXXXX").string();
        path = ::mkdtemp(t.data());
    }
    ~TempDir() { fs::remove_all(path); }
    std::string write(const std::string& name, const std::string& text) const {
        std::string p = path + "/" + name;
        std::ofstream(p) << text;
        return p;
    }
};

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : "|") + x;
    return s;
}

void touch_later(const std::string& path, int seconds) {
    struct stat st {};
    ::stat(path.c_str(), &st);
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    ts[0].tv_sec += seconds;
    ts[1].tv_sec += seconds;
    ::utimensat(AT_FDCWD, path.c_str(), ts, 0);
}

}  // namespace

TEST_SUITE("aliases") {
    TEST_CASE("parse: syntax table") {
        struct Case {
            const char* text;
            const char* want;  // name=targets|targets;... for each entry
        };
        const Case cases[] = {
            {"allteam: john,peter,mary,tony\n", "allteam=john|peter|mary|tony"},
            {"AllTeam : john , peter\n", "allteam=john|peter"},
            {"a: john,\n  peter,\n\tmary\n", "a=john|peter|mary"},
            {"a: john, \\\npeter\n", "a=john|peter"},
            {"# comment\n\na: b\n# x\nc: d\n", "a=b;c=d"},
            {"a: john,\n   # peter,\n   mary\n", "a=john|mary"},
            {"a: john,\n   \n   mary\n", "a=john|mary"},
            {"prog: \"|/usr/bin/prog arg, more\"\n", "prog=|/usr/bin/prog arg, more"},
            {"p: |/bin/cat\n", "p=|/bin/cat"},
            {"f: \"/path with space/file\", /var/log/x\n", "f=/path with space/file|/var/log/x"},
            {"l: :include:/etc/mail/list\n", "l=:include:/etc/mail/list"},
            {"l: \":include: /etc/x y\"\n", "l=:include:/etc/x y"},
            {"n: \\john, joe@example.com\n", "n=\\john|joe@example.com"},
            {"a: John Doe <john@x.example>, <mary@y>\n", "a=john@x.example|mary@y"},
            {"a: \"john doe\"@x.example\n", "a=\"john doe\"@x.example"},
            {"a: \"|echo \\\"hi\\\"\"\n", "a=|echo \"hi\""},
            {"a: b\r\nc: d\r\n", "a=b;c=d"},
            {"a: b,,c,\n", "a=b|c"},
            {"", ""},
        };
        for (const auto& c : cases) {
            CAPTURE(c.text);
            auto r = parse(c.text, "aliases");
            REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
            std::string got;
            for (const auto& e : *r) got += (got.empty() ? "" : ";") + e.name + "=" + joined(e.targets);
            CHECK(got == c.want);
        }
    }

    TEST_CASE("parse: errors name file:line") {
        struct Case {
            const char* text;
            const char* want;  // all errors joined by |
        };
        const Case cases[] = {
            {"a: b\njohn peter\n", "/etc/aliases:2: missing colon in \"john peter\""},
            {": b\n", "/etc/aliases:1: empty alias name"},
            {"bad name: b\n", "/etc/aliases:1: illegal alias name \"bad name\""},
            {"a@x: b\n", "/etc/aliases:1: \"a@x\": cannot alias non-local names"},
            {"empty:\n", "/etc/aliases:1: missing value for alias \"empty\""},
            {"empty:   ,, \n", "/etc/aliases:1: missing value for alias \"empty\""},
            {"# c\n  stray\n  more\nok: x\n", "/etc/aliases:2: non-continuation line starts with space"},
            {"q: \"|/bin/cat\n", "/etc/aliases:1: unbalanced '\"' in \"\"|/bin/cat\""},
            {"q: <john\n", "/etc/aliases:1: unbalanced '<' in \"<john\""},
            {"q: john>\n", "/etc/aliases:1: unbalanced '>' in \"john>\""},
            {"q: |\n", "/etc/aliases:1: empty program after \"|\""},
            {"q: :include:\n", "/etc/aliases:1: empty :include: path"},
            {"q: john peter\n", "/etc/aliases:1: \"john peter\": separate targets with commas"},
            {"q: <>\n", "/etc/aliases:1: empty address in \"<>\""},
            {"a: b\nA: c\n", "/etc/aliases:2: duplicate alias \"a\" (first defined at line 1) ignored"},
            {"x\n  y\nz: w\n:q\n", "/etc/aliases:1: missing colon in \"x  y\"|/etc/aliases:4: empty alias name"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.text);
            Parsed p = parse_all(c.text, "/etc/aliases");
            CHECK(joined(p.errors) == c.want);
            auto strict = parse(c.text, "/etc/aliases");
            REQUIRE_FALSE(strict.ok());
            CHECK(strict.error().exit_code == EX_DATAERR);
            CHECK(strict.error().message == p.errors.front());
        }
        // The good entries survive the bad ones.
        Parsed p = parse_all("a: b\nbroken\nc: d\n", "f");
        REQUIRE(p.entries.size() == 2);
        CHECK(p.entries[1].name == "c");
        CHECK(p.entries[1].line == 3);
    }

    TEST_CASE("newaliases summary counts like sendmail") {
        TempDir d;
        // names: postmaster(10) mailer-daemon(13) abuse(5) allteam(7) root(4) list(4) = 43
        // rhs:   root(4) postmaster(10) root(4) "john,peter,mary,tony"(20)
        //        "john"(4) "john,\n  peter" joined -> "john,  peter"(12) = 54, longest 20
        std::string src = d.write("aliases",
                                  "# test\npostmaster: root\nMAILER-DAEMON: postmaster\nabuse: root\n"
                                  "allteam: john,peter,mary,tony\nroot: john\nlist: john,\n  peter\n");
        Rebuilt r = rebuild_file(src);
        CHECK(r.exit_code == 0);
        CHECK(joined(r.errors) == "");
        REQUIRE(r.summary.size() == 1);
        CHECK(r.summary[0] == src + ": 6 aliases, longest 20 bytes, 97 bytes total");
        CHECK_FALSE(stale(src));

        auto db = AliasDb::open_files({src}, false);
        CHECK(db.warnings().empty());
        auto e = db.lookup("ALLTEAM");
        REQUIRE(e);
        CHECK(joined(e->targets) == "john|peter|mary|tony");
        CHECK(e->file == src);
        CHECK(e->line == 5);
        CHECK(db.lookup("list")->rhs == "john,  peter");
        CHECK_FALSE(db.lookup("nobody"));
    }

    TEST_CASE("newaliases with bad lines: good ones compiled, exit 65") {
        TempDir d;
        std::string src = d.write("aliases", "a: b\nnocolon\nc: d\n");
        Rebuilt r = rebuild_file(src);
        CHECK(r.exit_code == EX_DATAERR);
        CHECK(joined(r.errors) == src + ":2: missing colon in \"nocolon\"");
        CHECK(joined(r.summary) == src + ": 2 aliases, longest 1 bytes, 4 bytes total");

        Rebuilt missing = rebuild_file(d.path + "/none");
        CHECK(missing.exit_code == EX_NOINPUT);
        CHECK(joined(missing.errors) == d.path + "/none: No such file or directory");

        mail::config::Config cfg;
        REQUIRE(cfg.set("ALIAS_FILE", src).ok());
        Rebuilt viacfg = rebuild(cfg);
        CHECK(viacfg.exit_code == EX_DATAERR);
        CHECK(viacfg.summary.size() == 1);
    }

    TEST_CASE("staleness: rebuilt when allowed, warned otherwise") {
        TempDir d;
        std::string src = d.write("aliases", "a: old\n");
        CHECK(stale(src));  // no db yet
        {
            auto db = AliasDb::open_files({src}, true);  // builds it
            REQUIRE(db.warnings().size() == 1);
            CHECK(db.warnings()[0] == "rebuilt alias database " + src + ".db: " + src +
                                          ": 1 aliases, longest 3 bytes, 4 bytes total");
            CHECK(db.lookup("a")->targets[0] == "old");
        }
        CHECK_FALSE(stale(src));
        d.write("aliases", "a: new\n");
        touch_later(src, 5);
        CHECK(stale(src));
        {
            auto db = AliasDb::open_files({src}, false);
            CHECK(joined(db.warnings()) == "Warning: alias database " + src + ".db out of date");
            CHECK(db.lookup("a")->targets[0] == "old");  // old db still used
        }
        {
            auto db = AliasDb::open_files({src}, true);
            CHECK(db.lookup("a")->targets[0] == "new");
        }
        CHECK_FALSE(stale(src));
    }

    TEST_CASE("no db and no right to build: parse the source") {
        TempDir d;
        std::string src = d.write("aliases", "a: b\nbad\n");
        auto db = AliasDb::open_files({src}, false);
        CHECK(joined(db.warnings()) == src + ":2: missing colon in \"bad\"");
        auto e = db.lookup("A");
        REQUIRE(e);
        CHECK(e->line == 1);
        auto none = AliasDb::open_files({d.path + "/missing"}, true);
        CHECK(joined(none.warnings()) == "cannot open alias file " + d.path + "/missing: No such file or directory");
        CHECK_FALSE(none.lookup("a"));
    }

    TEST_CASE("several files: the first definition wins") {
        TempDir d;
        std::string one = d.write("one", "a: from-one\n");
        std::string two = d.write("two", "a: from-two\nb: only-two\n");
        auto db = AliasDb::open_files({one, two}, true);
        CHECK(db.lookup("a")->targets[0] == "from-one");
        CHECK(db.lookup("b")->file == two);
    }
}
