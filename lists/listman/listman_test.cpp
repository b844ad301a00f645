// listman_test.cpp — listman's entry points and actions, run in-process
// with a temporary database, a fixed clock, a fake DNS and a Mailer that
// records what would go to sendmail (docs/lists.md).  The end-to-end runs
// through the real MTA are tests/lists/test_listman_*.sh.
#include "libmail/dns/resolver.h"
#include "libmail/message/header.h"
#include "lists/listman/actions.h"
#include "lists/listman/admin.h"
#include "lists/listman/entry.h"
#include "lists/post/post.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

namespace fs = std::filesystem;
using namespace mail;
using namespace mail::lists;

namespace {

struct Sent {
    Envelope env;
    std::string text;
};

class RecordingMailer : public Mailer {
public:
    std::vector<Sent>* log;
    int fail_after = -1;  // fail the call after this many successes
    explicit RecordingMailer(std::vector<Sent>* l) : log(l) {}
    Status send(const Envelope& env, std::string_view message) override {
        if (fail_after == 0) return make_error(EX_TEMPFAIL, "sendmail exited with 75");
        if (fail_after > 0) --fail_after;
        log->push_back({env, std::string(message)});
        return {};
    }
};

struct Fixture {
    fs::path dir;
    App app;
    std::vector<Sent> sent;
    std::time_t t = 1'800'000'000;
    RecordingMailer* mailer = nullptr;
    dns::FakeResolver* dns = nullptr;

    Fixture() {
        char tmpl[] = "/tmp/mailroom-listman-XXXXXX";
        dir = mkdtemp(tmpl);
        auto cfg = config::parse_mc("define(`confDOMAIN_NAME', `lists.example.org')dnl\n", (dir / "sendmail.mc").string());
        REQUIRE(cfg.ok());
        app.cfg = std::move(*cfg);
        app.lists_dir = dir.string();
        app.default_host = "lists.example.org";
        app.listman_path = "/usr/sbin/listman";
        auto store = Store::open(app.lists_dir);
        REQUIRE(store.ok());
        app.store = std::make_unique<Store>(std::move(*store));
        auto m = std::make_unique<RecordingMailer>(&sent);
        mailer = m.get();
        app.mailer = std::move(m);
        auto r = std::make_unique<dns::FakeResolver>();
        dns = r.get();
        app.resolver = std::move(r);
        app.clock = [this] { return t; };
        admin::Output o;
        admin::CreateArgs c;
        c.list = "team";
        c.owners = {"boss@example.org"};
        c.moderators = {"mod@example.org"};
        REQUIRE(admin::create(app, c, o) == 0);
        REQUIRE(app.store->add_member("team", Member{"amy@example.org", "amy@example.org", t}).ok());
    }
    ~Fixture() { fs::remove_all(dir); }

    Settings list() { return *need_list(app, "team"); }
    int deliver(std::string_view entry, std::string message, std::string sender, std::string rcpt = "") {
        return run_entry(app, entry, "team", Delivery{std::move(message), std::move(sender), std::move(rcpt)});
    }
    // The messages sent to `to`.
    std::vector<std::string> to(std::string_view who) {
        std::vector<std::string> out;
        for (const auto& s : sent)
            for (const auto& r : s.env.recipients)
                if (r == who) out.push_back(s.text);
        return out;
    }
    // The token of the newest confirmation sent to `who`.
    std::string last_token_for(std::string_view who) {
        auto msgs = to(who);
        std::smatch m;
        for (auto it = msgs.rbegin(); it != msgs.rend(); ++it)
            if (std::regex_search(*it, m, std::regex("Subject: confirm ([0-9a-f]{32})"))) return m[1];
        FAIL("no confirmation was sent to " << who);
        return "";
    }
};

std::string mail_from(std::string_view from, std::string_view subject, std::string_view body = "",
                      std::string_view extra = "") {
    return fmt::format("From: {}\nTo: team-request@lists.example.org\nSubject: {}\nMessage-ID: <{}@x>\n{}\n{}\n", from,
                       subject, subject.size(), extra, body);
}

bool member(Fixture& f, std::string_view a) { return f.app.store->find_member("team", a)->has_value(); }

}  // namespace

