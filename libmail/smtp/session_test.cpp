// session_test.cpp — the SMTP engine against golden transcripts
// (testdata/*.txt; the format is described at the top of commands.txt),
// plus the cases a transcript cannot express: chunking, long lines, the
// pending-input bound, the transcript callback, Reply and Client helpers.
#include "libmail/smtp/session.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using mail::smtp::Client;
using mail::smtp::Decision;
using mail::smtp::Envelope;
using mail::smtp::Options;
using mail::smtp::Params;
using mail::smtp::Reply;
using mail::smtp::Session;
using mail::smtp::State;
namespace address = mail::address;

std::string testdata(const std::string& name) {
    std::string here = __FILE__;
    return here.substr(0, here.rfind('/')) + "/testdata/" + name;
}

// Test policy.  Connect: 192.0.2.66 is refused, a client named
// discard.example is discarded.  HELO bad.helo is refused, drop.helo
// discarded.  MAIL: local part "spammer" refused, "tempfail" gets 451,
// domain discard.example discarded.  RCPT: "unknown" is 550 5.1.1,
// domain remote.example is relaying denied, "discard" discarded,
// "shutdown" gets 421.  VRFY root, EXPN staff, ETRN anything.
struct FakePolicy : mail::smtp::Policy {
    Decision check_connect(const Client& c) override {
        if (c.addr == "192.0.2.66") return reject(554, "5.7.1", "Access denied", "connect-log");
        if (c.name == "discard.example") return {Decision::Discard, {}, ""};
        return Decision::accept();
    }
    Decision check_helo(const Client&, std::string_view helo) override {
        if (helo == "bad.helo") return reject(550, "5.7.1", "Go away", "");
        if (helo == "drop.helo") return {Decision::Discard, {}, ""};
        return Decision::accept();
    }
    Decision check_mail(const Client&, const address::Path& from, const Params&) override {
        if (from.local == "spammer")
            return reject(550, "5.7.1", "<" + from.local + "@" + from.domain + ">... Access denied", "");
        if (from.local == "tempfail") return reject(451, "4.3.0", "Temporary lookup failure", "");
        if (from.domain == "discard.example") return {Decision::Discard, {}, ""};
        return Decision::accept();
    }
    Decision check_rcpt(const Client&, const address::Path&, const address::Path& rcpt, std::string_view raw,
                        const Params&) override {
        std::string shown = "<" + std::string(raw) + ">";
        if (rcpt.local == "unknown") return reject(550, "5.1.1", shown + "... User unknown", "");
        if (rcpt.domain == "remote.example") return reject(550, "5.7.1", shown + "... Relaying denied", "");
        if (rcpt.local == "discard") return {Decision::Discard, {}, ""};
        if (rcpt.local == "shutdown") return reject(421, "4.3.0", "mx.test.example Shutting down", "");
        return Decision::accept();
    }
    Reply vrfy(const Client&, std::string_view arg) override {
        if (arg == "root") return {250, "2.1.5", "<root@mx.test.example>"};
        return {550, "5.1.1", std::string(arg) + "... User unknown"};
    }
    Reply expn(const Client&, std::string_view arg) override {
        if (arg == "staff") return {250, "2.1.5", "<ann@mx.test.example>\n<bob@mx.test.example>"};
        return {550, "5.1.1", std::string(arg) + "... User unknown"};
    }
    Reply etrn(const Client&, std::string_view arg) override {
        return {250, "2.0.0", "Queuing for node " + std::string(arg) + " started"};
    }
    static Decision reject(int code, std::string enh, std::string text, std::string log) {
        return {Decision::Reject, Reply{code, std::move(enh), std::move(text)}, std::move(log)};
    }
};

std::string escape(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else if (c == '\0')
            out += "\\0";
        else if (c == '\\')
            out += "\\\\";
        else if (c < 0x20 || c == 0x7f)
            out += fmt::format("\\x{:02X}", c);
        else
            out += static_cast<char>(c);
    }
    return out;
}

