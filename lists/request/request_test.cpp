// request_test.cpp — unit tests for request.h: the command table, every
// spelling and malformed form, Subject handling, the end of the commands,
// the line cap, decoding the text part, hostile input, run(), the reply's
// exact text, help_text and the auto-reply guard.
#include "lists/request/request.h"

#include "libmail/mime/transfer.h"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

namespace req = mail::lists::request;

namespace {

const std::string k_tok = "0123456789abcdef0123456789abcdef";
const std::string k_tok2 = "fedcba9876543210fedcba9876543210";
const std::string k_ff = "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER

// One line per result: "C name k=v …[ (subject)]", "U line => why",
// "I line".
std::string render(const req::Parsed& p) {
    std::string out;
    for (const auto& c : p.commands) {
        out += "C " + std::string(req::spec(c.verb).name);
        for (const auto& [k, v] : c.options) out += " " + k + "=" + v;
        if (c.from_subject) out += " (subject)";
        out += "\n";
    }
    for (const auto& u : p.unprocessed) out += "U " + u.line + " => " + u.why + "\n";
    for (const auto& i : p.ignored) out += "I " + i + "\n";
    return out;
}

std::string one(std::string_view line) {
    return render(req::parse_lines({std::string(line)}));
}

struct Case {
    std::string in;
    std::string want;
};

class FakeHandler : public req::Handler {
public:
    explicit FakeHandler(bool moderator) : m_moderator(moderator) {}
    bool is_moderator() override {
        ++asked;
        return m_moderator;
    }
    std::vector<std::string> proceed(const req::Command& c) override {
        std::string name(req::spec(c.verb).name);
        calls.push_back(name);
        return {"did " + name};
    }
    int asked = 0;
    std::vector<std::string> calls;

private:
    bool m_moderator;
};

}  // namespace

