// server_test.cpp — the LMTP engine against golden transcripts
// (testdata/*.txt; the format is described at the top of transcripts.txt),
// plus the reply mapping table and the line reader.
#include "libmail/lmtp/server.h"
#include "libmail/lmtp/line_reader.h"

#include <doctest/doctest.h>
#include <sysexits.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

using mail::lmtp::DeliveryResult;

std::string testdata(const std::string& name) {
    std::string here = __FILE__;
    return here.substr(0, here.rfind('/')) + "/testdata/" + name;
}

std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) out += c == '\n' ? std::string("\\n") : std::string(1, c);
    return out;
}

struct Session {
    std::string data;
    std::unique_ptr<mail::lmtp::Server> server;
    std::vector<std::string> replies;  // not yet matched
    std::string name;

    Session(std::string n, bool eight_bit) : name(std::move(n)) {
        mail::lmtp::Callbacks cb;
        cb.user_exists = [](std::string_view u) {
            return u == "john" || u == "mary" || u == "full" || u == "temp" || u == "perm";
        };
        cb.data_begin = [this] { data.clear(); };
        cb.data = [this](std::string_view b, bool end) {
            data.append(b);
            if (end) data += '\n';
        };
        cb.deliver = [](const std::string&, const std::vector<std::string>& rcpts) {
            std::vector<DeliveryResult> out;
            for (const std::string& r : rcpts) {
                if (r == "full")
                    out.push_back({EX_TEMPFAIL, "mailbox full (write: Disk quota exceeded)", true});
                else if (r == "temp")
                    out.push_back({EX_TEMPFAIL, "timed out waiting for lock", false});
                else if (r == "perm")
                    out.push_back({EX_NOPERM, "/spool/perm: is a symbolic link, refusing", false});
                else
                    out.push_back({EX_OK, "", false});
            }
            return out;
        };
        server = std::make_unique<mail::lmtp::Server>(mail::lmtp::Options{"mx.test.example", eight_bit},
                                                      std::move(cb));
        replies = server->greeting();
    }
    void feed(const std::string& line) {
        for (auto& r : server->feed(line)) replies.push_back(r);
    }
};

void run_transcript(const std::string& file, bool eight_bit) {
    std::ifstream in(testdata(file));
    REQUIRE(in);
    std::unique_ptr<Session> s;
    std::string line;
    int lineno = 0;
    auto expect_no_more = [&] {
        if (!s) return;
        CAPTURE(s->name);
        CHECK_MESSAGE(s->replies.empty(),
                      "unexpected reply: ", (s->replies.empty() ? "" : s->replies.front()));
    };
    while (std::getline(in, line)) {
        ++lineno;
        std::string where = file + ":" + std::to_string(lineno);
        CAPTURE(where);
        if (line.empty() || line[0] == '#') continue;
        if (line.starts_with("=== ")) {
            expect_no_more();
            s = std::make_unique<Session>(line.substr(4), eight_bit);
            continue;
        }
        REQUIRE(s);
        if (line.starts_with(">>>")) {
            expect_no_more();
            s->feed(line.size() > 4 ? line.substr(4) : "");
        } else if (line.starts_with("~~~ ")) {
            expect_no_more();
            s->feed(std::string(std::stoul(line.substr(4)), 'x'));
        } else if (line.starts_with("data: ")) {
            CHECK_MESSAGE(escape(s->data) == line.substr(6), "got data ", escape(s->data), ", want ",
                          line.substr(6));
        } else {
            REQUIRE_MESSAGE(!s->replies.empty(), "no reply, want ", line);
            std::string got = s->replies.front();
            s->replies.erase(s->replies.begin());
            CHECK_MESSAGE(got == line, "got ", got, ", want ", line);
        }
    }
    expect_no_more();
}

}  // namespace

