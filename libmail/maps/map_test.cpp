// map_test.cpp — unit tests for SQLite maps and makemap's text format.
#include "libmail/maps/map.h"
#include "libmail/maps/text.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace mail::maps;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        std::string t = (fs::temp_directory_path() / "maptest.XXXXXX").string();
        path = ::mkdtemp(t.data());
    }
    ~TempDir() { fs::remove_all(path); }
    std::string file(const std::string& name) const { return path + "/" + name; }
};

}  // namespace

TEST_SUITE("maps") {
    TEST_CASE("build and lookup, case folding") {
        TempDir d;
        std::string db = d.file("access.db");
        auto st = build(db, std::vector<std::pair<std::string, std::string>>{
                                {"Connect:1.2.3.4", "RELAY"}, {"From:spammer@x", "\"550 go away\""}});
        REQUIRE(st.ok());
        CHECK(st->entries == 2);
        CHECK(st->longest == 13);
        CHECK(st->total == 15 + 5 + 14 + 13);
        auto m = Map::open(db);
        REQUIRE(m.ok());
        struct Case {
            const char* key;
            std::optional<std::string> want;
        };
        const Case cases[] = {
            {"connect:1.2.3.4", "RELAY"},
            {"CONNECT:1.2.3.4", "RELAY"},
            {"From:SPAMMER@X", "\"550 go away\""},
            {"From:other", std::nullopt},
            {"", std::nullopt},
        };
        for (const auto& c : cases) {
            CAPTURE(c.key);
            auto got = m->lookup(c.key);
            REQUIRE(got.ok());
            CHECK(*got == c.want);
        }
        CHECK(m->meta("format") == "1");
        CHECK(m->meta("fold_case") == "1");
        CHECK(m->fold_case());
    }

    TEST_CASE("fold_case off keeps keys exact") {
        TempDir d;
        BuildOptions o;
        o.fold_case = false;
        REQUIRE(build(d.file("m.db"), std::vector<std::pair<std::string, std::string>>{{"Key", "v"}}, o).ok());
        auto m = Map::open(d.file("m.db"));
        REQUIRE(m.ok());
        CHECK(m->lookup("Key")->value() == "v");
        CHECK_FALSE(m->lookup("key")->has_value());
        CHECK(m->meta("fold_case") == "0");
    }

    TEST_CASE("duplicates: error, keep first, replace") {
        TempDir d;
        std::vector<Record> recs = {{"a", "1", "src", 1}, {"B", "2", "src", 2}, {"b", "3", "src", 3}};
        BuildOptions o;
        auto err = build(d.file("m.db"), recs, o);
        REQUIRE_FALSE(err.ok());
        CHECK(err.error().message == "src:3: duplicate key \"b\"");
        CHECK(err.error().exit_code == EX_DATAERR);
        CHECK_FALSE(fs::exists(d.file("m.db")));
        CHECK(fs::is_empty(d.path));  // no stray temporary

        o.duplicates = Duplicates::KeepFirst;
        REQUIRE(build(d.file("m.db"), recs, o).ok());
        CHECK(Map::open(d.file("m.db"))->lookup("b")->value() == "2");
        o.duplicates = Duplicates::Replace;
        REQUIRE(build(d.file("m.db"), recs, o).ok());
        auto m = Map::open(d.file("m.db"));
        CHECK(m->lookup("b")->value() == "3");
        auto org = m->origin("B");
        REQUIRE(org);
        CHECK(org->file == "src");
        CHECK(org->line == 3);
    }

    TEST_CASE("atomic replace: an open reader keeps the old version") {
        TempDir d;
        std::string db = d.file("m.db");
        REQUIRE(build(db, std::vector<std::pair<std::string, std::string>>{{"k", "old"}}).ok());
        auto old = Map::open(db);
        REQUIRE(old.ok());
        CHECK(old->lookup("k")->value() == "old");
        CHECK_FALSE(old->replaced_on_disk());
        REQUIRE(build(db, std::vector<std::pair<std::string, std::string>>{{"k", "new"}, {"j", "x"}}).ok());
        CHECK(old->lookup("k")->value() == "old");
        CHECK_FALSE(old->lookup("j")->has_value());
        CHECK(old->replaced_on_disk());
        auto fresh = Map::open(db);
        CHECK(fresh->lookup("k")->value() == "new");
        // Only the map itself remains in the directory.
        int n = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(d.path)) ++n;
        CHECK(n == 1);
        Map moved = std::move(*fresh);
        CHECK(moved.lookup("j")->value() == "x");
    }

    TEST_CASE("open errors") {
        TempDir d;
        auto missing = Map::open(d.file("none.db"));
        REQUIRE_FALSE(missing.ok());
        CHECK(missing.error().exit_code == EX_NOINPUT);
        std::ofstream(d.file("junk.db")) << "this is not sqlite at all, just text\n";
        auto junk = Map::open(d.file("junk.db"));
        REQUIRE_FALSE(junk.ok());
        CHECK(junk.error().exit_code == EX_DATAERR);
        auto nodir = build(d.file("no/such/dir/m.db"), std::vector<std::pair<std::string, std::string>>{{"a", "b"}});
        REQUIRE_FALSE(nodir.ok());
        CHECK(nodir.error().exit_code == EX_CANTCREAT);
    }

    TEST_CASE("paths with URI characters") {
        TempDir d;
        std::string db = d.file("we?ird#100%.db");
        REQUIRE(build(db, std::vector<std::pair<std::string, std::string>>{{"a", "b"}}).ok());
        auto m = Map::open(db);
        REQUIRE(m.ok());
        CHECK(m->lookup("a")->value() == "b");
    }

    TEST_CASE("db_file_name and types") {
        CHECK(db_file_name("/etc/mail/access") == "/etc/mail/access.db");
        CHECK(db_file_name("/etc/mail/access.db") == "/etc/mail/access.db");
        CHECK(known_type("hash"));
        CHECK(known_type("sqlite"));
        CHECK_FALSE(known_type("cdb"));
    }

    TEST_CASE("parse_text") {
        struct Case {
            const char* input;
            TextOptions opts;
            std::vector<std::pair<std::string, std::string>> want;
            std::vector<std::string> errors;  // "line: text"
        };
        const Case cases[] = {
            {"Connect:1.2.3.4 RELAY\n", {}, {{"Connect:1.2.3.4", "RELAY"}}, {}},
            {"From:x\t \"550 5.7.1 go  away\"\r\n", {}, {{"From:x", "\"550 5.7.1 go  away\""}}, {}},
            {"AuthInfo:host \"U:root\" \"I:user\" \"P:secret\"", {},
             {{"AuthInfo:host", "\"U:root\" \"I:user\" \"P:secret\""}}, {}},
            {".example.com smtp:[mail.example.com]\n", {}, {{".example.com", "smtp:[mail.example.com]"}}, {}},
            {"# comment\n\n@dom.example\terror:nouser No such user\n", {},
             {{"@dom.example", "error:nouser No such user"}}, {}},
            {"lonely\n", {}, {}, {"1: no RHS for LHS lonely"}},
            {"lonely  \n", {}, {}, {"1: no RHS for LHS lonely"}},
            {"lonely\n", {'\0', '#', true}, {{"lonely", ""}}, {}},
            {" lead value\n", {}, {}, {"1: syntax error (leading space)"}},
            {"a:b c\n", {':', '#', false}, {{"a", "b c"}}, {}},
            {"%c\nk v\n", {'\0', '%', false}, {{"k", "v"}}, {}},
        };
        for (const auto& c : cases) {
            CAPTURE(c.input);
            ParsedText p = parse_text(c.input, "src", c.opts);
            std::vector<std::pair<std::string, std::string>> got;
            for (const auto& r : p.records) got.emplace_back(r.key, r.value);
            CHECK(got == c.want);
            std::vector<std::string> errs;
            for (const auto& e : p.errors) errs.push_back(std::to_string(e.line) + ": " + e.text);
            CHECK(errs == c.errors);
        }
    }

    TEST_CASE("run_makemap: build, dump, errors, append") {
        TempDir d;
        MakemapArgs a;
        a.type = "hash";
        a.name = d.file("access");
        auto r = run_makemap(a, "Connect:10.0.0.1 RELAY\nFrom:A@B REJECT\nbad\nfrom:a@b OK\n");
        CHECK(r.exit_code == EX_DATAERR);
        CHECK(r.err == "makemap: " + a.name + ": line 3: no RHS for LHS bad\n"
                       "makemap: " + a.name + ": line 4: key from:a@b: duplicate key\n");
        a.dump = true;
        r = run_makemap(a, "");
        CHECK(r.exit_code == 0);
        CHECK(r.out == "connect:10.0.0.1\tRELAY\nfrom:a@b\tREJECT\n");

        a.dump = false;
        a.append = true;
        a.replace = true;
        r = run_makemap(a, "from:a@b OK\nTo:x RELAY\n");
        CHECK(r.exit_code == 0);
        a.dump = true;
        r = run_makemap(a, "");
        CHECK(r.out == "connect:10.0.0.1\tRELAY\nfrom:a@b\tOK\nto:x\tRELAY\n");

        MakemapArgs bad;
        bad.type = "cdb";
        bad.name = d.file("x");
        r = run_makemap(bad, "");
        CHECK(r.exit_code == EX_USAGE);
        CHECK(r.err == "makemap: unknown database type cdb (makemap -l lists the types)\n");

        MakemapArgs list;
        list.list_types = true;
        CHECK(run_makemap(list, "").out == "hash\nbtree\ndbm\nsqlite\n");
    }
}