// \r \n \0 \t \\ \xHH
std::string unescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 == s.size()) {
            out += s[i];
            continue;
        }
        char e = s[++i];
        if (e == 'r')
            out += '\r';
        else if (e == 'n')
            out += '\n';
        else if (e == '0')
            out += '\0';
        else if (e == 't')
            out += '\t';
        else if (e == 'x' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else
            out += e;
    }
    return out;
}

const char* state_name(State s) {
    switch (s) {
        case State::Start: return "Start";
        case State::Ready: return "Ready";
        case State::Mail: return "Mail";
        case State::Rcpt: return "Rcpt";
        case State::Data: return "Data";
        case State::Committing: return "Committing";
        case State::Closed: return "Closed";
    }
    return "?";
}

// One session under test, with everything the callbacks saw.
struct Harness {
    FakePolicy policy;
    Options opts;
    Client client;
    bool sync_commit = false;  // data_end(ok) commits at once, from inside the callback
    std::unique_ptr<Session> session;
    std::string data;
    std::vector<std::string> events;
    std::vector<std::string> logs;
    std::vector<std::string> transcript;
    std::vector<std::string> replies;  // not yet matched
    std::string raw_output;            // everything returned, for framing checks

    Harness() {
        opts.hostname = "mx.test.example";
        opts.greeting = "mx.test.example ESMTP mailroom";
        client.addr = "192.0.2.1";
        client.name = "client.example";
    }

    void set_option(const std::string& kv) {
        auto eq = kv.find('=');
        REQUIRE_MESSAGE(eq != std::string::npos, "bad option ", kv);
        std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
        bool on = v == "on";
        if (k == "max_size")
            opts.max_message_size = std::stoul(v);
        else if (k == "max_rcpts")
            opts.max_recipients = std::stoul(v);
        else if (k == "max_bad")
            opts.max_bad_commands = std::stoul(v);
        else if (k == "pipelining")
            opts.pipelining = on;
        else if (k == "eight_bit")
            opts.eight_bit_mime = on;
        else if (k == "dsn")
            opts.dsn = on;
        else if (k == "etrn")
            opts.etrn = on;
        else if (k == "smtputf8")
            opts.smtputf8 = on;
        else if (k == "help")
            opts.help = on;
        else if (k == "privacy") {
            std::stringstream ss(v);
            std::string f;
            while (std::getline(ss, f, ',')) opts.privacy.insert(f);
        } else if (k == "addr")
            client.addr = v;
        else if (k == "name")
            client.name = v;
        else if (k == "commit")
            sync_commit = v == "sync";
        else
            FAIL("unknown option ", k);
    }

    void add_output(const std::string& out) {
        raw_output += out;
        std::size_t pos = 0;
        while (pos < out.size()) {
            auto crlf = out.find("\r\n", pos);
            REQUIRE_MESSAGE(crlf != std::string::npos, "output not CRLF-terminated: ", escape(out));
            replies.push_back(out.substr(pos, crlf - pos));
            pos = crlf + 2;
        }
    }

    void begin() {
        if (session) return;
        mail::smtp::Events ev;
        ev.data_begin = [this](const Envelope&) {
            data.clear();
            events.push_back("begin");
        };
        ev.data = [this](std::string_view b) { data.append(b); };
        ev.data_end = [this](const Envelope& e, bool ok) {
            events.push_back(std::string(ok ? "end(ok" : "end(fail") + (e.discard ? ",discard)" : ")"));
            if (ok && sync_commit)
                add_output(session->commit_done({250, "2.0.0", "SYNC Message accepted for delivery"}));
        };
        ev.transcript = [this](std::string_view line, bool from_client) {
            transcript.push_back((from_client ? "<<< " : ">>> ") + std::string(line));
        };
        ev.log = [this](std::string_view text) { logs.emplace_back(text); };
        session = std::make_unique<Session>(opts, policy, client, std::move(ev));
        add_output(session->start());
    }
    void feed(const std::string& bytes) {
        begin();
        add_output(session->feed(bytes));
    }
};

