// store_test.cpp — unit tests for listman's settings and database.
#include "lists/store/store.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

namespace fs = std::filesystem;
using namespace mail::lists;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/mailroom-lists-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path); }
};

Store open_store(const TempDir& d) {
    auto s = Store::open(d.path.string());
    REQUIRE(s.ok());
    return std::move(*s);
}

Store with_list(const TempDir& d, const char* name = "team") {
    Store s = open_store(d);
    Settings set = defaults(name, "lists.example.org");
    set.created = 1000;
    REQUIRE(s.create_list(set).ok());
    return s;
}

}  // namespace

TEST_SUITE("lists.store") {
    TEST_CASE("list names") {
        struct Case {
            const char* name;
            bool ok;
        };
        for (Case c : {Case{"team", true}, Case{"a", true}, Case{"dev-team.2", true}, Case{"x_y", true},
                       Case{"", false}, Case{"Team", false}, Case{"-team", false}, Case{".team", false},
                       Case{"team;rm -rf", false}, Case{"te am", false}, Case{"team|x", false}, Case{"team`x`", false},
                       Case{"team$x", false}, Case{"../etc", false}, Case{"team/x", false},
                       Case{"team-request", false}, Case{"team-bounces", false}, Case{"team-owner", false},
                       Case{"team\nx", false}}) {
            CAPTURE(c.name);
            CHECK(check_list_name(c.name).ok() == c.ok);
        }
        CHECK(check_list_name(std::string(64, 'a')).ok());
        CHECK_FALSE(check_list_name(std::string(65, 'a')).ok());
        CHECK(check_list_name("Bad;name").error().exit_code == EX_USAGE);
    }

    TEST_CASE("settings: defaults, validation, text round trip") {
        Settings s = defaults("team", "h.example");
        CHECK(s.subscribe_policy == "confirm");
        CHECK(s.post_policy == "members");
        CHECK(s.max_message_size == 40960);
        CHECK(s.prefix_or_default() == "[team] ");
        CHECK(s.address() == "team@h.example");
        CHECK(s.suffixed("request") == "team-request@h.example");
        CHECK(s.list_id() == "team.h.example");
        CHECK(s.set("post_policy", "moderated").ok());
        CHECK(s.post_policy == "moderated");
        CHECK(s.set("post_policy", "everyone").error().message ==
              "post_policy: \"everyone\" is not one of members|open|moderated|announce");
        CHECK(s.set("max_recipients", "12x").error().message == "max_recipients: \"12x\" is not a number in 0..100000");
        CHECK_FALSE(s.set("max_recipients", "-1").ok());
        CHECK(s.set("nosuch", "1").error().message == "unknown list option \"nosuch\"");
        CHECK_FALSE(s.set("description", "two\nlines").ok());
        CHECK(s.set("footer", "two\nlines").ok());
        CHECK_FALSE(s.set("footer", "cr\rhere").ok());
        CHECK_FALSE(s.set("reply_to_address", "not an address").ok());
        CHECK(s.set("reply_to_address", "Someone <x@y.example>").ok());
        CHECK(s.reply_to_address == "x@y.example");
        CHECK(s.set("subject_prefix", "none").ok());
        CHECK(s.prefix_or_default().empty());
        for (const auto& row : k_list_options) {
            CAPTURE(row.name);
            auto v = s.get(row.name);
            REQUIRE(v.ok());
            Settings t = defaults("team", "h.example");
            CHECK(t.set(row.name, *v).ok());
            CHECK(*t.get(row.name) == *v);
        }
    }

    TEST_CASE("lists: create, find, settings persist, duplicate, remove") {
        TempDir d;
        Store s = with_list(d);
        auto again = s.create_list(defaults("team", "x"));
        REQUIRE_FALSE(again.ok());
        CHECK(again.error().message == "list team already exists");
        auto found = s.find_list("team");
        REQUIRE(found.ok());
        REQUIRE(found->has_value());
        CHECK((*found)->host == "lists.example.org");
        CHECK((*found)->created == 1000);
        Settings changed = **found;
        REQUIRE(changed.set("verp", "yes").ok());
        REQUIRE(s.save_settings(changed).ok());
        CHECK((*s.find_list("team"))->verp);
        CHECK_FALSE(s.find_list("other")->has_value());
        REQUIRE(s.add_member("team", Member{"a@x.example", "A <a@x.example>", 1}).ok());
        REQUIRE(s.remove_list("team").ok());
        CHECK_FALSE(s.find_list("team")->has_value());
        CHECK(*s.count_members("team") == 0);
    }

    TEST_CASE("members: keyed in lower case, updates, iteration in order") {
        TempDir d;
        Store s = with_list(d);
        CHECK(*s.add_member("team", Member{"Tony@Example.ORG", "Tony@Example.ORG", 5}));
        CHECK_FALSE(*s.add_member("team", Member{"tony@example.org", "", 6}));
        CHECK(*s.add_member("team", Member{"amy@example.org", "", 7}));
        auto m = s.find_member("team", "TONY@example.org");
        REQUIRE(m.ok());
        REQUIRE(m->has_value());
        CHECK((*m)->display == "Tony@Example.ORG");
        CHECK((*m)->joined == 5);
        Member u = **m;
        u.digest = true;
        u.disabled = 99;
        REQUIRE(s.update_member("team", u).ok());
        CHECK((*s.find_member("team", "tony@example.org"))->digest);
        CHECK((*s.find_member("team", "tony@example.org"))->disabled == 99);
        std::vector<std::string> seen;
        REQUIRE(s.for_each_member("team", [&](const Member& x) {
                     seen.push_back(x.address);
                     return true;
                 }).ok());
        CHECK(seen == std::vector<std::string>{"amy@example.org", "tony@example.org"});
        CHECK(*s.count_members("team") == 2);
        CHECK(*s.remove_member("team", "Amy@example.org"));
        CHECK_FALSE(*s.remove_member("team", "amy@example.org"));
        CHECK(*s.count_members("team") == 1);
    }

    TEST_CASE("owners and moderators") {
        TempDir d;
        Store s = with_list(d);
        REQUIRE(s.add_owner("team", "Boss@Example.org", "owner").ok());
        REQUIRE(s.add_owner("team", "mod@example.org", "moderator").ok());
        CHECK(*s.is_owner("team", "boss@example.org", false));
        CHECK_FALSE(*s.is_owner("team", "mod@example.org", false));
        CHECK(*s.is_owner("team", "mod@example.org", true));
        CHECK_FALSE(*s.is_owner("team", "x@example.org", true));
        auto o = s.owners("team");
        REQUIRE(o.ok());
        CHECK(o->size() == 2);
        CHECK((*o)[0].first == "boss@example.org");
        CHECK(*s.remove_owner("team", "mod@example.org"));
        CHECK(s.owners("team")->size() == 1);
    }

    TEST_CASE("tokens: 128 random bits, stored hashed, single use, expiry") {
        TempDir d;
        Store s = with_list(d);
        auto t1 = new_token();
        auto t2 = new_token();
        REQUIRE(t1.ok());
        CHECK(looks_like_token(*t1));
        CHECK(*t1 != *t2);
        CHECK_FALSE(looks_like_token("0123456789abcdef0123456789ABCDEF"));
        CHECK_FALSE(looks_like_token("0123"));
        CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

        Pending p{"team", "Tony@example.org", Action::Subscribe, "tony@example.org", 100, 100 + 3 * 86400};
        auto tok = s.create_pending(p);
        REQUIRE(tok.ok());
        // The token itself is nowhere in the database file.
        s = open_store(d);
        {
            std::string dbtext;
            for (const char* f : {"lists.db", "lists.db-wal"}) {
                FILE* fp = fopen((d.path / f).c_str(), "rb");
                if (!fp) continue;
                char buf[65536];
                size_t n;
                while ((n = fread(buf, 1, sizeof buf, fp)) > 0) dbtext.append(buf, n);
                fclose(fp);
            }
            CHECK(dbtext.find(*tok) == std::string::npos);
            CHECK(dbtext.find(sha256_hex(*tok)) != std::string::npos);
        }
        auto pend = s.find_pending("team", "tony@EXAMPLE.org", Action::Subscribe, 200);
        REQUIRE(pend.ok());
        CHECK(pend->has_value());
        CHECK_FALSE(s.find_pending("team", "tony@example.org", Action::Unsubscribe, 200)->has_value());
        CHECK_FALSE(s.find_pending("team", "tony@example.org", Action::Subscribe, 100 + 3 * 86400)->has_value());

        auto peek = s.peek_token(*tok, 200);
        REQUIRE(peek.ok());
        CHECK(peek->first == TokenState::Valid);
        CHECK(peek->second.address == "tony@example.org");
        auto expired = s.take_token(*tok, 100 + 3 * 86400);
        CHECK(expired->first == TokenState::Expired);
        auto taken = s.take_token(*tok, 200);
        CHECK(taken->first == TokenState::Valid);
        CHECK(taken->second.action == Action::Subscribe);
        CHECK(s.take_token(*tok, 200)->first == TokenState::Unknown);  // used once
        std::string forged = *tok;
        forged[0] = forged[0] == 'a' ? 'b' : 'a';
        CHECK(s.take_token(forged, 200)->first == TokenState::Unknown);
        CHECK(s.take_token("'; DROP TABLE pending; --", 200)->first == TokenState::Unknown);

        auto tok2 = s.create_pending(p);
        REQUIRE(s.expire_pending(100 + 3 * 86400).ok());
        CHECK(s.peek_token(*tok2, 200)->first == TokenState::Unknown);
    }

    TEST_CASE("held posts and their tokens") {
        TempDir d;
        Store s = with_list(d);
        Held h{0, "team", "x@y.example", "hello", "nonmember", 50, "Subject: hello\n\nbody\n"};
        auto id = s.hold(h);
        REQUIRE(id.ok());
        Pending p{"team", "x@y.example", Action::Held, "", 50, 50 + 14 * 86400, *id};
        auto tok = s.create_pending(p);
        REQUIRE(tok.ok());
        auto got = s.find_held("team", *id);
        REQUIRE(got->has_value());
        CHECK((*got)->message == h.message);
        CHECK(s.held("team")->size() == 1);
        CHECK((*s.held("team"))[0].message.empty());
        CHECK_FALSE(s.find_held("other", *id)->has_value());
        CHECK(*s.remove_held("team", *id));
        CHECK(s.peek_token(*tok, 60)->first == TokenState::Unknown);  // its token went with it
        CHECK_FALSE(*s.remove_held("team", *id));
    }

    TEST_CASE("posts: sequence numbers, fan-out progress, digests") {
        TempDir d;
        Store s = with_list(d);
        Post p;
        p.list = "team";
        p.message_id = "<1@x>";
        p.subject = "one";
        REQUIRE(*s.add_post(p, "Subject: one\n\n1\n") == 1);
        Post q = p;
        q.message_id = "<2@x>";
        REQUIRE(*s.add_post(q, "Subject: two\n\n2\n") == 2);
        CHECK(*s.post_message("team", 2) == "Subject: two\n\n2\n");
        CHECK_FALSE(s.post_message("team", 3).ok());
        CHECK(s.unfinished_posts(1)->size() == 2);
        REQUIRE(s.set_fanout("team", 1, 500, false, 100).ok());
        CHECK(s.unfinished_posts(100)->size() == 1);  // post 1 made progress at 100: not idle
        CHECK((*s.unfinished_posts(101))[0].fanout_done == 500);
        REQUIRE(s.set_fanout("team", 1, 900, true, 102).ok());
        CHECK(s.unfinished_posts(1000)->size() == 1);
        CHECK(s.posts("team", true)->size() == 2);
        REQUIRE(s.mark_digested("team", 1).ok());
        CHECK(s.posts("team", true)->size() == 1);
        CHECK(s.posts("team", false)->size() == 2);
        Post r;
        r.list = "nosuch";
        CHECK(s.add_post(r, "x").error().exit_code == EX_NOUSER);
    }

    TEST_CASE("bounces: one per day, the heavier kept, set-aside posts, mass bounces") {
        TempDir d;
        Store s = with_list(d);
        REQUIRE(s.record_bounce("team", "a@x", 10, 1, "p1").ok());
        REQUIRE(s.record_bounce("team", "a@x", 10, 2, "p1").ok());
        REQUIRE(s.record_bounce("team", "a@x", 10, 1, "p2").ok());  // lighter: ignored
        REQUIRE(s.record_bounce("team", "a@x", 11, 2, "p2").ok());
        REQUIRE(s.record_bounce("team", "a@x", 12, 1, "").ok());
        CHECK(*s.bounce_score("team", "A@x", 0, {}) == 5);
        CHECK(*s.bounce_score("team", "a@x", 11, {}) == 3);
        CHECK(*s.bounce_score("team", "a@x", 0, {"p2"}) == 3);
        REQUIRE(s.record_bounce("team", "b@x", 11, 2, "p2").ok());
        REQUIRE(s.record_bounce("team", "c@x", 11, 2, "p2").ok());
        CHECK(*s.bouncers_of("team", "p2") == 3);
        CHECK(*s.mass_bounced_posts("team", 3) == std::vector<std::string>{"p2"});
        CHECK(s.mass_bounced_posts("team", 4)->empty());
        REQUIRE(s.clear_bounces("team", "a@x").ok());
        CHECK(*s.bounce_score("team", "a@x", 0, {}) == 0);
    }

    TEST_CASE("autoresponse counts per sender and day") {
        TempDir d;
        Store s = with_list(d);
        CHECK(*s.count_autoresponse("team", "X@y", 100) == 1);
        CHECK(*s.count_autoresponse("team", "x@y", 100) == 2);
        CHECK(*s.count_autoresponse("team", "z@y", 100) == 1);
        CHECK(*s.count_autoresponse("team", "x@y", 101) == 1);
        CHECK(*s.count_autoresponse("other", "x@y", 101) == 1);
    }

    TEST_CASE("a missing directory is a configuration error") {
        auto s = Store::open("/nonexistent/mailroom/lists");
        REQUIRE_FALSE(s.ok());
        CHECK(s.error().exit_code == EX_CONFIG);
    }
}