TEST_SUITE("lmtp") {
    TEST_CASE("golden transcripts") {
        run_transcript("transcripts.txt", true);
    }
    TEST_CASE("golden transcripts without 8BITMIME") {
        run_transcript("seven_bit.txt", false);
    }

    TEST_CASE("reply for each delivery result") {
        struct Row {
            DeliveryResult r;
            std::string want;
        };
        const Row rows[] = {
            {{EX_OK, "", false}, "250 2.0.0 <u> delivered"},
            {{EX_TEMPFAIL, "mailbox full (x)", true}, "452 4.2.2 <u> mailbox full: mailbox full (x)"},
            {{EX_UNAVAILABLE, "mailbox full (x)", true}, "552 5.2.2 <u> mailbox full: mailbox full (x)"},
            {{EX_TEMPFAIL, "lock", false}, "451 4.3.0 <u> lock"},
            {{EX_CANTCREAT, "cannot create", false}, "451 4.3.0 <u> cannot create"},
            {{EX_IOERR, "io\r\nerror", false}, "451 4.3.0 <u> io  error"},
            {{EX_NOUSER, "unknown user", false}, "550 5.1.1 <u>... User unknown"},
            {{EX_NOPERM, "symlink", false}, "550 5.2.0 <u> symlink"},
            {{EX_DATAERR, "bad name", false}, "554 5.6.0 <u> bad name"},
            {{EX_UNAVAILABLE, "gone", false}, "550 5.2.1 <u> gone"},
            {{EX_SOFTWARE, "bug", false}, "554 5.3.0 <u> bug"},
        };
        for (const Row& row : rows) {
            std::string got = mail::lmtp::Server::reply_for(row.r, "u");
            CHECK_MESSAGE(got == row.want, "got ", got, ", want ", row.want);
        }
    }

    TEST_CASE("long command line in pieces, then the session goes on") {
        Session s("pieces", true);
        s.replies.clear();
        CHECK(s.server->feed(std::string(600, 'x'), mail::lmtp::Piece::Partial).empty());
        CHECK(s.server->feed(std::string(600, 'x'), mail::lmtp::Piece::Partial).empty());
        auto r = s.server->feed("tail");
        REQUIRE(r.size() == 1);
        CHECK(r[0] == "500 5.5.2 Line too long");
        r = s.server->feed("NO", mail::lmtp::Piece::Partial);
        CHECK(r.empty());
        r = s.server->feed("OP");
        REQUIRE(r.size() == 1);
        CHECK(r[0] == "250 2.0.0 OK");
    }

    TEST_CASE("data pieces: dot only at a line start") {
        Session s("dots", true);
        for (const char* l : {"LHLO c", "MAIL FROM:<a@b>", "RCPT TO:<john>", "DATA"}) s.feed(l);
        s.server->feed("abc", mail::lmtp::Piece::Partial);
        s.server->feed(".", mail::lmtp::Piece::End);  // the end of "abc." — not the terminator
        CHECK(s.server->state() == mail::lmtp::State::Data);
        s.server->feed("..x", mail::lmtp::Piece::Partial);
        s.server->feed(".y");
        s.feed(".");
        CHECK(s.server->state() == mail::lmtp::State::Ready);
        CHECK(escape(s.data) == "abc.\\n.x.y\\n");
    }

    TEST_CASE("end of input aborts the transaction") {
        Session s("eof", true);
        for (const char* l : {"LHLO c", "MAIL FROM:<a@b>", "RCPT TO:<john>", "DATA", "half"}) s.feed(l);
        s.server->end_of_input();
        CHECK(s.server->closed());
        CHECK(s.server->feed("NOOP").empty());
    }

    TEST_CASE("line reader: CRLF, LF, pieces, last line without newline") {
        int p[2];
        REQUIRE(pipe(p) == 0);
        std::string input = "one\r\ntwo\n" + std::string(10, 'z') + "\r\nlast";
        REQUIRE(write(p[1], input.data(), input.size()) == static_cast<ssize_t>(input.size()));
        close(p[1]);
        mail::lmtp::LineReader reader(p[0], 4);
        std::vector<std::string> got;
        std::string text;
        mail::lmtp::Piece piece;
        while (reader.next(text, piece) == mail::lmtp::LineReader::Status::Text)
            got.push_back(text + (piece == mail::lmtp::Piece::Partial ? "+" : "|"));
        close(p[0]);
        std::vector<std::string> want = {"one|", "two|", "zzzz+", "zzzz+", "zz|", "last|"};
        CHECK(got == want);
    }
}