void run_transcript(const std::string& file) {
    std::ifstream in(testdata(file));
    REQUIRE_MESSAGE(in, "cannot open ", testdata(file));
    std::unique_ptr<Harness> h;
    std::string name;
    std::string line;
    int lineno = 0;
    auto expect_no_more = [&] {
        if (!h) return;
        CHECK_MESSAGE(h->replies.empty(), name,
                      ": unexpected reply: ", (h->replies.empty() ? "" : h->replies.front()));
        h->replies.clear();
    };
    while (std::getline(in, line)) {
        ++lineno;
        std::string where = file + ":" + std::to_string(lineno);
        CAPTURE(where);
        if (line.empty() || line[0] == '#') continue;
        if (line.starts_with("=== ")) {
            expect_no_more();
            name = line.substr(4);
            h = std::make_unique<Harness>();
            continue;
        }
        REQUIRE(h);
        if (line.starts_with("option: ")) {
            REQUIRE_MESSAGE(!h->session, "option after the session started");
            h->set_option(line.substr(8));
            continue;
        }
        h->begin();
        if (line.starts_with(">>>")) {
            expect_no_more();
            h->feed((line.size() > 4 ? line.substr(4) : "") + "\r\n");
        } else if (line.starts_with("raw: ")) {
            expect_no_more();
            h->feed(unescape(line.substr(5)));
        } else if (line.starts_with("~~~ ")) {
            expect_no_more();
            h->feed(std::string(std::stoul(line.substr(4)), 'x') + "\r\n");
        } else if (line.starts_with("commit: ")) {
            expect_no_more();
            Reply rep;
            rep.code = std::stoi(line.substr(8, 3));
            std::string rest = line.substr(12);
            rep.enhanced = rest.substr(0, rest.find(' '));
            rep.text = rest.substr(rest.find(' ') + 1);
            h->add_output(h->session->commit_done(rep));
        } else if (line == "timeout") {
            expect_no_more();
            h->add_output(h->session->timeout());
        } else if (line == "eof") {
            expect_no_more();
            h->session->end_of_input();
        } else if (line.starts_with("data:")) {
            std::string want = line.substr(5);
            if (!want.empty() && want[0] == ' ') want.erase(0, 1);
            CHECK_MESSAGE(escape(h->data) == want, name, ": got data ", escape(h->data), ", want ", want);
        } else if (line.starts_with("events:")) {
            std::string got;
            for (const auto& e : h->events) got += (got.empty() ? "" : ", ") + e;
            std::string want = line.size() > 8 ? line.substr(8) : "";
            if (want == "none") want.clear();
            CHECK_MESSAGE(got == want, name, ": got events \"", got, "\", want \"", want, "\"");
        } else if (line.starts_with("state: ")) {
            std::string got = state_name(h->session->state());
            CHECK_MESSAGE(got == line.substr(7), name, ": got state ", got, ", want ", line.substr(7));
        } else if (line.starts_with("log: ")) {
            std::string want = line.substr(5);
            bool found = false;
            for (const auto& l : h->logs) found = found || l.find(want) != std::string::npos;
            std::string all;
            for (const auto& l : h->logs) all += "\n  " + l;
            CHECK_MESSAGE(found, name, ": no log line contains \"", want, "\"; logs:", all);
        } else {
            REQUIRE_MESSAGE(!h->replies.empty(), name, ": no reply, want ", line);
            std::string got = h->replies.front();
            h->replies.erase(h->replies.begin());
            CHECK_MESSAGE(got == line, name, ": got ", got, ", want ", line);
        }
    }
    expect_no_more();
}

// A session already past HELO, MAIL and RCPT, waiting for DATA.
std::unique_ptr<Harness> in_transaction(Options* tweak = nullptr) {
    auto h = std::make_unique<Harness>();
    if (tweak) h->opts = *tweak;
    for (const char* l :
         {"HELO c\r\n", "MAIL FROM:<a@b.example>\r\n", "RCPT TO:<j@x.example>\r\n", "DATA\r\n"})
        h->feed(l);
    h->replies.clear();
    return h;
}

}  // namespace

