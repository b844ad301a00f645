// reader_test.cpp — unit tests for reader.h.
#include "libmail/message/reader.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <string>

using mail::message::ReadOptions;
using mail::message::Reader;

namespace {

struct Read {
    bool ok = true;
    std::string error;
    int exit_code = 0;
    std::string headers;  // serialized
    std::string body;
    std::string from_line;
    bool ended_by_dot = false;
};

Read failed(const mail::Error& e) {
    Read out;
    out.ok = false;
    out.error = e.message;
    out.exit_code = e.exit_code;
    return out;
}

Read read_all(Reader& r) {
    Read out;
    auto h = r.read_headers();
    if (!h) return failed(h.error());
    out.headers = h->serialize();
    for (;;) {
        auto more = r.read_body_chunk(out.body);
        if (!more) return failed(more.error());
        if (!*more) break;
    }
    out.from_line = r.from_line();
    out.ended_by_dot = r.ended_by_dot();
    return out;
}

Read read_string(const std::string& in, ReadOptions opt = {}) {
    Reader r(std::string_view(in), opt);
    return read_all(r);
}

// Feeds its text one byte per read() call, to split every CRLF and ".\r\n".
class TrickleSource : public mail::message::Source {
public:
    explicit TrickleSource(std::string text) : m_text(std::move(text)) {}
    mail::Result<size_t> read(char* buf, size_t n) override {
        if (m_pos == m_text.size() || n == 0) return size_t{0};
        buf[0] = m_text[m_pos++];
        return size_t{1};
    }

private:
    std::string m_text;
    size_t m_pos = 0;
};

class FailingSource : public mail::message::Source {
public:
    mail::Result<size_t> read(char*, size_t) override {
        return mail::make_error(EX_IOERR, "read error: Input/output error");
    }
};

}  // namespace