TEST_SUITE("lists.request") {
    TEST_CASE("the table: one row per verb, every spelling found") {
        std::set<req::Verb> seen;
        for (const auto& c : req::command_table()) {
            CHECK_MESSAGE(seen.insert(c.verb).second, "verb twice: ", c.name);
            CHECK(&req::spec(c.verb) == &c);
            CHECK(req::find_command(c.name) == &c);
            CHECK(!c.syntax.empty());
            CHECK(!c.help.empty());
            CHECK(c.min_args <= c.max_args);
        }
        CHECK(seen.size() == 13);
        const std::pair<const char*, req::Verb> spellings[] = {
            {"help", req::Verb::Help},
            {"info", req::Verb::Info},
            {"lists", req::Verb::Lists},
            {"who", req::Verb::Who},
            {"subscribe", req::Verb::Subscribe},
            {"join", req::Verb::Subscribe},
            {"unsubscribe", req::Verb::Unsubscribe},
            {"leave", req::Verb::Unsubscribe},
            {"remove", req::Verb::Unsubscribe},
            {"set", req::Verb::Set},
            {"confirm", req::Verb::Confirm},
            {"approve", req::Verb::Approve},
            {"reject", req::Verb::Reject},
            {"discard", req::Verb::Discard},
            {"echo", req::Verb::Echo},
            {"end", req::Verb::End},
            {"stop", req::Verb::End},
            {"JOIN", req::Verb::Subscribe},
            {"Stop", req::Verb::End},
        };
        for (const auto& [word, verb] : spellings) {
            const auto& shown_word = word;  // clang 14: a structured binding cannot be captured
            CAPTURE(shown_word);
            const req::CommandSpec* s = req::find_command(word);
            REQUIRE(s != nullptr);
            CHECK(s->verb == verb);
        }
        for (std::string_view bad :
             {std::string_view(""), std::string_view("subscribe2"), std::string_view("sub"),
              std::string_view("cmd_help"), std::string_view("help."), std::string_view("he\0lp", 5),
              std::string_view("help\0", 5)}) {
            CAPTURE(bad);
            CHECK(req::find_command(bad) == nullptr);
        }
        CHECK(req::spec(req::Verb::Approve).access == req::Access::Moderator);
        CHECK(req::spec(req::Verb::Reject).access == req::Access::Moderator);
        CHECK(req::spec(req::Verb::Discard).access == req::Access::Moderator);
        CHECK(req::spec(req::Verb::Confirm).access == req::Access::Anyone);
        CHECK(req::spec(req::Verb::Subscribe).access == req::Access::Anyone);
    }

    TEST_CASE("every verb and spelling, with what the check understood") {
        const Case cases[] = {
            {"help", "C help\n"},
            {"HELP", "C help\n"},
            {"help subscribe", "C help command=subscribe\n"},
            {"help join", "C help command=subscribe\n"},
            {"help STOP", "C help command=end\n"},
            {"info", "C info\n"},
            {"lists", "C lists\n"},
            {"who", "C who\n"},
            {"subscribe", "C subscribe\n"},
            {"join", "C subscribe\n"},
            {"Subscribe address=joe@example.org digest", "C subscribe address=joe@example.org digest=on\n"},
            {"subscribe nodigest ADDRESS=<Joe@Example.ORG>",
             "C subscribe address=Joe@Example.ORG digest=off\n"},
            {"join digest", "C subscribe digest=on\n"},
            {"subscribe address=joe.bloggs+lists@mail.example.org",
             "C subscribe address=joe.bloggs+lists@mail.example.org\n"},
            {"subscribe address=joe@localhost", "C subscribe address=joe@localhost\n"},
            {"unsubscribe", "C unsubscribe\n"},
            {"leave", "C unsubscribe\n"},
            {"remove", "C unsubscribe\n"},
            {"leave address=joe@example.org", "C unsubscribe address=joe@example.org\n"},
            {"set digest on", "C set digest=on\n"},
            {"set digest off", "C set digest=off\n"},
            {"set digest plain", "C set digest=plain\n"},
            {"set digest MIME", "C set digest=on\n"},
            {"set nomail on", "C set nomail=on\n"},
            {"SET NoMail OFF", "C set nomail=off\n"},
            {"confirm " + k_tok, "C confirm token=" + k_tok + "\n"},
            {"approve " + k_tok, "C approve token=" + k_tok + "\n"},
            {"reject " + k_tok, "C reject token=" + k_tok + "\n"},
            {"discard " + k_tok, "C discard token=" + k_tok + "\n"},
            {"echo hello   world", "C echo text=hello world\n"},
            {"echo", "C echo text=\n"},
            {"end", "C end\n"},
            {"stop", "C end\n"},
            {"\t  who  \t", "C who\n"},
            {"who\r", "C who\n"},
            {"confirm\xc2\xa0" + k_tok, "C confirm token=" + k_tok + "\n"},  // a no-break space
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(one(c.in) == c.want);
        }
    }

    TEST_CASE("the command line is kept trimmed, with the arguments as written") {
        req::Parsed p = req::parse_lines({"   Subscribe   Digest  address=joe@example.org \t"});
        REQUIRE(p.commands.size() == 1);
        CHECK(p.commands[0].line == "Subscribe   Digest  address=joe@example.org");
        CHECK(p.commands[0].args == std::vector<std::string>{"Digest", "address=joe@example.org"});
        CHECK_FALSE(p.commands[0].from_subject);
    }

    TEST_CASE("every malformed form, with its reason") {
        const std::string set_usage = "Usage: set <digest|nomail> <on|off>";
        const std::string sub_usage = "Usage: subscribe [address=<address>] [digest|nodigest]";
        const std::string not_token = " is not a confirmation string (32 lower-case hexadecimal digits).";
        const std::string long_local(65, 'a');
        const std::string long_label(64, 'd');  // RFC 1035: labels of at most 63 bytes
        const Case cases[] = {
            {"frobnicate", "No such command \"frobnicate\"."},
            {"Thanks!", "No such command \"Thanks!\"."},
            {"end.", "No such command \"end.\"."},
            {"supercalifragilisticexpialidocious-and-then-some more",
             "No such command \"supercalifragilisticexpialidocious-and-t...\"."},
            {"info please", "Usage: info"},
            {"lists all", "Usage: lists"},
            {"who cares", "Usage: who"},
            {"help me now", "Usage: help [command]"},
            {"help me", "No such command \"me\"."},
            {"end now", "Usage: end"},
            {"stop it", "Usage: end"},
            {"set", set_usage},
            {"set digest", set_usage},
            {"set digest on now", set_usage},
            {"set ack on", "Unknown option \"ack\". " + set_usage},
            {"set digest maybe", "\"maybe\" is not on or off. " + set_usage},
            {"set nomail yes", "\"yes\" is not on or off. " + set_usage},
            {"confirm", "Usage: confirm <confirmation-string>"},
            {"confirm " + k_tok + " " + k_tok, "Usage: confirm <confirmation-string>"},
            {"confirm 0123", "\"0123\"" + not_token},
            {"confirm 0123456789ABCDEF0123456789ABCDEF", "\"0123456789ABCDEF0123456789ABCDEF\"" + not_token},
            {"confirm " + k_tok + "0", "\"" + k_tok + "0\"" + not_token},
            {"confirm " + k_tok.substr(1), "\"" + k_tok.substr(1) + "\"" + not_token},
            {"confirm 0123456789abcdef0123456789abcdeg", "\"0123456789abcdef0123456789abcdeg\"" + not_token},
            {"approve now", "\"now\"" + not_token},
            {"approve", "Usage: approve <confirmation-string>"},
            {"reject", "Usage: reject <confirmation-string>"},
            {"discard", "Usage: discard <confirmation-string>"},
            {"reject " + k_tok + " spam", "Usage: reject <confirmation-string>"},
            {"subscribe now", "Unknown argument \"now\". " + sub_usage},
            {"subscribe a b c", sub_usage},
            {"subscribe digest digest", "digest or nodigest is given more than once."},
            {"subscribe digest nodigest", "digest or nodigest is given more than once."},
            {"subscribe address=a@example.org address=b@example.org", "address= is given more than once."},
            {"unsubscribe digest", "Unknown argument \"digest\". Usage: unsubscribe [address=<address>]"},
            {"unsubscribe address=a@example.org now", "Usage: unsubscribe [address=<address>]"},
            {"subscribe address=", "address= needs an address, as in address=you@example.org."},
            {"subscribe address=joe", "\"joe\" has no domain; write it as you@example.org."},
            {"subscribe address=Joe<joe@example.org>",
             "\"Joe<joe@example.org>\" is not a plain address such as you@example.org."},
            {"subscribe address=joe@example.org(Joe)",
             "\"joe@example.org(Joe)\" is not a plain address such as you@example.org."},
            {"subscribe address=$(id)@example.org",
             "\"$(id)@example.org\" is not a plain address such as you@example.org."},
            {"subscribe address=joe@example.org,eve@example.org",
             "\"joe@example.org,eve@example.org\" is not a plain address such as you@example.org."},
            {"subscribe address=<joe@example.org",
             "\"<joe@example.org\" is not a plain address such as you@example.org."},
            {"subscribe address=joe@[192.0.2.1]",
             "\"joe@[192.0.2.1]\" uses a routing form that is not accepted (domain-literal)."},
            {"subscribe address=joe%eve@example.org",
             "\"joe%eve@example.org\" uses a routing form that is not accepted (percent-hack)."},
            {"subscribe address=eve!joe@example.org",
             "\"eve!joe@example.org\" uses a routing form that is not accepted (bang-path)."},
            {"subscribe address=joe@example.org.",
             "\"joe@example.org.\" uses a routing form that is not accepted (trailing-dot)."},
            {"subscribe address=joe@exa_mple.org",
             "\"joe@exa_mple.org\" does not end in a valid domain name."},
            {"subscribe address=joe@-example.org",
             "\"joe@-example.org\" does not end in a valid domain name."},
            {"subscribe address=joe@example-.org",
             "\"joe@example-.org\" does not end in a valid domain name."},
            {"subscribe address=joe@" + long_label + ".org",
             "\"joe@" + std::string(36, 'd') + "...\" does not end in a valid domain name."},
            {"subscribe address=-joe@example.org",
             "\"-joe@example.org\" starts with \"-\", which is not accepted."},
            {"subscribe address=" + long_local + "@example.org",
             "The part before \"@\" is too long (more than 64 bytes)."},
            {"subscribe address=" + std::string(243, 'a') + "@example.org",
             "The address is too long (more than 254 bytes)."},
            {"subscribe address=j\xc3\xb6"
             "e@example.org",
             "The address must be plain ASCII text."},
            {"leave address=joe@exa\x01mple.org", "The address must be plain ASCII text."},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            req::Parsed p = req::parse_lines({c.in});
            CHECK(p.commands.empty());
            REQUIRE(p.unprocessed.size() == 1);
            CHECK(p.unprocessed[0].why == c.want);
            CHECK(p.ignored.empty());
        }
    }

    TEST_CASE("unprocessed lines are shown printable and bounded") {
        // An over-long line is not parsed (cut, it could name another address).
        std::string longline = "subscribe address=" + std::string(600, 'a') + "@example.org";
        CHECK(one(longline) == "U subscribe address=" + std::string(54, 'a') +
                                   "... => The line is too long (more than 512 bytes).\n");
        // 512 bytes exactly is parsed.
        std::string echo512 = "echo " + std::string(507, 'x');
        CHECK(one(echo512) == "C echo text=" + std::string(507, 'x') + "\n");
        // NUL, other controls and bytes that are not UTF-8.
        CHECK(one(std::string("who\0", 4)) == "U who" + k_ff + " => No such command \"who" + k_ff + "\".\n");
        CHECK(one("\xff\xfe") == "U " + k_ff + k_ff + " => No such command \"" + k_ff + k_ff + "\".\n");
        CHECK(one("echo a\x1b[31mb") == "C echo text=a\x1b[31mb\n");  // options keep the bytes …
        req::Parsed p = req::parse_lines({"echo a\x1b[31mb"});
        REQUIRE(p.commands.size() == 1);
        CHECK(p.commands[0].line == "echo a" + k_ff + "[31mb");  // … the shown line does not
    }

    TEST_CASE("blank and quoted lines are skipped and not counted") {
        req::Parsed p = req::parse_lines({"", "> confirm " + k_tok, "   ", "  > who", "\xc2\xa0", "lists"});
        CHECK(render(p) == "C lists\n");
        std::vector<std::string> lines;
        for (int i = 0; i < 25; ++i) {
            lines.push_back("echo " + std::to_string(i));
            lines.push_back("");
            lines.push_back("> quoted");
        }
        p = req::parse_lines(lines);
        CHECK(p.commands.size() == 25);
        CHECK(p.ignored.empty());
    }

    TEST_CASE("a signature, end and stop end the commands; the rest is ignored") {
        CHECK(render(req::parse_lines({"who", "-- ", "Joe Bloggs", "", "subscribe"})) ==
              "C who\nI --\nI Joe Bloggs\nI subscribe\n");
        CHECK(render(req::parse_lines({"who", "--Joe", "info"})) == "C who\nI --Joe\nI info\n");
        CHECK(render(req::parse_lines({"info", "end", "who", "", "> quoted", "lists"})) ==
              "C info\nC end\nI who\nI > quoted\nI lists\n");
        CHECK(render(req::parse_lines({"STOP", "who"})) == "C end\nI who\n");
        // "end" with words is not an end.
        CHECK(render(req::parse_lines({"end of list", "who"})) == "C who\nU end of list => Usage: end\n");
    }

    TEST_CASE("at most 25 lines are read; at most 20 ignored lines are kept") {
        std::vector<std::string> lines;
        for (int i = 1; i <= 30; ++i) lines.push_back("echo " + std::to_string(i));
        req::Parsed p = req::parse_lines(lines);
        REQUIRE(p.commands.size() == 25);
        CHECK(p.commands.back().line == "echo 25");
        CHECK(p.ignored == std::vector<std::string>{"echo 26", "echo 27", "echo 28", "echo 29", "echo 30"});

        // Unprocessed lines count too.
        lines.assign(24, "nonsense");
        lines.push_back("who");
        lines.push_back("info");
        p = req::parse_lines(lines);
        CHECK(p.unprocessed.size() == 24);
        CHECK(render(req::parse_lines(lines)).find("C who\n") != std::string::npos);
        CHECK(p.ignored == std::vector<std::string>{"info"});

        for (const auto& [extra, note] : std::vector<std::pair<int, std::string>>{
                 {20, ""}, {21, "(1 more line)"}, {30, "(10 more lines)"}}) {
            const int shown_extra = extra;  // clang 14: a structured binding cannot be captured
            CAPTURE(shown_extra);
            lines.assign(25, "who");
            for (int i = 0; i < extra; ++i) lines.push_back("x" + std::to_string(i));
            p = req::parse_lines(lines);
            REQUIRE(p.ignored.size() == (note.empty() ? 20u : 21u));
            CHECK(p.ignored[19] == "x19");
            if (!note.empty()) CHECK(p.ignored[20] == note);
        }
    }

    TEST_CASE("a token named twice is done once") {
        CHECK(render(req::parse_lines({"confirm " + k_tok, "approve " + k_tok, "confirm " + k_tok2})) ==
              "C confirm token=" + k_tok + "\nC confirm token=" + k_tok2 + "\nU approve " + k_tok +
                  " => This confirmation string was already given above.\n");
    }

    TEST_CASE("strip_subject_prefixes") {
        const Case cases[] = {
            {"Re: confirm x", "confirm x"},
            {"Re: Re: RE: re:confirm x", "confirm x"},
            {"RE : confirm x", "confirm x"},
            {"Fwd: Fw: AW: Aw: SV: Sv: VS: Antw: WG: TR: R: RIF: Ref: Odp: RES: Enc: who", "who"},
            {"[team] Re: [other-list] subscribe", "subscribe"},
            {"Re[2]: Re(3): Re^4: who", "who"},
            {"Re\xef\xbc\x9a who", "who"},
            {"  Re:   who  ", "who  "},
            {"Reply: who", "Reply: who"},
            {"Re who", "Re who"},
            {"Re[x]: who", "Re[x]: who"},
            {"Re[12345]: who", "Re[12345]: who"},
            {"[unclosed who", "[unclosed who"},
            {"[" + std::string(200, 'x') + "] who", "[" + std::string(200, 'x') + "] who"},
            {"Re:", ""},
            {"", ""},
            {"confirm x", "confirm x"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(req::strip_subject_prefixes(c.in) == c.want);
        }
    }

    TEST_CASE("the Subject: tried first, dropped silently when it is not a command and the body has one") {
        const Case cases[] = {
            {"Subject: Re: Re: confirm " + k_tok + "\n\n", "C confirm token=" + k_tok + " (subject)\n"},
            {"Subject: AW: [team] Fwd: subscribe\n\nwho\n", "C subscribe (subject)\nC who\n"},
            {"Subject: help\n\n", "C help (subject)\n"},
            {"Subject: hello there\n\nwho\n", "C who\n"},
            {"Subject: hello there\n\n", "U hello there => No such command \"hello\".\n"},
            {"Subject: hello\n\nthanks\n",
             "U hello => No such command \"hello\".\nU thanks => No such command \"thanks\".\n"},
            {"Subject: Re: confirm 123\n\nwho\n", "C who\n"},
            {"Subject: Re: confirm 123\n\n",
             "U confirm 123 => \"123\" is not a confirmation string (32 lower-case hexadecimal digits).\n"},
            {"Subject: Help with my subscription\n\nunsubscribe\n", "C unsubscribe\n"},
            {"Subject: end\n\nwho\n", "C who\n"},
            {"Subject: stop\n\n", ""},
            {"Subject: hello\n\nend\n", "C end\nU hello => No such command \"hello\".\n"},
            {"Subject:\n\nwho\n", "C who\n"},
            {"Subject: Re: \n\n", ""},
            {"From: a@example.org\n\nwho\n", "C who\n"},
            // the same token in the Subject and the body
            {"Subject: Re: confirm " + k_tok + "\n\nconfirm " + k_tok + "\n",
             "C confirm token=" + k_tok + " (subject)\nU confirm " + k_tok +
                 " => This confirmation string was already given above.\n"},
            // the body's quoted copy is not read
            {"Subject: Re: confirm " + k_tok + "\n\nyes please\n\n> confirm " + k_tok + "\n",
             "C confirm token=" + k_tok + " (subject)\nU yes please => No such command \"yes\".\n"},
            // RFC 2047 encoded words, folding, CR and NUL in the Subject
            {"Subject: =?utf-8?q?confirm_" + k_tok + "?=\n\n", "C confirm token=" + k_tok + " (subject)\n"},
            {"Subject: =?UTF-8?B?UmU6IHN1YnNjcmliZQ==?=\n\n", "C subscribe (subject)\n"},
            {"Subject: confirm\r\n " + k_tok + "\r\n\r\n", "C confirm token=" + k_tok + " (subject)\n"},
            {"Subject: who\rinfo\n\n", "U who info => Usage: who\n"},
            {"Subject: =?utf-8?q?who=0D=0AX-Injected:_yes?=\n\n", "U who X-Injected: yes => Usage: who\n"},
            {std::string("Subject: who\0\n\n", 15),
             "U who" + k_ff + " => No such command \"who" + k_ff + "\".\n"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(render(req::parse(c.in)) == c.want);
        }
    }

    TEST_CASE("the body: the first text/plain part, decoded, charset as it is") {
        const std::string b64 = mail::mime::encode_base64("who\nlists\n");
        const Case cases[] = {
            {"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n" + b64, "C who\nC lists\n"},
            {"Content-Transfer-Encoding: quoted-printable\n\nsubscribe "
             "address=3Djoe@example.org\nsubscr=\nibe digest\n",
             "C subscribe address=joe@example.org\nC subscribe digest=on\n"},
            {"Content-Type: text/plain\r\n\r\nwho\r\ninfo\r\n", "C who\nC info\n"},
            {"Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: "
             "text/html\n\n<p>lists</p>\n"
             "--b\nContent-Type: text/plain\n\nwho\n--b--\n",
             "C who\n"},
            {"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n"
             "Content-Disposition: attachment; filename=a.txt\n\nlists\n--b\nContent-Type: "
             "text/plain\n\ninfo\n--b--\n",
             "C info\n"},
            {"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\n"
             "Subject: x\n\nunsubscribe\n--b--\n",
             ""},
            {"Content-Type: text/html\n\nwho\n", ""},
            {"Content-Type: text/plain; charset=iso-8859-1\n\nwho\n\xe9t\xe9\n",
             "C who\nU " + k_ff + "t" + k_ff + " => No such command \"" + k_ff + "t" + k_ff + "\".\n"},
            {"From joe@example.org Mon Jan  1 00:00:00 2024\nSubject: who\n\n", "C who (subject)\n"},
            {"", ""},
            {"\n\n\n", ""},
            {"who\ninfo\n", "C who\nC info\n"},  // no header section at all
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(render(req::parse(c.in)) == c.want);
        }
    }

    TEST_CASE("a 100 MB message: only the start is read, and the note says so") {
        // 4 + 5461 * 12 = 65536 bytes of text are decoded: "who", 24 filler
        // lines unprocessed (25 lines), 20 of the remaining 5437 ignored.
        std::string msg = "Subject: hello\n\nwho\n";
        msg.reserve(100u << 20);
        while (msg.size() < (100u << 20)) msg += "filler line\n";
        req::Parsed p = req::parse(msg);
        REQUIRE(p.commands.size() == 1);
        CHECK(p.unprocessed.size() == 24);
        REQUIRE(p.ignored.size() == 21);
        CHECK(p.ignored.back() == "(5417 more lines; the rest of the message was not read)");

        // One 100 MB line: nothing is a command.
        std::string one_line = "Subject: x y\n\n" + std::string(100u << 20, 'w');
        p = req::parse(one_line);
        CHECK(render(p) == "U x y => No such command \"x\".\nI (the rest of the message was not read)\n");

        // A command cut by the limit is not read: 16381 quoted lines of 4
        // bytes, then the command starts at byte 65524 of the text.
        std::string cut = "\n";
        for (int i = 0; i < 16381; ++i) cut += "> q\n";
        cut += "subscribe address=joe@example.com\n";
        cut += std::string(1u << 20, '\n');
        CHECK(render(req::parse(cut)) == "I (the rest of the message was not read)\n");

        // A header bigger than what is read.
        std::string header = "X-Junk: " + std::string(2u << 20, 'j') + "\nSubject: who\n\nwho\n";
        CHECK(render(req::parse(header)) == "I (the rest of the message was not read)\n");
    }

    TEST_CASE("run: echo and end answered here, moderators checked, the rest proceeded") {
        req::Parsed p = req::parse_lines(
            {"echo hi   there", "subscribe", "approve " + k_tok, "reject " + k_tok2, "end", "who"});
        FakeHandler user(false);
        std::vector<req::Outcome> out = req::run(p, user);
        REQUIRE(out.size() == 5);
        CHECK(out[0].command_line == "echo hi   there");
        CHECK(out[0].result_lines == std::vector<std::string>{"hi there"});
        CHECK(out[1].result_lines == std::vector<std::string>{"did subscribe"});
        CHECK(out[2].result_lines ==
              std::vector<std::string>{"Only the list's owners and moderators can use \"approve\"."});
        CHECK(out[3].result_lines ==
              std::vector<std::string>{"Only the list's owners and moderators can use \"reject\"."});
        CHECK(out[4].command_line == "end");
        CHECK(out[4].result_lines.empty());
        CHECK(user.calls == std::vector<std::string>{"subscribe"});
        CHECK(user.asked == 1);

        FakeHandler moderator(true);
        out = req::run(p, moderator);
        CHECK(moderator.calls == std::vector<std::string>{"subscribe", "approve", "reject"});
        CHECK(out[2].result_lines == std::vector<std::string>{"did approve"});

        FakeHandler nobody(false);
        out = req::run(req::parse_lines({"who", "echo"}), nobody);
        CHECK(nobody.asked == 0);
        CHECK(out[1].result_lines.empty());
    }

    TEST_CASE("format_reply: Mailman's layout, exactly") {
        std::vector<req::Outcome> results = {
            {"subscribe", {"A confirmation was sent to joe@example.org."}},
            {"echo hi", {"hi"}},
            {"end", {}},
        };
        std::vector<req::Unprocessed> unprocessed = {{"frobnicate", "No such command \"frobnicate\"."}};
        std::vector<std::string> ignored = {"--", "Joe"};
        CHECK(req::format_reply(results, unprocessed, ignored) ==
              "The results of your email command are provided below.\n"
              "\n"
              "- Results:\n"
              "    subscribe\n"
              "        A confirmation was sent to joe@example.org.\n"
              "    echo hi\n"
              "        hi\n"
              "    end\n"
              "\n"
              "- Unprocessed:\n"
              "    frobnicate\n"
              "        No such command \"frobnicate\".\n"
              "\n"
              "- Ignored:\n"
              "    --\n"
              "    Joe\n"
              "\n"
              "- Done.\n");
        CHECK(req::format_reply({}, {}, {}) ==
              "The results of your email command are provided below.\n\n- Done.\n");
        CHECK(req::format_reply({}, {}, {"(3 more lines)"}) ==
              "The results of your email command are provided below.\n\n- Ignored:\n    (3 more lines)\n\n- "
              "Done.\n");
        CHECK(req::format_reply({}, {{"x", "y"}}, {}) ==
              "The results of your email command are provided below.\n\n- Unprocessed:\n    x\n        "
              "y\n\n- Done.\n");
        // Result lines with line breaks are indented piece by piece; blank
        // pieces stay blank; controls cannot reach the reply.
        CHECK(req::format_reply({{"help", {"Help for x\n\n    who\r\n", "a\x01\tb "}}}, {}, {}) ==
              "The results of your email command are provided below.\n"
              "\n"
              "- Results:\n"
              "    help\n"
              "        Help for x\n"
              "\n"
              "            who\n"
              "\n"
              "        a" +
                  k_ff +
                  " b\n"
                  "\n"
                  "- Done.\n");
    }

    TEST_CASE("a whole exchange: parse, run, reply") {
        std::string msg =
            "From: Joe <joe@example.org>\n"
            "Subject: Re: [team] confirm " +
            k_tok +
            "\n"
            "\n"
            "set digest on\n"
            "set digest sometimes\n"
            "\n"
            "-- \n"
            "Joe\n";
        req::Parsed p = req::parse(msg);
        FakeHandler h(false);
        CHECK(req::format_reply(req::run(p, h), p.unprocessed, p.ignored) ==
              "The results of your email command are provided below.\n"
              "\n"
              "- Results:\n"
              "    confirm " +
                  k_tok +
                  "\n"
                  "        did confirm\n"
                  "    set digest on\n"
                  "        did set\n"
                  "\n"
                  "- Unprocessed:\n"
                  "    set digest sometimes\n"
                  "        \"sometimes\" is not on or off. Usage: set <digest|nomail> <on|off>\n"
                  "\n"
                  "- Ignored:\n"
                  "    --\n"
                  "    Joe\n"
                  "\n"
                  "- Done.\n");
    }

    TEST_CASE("help_text") {
        const std::string want =
            "Help for the team mailing list\n"
            "\n"
            "This is the email command help for the team mailing list.\n"
            "Commands go in the Subject or the body of a message, one command per\n"
            "line.  At most 25 lines of the body are read; a line starting with \"--\"\n"
            "ends the commands, so a signature is not read.\n"
            "\n"
            "Words in <> are required and words in [] are optional; do not type\n"
            "the <> or [] themselves.\n"
            "\n"
            "The following commands are valid:\n"
            "\n"
            "    confirm <confirmation-string>\n"
            "        Confirm an action, such as joining or leaving the list, with the\n"
            "        confirmation string from the notice you were sent.  Replying to the\n"
            "        notice does the same.\n"
            "\n"
            "    echo [words]\n"
            "        Send the words back; a way to test that commands arrive.\n"
            "\n"
            "    end\n"
            "        Stop reading commands (\"stop\" does the same, and so does a line\n"
            "        starting with \"--\", as a signature does).\n"
            "\n"
            "    help [command]\n"
            "        Send this help, or the help for one command.\n"
            "\n"
            "    info\n"
            "        Send the list's description and how it is run.\n"
            "\n"
            "    lists\n"
            "        Send the mailing lists at this site.\n"
            "\n"
            "    set <digest|nomail> <on|off>\n"
            "        \"set digest on\" sends you the posts in digests (\"set digest plain\"\n"
            "        in plain-text ones), \"set digest off\" one by one.  \"set nomail on\"\n"
            "        stops mail to you without leaving the list, \"set nomail off\" starts\n"
            "        it again.\n"
            "\n"
            "    subscribe [address=<address>] [digest|nodigest]\n"
            "        Join the list (\"join\" does the same).  With address=, another\n"
            "        address joins; the confirmation always goes to the address that\n"
            "        joins.  \"digest\" asks for the posts in digests.\n"
            "\n"
            "    unsubscribe [address=<address>]\n"
            "        Leave the list (\"leave\" and \"remove\" do the same).  The\n"
            "        confirmation goes to the address that leaves.\n"
            "\n"
            "    who\n"
            "        Send the list's members, when the list lets you see them.\n"
            "\n"
            "Moderators of the list can also use:\n"
            "\n"
            "    approve <confirmation-string>\n"
            "        Approve the held post that the confirmation string names: it goes\n"
            "        to the list.\n"
            "\n"
            "    discard <confirmation-string>\n"
            "        Throw away the held post that the confirmation string names, without\n"
            "        telling its sender.\n"
            "\n"
            "    reject <confirmation-string>\n"
            "        Refuse the held post that the confirmation string names; its sender\n"
            "        is told.\n"
            "\n"
            "Commands should be sent to team-request@example.org\n"
            "\n"
            "Questions and concerns for the attention of a person should be sent to\n"
            "\n"
            "    team-owner@example.org\n";
        CHECK(req::help_text("team", "team-request@example.org", "team-owner@example.org") == want);
        // Every help line fits in 68 columns, so indented it stays under 78.
        for (const auto& c : req::command_table())
            for (std::size_t pos = 0, nl; pos <= c.help.size(); pos = nl + 1) {
                nl = c.help.find('\n', pos);
                if (nl == std::string_view::npos) nl = c.help.size();
                CHECK_MESSAGE(nl - pos <= 68, c.name);
            }
    }

    TEST_CASE("may_auto_reply") {
        struct Guard {
            std::string headers;
            std::string sender;
            bool reply;
            std::string why;
        };
        const std::string list = "team@example.org";
        const Guard cases[] = {
            {"From: joe@example.org\n", "joe@example.org", true, ""},
            {"From: joe@example.org\n", "<joe@example.org>", true, ""},
            {"Precedence: bulk\n", "joe@example.org", false, "Precedence: bulk"},
            {"Precedence: Junk\n", "joe@example.org", false, "Precedence: junk"},
            {"precedence:list (from a list)\n", "joe@example.org", false, "Precedence: list"},
            {"Precedence:\n bulk\n", "joe@example.org", false, "Precedence: bulk"},
            {"Precedence: first-class\n", "joe@example.org", true, ""},
            {"Auto-Submitted: auto-replied\n", "joe@example.org", false, "Auto-Submitted: auto-replied"},
            {"Auto-Submitted: auto-generated; owner-email=\"x@example.org\"\n", "joe@example.org", false,
             "Auto-Submitted: auto-generated; owner-email=\"x@example.o..."},
            {"Auto-Submitted: auto-notified\n", "joe@example.org", false, "Auto-Submitted: auto-notified"},
            {"Auto-Submitted: no\n", "joe@example.org", true, ""},
            {"Auto-Submitted: No (a person wrote this)\n", "joe@example.org", true, ""},
            {"Auto-Submitted:\n", "joe@example.org", false, "Auto-Submitted: "},
            {"X-BeenThere: team@example.org\n", "joe@example.org", false, "X-BeenThere: team@example.org"},
            {"X-BeenThere: other@example.org\nX-BeenThere: TEAM@Example.ORG\n", "joe@example.org", false,
             "X-BeenThere: TEAM@Example.ORG"},
            {"X-BeenThere: other@example.org\n", "joe@example.org", true, ""},
            {"X-BeenThere: myteam@example.org\n", "joe@example.org", true, ""},
            {"X-Loop: <team@example.org>\n", "joe@example.org", false, "X-Loop: <team@example.org>"},
            {"X-Loop: team@example.org, (\n", "joe@example.org", false, "X-Loop: team@example.org, ("},
            {"X-Loop: myteam@example.org, (\n", "joe@example.org", true, ""},
            {"From: joe@example.org\n", "", false,
             "the envelope sender is empty (a bounce or a notification)"},
            {"From: joe@example.org\n", "<>", false,
             "the envelope sender is empty (a bounce or a notification)"},
            {"From: joe@example.org\n", " < > ", false,
             "the envelope sender is empty (a bounce or a notification)"},
            {"", "MAILER-DAEMON@mx.example.net", false,
             "the envelope sender \"MAILER-DAEMON@mx.example.net\" is a robot's address"},
            {"", "MAILER-DAEMON", false, "the envelope sender \"MAILER-DAEMON\" is a robot's address"},
            {"", "owner-other@example.net", false,
             "the envelope sender \"owner-other@example.net\" is a robot's address"},
            {"", "other-request@example.net", false,
             "the envelope sender \"other-request@example.net\" is a robot's address"},
            {"", "other-owner@example.net", false,
             "the envelope sender \"other-owner@example.net\" is a robot's address"},
            {"", "other-bounces+joe=example.org@example.net", false,
             "the envelope sender \"other-bounces+joe=example.org@example.net\" is a robot's address"},
            {"", "LISTSERV@example.net", false,
             "the envelope sender \"LISTSERV@example.net\" is a robot's address"},
            {"", "majordomo@example.net", false,
             "the envelope sender \"majordomo@example.net\" is a robot's address"},
            {"", "Team@Example.org", false, "the envelope sender \"Team@Example.org\" is the list itself"},
            {"", "joe-requester@example.org", true, ""},
            {"", "owner@example.org", true, ""},
            {"", "joe+owner-x@example.org", true, ""},
        };
        for (const auto& c : cases) {
            CAPTURE(c.headers);
            CAPTURE(c.sender);
            req::ReplyDecision d = req::may_auto_reply(c.headers + "\nbody\n", c.sender, list);
            CHECK(d.reply == c.reply);
            CHECK(d.why == c.why);
        }
        // Only the header section counts; an mbox From_ line is skipped.
        CHECK(req::may_auto_reply("Subject: x\n\nPrecedence: bulk\n", "joe@example.org", list).reply);
        CHECK_FALSE(req::may_auto_reply("From joe Mon Jan  1 00:00:00 2024\nPrecedence: bulk\n\n",
                                        "joe@example.org", list)
                        .reply);
        CHECK_FALSE(
            req::may_auto_reply("Subject: x\r\nPrecedence: bulk\r\n\r\n", "joe@example.org", list).reply);
        // A header field beyond what is read does not count.
        std::string big = "X-Junk: " + std::string(2u << 20, 'j') + "\nPrecedence: bulk\n\n";
        CHECK(req::may_auto_reply(big, "joe@example.org", list).reply);
        // Hostile bytes in the reason are made printable.
        req::ReplyDecision d =
            req::may_auto_reply(std::string("Auto-Submitted: a\0b\x1b\n\n", 22), "joe@example.org", list);
        CHECK_FALSE(d.reply);
        CHECK(d.why == "Auto-Submitted: a" + k_ff + "b" + k_ff);
    }
}