TEST_SUITE("smtp") {
    TEST_CASE("golden transcripts: commands") {
        run_transcript("commands.txt");
    }
    TEST_CASE("golden transcripts: policy and privacy") {
        run_transcript("policy.txt");
    }
    TEST_CASE("golden transcripts: message data") {
        run_transcript("data.txt");
    }
    TEST_CASE("golden transcripts: pipelining and synchronization") {
        run_transcript("pipelining.txt");
    }
    TEST_CASE("golden transcripts: smuggling probes and line discipline") {
        run_transcript("smuggling.txt");
    }

    TEST_CASE("Reply::line and Reply::lines") {
        struct Row {
            Reply r;
            std::string line;
            std::vector<std::string> lines;
        };
        const Row rows[] = {
            {{250, "2.0.0", "OK"}, "250 2.0.0 OK", {"250 2.0.0 OK"}},
            {{220, "", "mx ESMTP"}, "220 mx ESMTP", {"220 mx ESMTP"}},
            {{250, "2.0.0", ""}, "250 2.0.0", {"250 2.0.0"}},
            {{250, "2.1.5", "a\nb"}, "250 2.1.5 a b", {"250-2.1.5 a", "250 2.1.5 b"}},
            {{550, "5.7.1", "evil\r\n250 ok"},
             "550 5.7.1 evil  250 ok",
             {"550-5.7.1 evil ", "550 5.7.1 250 ok"}},
            {{550, "5.7\r.1", "x\x01y"}, "550 5.7 .1 x y", {"550 5.7 .1 x y"}},
            {{5, "", "odd"}, "005 odd", {"005 odd"}},
            {{12345, "", "big"}, "999 big", {"999 big"}},
        };
        for (const Row& row : rows) {
            CHECK_MESSAGE(row.r.line() == row.line, "got ", row.r.line(), ", want ", row.line);
            CHECK(row.r.lines() == row.lines);
        }
    }

    TEST_CASE("Client::relay_text") {
        struct Row {
            std::string addr, name, want;
        };
        const Row rows[] = {
            {"192.0.2.1", "client.example", "client.example [192.0.2.1]"},
            {"192.0.2.1", "", "[192.0.2.1]"},
            {"::1", "localhost", "localhost [IPv6:::1]"},
            {"", "", "localhost"},
            {"", "user@localhost", "user@localhost"},
            {"192.0.2.1", "bad\nname", "bad name [192.0.2.1]"},
        };
        for (const Row& row : rows) {
            Client c;
            c.addr = row.addr;
            c.name = row.name;
            CHECK_MESSAGE(c.relay_text() == row.want, "got ", c.relay_text(), ", want ", row.want);
        }
    }

    TEST_CASE("message data split at every byte gives the same message") {
        const std::string body = "Subject: split\r\n\r\n..dot\r\n.\r\nno\r\n\r\n...\r\nlast\r\n.\r\n";
        // ".\r\nno" inside: the first ".\r\n" ends the message; what follows
        // is a pipelined "no" command, answered after the commit.
        auto whole = in_transaction();
        whole->feed(body);
        std::mt19937 rng(42);
        for (int round = 0; round < 50; ++round) {
            auto h = in_transaction();
            std::size_t pos = 0;
            while (pos < body.size()) {
                std::size_t n = round == 0 ? 1 : 1 + rng() % 7;
                h->feed(body.substr(pos, n));
                pos += n;
            }
            CHECK(escape(h->data) == escape(whole->data));
            CHECK(h->events == whole->events);
            CHECK(h->session->state() == State::Committing);
            h->add_output(h->session->commit_done({250, "2.0.0", "X Message accepted for delivery"}));
            auto w2 = in_transaction();
            w2->feed(body);
            w2->add_output(w2->session->commit_done({250, "2.0.0", "X Message accepted for delivery"}));
            CHECK(h->replies == w2->replies);
        }
        CHECK(escape(whole->data) == "Subject: split\\n\\n.dot\\n");
    }

    TEST_CASE("command lines: the limit, and the session goes on") {
        Harness h;
        h.feed(std::string(mail::smtp::k_max_command_line, 'x') + "\r\n");
        REQUIRE(h.replies.size() == 2);  // greeting, then the reply
        CHECK(h.replies[1] == "500 5.5.1 Command unrecognized: \"" + std::string(100, 'x') + "...\"");
        h.replies.clear();
        h.feed(std::string(mail::smtp::k_max_command_line + 1, 'x') + "\r\n");
        CHECK(h.replies == std::vector<std::string>{"500 5.5.0 Command line too long"});
        h.replies.clear();
        // In pieces, far beyond the limit: nothing is kept, one reply at the CRLF.
        for (int i = 0; i < 100; ++i) h.feed(std::string(1000, 'y'));
        CHECK(h.replies.empty());
        h.feed("\r");
        CHECK(h.replies.empty());
        h.feed("\nNOOP\r\n");
        CHECK(h.replies == std::vector<std::string>{"500 5.5.0 Command line too long", "250 2.0.0 OK"});
    }

    TEST_CASE("a data line over k_max_data_line ends the session") {
        auto h = in_transaction();
        std::string chunk(64 * 1024, 'z');
        for (std::size_t sent = 0; sent <= mail::smtp::k_max_data_line; sent += chunk.size()) h->feed(chunk);
        CHECK(h->replies == std::vector<std::string>{"421 4.5.0 Line too long"});
        CHECK(h->events == std::vector<std::string>{"begin", "end(fail)"});
        CHECK(h->session->closed());
        CHECK(h->session->feed(".\r\n").empty());
    }

    TEST_CASE("pipelined input held during a commit is bounded") {
        auto h = in_transaction();
        h->feed("text\r\n.\r\n");
        REQUIRE(h->session->committing());
        std::string rset_lines;
        while (rset_lines.size() <= mail::smtp::k_max_pending) rset_lines += "RSET\r\n";
        h->feed(rset_lines);
        CHECK(h->replies.empty());
        CHECK(h->session->feed("NOOP\r\n").empty());  // dropped, the session is doomed
        h->add_output(h->session->commit_done({250, "2.0.0", "Q Message accepted for delivery"}));
        CHECK(h->replies == std::vector<std::string>{
                                "250 2.0.0 Q Message accepted for delivery",
                                "421 4.5.0 mx.test.example Too much pipelined input; closing connection"});
        CHECK(h->session->closed());
    }

    TEST_CASE("commit_done outside a commit does nothing") {
        Harness h;
        h.feed("HELO c\r\n");
        CHECK(h.session->commit_done({250, "2.0.0", "stray"}).empty());
        CHECK(h.session->state() == State::Ready);
    }

    TEST_CASE("the transcript holds every line both ways") {
        auto h = in_transaction();
        h->feed("Subject: t\r\n..x\r\n.\r\n");
        h->add_output(h->session->commit_done({250, "2.0.0", "Q Message accepted for delivery"}));
        h->feed("QUIT\r\n");
        std::vector<std::string> want = {
            ">>> 220 mx.test.example ESMTP mailroom",
            "<<< HELO c",
            ">>> 250 mx.test.example Hello client.example [192.0.2.1], pleased to meet you",
            "<<< MAIL FROM:<a@b.example>",
            ">>> 250 2.1.0 <a@b.example>... Sender ok",
            "<<< RCPT TO:<j@x.example>",
            ">>> 250 2.1.5 <j@x.example>... Recipient ok",
            "<<< DATA",
            ">>> 354 Enter mail, end with \".\" on a line by itself",
            "<<< Subject: t",
            "<<< ..x",
            "<<< .",
            ">>> 250 2.0.0 Q Message accepted for delivery",
            "<<< QUIT",
            ">>> 221 2.0.0 mx.test.example closing connection",
        };
        CHECK(h->transcript == want);
    }

    TEST_CASE("output is CRLF lines and nothing follows Closed") {
        Harness h;
        h.feed("HELO c\r\nQUIT\r\n");  // HELO with traffic behind it: cut off
        CHECK(h.replies == std::vector<std::string>{"220 mx.test.example ESMTP mailroom",
                                                    "554 5.5.0 SMTP protocol error"});
        CHECK(h.session->closed());
        CHECK(h.session->feed("QUIT\r\n").empty());
        CHECK(h.session->timeout().empty());
        CHECK(h.session->start().empty());
        h.session->end_of_input();
        CHECK(h.raw_output.ends_with("\r\n"));
    }
}