TEST_SUITE("message.reader") {
    TEST_CASE("line ends and dots") {
        struct Case {
            const char* name;
            std::string in;
            bool ignore_dots;
            std::string headers, body;
            bool by_dot;
        };
        const Case cases[] = {
            {"LF", "A: 1\n\nbody\n", false, "A: 1\n", "body\n", false},
            {"CRLF", "A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n", false, "A: 1\nB: 2\n", "l1\nl2\n", false},
            {"lone CR kept", "A: 1\n\na\rb\r\r\n", false, "A: 1\n", "a\rb\r\n", false},
            {"CR at end kept", "A: 1\n\nx\r", false, "A: 1\n", "x\r", false},
            {"dot ends input", "A: 1\n\nl1\n.\nrest\n", false, "A: 1\n", "l1\n", true},
            {"dot CRLF ends input", "A: 1\r\n\r\nl1\r\n.\r\nrest\r\n", false, "A: 1\n", "l1\n", true},
            {"dot at EOF ends input", "A: 1\n\nl1\n.", false, "A: 1\n", "l1\n", true},
            {"dot in header section", "A: 1\n.\nB: 2\n", false, "A: 1\n", "", true},
            {"dot first line", ".\nA: 1\n", false, "", "", true},
            {"ignore_dots keeps dot", "A: 1\n\nl1\n.\nrest\n", true, "A: 1\n", "l1\n.\nrest\n", false},
            {"double dot not unstuffed", "A: 1\n\n..x\n.y\n", false, "A: 1\n", "..x\n.y\n", false},
            {"dot CR x is text", "A: 1\n\n.\rx\n", false, "A: 1\n", ".\rx\n", false},
            {"dot space is text", "A: 1\n\n. \n", false, "A: 1\n", ". \n", false},
            {"mid-line dot", "A: 1\n\na.\n", false, "A: 1\n", "a.\n", false},
            {"empty input", "", false, "", "", false},
            {"only headers", "A: 1\nB: 2\n", false, "A: 1\nB: 2\n", "", false},
            {"only headers, no final LF", "A: 1\nB: 2", false, "A: 1\nB: 2\n", "", false},
            {"no header at all", "hello world\nmore\n", false, "", "hello world\nmore\n", false},
            {"no blank line", "A: 1\nbody text\n", false, "A: 1\n", "body text\n", false},
            {"continuation", "A: 1\n 2\n\tx\n\nb\n", false, "A: 1\n 2\n\tx\n", "b\n", false},
            {"leading space first line", " x: y\n", false, "", " x: y\n", false},
            {"blank first line", "\nbody\n", false, "", "body\n", false},
            {"two blank lines", "A: 1\n\n\nb\n", false, "A: 1\n", "\nb\n", false},
        };
        for (const auto& c : cases) {
            CAPTURE(std::string(c.name));
            ReadOptions opt;
            opt.ignore_dots = c.ignore_dots;
            for (int trickle = 0; trickle < 2; ++trickle) {
                CAPTURE(trickle);
                Reader r = trickle ? Reader(std::make_unique<TrickleSource>(c.in), opt) : Reader(c.in, opt);
                Read got = read_all(r);
                REQUIRE(got.ok);
                CHECK(got.headers == c.headers);
                CHECK(got.body == c.body);
                CHECK(got.ended_by_dot == c.by_dot);
            }
        }
    }

    TEST_CASE("From_ line is stripped and kept") {
        Read got = read_string("From alice@x Mon Jan  1 00:00:00 2024\r\nTo: bob\n\nhi\n");
        REQUIRE(got.ok);
        CHECK(got.from_line == "From alice@x Mon Jan  1 00:00:00 2024");
        CHECK(got.headers == "To: bob\n");
        CHECK(got.body == "hi\n");
        // "From:" is a header, not a From_ line.
        got = read_string("From: a@b\n\nx\n");
        CHECK(got.from_line.empty());
        CHECK(got.headers == "From: a@b\n");
    }

    TEST_CASE("counters") {
        Reader r(std::string_view("From x\nA: 1\nB: 22\n\nbody\n"));
        auto h = r.read_headers();
        REQUIRE(h.ok());
        CHECK(r.header_bytes() == 11);
        std::string body;
        while (*r.read_body_chunk(body)) {}
        CHECK(r.body_bytes() == 5);
    }

    TEST_CASE("NUL is rejected, or kept when allowed") {
        for (std::string in : {std::string("A: 1\n\nx\0y\n", 10), std::string("A: \0\n\nx\n", 8)}) {
            Read got = read_string(in);
            CHECK_FALSE(got.ok);
            CHECK(got.error == "message contains NUL byte");
            CHECK(got.exit_code == EX_DATAERR);
        }
        ReadOptions opt;
        opt.reject_nul = false;
        Read got = read_string(std::string("A: 1\n\nx\0y\n", 10), opt);
        REQUIRE(got.ok);
        CHECK(got.body == std::string("x\0y\n", 4));
    }

    TEST_CASE("header size limit") {
        ReadOptions opt;
        opt.max_header_bytes = 20;
        struct Case { const char* name; std::string in; bool ok; std::string body; };
        const Case cases[] = {
            {"fits", "A: 123456789012345\n\nb\n", true, "b\n"},      // 19 bytes
            {"one over", "A: 12345678901234567\n\nb\n", false, ""},  // 21 bytes
            {"folded over", "A: 1\n 2345678901\n 345\n\n", false, ""},
            {"long name no colon is body", std::string(30, 'x') + "\n", true, std::string(30, 'x') + "\n"},
            {"name cut by budget", "A: 1234567890\n" + std::string(30, 'x') + ": y\n", false, ""},
            {"body line after full header", "A: 123456789012345\nnot a header\n", true, "not a header\n"},
            {"From_ line over limit", "From " + std::string(30, 'x') + "\n", false, ""},
        };
        for (const auto& c : cases) {
            CAPTURE(std::string(c.name));
            Read got = read_string(c.in, opt);
            CHECK(got.ok == c.ok);
            if (c.ok) {
                CHECK(got.body == c.body);
            } else {
                CHECK(got.error == "message header too long (max 20 bytes)");
                CHECK(got.exit_code == EX_DATAERR);
            }
        }
    }

    TEST_CASE("a 1 MB header line fails with bounded buffering") {
        std::string in = "Subject: " + std::string(1 << 20, 'a') + "\n\nbody\n";
        Read got = read_string(in);
        CHECK_FALSE(got.ok);
        CHECK(got.error == "message header too long (max 32768 bytes)");
        // Unlimited: accepted.
        ReadOptions opt;
        opt.max_header_bytes = 0;
        got = read_string(in, opt);
        REQUIRE(got.ok);
        CHECK(got.headers.size() == in.size() - 6);
        // A 1 MB first line without a colon is body, not a header.
        std::string body(1 << 20, 'b');
        got = read_string(body);
        REQUIRE(got.ok);
        CHECK(got.body == body);
    }

    TEST_CASE("a 5 MB body streams in chunks and comes back identical") {
        std::string body;
        body.reserve(5u << 20);
        unsigned x = 12345;
        while (body.size() < (5u << 20)) {
            x = x * 1103515245u + 12345u;
            size_t len = (x >> 16) % 200;
            for (size_t i = 0; i < len; ++i) body += static_cast<char>('!' + (x + i) % 90);
            body += '\n';
        }
        std::string in = "Subject: big\n\n" + body;
        ReadOptions opt;
        opt.ignore_dots = true;  // the random lines may hold a lone "."
        Reader r(std::string_view(in), opt);
        REQUIRE(r.read_headers().ok());
        std::string got;
        size_t chunks = 0;
        size_t biggest = 0;
        for (;;) {
            std::string chunk;
            auto more = r.read_body_chunk(chunk);
            REQUIRE(more.ok());
            if (!*more) break;
            ++chunks;
            biggest = std::max(biggest, chunk.size());
            got += chunk;
        }
        CHECK((got == body));  // not decomposed: 5 MB values
        CHECK(r.body_bytes() == body.size());
        CHECK(chunks > 50);
        CHECK(biggest <= 64 * 1024 + 2);
    }

    TEST_CASE("reads from a pipe, and read errors are EX_IOERR") {
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        const std::string in = "To: x\r\n\r\nhello\r\n";
        REQUIRE(write(fds[1], in.data(), in.size()) == static_cast<ssize_t>(in.size()));
        close(fds[1]);
        Reader r(fds[0], {});
        Read got = read_all(r);
        close(fds[0]);
        REQUIRE(got.ok);
        CHECK(got.headers == "To: x\n");
        CHECK(got.body == "hello\n");

        Reader bad(-1, {});
        got = read_all(bad);
        CHECK_FALSE(got.ok);
        CHECK(got.exit_code == EX_IOERR);
        CHECK(got.error.rfind("read error: ", 0) == 0);

        Reader failing(std::make_unique<FailingSource>(), {});
        auto h = failing.read_headers();
        REQUIRE_FALSE(h.ok());
        std::string body;
        auto again = failing.read_body_chunk(body);  // errors are sticky
        REQUIRE_FALSE(again.ok());
        CHECK(again.error().exit_code == EX_IOERR);
    }

    TEST_CASE("read_headers twice is an error; body without headers is all body") {
        Reader r(std::string_view("A: 1\n\nb\n"));
        REQUIRE(r.read_headers().ok());
        auto again = r.read_headers();
        REQUIRE_FALSE(again.ok());
        CHECK(again.error().exit_code == EX_SOFTWARE);

        Reader raw(std::string_view("From x\nA: 1\n\nb\n"));
        std::string body;
        while (*raw.read_body_chunk(body)) {}
        CHECK(body == "From x\nA: 1\n\nb\n");
    }
}