TEST_SUITE("lists.listman") {
    TEST_CASE("create prints Mailman's alias block; bad names never reach it") {
        Fixture f;
        std::string block = admin::alias_block(f.app, "team");
        CHECK(block ==
              "## team mailing list\n"
              "team:              \"|/usr/sbin/listman post team\"\n"
              "team-bounces:      \"|/usr/sbin/listman bounces team\"\n"
              "team-confirm:      \"|/usr/sbin/listman confirm team\"\n"
              "team-join:         \"|/usr/sbin/listman join team\"\n"
              "team-leave:        \"|/usr/sbin/listman leave team\"\n"
              "team-owner:        \"|/usr/sbin/listman owner team\"\n"
              "team-request:      \"|/usr/sbin/listman request team\"\n"
              "team-subscribe:    \"|/usr/sbin/listman subscribe team\"\n"
              "team-unsubscribe:  \"|/usr/sbin/listman unsubscribe team\"\n");
        for (const char* bad : {"a;rm -rf /", "x|y", "$(id)", "`id`", "a b", "../x", "UPPER", "x\ny"}) {
            CAPTURE(bad);
            admin::Output o;
            admin::CreateArgs c;
            c.list = bad;
            CHECK(admin::create(f.app, c, o) == EX_USAGE);
            CHECK(o.out.empty());
            CHECK(o.err.find("invalid list name") != std::string::npos);
            CHECK(run_entry(f.app, "post", bad, Delivery{"From: a@b\n\nx\n", "a@b", ""}) == EX_USAGE);
        }
        CHECK(f.deliver("post", "x", "a@b") != 0);
        CHECK(run_entry(f.app, "post", "nosuch", Delivery{"From: a@b\n\nx\n", "a@b", ""}) == EX_NOUSER);
    }

    TEST_CASE("aliases file: block added once, replaced, removed") {
        Fixture f;
        std::string path = (f.dir / "aliases").string();
        {
            FILE* fp = fopen(path.c_str(), "w");
            fputs("root: john\n", fp);
            fclose(fp);
        }
        REQUIRE(admin::edit_aliases_file(f.app, path, "team", false).ok());
        REQUIRE(admin::edit_aliases_file(f.app, path, "team", false).ok());
        REQUIRE(admin::edit_aliases_file(f.app, path, "dev", false).ok());
        std::ifstream in(path);
        std::string text((std::istreambuf_iterator<char>(in)), {});
        CHECK(text.rfind("root: john\n\n## team mailing list\n", 0) == 0);
        size_t first = text.find("## team mailing list");
        CHECK(text.find("## team mailing list", first + 1) == std::string::npos);
        CHECK(text.find("## dev mailing list") != std::string::npos);
        REQUIRE(admin::edit_aliases_file(f.app, path, "team", true).ok());
        std::ifstream in2(path);
        std::string text2((std::istreambuf_iterator<char>(in2)), {});
        CHECK(text2.find("team") == std::string::npos);
        CHECK(text2.find("## dev mailing list") != std::string::npos);
        CHECK(text2.rfind("root: john\n", 0) == 0);
    }

    TEST_CASE("double opt-in: one pending confirmation however often it is asked for") {
        Fixture f;
        for (int i = 0; i < 5; ++i) CHECK(f.deliver("request", mail_from("tony@example.com", "subscribe"), "tony@example.com") == 0);
        auto to_tony = f.to("tony@example.com");
        int confirmations = 0;
        for (const auto& m : to_tony) confirmations += m.find("Subject: confirm ") != std::string::npos;
        CHECK(confirmations == 1);
        CHECK_FALSE(member(f, "tony@example.com"));
        // Someone else asking for tony: still no second confirmation.
        CHECK(f.deliver("request", mail_from("mallory@evil.example", "subscribe address=tony@example.com"), "m@evil.example") == 0);
        confirmations = 0;
        for (const auto& m : f.to("tony@example.com")) confirmations += m.find("Subject: confirm ") != std::string::npos;
        CHECK(confirmations == 1);
        auto to_mallory = f.to("mallory@evil.example");
        REQUIRE(!to_mallory.empty());
        CHECK(to_mallory.back().find("already pending") != std::string::npos);
        // The confirmation itself.
        const std::string c = f.to("tony@example.com")[0];
        CHECK(c.find("Reply-To: team-confirm+") != std::string::npos);
        CHECK(c.find("From: team-request@lists.example.org") != std::string::npos);
        CHECK(c.find("Auto-Submitted: auto-replied") != std::string::npos);
        std::string token = f.last_token_for("tony@example.com");
        // Confirming by the +detail address.
        CHECK(f.deliver("confirm", mail_from("tony@example.com", "Re: confirm " + token), "tony@example.com",
                        "team-confirm+" + token + "@lists.example.org") == 0);
        CHECK(member(f, "tony@example.com"));
        CHECK(f.to("tony@example.com").back().find("Subject: Welcome to the \"team\" mailing list") != std::string::npos);
        // Used once.
        size_t before = f.to("tony@example.com").size();
        CHECK(f.deliver("confirm", mail_from("tony@example.com", "Re: confirm " + token), "tony@example.com",
                        "team-confirm+" + token + "@lists.example.org") == 0);
        CHECK(f.to("tony@example.com").size() == before + 1);
        CHECK(f.to("tony@example.com").back().find("is not valid") != std::string::npos);
    }

    TEST_CASE("owner-approval lists: approve, and confirm+approve") {
        Fixture f;
        admin::Output o;
        REQUIRE(admin::set_option(f.app, "team", "subscribe_policy", "approve", o) == 0);
        CHECK(f.deliver("join", mail_from("tony@example.com", "join"), "tony@example.com") == 0);
        CHECK(f.to("tony@example.com").empty());  // nothing to confirm for tony
        std::string t = f.last_token_for("boss@example.org");
        CHECK(f.to("boss@example.org").back().find("tony@example.com asks to join") != std::string::npos);
        CHECK(f.to("mod@example.org").empty());  // owners decide subscriptions
        // A moderator (not an owner) cannot approve a subscription.
        CHECK(f.deliver("request", mail_from("mod@example.org", "x", "approve " + t + "\n"), "mod@example.org") == 0);
        CHECK_FALSE(member(f, "tony@example.com"));
        CHECK(f.deliver("confirm", mail_from("boss@example.org", "Re: confirm " + t), "boss@example.org",
                        "team-confirm+" + t + "@lists.example.org") == 0);
        CHECK(member(f, "tony@example.com"));
        CHECK(f.to("tony@example.com").back().find("Welcome") != std::string::npos);

        REQUIRE(admin::set_option(f.app, "team", "subscribe_policy", "confirm+approve", o) == 0);
        CHECK(f.deliver("join", mail_from("sue@example.com", "join"), "sue@example.com") == 0);
        std::string c = f.last_token_for("sue@example.com");
        CHECK(f.deliver("confirm", mail_from("sue@example.com", "Re: confirm " + c), "sue@example.com",
                        "team-confirm+" + c + "@lists.example.org") == 0);
        CHECK_FALSE(member(f, "sue@example.com"));  // confirmed, now the owner
        std::string a = f.last_token_for("boss@example.org");
        CHECK(a != t);
        CHECK(f.deliver("request", mail_from("boss@example.org", "x", "reject " + a + "\n"), "boss@example.org") == 0);
        CHECK_FALSE(member(f, "sue@example.com"));
    }

    TEST_CASE("a third party's request: the confirmation goes to the address, auto-generated") {
        Fixture f;
        CHECK(f.deliver("request", mail_from("mallory@evil.example", "subscribe address=victim@example.net"), "m@evil.example") == 0);
        auto v = f.to("victim@example.net");
        REQUIRE(v.size() == 1);
        CHECK(v[0].find("We have received a request from mallory@evil.example") != std::string::npos);
        CHECK(v[0].find("Auto-Submitted: auto-generated") != std::string::npos);
        for (const auto& m : f.to("mallory@evil.example")) CHECK(m.find("Subject: confirm ") == std::string::npos);
        CHECK_FALSE(member(f, "victim@example.net"));
    }

    TEST_CASE("forged and expired tokens fail with a clear reply") {
        Fixture f;
        CHECK(f.deliver("join", mail_from("tony@example.com", "hi"), "tony@example.com") == 0);
        std::string token = f.last_token_for("tony@example.com");
        std::string forged = token;
        forged[5] = forged[5] == '0' ? '1' : '0';
        CHECK(f.deliver("confirm", mail_from("tony@example.com", "Re: confirm " + forged), "tony@example.com",
                        "team-confirm+" + forged + "@lists.example.org") == 0);
        CHECK(f.to("tony@example.com").back().find("it is unknown, already used or expired") != std::string::npos);
        CHECK_FALSE(member(f, "tony@example.com"));
        CHECK(f.deliver("confirm", mail_from("tony@example.com", "Re: confirm nothing-here"), "tony@example.com",
                        "team-confirm@lists.example.org") == 0);
        CHECK(f.to("tony@example.com").back().find("(none found)") != std::string::npos);
        f.t += 3 * 86400;  // three days later
        CHECK(f.deliver("confirm", mail_from("tony@example.com", "Re: confirm " + token), "tony@example.com",
                        "team-confirm+" + token + "@lists.example.org") == 0);
        CHECK(f.to("tony@example.com").back().find("it has expired") != std::string::npos);
        CHECK_FALSE(member(f, "tony@example.com"));
        // The token found in the subject when the recipient has no detail.
        CHECK(f.deliver("join", mail_from("tony@example.com", "again"), "tony@example.com") == 0);
        std::string t2 = f.last_token_for("tony@example.com");
        CHECK(f.deliver("confirm", mail_from("tony@example.com", "Re: Re: confirm " + t2), "tony@example.com",
                        "team-confirm@lists.example.org") == 0);
        CHECK(member(f, "tony@example.com"));
    }

    TEST_CASE("automatic mail never gets an answer") {
        Fixture f;
        struct Case {
            const char* extra;
            const char* sender;
        };
        for (Case c : {Case{"Precedence: bulk\n", "x@example.com"}, Case{"Precedence: junk\n", "x@example.com"},
                       Case{"Precedence: list\n", "x@example.com"}, Case{"Auto-Submitted: auto-replied\n", "x@example.com"},
                       Case{"X-BeenThere: team@lists.example.org\n", "x@example.com"},
                       Case{"X-Loop: team@lists.example.org\n", "x@example.com"}, Case{"", ""},
                       Case{"", "MAILER-DAEMON@example.com"}}) {
            CAPTURE(c.extra);
            CAPTURE(c.sender);
            for (const char* entry : {"request", "join", "leave", "confirm"}) {
                size_t before = f.sent.size();
                CHECK(f.deliver(entry, mail_from("x@example.com", "subscribe", "", c.extra), c.sender) == 0);
                CHECK(f.sent.size() == before);
            }
        }
        CHECK_FALSE(member(f, "x@example.com"));
        // A post that has been through the list is dropped, not re-sent.
        size_t before = f.sent.size();
        CHECK(f.deliver("post", "From: amy@example.org\nX-BeenThere: team@lists.example.org\nSubject: loop\n\nx\n",
                        "amy@example.org") == 0);
        CHECK(f.sent.size() == before);
    }

    TEST_CASE("autoresponses are capped at 10 a day, then one last notice") {
        Fixture f;
        for (int i = 0; i < 15; ++i) CHECK(f.deliver("request", mail_from("chatty@example.com", "help"), "chatty@example.com") == 0);
        auto msgs = f.to("chatty@example.com");
        REQUIRE(msgs.size() == 11);
        CHECK(msgs[9].find("Subject: The results of your email commands") != std::string::npos);
        CHECK(msgs[10].find("Subject: Last autoresponse notification for today") != std::string::npos);
        f.t += 86400;
        CHECK(f.deliver("request", mail_from("chatty@example.com", "help"), "chatty@example.com") == 0);
        CHECK(f.to("chatty@example.com").size() == 12);
    }

    TEST_CASE("request commands and Mailman's reply") {
        Fixture f;
        CHECK(f.deliver("request", mail_from("amy@example.org", "Re: help", "info\nset digest on\nfrobnicate\nwho\n-- \nsig\n"),
                        "amy@example.org") == 0);
        auto r = f.to("amy@example.org");
        REQUIRE(r.size() == 1);
        CHECK(r[0].find("- Results:") != std::string::npos);
        CHECK(r[0].find("digest set to on for amy@example.org.") != std::string::npos);
        CHECK(r[0].find("- Unprocessed:\n    frobnicate") != std::string::npos);
        CHECK(r[0].find("The member list of this list is not available to you.") != std::string::npos);
        CHECK(r[0].find("- Done.") != std::string::npos);
        CHECK(r[0].find("Content-Type: message/rfc822") != std::string::npos);
        CHECK(f.app.store->find_member("team", "amy@example.org")->value().digest == k_digest_mime);
        CHECK(f.deliver("request", mail_from("amy@example.org", "set digest plain"), "amy@example.org") == 0);
        CHECK(f.app.store->find_member("team", "amy@example.org")->value().digest == k_digest_plain);
        // The owner may see the roster.
        CHECK(f.deliver("request", mail_from("boss@example.org", "who"), "boss@example.org") == 0);
        CHECK(f.to("boss@example.org").back().find("        amy@example.org") != std::string::npos);
    }

    TEST_CASE("posting: members reach everyone; nonmembers are held and approved by reply") {
        Fixture f;
        REQUIRE(f.app.store->add_member("team", Member{"bob@example.org", "bob@example.org", f.t}).ok());
        CHECK(f.deliver("post", "From: Amy <amy@example.org>\nTo: team@lists.example.org\nSubject: hi\n\nhello\n", "amy@example.org") == 0);
        REQUIRE(f.sent.size() == 1);
        CHECK(f.sent[0].env.sender == "team-bounces@lists.example.org");
        CHECK(f.sent[0].env.recipients == std::vector<std::string>{"amy@example.org", "bob@example.org"});
        CHECK(f.sent[0].text.find("Subject: [team] hi") != std::string::npos);
        CHECK(f.sent[0].text.find("List-Id: <team.lists.example.org>") != std::string::npos);
        auto posts = f.app.store->posts("team", false);
        REQUIRE(posts->size() == 1);
        CHECK((*posts)[0].fanned_out);

        f.sent.clear();
        CHECK(f.deliver("post", "From: stranger@example.net\nTo: team@lists.example.org\nSubject: spam?\n\nbuy\n", "stranger@example.net") == 0);
        auto mod = f.to("mod@example.org");
        REQUIRE(mod.size() == 1);
        CHECK(mod[0].find("Reason:  Post by non-member to a members-only list") != std::string::npos);
        CHECK(mod[0].find("Content-Type: message/rfc822") != std::string::npos);
        CHECK(f.to("boss@example.org").size() == 1);
        CHECK(f.to("stranger@example.net")[0].find("awaits moderator approval") != std::string::npos);
        CHECK(f.to("amy@example.org").empty());
        std::string token = f.last_token_for("mod@example.org");
        // A non-moderator with the token cannot approve it.
        CHECK(f.deliver("confirm", mail_from("stranger@example.net", "Re: confirm " + token), "stranger@example.net",
                        "team-confirm+" + token + "@lists.example.org") == 0);
        CHECK(f.to("amy@example.org").empty());
        CHECK(f.app.store->held("team")->size() == 1);
        CHECK(f.deliver("confirm", mail_from("mod@example.org", "Re: confirm " + token), "mod@example.org",
                        "team-confirm+" + token + "@lists.example.org") == 0);
        CHECK(f.to("amy@example.org").size() == 1);
        CHECK(f.to("amy@example.org")[0].find("buy") != std::string::npos);
        CHECK(f.app.store->held("team")->empty());
    }

    TEST_CASE("moderation by command: reject tells the poster, discard does not") {
        Fixture f;
        CHECK(f.deliver("post", "From: s1@example.net\nSubject: one\n\nx\n", "s1@example.net") == 0);
        std::string t1 = f.last_token_for("mod@example.org");
        CHECK(f.deliver("post", "From: s2@example.net\nSubject: two\n\nx\n", "s2@example.net") == 0);
        std::string t2 = f.last_token_for("mod@example.org");
        CHECK(f.deliver("request", mail_from("mod@example.org", "moderation", "reject " + t1 + "\ndiscard " + t2 + "\n"),
                        "mod@example.org") == 0);
        CHECK(f.app.store->held("team")->empty());
        CHECK(f.to("s1@example.net").back().find("was rejected") != std::string::npos);
        CHECK(f.to("s2@example.net").size() == 1);  // only the "held" notice
        CHECK(f.to("amy@example.org").empty());
        // Non-moderators are refused by the engine.
        CHECK(f.deliver("post", "From: s3@example.net\nSubject: three\n\nx\n", "s3@example.net") == 0);
        std::string t3 = f.last_token_for("mod@example.org");
        CHECK(f.deliver("request", mail_from("amy@example.org", "x", "approve " + t3 + "\n"), "amy@example.org") == 0);
        CHECK(f.app.store->held("team")->size() == 1);
    }

    TEST_CASE("gates: size, recipients, moderated members, announce lists, nonmember actions") {
        Fixture f;
        std::string big = "From: amy@example.org\nSubject: big\n\n" + std::string(50000, 'x') + "\n";
        CHECK(f.deliver("post", big, "amy@example.org") == 0);
        CHECK(f.app.store->held("team")->back().reason.find("Message body is too big") == 0);
        CHECK(f.deliver("post", "From: amy@example.org\nTo: a@x, b@x, c@x, d@x, e@x, f@x\nCc: g@x, h@x, i@x, j@x, k@x\n\nx\n",
                        "amy@example.org") == 0);
        CHECK(f.app.store->held("team")->back().reason.find("Too many recipients") == 0);
        Member amy = f.app.store->find_member("team", "amy@example.org")->value();
        amy.moderated = true;
        REQUIRE(f.app.store->update_member("team", amy).ok());
        CHECK(f.deliver("post", "From: amy@example.org\n\nx\n", "amy@example.org") == 0);
        CHECK(f.app.store->held("team")->back().reason == "Your posts to this list are moderated");
        admin::Output o;
        REQUIRE(admin::set_option(f.app, "team", "nonmember_action", "discard", o) == 0);
        size_t held = f.app.store->held("team")->size();
        size_t sent = f.sent.size();
        CHECK(f.deliver("post", "From: s@example.net\n\nx\n", "s@example.net") == 0);
        CHECK(f.app.store->held("team")->size() == held);
        CHECK(f.sent.size() == sent);
        REQUIRE(admin::set_option(f.app, "team", "nonmember_action", "reject", o) == 0);
        CHECK(f.deliver("post", "From: s@example.net\nSubject: q\n\nx\n", "s@example.net") == 0);
        CHECK(f.to("s@example.net").back().find("Only members may post to this list.") != std::string::npos);
        REQUIRE(admin::set_option(f.app, "team", "post_policy", "announce", o) == 0);
        REQUIRE(admin::set_option(f.app, "team", "nonmember_action", "hold", o) == 0);
        CHECK(f.deliver("post", "From: bob@example.org\n\nx\n", "bob@example.org") == 0);
        CHECK(f.app.store->held("team")->back().reason == "Only the moderators may post to this announce-only list");
    }

    TEST_CASE("DMARC: munge From for p=reject domains, wrap, reject") {
        Fixture f;
        f.dns->add_txt("_dmarc.strict.example", {"v=DMARC1; p=reject"});
        REQUIRE(f.app.store->add_member("team", Member{"st@strict.example", "st@strict.example", f.t}).ok());
        CHECK(f.deliver("post", "From: Sue <st@strict.example>\nSubject: a\n\nx\n", "st@strict.example") == 0);
        REQUIRE(!f.sent.empty());
        CHECK(f.sent.back().text.find("From: Sue via team <team@lists.example.org>") != std::string::npos);
        CHECK(f.sent.back().text.find("Reply-To: Sue <st@strict.example>") != std::string::npos);
        CHECK(f.deliver("post", "From: amy@example.org\nSubject: b\n\nx\n", "amy@example.org") == 0);
        CHECK(f.sent.back().text.find("From: amy@example.org") != std::string::npos);
        admin::Output o;
        REQUIRE(admin::set_option(f.app, "team", "dmarc", "wrap_message", o) == 0);
        CHECK(f.deliver("post", "From: Sue <st@strict.example>\nSubject: c\n\nx\n", "st@strict.example") == 0);
        CHECK(f.sent.back().text.find("Content-Type: message/rfc822") != std::string::npos);
        REQUIRE(admin::set_option(f.app, "team", "dmarc", "reject", o) == 0);
        size_t posts = f.app.store->posts("team", false)->size();
        CHECK(f.deliver("post", "From: Sue <st@strict.example>\nSubject: d\n\nx\n", "st@strict.example") == 0);
        CHECK(f.app.store->posts("team", false)->size() == posts);
        CHECK(f.to("st@strict.example").back().find("DMARC") != std::string::npos);
    }

    TEST_CASE("fan-out: a failing sendmail leaves the post to `listman run`, which resumes") {
        Fixture f;
        for (int i = 0; i < 25000; ++i)
            REQUIRE(f.app.store->add_member("team", Member{fmt::format("m{:05}@example.net", i), "", f.t}).ok());
        f.mailer->fail_after = 1;  // the first batch goes, the second fails
        CHECK(f.deliver("post", "From: amy@example.org\nSubject: big list\n\nx\n", "amy@example.org") == 0);
        REQUIRE(f.sent.size() == 1);
        CHECK(f.sent[0].env.recipients.size() == 10000);
        auto p = f.app.store->posts("team", false)->back();
        CHECK_FALSE(p.fanned_out);
        CHECK(p.fanout_done == 10000);
        f.mailer->fail_after = -1;
        CHECK(run_maintenance(f.app) == 0);  // not idle for 10 minutes yet
        CHECK(f.sent.size() == 1);
        f.t += 601;
        CHECK(run_maintenance(f.app) == 0);
        REQUIRE(f.sent.size() == 3);
        std::set<std::string> all;
        for (const auto& s : f.sent) all.insert(s.env.recipients.begin(), s.env.recipients.end());
        CHECK(all.size() == 25001);  // every member once
        CHECK(f.sent[0].text == f.sent[2].text);  // the same bytes after the restart
        CHECK(f.app.store->posts("team", false)->back().fanned_out);
    }

    TEST_CASE("bounces: VERP and DSN raise the score; the threshold disables; a mass bounce does not") {
        Fixture f;
        for (int i = 0; i < 8; ++i)
            REQUIRE(f.app.store->add_member("team", Member{fmt::format("m{}@example.net", i), "", f.t}).ok());
        auto dsn = [](const std::string& rcpt, const std::string& seq) {
            return fmt::format(
                "From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"
                "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"
                "--b\nContent-Type: text/plain\n\nfailed\n\n"
                "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
                "Final-Recipient: rfc822; {}\nAction: failed\nStatus: 5.1.1\n\n"
                "--b\nContent-Type: text/rfc822-headers\n\nFrom: a@b\nX-List-Sequence: {}\nSubject: x\n\n--b--\n",
                rcpt, seq);
        };
        // m0 bounces (VERP) on five days, each time a different post.
        for (int day = 0; day < 5; ++day) {
            CHECK(f.deliver("bounces", dsn("m0@example.net", std::to_string(100 + day)), "",
                            "team-bounces+m0=example.net@lists.example.org") == 0);
            if (day < 4) CHECK(f.app.store->find_member("team", "m0@example.net")->value().disabled == 0);
            f.t += 86400;
        }
        CHECK(f.app.store->find_member("team", "m0@example.net")->value().disabled != 0);
        CHECK(f.to("m0@example.net").back().find("has been disabled") != std::string::npos);
        CHECK(f.to("boss@example.org").back().find("delivery to m0@example.net disabled") != std::string::npos);
        // Two bounces the same day count once.
        CHECK(f.deliver("bounces", dsn("m1@example.net", "200"), "") == 0);
        CHECK(f.deliver("bounces", dsn("m1@example.net", "201"), "") == 0);
        CHECK(*f.app.store->bounce_score("team", "m1@example.net", 0, {}) == 2);
        // A post that bounces from most of the list, five days running: nobody is disabled.
        for (int day = 0; day < 5; ++day) {
            for (int i = 2; i < 8; ++i)
                CHECK(f.deliver("bounces", dsn(fmt::format("m{}@example.net", i), std::to_string(300 + day)), "") == 0);
            f.t += 86400;
        }
        for (int i = 2; i < 8; ++i) CHECK(f.app.store->find_member("team", fmt::format("m{}@example.net", i))->value().disabled == 0);
        // A delay notice is not a bounce; non-members and junk are ignored.
        std::string delayed = dsn("m1@example.net", "400");
        delayed.replace(delayed.find("Action: failed"), 14, "Action: delayed");
        delayed.replace(delayed.find("Status: 5.1.1"), 13, "Status: 4.4.1");
        CHECK(f.deliver("bounces", delayed, "", "team-bounces+m1=example.net@lists.example.org") == 0);
        CHECK(f.deliver("bounces", dsn("stranger@example.net", "1"), "") == 0);
        CHECK(f.deliver("bounces", "Subject: hello\n\nnot a bounce\n", "x@y") == 0);
        CHECK(f.deliver("bounces", std::string(100000, '\x01'), "") == 0);
        // Disabled: two more notices a week apart, then removal a week later.
        auto notices_to_m0 = [&] {
            int n = 0;
            for (const auto& m : f.to("m0@example.net")) n += m.find("has been disabled") != std::string::npos;
            return n;
        };
        {
            Fixture g;
            REQUIRE(g.app.store->add_member("team", Member{"gone@example.net", "", g.t}).ok());
            Member gone = g.app.store->find_member("team", "gone@example.net")->value();
            gone.disabled = g.t;
            gone.notices = 1;
            REQUIRE(g.app.store->update_member("team", gone).ok());
            auto count = [&] {
                int n = 0;
                for (const auto& m : g.to("gone@example.net")) n += m.find("has been disabled") != std::string::npos;
                return n;
            };
            CHECK(run_maintenance(g.app) == 0);
            CHECK(count() == 0);
            for (int week = 1; week <= 2; ++week) {
                g.t += 7 * 86400;
                CHECK(run_maintenance(g.app) == 0);
                CHECK(count() == week);
                CHECK(member(g, "gone@example.net"));
            }
            g.t += 7 * 86400;
            CHECK(run_maintenance(g.app) == 0);
            CHECK_FALSE(member(g, "gone@example.net"));
            CHECK(g.to("boss@example.org").back().find("gone@example.net removed after bounces") != std::string::npos);
        }
        CHECK(notices_to_m0() == 1);
        // Re-enabling clears the score.
        CHECK(f.deliver("request", mail_from("m0@example.net", "set nomail off"), "m0@example.net") == 0);
        CHECK(f.app.store->find_member("team", "m0@example.net")->value().disabled == 0);
        CHECK(*f.app.store->bounce_score("team", "m0@example.net", 0, {}) == 0);
    }

    TEST_CASE("hostile input: header injection, huge command mail, NULs") {
        Fixture f;
        // A subject with an encoded CRLF cannot add a header to the post.
        CHECK(f.deliver("post", "From: amy@example.org\nSubject: =?UTF-8?Q?hi=0D=0ABcc:_victim@x.org?=\n\nx\n", "amy@example.org") == 0);
        auto p = post::parse(f.sent.back().text);
        REQUIRE(p.ok());
        CHECK(p->headers.find("Bcc") == nullptr);
        // A held post's notice carries the decoded subject on one line.
        CHECK(f.deliver("post", "From: s@example.net\nSubject: =?UTF-8?Q?a=0D=0AX-Evil:_1?=\n\nx\n", "s@example.net") == 0);
        for (const auto& m : f.to("mod@example.org")) {
            auto q = post::parse(m);
            REQUIRE(q.ok());
            CHECK(q->headers.find("X-Evil") == nullptr);
        }
        // 10 MB of commands: 25 lines are read, one reply, bounded.
        std::string body;
        for (int i = 0; i < 400000; ++i) body += "help\n";
        size_t before = f.to("amy@example.org").size();
        CHECK(f.deliver("request", mail_from("amy@example.org", "x", body), "amy@example.org") == 0);
        auto r = f.to("amy@example.org");
        REQUIRE(r.size() == before + 1);
        CHECK(r.back().find("Subject: The results of your email commands") != std::string::npos);
        CHECK(r.back().size() < 200000);
        // A backquote is legal in a local part (RFC 5322 atext): the
        // confirmation goes to that address as one argv word, never
        // through a shell.  Comments, spaces and ';' are refused.
        CHECK(f.deliver("request", mail_from("amy@example.org", "subscribe address=`id`@x.org"), "amy@example.org") == 0);
        CHECK(f.to("`id`@x.org").size() == 1);
        for (const char* bad : {"subscribe address=$(id)@x.org", "subscribe address=x@y.org;id",
                                "subscribe address=\"a b\"@x.org", "subscribe address=x(comment)@y.org"}) {
            CAPTURE(bad);
            size_t sent = f.sent.size();
            CHECK(f.deliver("request", mail_from("amy@example.org", bad), "amy@example.org") == 0);
            CHECK(f.sent.size() == sent + 1);  // only the reply to amy
            CHECK(f.to("amy@example.org").back().find("- Unprocessed:") != std::string::npos);
        }
        CHECK(f.deliver("post", std::string("From: amy@example.org\nSubject: nul\n\na\0b\n", 36), "amy@example.org") == 0);
    }

    TEST_CASE("owner mail goes to the owners, once") {
        Fixture f;
        CHECK(f.deliver("owner", "From: x@example.com\nSubject: question\n\nhi\n", "x@example.com") == 0);
        REQUIRE(f.to("boss@example.org").size() == 1);
        CHECK(f.to("mod@example.org").empty());
        std::string looped = f.to("boss@example.org")[0];
        CHECK(f.deliver("owner", looped, "team-bounces@lists.example.org") == 0);
        CHECK(f.to("boss@example.org").size() == 1);
    }

    TEST_CASE("members: bulk add from a file with file:line errors, export") {
        Fixture f;
        admin::Output o;
        admin::MemberArgs a;
        a.list = "team";
        a.file = "-";
        int rc = admin::members_add(f.app, a, "# team\njohn@example.org\nnot an address\n\nMary <mary@example.org>\n", o);
        CHECK(rc == EX_DATAERR);
        CHECK(o.err == "listman: -:2: \"not an address\" is not an email address\n");
        CHECK(member(f, "john@example.org"));
        CHECK(member(f, "mary@example.org"));
        admin::Output e;
        CHECK(admin::members_export(f.app, "team", "json", e) == 0);
        CHECK(e.out.find("{\"address\": \"john@example.org\"") != std::string::npos);
        admin::Output c;
        CHECK(admin::members_export(f.app, "team", "csv", c) == 0);
        CHECK(c.out.rfind("address,display,joined,digest,nomail,moderated,disabled\namy@example.org,", 0) == 0);
    }
}
