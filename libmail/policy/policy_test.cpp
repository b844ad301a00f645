// policy_test.cpp — relay control, the access map and privacy flags, checked
// against a real access map built by makemap's code from the seeds' text.
#include "libmail/policy/policy.h"

#include "libmail/config/test_files.h"
#include "libmail/maps/text.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <set>
#include <string>
#include <vector>


using namespace mail;
using namespace mail::policy;
using smtp::Client;
using smtp::Decision;

namespace {

// The access file of issue 4, as the seeds write it.
constexpr const char* k_seed_access =
    "# access — seeds\n"
    "president@futuretg.com  REJECT\n"
    "someone@discard.example DISCARD\n"
    "elementaryhackers.com   \"550 We don't support people like you. Stay away!\"\n"
    "192.168                 RELAY\n"
    "yesandnomail.com        REJECT\n"
    "notorious@yesandnomail.com OK\n";

// `makemap hash DIR/access < text`
void makemap(const std::string& name, const std::string& text) {
    maps::MakemapArgs a;
    a.type = "hash";
    a.name = name;
    auto r = maps::run_makemap(a, text);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

Client remote() {
    Client c;
    c.addr = "203.0.113.5";
    c.name = "client.remote.example";
    return c;
}
Client client(std::string addr, std::string name = "") {
    Client c;
    c.addr = std::move(addr);
    c.name = std::move(name);
    return c;
}

address::Path path(std::string_view text) {
    auto p = address::parse_path(text, true);
    REQUIRE_MESSAGE(p.ok(), std::string(text));
    return *p;
}
// What the engine passes as `raw`: the text between < >.
std::string raw_of(std::string_view text) {
    std::string s(text);
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
    return s;
}

// One mailroom with a sendmail.mc and an access map in a temporary directory.
struct Site {
    config::testing::TempDir dir;
    Settings settings;
    std::optional<AccessMap> access;
    std::set<std::string> users{"john", "root", "mary", "notorious", "abuse"};
    std::vector<std::string> logs;
    std::vector<std::string> etrns;

    explicit Site(const std::string& access_text = k_seed_access, const std::string& extra_mc = "",
                  bool build_map = true) {
        std::string mc =
            "define(`confDOMAIN_NAME', `mx.ourhost.example')dnl\n"
            "LOCAL_DOMAIN(`ourhost.example')dnl\n"
            "FEATURE(`access_db', `hash -T<TMPF> access')dnl\n" +
            extra_mc;
        std::string mc_path = dir.write("sendmail.mc", mc);
        auto cfg = config::parse_mc(mc, mc_path);
        REQUIRE_MESSAGE(cfg.ok(), std::string(cfg.ok() ? "" : cfg.error().message));
        settings = Settings::from_config(*cfg);
        settings.our_addresses = {"192.0.2.10", "2001:db8::10"};
        auto spec = access_map_spec(*cfg);
        REQUIRE(spec.ok());
        if (spec->has_value()) {
            CHECK((*spec)->db_path == dir.file("access.db"));
            access.emplace(**spec);
        }
        if (build_map) makemap(dir.file("access"), access_text);
    }

    SmtpPolicy policy() {
        Hooks h;
        h.local_user_exists = [this](std::string_view u) { return users.count(std::string(u)) != 0; };
        h.log = [this](std::string_view l) { logs.emplace_back(l); };
        h.expand = [this](std::string_view u) -> std::optional<std::vector<std::string>> {
            if (u == "allteam") return std::vector<std::string>{"john", "mary", "peter@elsewhere.example"};
            if (users.count(std::string(u))) return std::vector<std::string>{std::string(u)};
            return std::nullopt;
        };
        h.etrn = [this](std::string_view a) {
            etrns.emplace_back(a);
            return a != "fail.example";
        };
        return SmtpPolicy(settings, access ? &*access : nullptr, std::move(h));
    }

    // MAIL FROM:<from> by c, after HELO.
    Decision mail(const Client& c, std::string_view from) {
        SmtpPolicy p = policy();
        p.check_helo(c, "x");
        return p.check_mail(c, path(from), {});
    }
    // RCPT TO:<to> by c after MAIL FROM:<from>; the MAIL decision must be Accept.
    Decision rcpt(const Client& c, std::string_view to, std::string_view from = "<sender@sender.example>") {
        SmtpPolicy p = policy();
        p.check_helo(c, "x");
        auto m = p.check_mail(c, path(from), {});
        CHECK_MESSAGE(m.kind == Decision::Accept, m.reply.line());
        return p.check_rcpt(c, path(from), path(to), raw_of(to), {});
    }
};

std::string show(const Decision& d) {
    const char* k = d.kind == Decision::Accept ? "accept" : d.kind == Decision::Reject ? "reject" : "discard";
    return fmt::format("{}: {} | {}", k, d.kind == Decision::Reject ? d.reply.line() : "", d.log);
}

void check_relaying_denied(Site& s, const Client& c, std::string_view to) {
    CAPTURE(to);
    Decision d = s.rcpt(c, to);
    CHECK_MESSAGE(d.kind == Decision::Reject, show(d));
    CHECK(d.reply.line() == fmt::format("550 5.7.1 <{}>... Relaying denied", raw_of(to)));
    CHECK(d.log ==
          fmt::format("ruleset=check_rcpt, arg1=<{}>, relay={}, reject=550 5.7.1 <{}>... Relaying denied",
                      raw_of(to), c.relay_text(), raw_of(to)));
}

}  // namespace

TEST_SUITE("policy") {
    // ------------------------------------------------------------ seeds --

    TEST_CASE("seed: president@futuretg.com REJECT — refused as recipient and as sender") {
        Site s;
        Decision d = s.rcpt(remote(), "<president@futuretg.com>");
        CHECK(d.kind == Decision::Reject);
        CHECK(d.reply.line() == "550 5.2.1 <president@futuretg.com>... Mailbox disabled for this recipient");
        CHECK(d.log ==
              "ruleset=check_rcpt, arg1=<president@futuretg.com>, relay=client.remote.example [203.0.113.5], "
              "reject=550 5.2.1 <president@futuretg.com>... Mailbox disabled for this recipient");
        // To: entries are consulted before relay control: a client that may
        // relay gets the same answer.
        d = s.rcpt(client("192.168.7.7"), "<president@futuretg.com>");
        CHECK(d.reply.line() == "550 5.2.1 <president@futuretg.com>... Mailbox disabled for this recipient");
        // Case and a trailing dot do not dodge it.
        d = s.rcpt(client("192.168.7.7"), "<President@FutureTG.com.>");
        CHECK(d.reply.line() == "550 5.2.1 <President@FutureTG.com.>... Mailbox disabled for this recipient");

        d = s.mail(remote(), "<president@futuretg.com>");
        CHECK(d.kind == Decision::Reject);
        CHECK(d.reply.line() == "550 5.7.1 <president@futuretg.com>... Access denied");
        CHECK(d.log ==
              "ruleset=check_mail, arg1=<president@futuretg.com>, relay=client.remote.example "
              "[203.0.113.5], reject=550 5.7.1 <president@futuretg.com>... Access denied");
        // Other futuretg.com addresses are not affected.
        CHECK(s.mail(remote(), "<vp@futuretg.com>").kind == Decision::Accept);
    }

    TEST_CASE("seed: someone@discard.example DISCARD — accepted, then dropped") {
        Site s;
        Decision d = s.rcpt(remote(), "<someone@discard.example>");
        CHECK(d.kind == Decision::Discard);
        CHECK(d.log ==
              "ruleset=check_rcpt, arg1=<someone@discard.example>, relay=client.remote.example "
              "[203.0.113.5], discard");
        d = s.mail(remote(), "<someone@discard.example>");
        CHECK(d.kind == Decision::Discard);
        CHECK(d.log ==
              "ruleset=check_mail, arg1=<someone@discard.example>, relay=client.remote.example "
              "[203.0.113.5], discard");
        // Only that address.
        CHECK(s.mail(remote(), "<other@discard.example>").kind == Decision::Accept);
    }

    TEST_CASE("seed: elementaryhackers.com with a literal reply — connect and sender") {
        Site s;
        SmtpPolicy p = s.policy();
        Client c = client("198.51.100.9", "smtp.mail.elementaryhackers.com");
        Decision d = p.check_connect(c);
        CHECK(d.kind == Decision::Reject);
        CHECK(d.reply.code == 550);
        CHECK(d.reply.text == "We don't support people like you. Stay away!");
        CHECK(d.reply.line() == "550 5.0.0 We don't support people like you. Stay away!");
        CHECK(d.log ==
              "ruleset=check_relay, arg1=smtp.mail.elementaryhackers.com, arg2=198.51.100.9, "
              "relay=smtp.mail.elementaryhackers.com [198.51.100.9], "
              "reject=550 5.0.0 We don't support people like you. Stay away!");

        d = s.mail(remote(), "<kiddie@elementaryhackers.com>");
        CHECK(d.reply.line() ==
              "550 5.0.0 <kiddie@elementaryhackers.com>... We don't support people like you. Stay away!");
        // A name that merely ends in the same letters is someone else.
        CHECK(p.check_connect(client("198.51.100.9", "notelementaryhackers.com")).kind == Decision::Accept);
    }

    TEST_CASE("seed: 192.168 RELAY — clients from 192.168.x.x may relay, others may not") {
        Site s;
        CHECK(s.policy().check_connect(client("192.168.1.2")).kind == Decision::Accept);
        for (const char* ok : {"192.168.1.2", "192.168.200.1", "::ffff:192.168.3.4"}) {
            CAPTURE(ok);
            Decision d = s.rcpt(client(ok), "<victim@remote.example>");
            CHECK_MESSAGE(d.kind == Decision::Accept, show(d));
        }
        for (const char* no : {"192.169.1.2", "10.192.168.1", "19.216.8.1", "192.16.8.1"})
            check_relaying_denied(s, client(no), "<victim@remote.example>");
    }

    TEST_CASE("seed: yesandnomail.com REJECT with notorious@yesandnomail.com OK") {
        Site s;
        Decision d = s.mail(remote(), "<other@yesandnomail.com>");
        CHECK(d.reply.line() == "550 5.7.1 <other@yesandnomail.com>... Access denied");
        d = s.mail(remote(), "<x@mx.yesandnomail.com>");  // subdomains too
        CHECK(d.reply.line() == "550 5.7.1 <x@mx.yesandnomail.com>... Access denied");
        CHECK(s.mail(remote(), "<notorious@yesandnomail.com>").kind == Decision::Accept);
        CHECK(s.mail(remote(), "<Notorious@YesAndNoMail.COM>").kind == Decision::Accept);

        Client lan = client("192.168.1.2");
        d = s.rcpt(lan, "<other@yesandnomail.com>");
        CHECK(d.reply.line() == "550 5.2.1 <other@yesandnomail.com>... Mailbox disabled for this recipient");
        CHECK(s.rcpt(lan, "<notorious@yesandnomail.com>").kind == Decision::Accept);
        // OK is not RELAY: an outsider still may not relay to it.
        check_relaying_denied(s, remote(), "<notorious@yesandnomail.com>");
    }

    // -------------------------------------------------- open-relay tricks --
    // reference/mta.md §4.4, sent by an unauthorised client with a
    // non-local sender.  Our names: ourhost.example (class w),
    // mx.ourhost.example ($j), 192.0.2.10 (our address).

    TEST_CASE("relay trick 1: plain relay") {
        Site s;
        check_relaying_denied(s, remote(), "<victim@remote.example>");
        CHECK(s.rcpt(remote(), "<john@ourhost.example>").kind == Decision::Accept);
        CHECK(s.rcpt(remote(), "<john@mx.ourhost.example>").kind == Decision::Accept);
    }

    TEST_CASE("relay trick 2: percent hack") {
        Site s;
        check_relaying_denied(s, remote(), "<victim%remote.example@ourhost.example>");
        check_relaying_denied(s, remote(), "<victim%remote.example@mx.ourhost.example>");
        check_relaying_denied(s, remote(), "<victim%remote.example>");
        // A percent route that ends here is local (and john exists).
        CHECK(s.rcpt(remote(), "<john%ourhost.example@mx.ourhost.example>").kind == Decision::Accept);
        auto r = resolve(path("<victim%remote.example@ourhost.example>"), s.settings, &*s.access);
        REQUIRE(r.ok());
        CHECK(r->kind == Resolved::Remote);
        CHECK(r->local == "victim");
        CHECK(r->domain == "remote.example");
    }

    TEST_CASE("relay trick 3: bang paths") {
        Site s;
        check_relaying_denied(s, remote(), "<remote.example!victim@ourhost.example>");
        check_relaying_denied(s, remote(), "<remote.example!victim>");
        check_relaying_denied(s, remote(), "<hub!remote.example!victim>");
        auto r = resolve(path("<remote.example!victim>"), s.settings, &*s.access);
        REQUIRE(r.ok());
        CHECK(r->domain == "remote.example");
        CHECK(r->local == "victim");
    }

    TEST_CASE("relay trick 4: source routes") {
        Site s;
        check_relaying_denied(s, remote(), "<@ourhost.example:victim@remote.example>");
        check_relaying_denied(s, remote(), "<@ourhost.example,@hop2.example:victim@remote.example>");
        // A route through us to a local user is local mail.
        CHECK(s.rcpt(remote(), "<@remote.example:john@ourhost.example>").kind == Decision::Accept);
    }

    TEST_CASE("relay trick 5: quoted local parts") {
        Site s;
        check_relaying_denied(s, remote(), "<\"victim@remote.example\">");
        check_relaying_denied(s, remote(), "<\"victim@remote.example\"@ourhost.example>");
        check_relaying_denied(s, remote(), "<\"victim%remote.example\"@ourhost.example>");
        check_relaying_denied(s, remote(), "<\"remote.example!victim\"@ourhost.example>");
    }

    TEST_CASE("relay trick 6: double @") {
        Site s;
        // The engine's parser refuses it outright…
        CHECK_FALSE(address::parse_path("<victim@remote.example@ourhost.example>", false).ok());
        // …and a Path that carries it anyway resolves to the last domain's
        // inner address, which is remote.
        address::Path p;
        p.local = "victim";
        p.domain = "remote.example@ourhost.example";
        SmtpPolicy pol = s.policy();
        Decision d = pol.check_rcpt(remote(), path("<a@sender.example>"), p,
                                    "victim@remote.example@ourhost.example", {});
        CHECK(d.reply.line() == "550 5.7.1 <victim@remote.example@ourhost.example>... Relaying denied");
        p.local = "victim@remote.example";  // the dequoted form
        p.domain = "ourhost.example";
        d = pol.check_rcpt(remote(), path("<a@sender.example>"), p, "", {});
        CHECK(d.reply.line() == "550 5.7.1 <\"victim@remote.example\"@ourhost.example>... Relaying denied");
    }

    TEST_CASE("relay trick 7: nested percent") {
        Site s;
        check_relaying_denied(s, remote(), "<victim%remote.example%ourhost.example@ourhost.example>");
        check_relaying_denied(s, remote(),
                              "<victim%remote.example%ourhost.example%mx.ourhost.example@ourhost.example>");
        auto r =
            resolve(path("<victim%remote.example%ourhost.example@ourhost.example>"), s.settings, &*s.access);
        REQUIRE(r.ok());
        CHECK(r->kind == Resolved::Remote);
        CHECK(r->hops == 2);
    }

    TEST_CASE("relay trick 8: domain literals") {
        Site s;
        check_relaying_denied(s, remote(), "<victim@[1.2.3.4]>");
        check_relaying_denied(s, remote(), "<victim@[IPv6:2001:db8::99]>");
        check_relaying_denied(s, remote(), "<victim%remote.example@[1.2.3.4]>");
        // Our own addresses are local: the user must exist.
        CHECK(s.rcpt(remote(), "<john@[192.0.2.10]>").kind == Decision::Accept);
        CHECK(s.rcpt(remote(), "<john@[127.0.0.1]>").kind == Decision::Accept);
        CHECK(s.rcpt(remote(), "<john@[IPv6:2001:db8:0:0:0:0:0:10]>").kind == Decision::Accept);
        CHECK(s.rcpt(remote(), "<john@[IPv6:::1]>").kind == Decision::Accept);
        Decision d = s.rcpt(remote(), "<victim@[192.0.2.10]>");
        CHECK(d.reply.line() == "550 5.1.1 <victim@[192.0.2.10]>... User unknown");
        check_relaying_denied(s, remote(), "<victim%remote.example@[192.0.2.10]>");
    }

    TEST_CASE("relay trick 9: trailing dots and case") {
        Site s;
        check_relaying_denied(s, remote(), "<victim@remote.example.>");
        check_relaying_denied(s, remote(), "<victim@REMOTE.EXAMPLE>");
        check_relaying_denied(s, remote(), "<victim%REMOTE.EXAMPLE@OurHost.Example.>");
        CHECK(s.rcpt(remote(), "<john@OURHOST.EXAMPLE.>").kind == Decision::Accept);
    }

    TEST_CASE("relay trick 10: unqualified names and subdomains") {
        Site s("", "RELAY_DOMAIN(`partner.example')dnl\n");
        CHECK(s.rcpt(remote(), "<postmaster>").kind == Decision::Accept);
        CHECK(s.rcpt(remote(), "<john>").kind == Decision::Accept);
        CHECK(s.rcpt(remote(), "<nosuchuser>").reply.line() == "550 5.1.1 <nosuchuser>... User unknown");
        // A subdomain of a local name is not local.
        check_relaying_denied(s, remote(), "<victim@sub.ourhost.example>");
        check_relaying_denied(s, remote(), "<victim@notourhost.example>");
        // RELAY_DOMAIN covers its subdomains (sendmail: unless relay_hosts_only)…
        CHECK(s.rcpt(remote(), "<victim@partner.example>").kind == Decision::Accept);
        CHECK(s.rcpt(remote(), "<victim@mail.partner.example>").kind == Decision::Accept);
        // …but not names that only end in the same letters, nor routes through it.
        check_relaying_denied(s, remote(), "<victim@evilpartner.example>");
        check_relaying_denied(s, remote(), "<victim@partner.example.evil.example>");
        check_relaying_denied(s, remote(), "<victim%remote.example@partner.example>");
        check_relaying_denied(s, remote(), "<@partner.example:victim@remote.example>");

        Site hosts_only("", "RELAY_DOMAIN(`partner.example')dnl\nFEATURE(`relay_hosts_only')dnl\n");
        CHECK(hosts_only.rcpt(remote(), "<victim@partner.example>").kind == Decision::Accept);
        check_relaying_denied(hosts_only, remote(), "<victim@mail.partner.example>");

        Site entire("", "FEATURE(`relay_entire_domain')dnl\n");  // $m = ourhost.example
        CHECK(entire.rcpt(remote(), "<victim@sub.ourhost.example>").kind == Decision::Accept);
        check_relaying_denied(entire, remote(), "<victim@ourhost.example.evil.example>");
    }

    TEST_CASE("relay: FEATURE(nopercenthack) and FEATURE(nouucp) keep the operators local") {
        Site s("", "FEATURE(`nopercenthack')dnl\nFEATURE(`nouucp')dnl\n");
        // Not routes any more: local names, which do not exist.
        Decision d = s.rcpt(remote(), "<victim%remote.example@ourhost.example>");
        CHECK(d.reply.line() == "550 5.1.1 <victim%remote.example@ourhost.example>... User unknown");
        d = s.rcpt(remote(), "<remote.example!victim@ourhost.example>");
        CHECK(d.reply.line() == "550 5.1.1 <remote.example!victim@ourhost.example>... User unknown");
        // '@' inside quotes is still a route.
        check_relaying_denied(s, remote(), "<\"victim@remote.example\"@ourhost.example>");
    }

    TEST_CASE("relay: who may relay") {
        Site s(
            "Connect:relayhost.example RELAY\nConnect:10.9 RELAY\nConnect:okhost.example OK\n"
            "To:partner2.example RELAY\n",
            "RELAY_DOMAIN(`198.18')dnl\n");
        std::string to = "<victim@remote.example>";
        struct Case {
            Client c;
            bool may;
        };
        Client auth = remote();
        auth.authenticated = true;
        Client bs;
        bs.local_submission = true;
        std::vector<Case> cases{
            {remote(), false},
            {auth, true},
            {bs, true},
            {client("127.0.0.1", "localhost"), true},
            {client("::1"), true},
            {client(""), false},  // unknown is not local
            {client("0"), false},
            {client("192.0.2.10"), true},  // our own address
            {client("198.18.0.1"), true},  // RELAY_DOMAIN address prefix
            {client("10.9.1.1"), true},    // Connect: address RELAY
            {client("10.90.1.1"), false},
            {client("203.0.113.77", "relayhost.example"), true},    // Connect: name RELAY
            {client("203.0.113.77", "a.relayhost.example"), true},  // …and below it
            {client("203.0.113.77", "okhost.example"), false},      // OK is not RELAY
            {client("203.0.113.77", "mx.ourhost.example"), true},   // a name in class w
            {client("203.0.113.77", "sub.ourhost.example"), false},
        };
        for (const auto& c : cases) {
            CAPTURE(c.c.relay_text());
            CAPTURE(c.c.authenticated);
            Decision d = s.rcpt(c.c, to);
            CHECK_MESSAGE((d.kind == Decision::Accept) == c.may, show(d));
        }
        // To: RELAY opens the destination to everyone.
        CHECK(s.rcpt(remote(), "<victim@partner2.example>").kind == Decision::Accept);
        CHECK(s.rcpt(remote(), "<victim@mx.partner2.example>").kind == Decision::Accept);
    }

    TEST_CASE("relay: the denial text names authentication when TRUST_AUTH_MECH is set") {
        Site s("", "TRUST_AUTH_MECH(`PLAIN LOGIN')dnl\n");
        Decision d = s.rcpt(remote(), "<victim@remote.example>");
        CHECK(d.reply.line() ==
              "550 5.7.1 <victim@remote.example>... Relaying denied. Proper authentication required.");
    }

    TEST_CASE("rcpt: unknown local users, postmaster always") {
        Site s;
        Decision d = s.rcpt(remote(), "<nosuch@ourhost.example>");
        CHECK(d.kind == Decision::Reject);
        CHECK(d.reply.line() == "550 5.1.1 <nosuch@ourhost.example>... User unknown");
        CHECK(d.log == "<nosuch@ourhost.example>... User unknown");
        CHECK(s.rcpt(remote(), "<PostMaster@ourhost.example>").kind == Decision::Accept);
        // Relaying is refused before the user is looked up.
        check_relaying_denied(s, remote(), "<nosuch%remote.example@ourhost.example>");
        // Without the hook every local name is taken.
        SmtpPolicy p(s.settings, &*s.access, {});
        CHECK(p.check_rcpt(remote(), path("<a@b.example>"), path("<nosuch@ourhost.example>"),
                           "nosuch@ourhost.example", {})
                  .kind == Decision::Accept);
    }

    // ------------------------------------------------------ access keys --

    TEST_CASE("access: a tagged key wins over the untagged one, a full address over its domain") {
        Site s(
            "From:example.com OK\nexample.com REJECT\n"
            "To:user@example.net OK\nexample.net REJECT\n"
            "Connect:a.b.example REJECT\nb.example OK\n");
        CHECK(s.mail(remote(), "<anyone@example.com>").kind == Decision::Accept);  // From: tag
        SmtpPolicy p = s.policy();
        // No Connect: entry for example.com: the untagged one applies.
        CHECK(p.check_connect(client("203.0.113.8", "example.com")).reply.line() ==
              "550 5.7.1 Access denied");
        Client lan = client("192.168.1.1");
        // To: user@ beats the domain, and only for To:.
        CHECK(s.rcpt(client("127.0.0.1"), "<user@example.net>").kind == Decision::Accept);
        CHECK(s.rcpt(client("127.0.0.1"), "<other@example.net>").reply.line() ==
              "550 5.2.1 <other@example.net>... Mailbox disabled for this recipient");
        CHECK(s.mail(remote(), "<user@example.net>").reply.line() ==
              "550 5.7.1 <user@example.net>... Access denied");
        // The most specific host name decides.
        CHECK(p.check_connect(client("203.0.113.8", "a.b.example")).kind == Decision::Reject);
        CHECK(p.check_connect(client("203.0.113.8", "x.a.b.example")).kind == Decision::Reject);
        CHECK(p.check_connect(client("203.0.113.8", "c.b.example")).kind == Decision::Accept);
        (void)lan;
    }

    TEST_CASE("access: To:user@ is for local recipients only") {
        Site s("To:root@ REJECT\n");
        Client lan = client("127.0.0.1");
        CHECK(s.rcpt(lan, "<root@ourhost.example>").reply.line() ==
              "550 5.2.1 <root@ourhost.example>... Mailbox disabled for this recipient");
        CHECK(s.rcpt(lan, "<root>").kind == Decision::Reject);
        {
            Decision d = s.rcpt(lan, "<root@remote.example>");
            CHECK_MESSAGE(d.kind == Decision::Accept, show(d));
        }
    }

    TEST_CASE("access: user@ and +detail keys") {
        Site s(
            "From:spammer@ REJECT\nbob+*@example.org REJECT\nalice@example.org ERROR:5.7.1:550 No alice\n");
        CHECK(s.mail(remote(), "<spammer@anywhere.example>").reply.line() ==
              "550 5.7.1 <spammer@anywhere.example>... Access denied");
        CHECK(s.mail(remote(), "<bob+list@example.org>").kind == Decision::Reject);
        CHECK(s.mail(remote(), "<bob@example.org>").kind == Decision::Accept);
        CHECK(s.mail(remote(), "<alice+x@example.org>").reply.line() ==
              "550 5.7.1 <alice+x@example.org>... No alice");
    }

    TEST_CASE("access: SKIP stops one search, not the others") {
        Site s(
            "Connect:10.1 SKIP\nConnect:10 REJECT\nConnect:skip.example SKIP\nexample REJECT\n"
            "From:good.bad.example SKIP\nbad.example REJECT\n");
        SmtpPolicy p = s.policy();
        CHECK(p.check_connect(client("10.1.2.3")).kind == Decision::Accept);
        CHECK(p.check_connect(client("10.2.3.4")).kind == Decision::Reject);
        // The name's walk stops at skip.example; the address is still looked up.
        CHECK(p.check_connect(client("10.1.2.3", "host.skip.example")).kind == Decision::Accept);
        CHECK(p.check_connect(client("10.2.3.4", "host.skip.example")).kind == Decision::Reject);
        CHECK(p.check_connect(client("203.0.113.1", "host.other.example")).kind == Decision::Reject);
        CHECK(s.mail(remote(), "<a@good.bad.example>").kind == Decision::Accept);
        CHECK(s.mail(remote(), "<a@x.good.bad.example>").kind == Decision::Accept);
        CHECK(s.mail(remote(), "<a@worse.bad.example>").kind == Decision::Reject);
    }

    TEST_CASE("access: ERROR: forms and literal replies") {
        struct Case {
            const char* value;
            const char* line;
        };
        const Case cases[] = {
            {"ERROR:5.7.1:550 Go away", "550 5.7.1 Go away"},
            {"ERROR:\"550 We don't accept mail from spammers\"",
             "550 5.0.0 We don't accept mail from spammers"},
            {"ERROR:550 5.7.1 In the text", "550 5.7.1 In the text"},
            {"ERROR:450 mailbox full", "450 4.0.0 mailbox full"},
            {"ERROR:4.2.2:450 mailbox full", "450 4.2.2 mailbox full"},
            {"ERROR:go away", "550 5.0.0 go away"},
            {"error:5.7.1:\"553 Lower case tag\"", "553 5.7.1 Lower case tag"},
            {"\"550 We don't support people like you. Stay away!\"",
             "550 5.0.0 We don't support people like you. Stay away!"},
            {"\"421 4.3.2 Closing\"", "421 4.3.2 Closing"},
            {"\"550 say \\\"hi\\\"\"", "550 5.0.0 say \"hi\""},
            {"FROBNICATE", "550 5.0.0 FROBNICATE"},
            {"ERROR:", "550 5.0.0 Access denied"},
            {"QUARANTINE:look at it", "451 4.7.1 Temporarily refused (QUARANTINE is not supported here)"},
            {"ERROR:550 bad\tbyte", "550 5.0.0 bad byte"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.value);
            Action a = parse_action(c.value);
            CHECK(a.kind == Action::Error);
            CHECK(a.reply.line() == c.line);
        }
        CHECK(parse_action(" ok ").kind == Action::Ok);
        CHECK(parse_action("Relay").kind == Action::Relay);
        CHECK(parse_action("REJECT").kind == Action::Reject);
        CHECK(parse_action("discard").kind == Action::Discard);
        CHECK(parse_action("SKIP").kind == Action::Skip);

        // End to end, with the <addr>... prefix at MAIL.
        Site s(
            "From:cyberspammer.com ERROR:\"550 We don't accept mail from spammers\"\n"
            "To:full.example ERROR:4.2.2:450 mailbox full\n");
        CHECK(s.mail(remote(), "<x@cyberspammer.com>").reply.line() ==
              "550 5.0.0 <x@cyberspammer.com>... We don't accept mail from spammers");
        CHECK(s.rcpt(client("192.168.0.1"), "<x@full.example>").reply.line() ==
              "450 4.2.2 <x@full.example>... mailbox full");
    }

    TEST_CASE("access: IPv6 keys, unresolved clients as [addr]") {
        Site s(
            "Connect:IPv6:2001:db8 REJECT\nConnect:IPv6:2001:db8:1:0:0:0:0:5 RELAY\n"
            "Connect:IPv6:2001:db8:2::7 OK\nConnect:[203.0.113.66] REJECT\n"
            "Connect:[IPv6:2001:db9:0:0:0:0:0:1] REJECT\n");
        SmtpPolicy p = s.policy();
        CHECK(p.check_connect(client("2001:db8::1")).kind == Decision::Reject);
        CHECK(p.check_connect(client("2001:DB8:ffff::1")).kind == Decision::Reject);
        CHECK(p.check_connect(client("2001:db8:1::5")).kind == Decision::Accept);  // full form, RELAY
        CHECK(p.check_connect(client("2001:db8:2::7")).kind == Decision::Accept);  // as written, OK
        CHECK(p.check_connect(client("2001:db80::1")).kind == Decision::Accept);   // groups, not letters
        Decision d = p.check_connect(client("203.0.113.66"));
        CHECK(d.kind == Decision::Reject);
        CHECK(d.log ==
              "ruleset=check_relay, arg1=[203.0.113.66], arg2=203.0.113.66, relay=[203.0.113.66], "
              "reject=550 5.7.1 Access denied");
        CHECK(p.check_connect(client("203.0.113.66", "named.example")).kind == Decision::Accept);
        CHECK(p.check_connect(client("2001:db9::1")).kind == Decision::Reject);
        CHECK(s.rcpt(client("2001:db8:1::5"), "<victim@remote.example>").kind == Decision::Accept);
        check_relaying_denied(s, client("2001:db8:2::7"), "<victim@remote.example>");
        CHECK(ipv6_full("::1") == "IPv6:0:0:0:0:0:0:0:1");
        CHECK(ipv6_full("2001:DB8::a:0:1") == "IPv6:2001:db8:0:0:0:a:0:1");
        CHECK(ipv6_full("1.2.3.4").empty());
        CHECK(unmap_ipv4("::ffff:10.0.0.1") == "10.0.0.1");
    }

    TEST_CASE("connect: DISCARD drops every message of the connection") {
        Site s("Connect:198.51.100.1 DISCARD\n");
        SmtpPolicy p = s.policy();
        Client c = client("198.51.100.1");
        Decision d = p.check_connect(c);
        CHECK(d.kind == Decision::Discard);
        CHECK(d.log ==
              "ruleset=check_relay, arg1=[198.51.100.1], arg2=198.51.100.1, relay=[198.51.100.1], discard");
        CHECK(p.check_mail(c, path("<a@b.example>"), {}).kind == Decision::Discard);
        CHECK(
            p.check_rcpt(c, path("<a@b.example>"), path("<john@ourhost.example>"), "john@ourhost.example", {})
                .kind == Decision::Discard);
    }

    // ------------------------------------------------------- senders --

    TEST_CASE("mail: the null sender, unqualified and localhost senders") {
        Site s("<> REJECT\n");
        CHECK(s.mail(remote(), "<>").kind == Decision::Accept);
        Decision d = s.mail(remote(), "<joe>");
        CHECK(d.reply.line() == "553 5.5.4 <joe>... Domain name required for sender address joe");
        CHECK(d.log ==
              "ruleset=check_mail, arg1=<joe>, relay=client.remote.example [203.0.113.5], "
              "reject=553 5.5.4 <joe>... Domain name required for sender address joe");
        Client bs;
        bs.local_submission = true;
        CHECK(s.mail(bs, "<joe>").kind == Decision::Accept);
        d = s.mail(remote(), "<joe@localhost>");
        CHECK(d.reply.line() == "553 5.5.4 <joe@localhost>... Real domain name required for sender address");
        CHECK(s.mail(client("127.0.0.1", "localhost"), "<joe@localhost>").kind == Decision::Accept);

        Site u("", "DAEMON_OPTIONS(`Port=2525, Name=LAN, M=u')dnl\n");
        Client lan = remote();
        lan.daemon = "LAN";
        CHECK(u.mail(lan, "<joe>").kind == Decision::Accept);
    }

    // --------------------------------------------------- delay_checks --

    TEST_CASE("delay_checks: client and sender rejections move to RCPT") {
        std::string map =
            "Connect:198.51.100.7 REJECT\nFrom:spammer@bad.example REJECT\n"
            "From:friend@bad.example OK\nSpam:abuse@ourhost.example FRIEND\n";
        Site s(map, "FEATURE(`delay_checks', `friend')dnl\n");
        SmtpPolicy p = s.policy();
        Client bad = client("198.51.100.7");
        CHECK(p.check_connect(bad).kind == Decision::Accept);
        p.check_helo(bad, "x");
        CHECK(p.check_mail(bad, path("<a@b.example>"), {}).kind == Decision::Accept);
        Decision d = p.check_rcpt(bad, path("<a@b.example>"), path("<john@ourhost.example>"),
                                  "john@ourhost.example", {});
        CHECK(d.reply.line() == "550 5.7.1 <john@ourhost.example>... Access denied");
        CHECK(d.log ==
              "ruleset=check_rcpt, arg1=<john@ourhost.example>, relay=[198.51.100.7], "
              "reject=550 5.7.1 <john@ourhost.example>... Access denied");

        // The example of reference/mta.md §1.3.
        SmtpPolicy q = s.policy();
        CHECK(q.check_mail(remote(), path("<spammer@bad.example>"), {}).kind == Decision::Accept);
        d = q.check_rcpt(remote(), path("<spammer@bad.example>"), path("<joe@localhost>"), "joe@localhost",
                         {});
        CHECK(d.reply.line() == "550 5.7.1 <joe@localhost>... Access denied");
        // A From: OK skips the client check; a Spam: FRIEND recipient skips both.
        d = q.check_rcpt(bad, path("<friend@bad.example>"), path("<john@ourhost.example>"),
                         "john@ourhost.example", {});
        CHECK(d.kind == Decision::Accept);
        d = q.check_rcpt(bad, path("<spammer@bad.example>"), path("<abuse@ourhost.example>"),
                         "abuse@ourhost.example", {});
        CHECK_MESSAGE(d.kind == Decision::Accept, show(d));
        // AUTH skips them too.
        Client auth = bad;
        auth.authenticated = true;
        d = q.check_rcpt(auth, path("<spammer@bad.example>"), path("<john@ourhost.example>"),
                         "john@ourhost.example", {});
        CHECK(d.kind == Decision::Accept);
        // Relay control still comes first.
        d = q.check_rcpt(bad, path("<a@b.example>"), path("<v@remote.example>"), "v@remote.example", {});
        CHECK(d.reply.line() == "550 5.7.1 <v@remote.example>... Relaying denied");
    }

    TEST_CASE("delay_checks, hater: only recipients that ask for it get the checks") {
        Site s("From:spammer@bad.example REJECT\nSpam:john@ourhost.example HATER\n",
               "FEATURE(`delay_checks', `hater')dnl\n");
        CHECK(s.rcpt(remote(), "<mary@ourhost.example>", "<spammer@bad.example>").kind == Decision::Accept);
        CHECK(s.rcpt(remote(), "<john@ourhost.example>", "<spammer@bad.example>").kind == Decision::Reject);
    }

    // ------------------------------------------------------- privacy --

    TEST_CASE("privacy: the defaults (authwarnings, novrfy, noexpn) reveal nothing") {
        Site s;
        REQUIRE(s.settings.privacy.count("novrfy"));
        SmtpPolicy p = s.policy();
        Client c = client("127.0.0.1", "localhost");
        CHECK(p.vrfy(c, "root").line() ==
              "252 2.5.2 Cannot VRFY user; try RCPT to attempt delivery (or try finger)");
        CHECK(p.expn(c, "allteam").line() == "502 5.7.0 Sorry, we do not allow this operation");
        REQUIRE(s.logs.size() == 2);
        CHECK(s.logs[0] == "localhost [127.0.0.1]: VRFY root [rejected]");
        CHECK(s.logs[1] == "localhost [127.0.0.1]: EXPN allteam [rejected]");
    }

    TEST_CASE("privacy: public VRFY and EXPN") {
        Site s("", "define(`confPRIVACY_FLAGS', `public')dnl\n");
        SmtpPolicy p = s.policy();
        Client c = remote();
        CHECK(p.vrfy(c, "root").line() == "250 2.1.5 <root@mx.ourhost.example>");
        CHECK(p.vrfy(c, "<john@ourhost.example>").line() == "250 2.1.5 <john@mx.ourhost.example>");
        CHECK(p.vrfy(c, "John Smith <john@OurHost.Example>").line() == "250 2.1.5 <john@mx.ourhost.example>");
        CHECK(p.vrfy(c, "nosuch").line() == "550 5.1.1 nosuch... User unknown");
        CHECK(p.vrfy(c, "<nosuch@ourhost.example>").line() ==
              "550 5.1.1 <nosuch@ourhost.example>... User unknown");
        CHECK(p.vrfy(c, "victim@remote.example").code == 252);
        CHECK(p.vrfy(c, "victim%remote.example@ourhost.example").code == 252);
        CHECK(p.vrfy(c, "").line() == "501 5.5.2 Argument required");
        CHECK(p.vrfy(c, "<<<").code == 501);
        smtp::Reply r = p.expn(c, "allteam");
        CHECK(r.code == 250);
        CHECK(r.enhanced == "2.1.5");
        CHECK(r.text == "<john@mx.ourhost.example>\n<mary@mx.ourhost.example>\n<peter@elsewhere.example>");
        CHECK(p.expn(c, "nosuch").line() == "550 5.1.1 nosuch... User unknown");
        CHECK(p.expn(c, "victim@remote.example").code == 502);
        CHECK(s.logs.empty());
        // Without a hook nothing can be verified or expanded.
        SmtpPolicy bare(s.settings, &*s.access, {});
        CHECK(bare.vrfy(c, "root").code == 252);
        CHECK(bare.expn(c, "root").code == 502);
    }

    TEST_CASE("privacy: goaway — HELO first, then nothing revealed") {
        Site s("", "define(`confPRIVACY_FLAGS', `goaway')dnl\n");
        for (const char* f : {"needmailhelo", "needvrfyhelo", "needexpnhelo", "novrfy", "noexpn"})
            CHECK_MESSAGE(s.settings.privacy.count(f), f);
        SmtpPolicy p = s.policy();
        Client c = remote();
        CHECK(p.vrfy(c, "root").line() == "503 5.0.0 I demand that you introduce yourself first.");
        CHECK(p.expn(c, "root").line() == "503 5.0.0 I demand that you introduce yourself first.");
        Decision d = p.check_mail(c, path("<a@b.example>"), {});
        CHECK(d.reply.line() == "503 5.0.0 Polite people say HELO first");
        p.check_helo(c, "client.remote.example");
        CHECK(p.vrfy(c, "root").code == 252);
        CHECK(p.expn(c, "root").code == 502);
        CHECK(p.check_mail(c, path("<a@b.example>"), {}).kind == Decision::Accept);
        // goaway leaves ETRN alone (it is not one of its flags).
        CHECK(p.etrn(c, "remote.example").code == 250);
    }

    TEST_CASE("privacy: ETRN, noetrn") {
        Site s;
        SmtpPolicy p = s.policy();
        Client c = remote();
        CHECK(p.etrn(c, "remote.example").line() == "250 2.0.0 Queuing for node remote.example started");
        CHECK(p.etrn(c, "@remote.example").line() == "250 2.0.0 Queuing for node @remote.example started");
        CHECK(p.etrn(c, "fail.example").line() == "458 4.0.0 Unable to queue messages for node fail.example");
        CHECK(p.etrn(c, "").line() == "501 5.5.2 Parameter required");
        CHECK(p.etrn(c, "bad host").line() == "501 5.5.4 Invalid parameter");
        CHECK(p.etrn(c, "bad\x01host").code == 501);
        CHECK(s.etrns == std::vector<std::string>{"remote.example", "@remote.example", "fail.example"});

        Site n("", "define(`confPRIVACY_FLAGS', `noetrn')dnl\n");
        SmtpPolicy q = n.policy();
        CHECK(q.etrn(c, "remote.example").line() == "502 5.7.0 Sorry, we do not allow this operation");
        REQUIRE(n.logs.size() == 1);
        CHECK(n.logs[0] == "client.remote.example [203.0.113.5]: ETRN remote.example [rejected]");
    }

    // -------------------------------------------------- the map itself --

    TEST_CASE("map spec: FEATURE(access_db) arguments give makemap's file") {
        struct Case {
            const char* spec;
            const char* db;
            bool optional;
        };
        const Case cases[] = {
            {"hash -T<TMPF> /etc/mail/access", "/etc/mail/access.db", false},
            {"hash -T<TMPF> -o /etc/mail/access.db", "/etc/mail/access.db", true},
            {"btree /var/maps/access", "/var/maps/access.db", false},
            {"sqlite -N maps/access", "/inst/maps/access.db", false},
        };
        for (const auto& c : cases) {
            CAPTURE(c.spec);
            auto s = parse_map_spec(c.spec, "/inst");
            REQUIRE(s.ok());
            CHECK(s->db_path == c.db);
            CHECK(s->optional == c.optional);
        }
        CHECK_FALSE(parse_map_spec("ldap -k uid=%0", "/").ok());
        CHECK_FALSE(parse_map_spec("hash -o -T<TMPF>", "/").ok());
        CHECK_FALSE(parse_map_spec("", "/").ok());

        auto none = config::parse_mc("dnl\n", "/x/sendmail.mc");
        REQUIRE(none.ok());
        auto s = access_map_spec(*none);
        REQUIRE(s.ok());
        CHECK_FALSE(s->has_value());
        auto dflt = config::parse_mc("FEATURE(`access_db')dnl\n", "/x/sendmail.mc");
        REQUIRE(dflt.ok());
        s = access_map_spec(*dflt);
        REQUIRE(s.ok());
        REQUIRE(s->has_value());
        CHECK((*s)->db_path == "/etc/mail/access.db");
        CHECK((*s)->optional);
        auto inst = config::parse_mc("define(`MAILROOM_INSTANCE', `/srv/inst')dnl\nFEATURE(`access_db')dnl\n",
                                     "/srv/inst/sendmail.mc");
        REQUIRE(inst.ok());
        s = access_map_spec(*inst);
        REQUIRE(s.ok());
        CHECK((*s)->db_path == "/srv/inst/maps/access.db");
    }

    TEST_CASE("map: missing means 451 unless optional; a rebuilt map is seen at once") {
        Site s("", "", false);  // access_db without -o, no access.db yet
        Decision d = s.mail(remote(), "<a@b.example>");
        CHECK(d.reply.line() ==
              "451 4.3.0 <a@b.example>... Temporary system failure. Please try again later.");
        CHECK(s.rcpt(client("127.0.0.1"), "<john@ourhost.example>", "<>").reply.code == 451);
        CHECK(s.policy().check_connect(remote()).reply.code == 451);

        makemap(s.dir.file("access"), "From:b.example REJECT\n");
        CHECK(s.mail(remote(), "<a@b.example>").reply.line() == "550 5.7.1 <a@b.example>... Access denied");
        makemap(s.dir.file("access"), "From:b.example OK\n");
        CHECK(s.mail(remote(), "<a@b.example>").kind == Decision::Accept);

        AccessMap optional(MapSpec{"hash", s.dir.file("nothere.db"), true});
        REQUIRE(optional.refresh().ok());
        auto m = optional.host(Tag::From, "b.example");
        REQUIRE(m.ok());
        CHECK_FALSE(m->has_value());

        // FEATURE(access_db) on but no AccessMap given: 451, never "allowed".
        SmtpPolicy none(s.settings, nullptr, {});
        CHECK(none.check_rcpt(remote(), path("<a@b.example>"), path("<v@remote.example>"), "v@remote.example",
                              {})
                  .reply.code == 451);
    }

    // ------------------------------------------------------- hostile --

    TEST_CASE("hostile input: huge, empty and weird values never crash") {
        Site s(std::string(k_seed_access) + std::string(3000, 'k') + " REJECT\n");
        SmtpPolicy p = s.policy();
        std::string big_label(100000, 'a');
        std::string many_labels;
        for (int i = 0; i < 20000; ++i) many_labels += "a.";
        many_labels += "elementaryhackers.com";
        std::string weird = std::string("x\0y\r\n\xff\x80%@!\"<>", 14);
        std::vector<Client> clients{client(""),
                                    client("not-an-ip", std::string(100000, 'n')),
                                    client(":::::", weird),
                                    client("1.2.3.4.5.6"),
                                    client("[1.2.3.4]", "[1.2.3.4]"),
                                    client("IPv6:::1"),
                                    client(std::string(5000, '1'))};
        std::vector<address::Path> paths;
        for (const std::string& l : {std::string(), big_label, weird, std::string(5000, '%'),
                                     std::string(5000, '!'), std::string(5000, '@') + "x"})
            for (const std::string& d :
                 {std::string(), big_label, many_labels, weird, std::string("[") + weird + "]",
                  std::string("[IPv6:") + big_label + "]", std::string(300, '.'),
                  std::string("ourhost.example")}) {
                address::Path pa;
                pa.local = l;
                pa.domain = d;
                pa.raw_route = l.size() < 10 ? "@" + weird : "";
                paths.push_back(pa);
            }
        address::Path null_path;
        null_path.null = true;
        paths.push_back(null_path);
        for (const auto& c : clients) {
            Decision d = p.check_connect(c);
            CHECK(d.reply.line().size() < 1024);
            p.check_helo(c, weird);
            for (const auto& pa : paths) {
                Decision m = p.check_mail(c, pa, {{"SIZE", weird}});
                CHECK(m.reply.line().size() < 1024);
                CHECK(m.log.size() < 2048);
                Decision r = p.check_rcpt(c, pa, pa, weird, {});
                CHECK(r.reply.line().size() < 1024);
                CHECK(r.reply.line().find('\n') == std::string::npos);
                CHECK(r.reply.line().find('\r') == std::string::npos);
                CHECK(r.log.find('\n') == std::string::npos);
            }
            for (const std::string& a : {weird, big_label, many_labels, std::string(5000, '<')}) {
                CHECK(p.vrfy(c, a).line().size() < 1024);
                CHECK(p.expn(c, a).line().size() < 1024);
                CHECK(p.etrn(c, a).line().size() < 1024);
            }
        }
        // A hostile name cannot hide a listed domain behind many labels.
        SmtpPolicy q = s.policy();
        Decision d = q.check_connect(client("198.51.100.9", many_labels.substr(many_labels.size() - 200)));
        CHECK(d.kind == Decision::Reject);
        // Every log line stays one line, printable.
        for (const auto& l : s.logs) CHECK(l.find_first_of(std::string("\r\n\0", 3)) == std::string::npos);
    }
}
