// mime_test.cpp — unit tests for libmail/mime: transfer encodings,
// charsets, RFC 2047, Content-Type parsing, the part tree, decoding for
// display and building messages.
#include "libmail/mime/mime.h"

#include "libmail/util/strings.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace mail::mime;

namespace {

const std::string k_fffd = "\xEF\xBF\xBD";

std::string random_bytes(std::mt19937& rng, size_t n, std::string_view alphabet = {}) {
    std::string s;
    std::uniform_int_distribution<int> byte(0, 255);
    for (size_t i = 0; i < n; ++i) {
        if (alphabet.empty())
            s += static_cast<char>(byte(rng));
        else
            s += alphabet[static_cast<size_t>(byte(rng)) % alphabet.size()];
    }
    return s;
}

std::vector<std::string> lines_of(std::string_view s) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < s.size()) {
        size_t nl = s.find('\n', pos);
        if (nl == std::string_view::npos) nl = s.size();
        out.emplace_back(s.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return out;
}

std::string lf_only(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i)
        if (!(s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) out += s[i];
    return out;
}

// True if `inner` lies inside `outer` (a view into it, not a copy).
bool within(std::string_view inner, std::string_view outer) {
    return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

}  // namespace

TEST_SUITE("mime.transfer") {
    TEST_CASE("decode_base64: RFC 4648 vectors and tolerance") {
        struct Case { std::string_view in; std::string_view want; };
        const Case cases[] = {
            {"", ""},
            {"Zg==", "f"},
            {"Zm8=", "fo"},
            {"Zm9v", "foo"},
            {"Zm9vYg==", "foob"},
            {"Zm9vYmE=", "fooba"},
            {"Zm9vYmFy", "foobar"},
            {"Zm9vYg", "foob"},                    // missing padding
            {"Zm9vYmE", "fooba"},
            {"Zm9v\nYmFy\n", "foobar"},            // line breaks
            {"Zm9v\r\n  YmFy", "foobar"},          // CRLF and spaces
            {"Zm*9v!Ym\x01" "Fy", "foobar"},          // garbage skipped
            {"Zg==Zm8=", "ffo"},                   // blobs concatenated after padding
            {"Z", ""},                             // six bits make no byte
            {"====", ""},
            {"SGVsbG8sIHdvcmxkIQ==", "Hello, world!"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(decode_base64(c.in) == c.want);
        }
    }

    TEST_CASE("encode_base64: padding, line length, one-line mode") {
        CHECK(encode_base64("") == "");
        CHECK(encode_base64("f") == "Zg==\n");
        CHECK(encode_base64("fo") == "Zm8=\n");
        CHECK(encode_base64("foobar") == "Zm9vYmFy\n");
        CHECK(encode_base64("foobar", 0) == "Zm9vYmFy");
        CHECK(encode_base64("foobar", 4) == "Zm9v\nYmFy\n");
        std::string data(100, 'x');  // 136 characters: one line of 76, one of 60
        auto lines = lines_of(encode_base64(data));
        REQUIRE(lines.size() == 2);
        CHECK(lines[0].size() == 76);
        CHECK(lines[1].size() == 60);
        CHECK(encode_base64(std::string(57, 'x')).size() == 77);  // exactly one full line + "\n"
    }

    TEST_CASE("base64 round trip on random data") {
        std::mt19937 rng(2045);
        for (int round = 0; round < 300; ++round) {
            std::string data = random_bytes(rng, static_cast<size_t>(round * 7 % 500));
            std::string enc = encode_base64(data);
            CAPTURE(round);
            CHECK(decode_base64(enc) == data);
            CHECK(decode_base64(encode_base64(data, 0)) == data);
            for (auto line : lines_of(enc)) CHECK(line.size() <= 76);
        }
    }

    TEST_CASE("decode_quoted_printable: escapes, soft breaks, transport padding, bad escapes") {
        struct Case { std::string_view in; std::string_view want; };
        const Case cases[] = {
            {"a=3Db", "a=b"},
            {"caf=C3=A9", "caf\xC3\xA9"},
            {"caf=c3=a9", "caf\xC3\xA9"},          // lower-case hex tolerated
            {"soft=\nbreak\n", "softbreak\n"},
            {"soft=  \r\nbreak", "softbreak"},     // white space after the soft break's "="
            {"trailing   \nx", "trailing\nx"},      // rule 3: transport padding removed
            {"crlf\r\nline\r\n", "crlf\nline\n"},
            {"bad=ZZescape", "bad=ZZescape"},      // kept literally
            {"half=4", "half=4"},
            {"=4=3D", "=4="},
            {"end=", "end"},
            {"=\n", ""},
            {"a==3D", "a=="},
            {"tab=09\n", "tab\t\n"},
            {"", ""},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(decode_quoted_printable(c.in) == c.want);
        }
    }

    TEST_CASE("encode_quoted_printable: RFC 2045 rules, From_ and lone dot") {
        struct Case { std::string_view in; std::string_view want; };
        const Case cases[] = {
            {"plain text\n", "plain text\n"},
            {"a=b\n", "a=3Db\n"},
            {"trailing \n", "trailing=20\n"},
            {"tab\t", "tab=09"},
            {"mid space\tok\n", "mid space\tok\n"},
            {"caf\xC3\xA9\n", "caf=C3=A9\n"},
            {"From here\n", "=46rom here\n"},
            {"x\nFrom here\n", "x\n=46rom here\n"},
            {"Fromage\n", "Fromage\n"},
            {" From here\n", " From here\n"},
            {".\n", "=2E\n"},
            {"a\n.\nb", "a\n=2E\nb"},
            {".", "=2E"},
            {"..\n", "..\n"},
            {".x\n", ".x\n"},
            {"crlf\r\nline\r\n", "crlf\nline\n"},
            {"bare\rcr", "bare=0Dcr"},
            {std::string_view("nul\0x", 5), "nul=00x"},
            {"", ""},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(encode_quoted_printable(c.in) == c.want);
        }
    }

    TEST_CASE("encode_quoted_printable: 76-column lines with soft breaks") {
        CHECK(encode_quoted_printable(std::string(76, 'a')) == std::string(76, 'a'));
        CHECK(encode_quoted_printable(std::string(77, 'a')) == std::string(75, 'a') + "=\naa");
        // An escape is never split, and a soft-broken line may start with "From ".
        std::string s = std::string(74, 'a') + "\xE9" + "b";
        CHECK(encode_quoted_printable(s) == std::string(74, 'a') + "=\n=E9b");
        std::string from = std::string(75, 'a') + "From x";
        CHECK(encode_quoted_printable(from) == std::string(75, 'a') + "=\n=46rom x");
        // Trailing white space at a soft break stays literal: the "=" follows it.
        std::string sp = std::string(74, 'a') + " bc";
        CHECK(encode_quoted_printable(sp) == std::string(74, 'a') + " =\nbc");
    }

    TEST_CASE("quoted-printable round trip on random text") {
        std::mt19937 rng(1521);
        const std::string_view alphabet("abc =\t\r\n.F\xC3\xA9\x00\xFFrom", 18);
        for (int round = 0; round < 400; ++round) {
            std::string text = random_bytes(rng, static_cast<size_t>(round % 300), alphabet);
            if (round % 5 == 0) text = "From " + text;
            if (round % 7 == 0) text = ".\n" + text;
            std::string enc = encode_quoted_printable(text);
            CAPTURE(text);
            CHECK(decode_quoted_printable(enc) == lf_only(text));
            for (auto line : lines_of(enc)) {
                CHECK(line.size() <= 76);
                CHECK(line.substr(0, 5) != "From ");
                CHECK(line != ".");
                if (!line.empty()) CHECK((line.back() != ' ' && line.back() != '\t'));
                for (char c : line) CHECK(((c >= 32 && c <= 126) || c == '\t'));
            }
        }
    }
}

TEST_SUITE("mime.charset") {
    TEST_CASE("to_utf8: charsets, aliases, replacement") {
        struct Case { std::string_view in; std::string_view charset; std::string want; };
        const Case cases[] = {
            {"caf\xE9", "ISO-8859-1", "caf\xC3\xA9"},
            {"caf\xE9", "latin1", "caf\xC3\xA9"},
            {"caf\xE9", " \"Iso-8859-1\" ", "caf\xC3\xA9"},
            {"\x80", "iso-8859-1", "\xE2\x82\xAC"},               // read as windows-1252
            {"\x80", "windows-1252", "\xE2\x82\xAC"},
            {"\xA4", "iso-8859-15", "\xE2\x82\xAC"},
            {"\xF0\xD2\xC9\xD7\xC5\xD4", "KOI8-R", "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"},
            {"\x1B$B$3$s$K$A$O\x1B(B", "iso-2022-jp",                // 7-bit and stateful
             "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF"},
            {"\x82\xA0", "shift_jis", "\xE3\x81\x82"},
            {"\x82", "shift_jis", k_fffd},                           // incomplete at the end
            {"caf\xC3\xA9", "utf-8", "caf\xC3\xA9"},
            {"caf\xC3\xA9", "UTF8", "caf\xC3\xA9"},
            {"a\xFF" "b", "utf-8", "a" + k_fffd + "b"},
            {"caf\xC3\xA9", "us-ascii", "caf\xC3\xA9"},                // mislabelled UTF-8 survives
            {"caf\xE9", "us-ascii", "caf" + k_fffd},
            {"caf\xE9", "x-no-such-charset", "caf" + k_fffd},
            {"caf\xC3\xA9", "unknown-8bit", "caf\xC3\xA9"},
            {"caf\xE9", "utf-8//IGNORE", "caf" + k_fffd},            // never handed to iconv
            {"caf\xE9", "", "caf" + k_fffd},
            {"plain", "x-whatever", "plain"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CAPTURE(c.charset);
            std::string got = to_utf8(c.in, c.charset);
            CHECK(got == c.want);
            CHECK(is_valid_utf8(got));
        }
    }

    TEST_CASE("to_utf8 never fails on random bytes") {
        std::mt19937 rng(3629);
        const char* charsets[] = {"utf-8", "iso-8859-1", "shift_jis", "iso-2022-jp", "utf-16", "utf-7",
                                  "gb2312", "big5", "euc-kr", "koi8-r", "nonsense", ""};
        for (int round = 0; round < 200; ++round) {
            std::string data = random_bytes(rng, static_cast<size_t>(round % 64));
            for (const char* cs : charsets) {
                CAPTURE(cs);
                CHECK(is_valid_utf8(to_utf8(data, cs)));
            }
        }
    }

    TEST_CASE("from_utf8") {
        CHECK(from_utf8("caf\xC3\xA9", "ISO-8859-1") == "caf\xE9");
        CHECK(from_utf8("caf\xC3\xA9", "us-ascii") == "caf?");
        CHECK(from_utf8("caf\xC3\xA9", "ANSI_X3.4-1968") == "caf?");
        CHECK(from_utf8("\xE3\x81\x93", "ISO-8859-1") == "?");
        CHECK(from_utf8("a\xFF" "b", "ISO-8859-1") == "a?b");
        CHECK(from_utf8("caf\xC3\xA9", "UTF-8") == "caf\xC3\xA9");
        CHECK(from_utf8("a\xFF", "utf-8") == "a" + k_fffd);
        CHECK(from_utf8("\xD0\x9F", "koi8-r") == "\xF0");
    }

    TEST_CASE("is_valid_utf8 and repair_utf8") {
        CHECK(is_valid_utf8(""));
        CHECK(is_valid_utf8("\xF0\x9F\x98\x80"));
        CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong
        CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong
        CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
        CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
        CHECK_FALSE(is_valid_utf8("\xC3"));              // truncated
        CHECK(repair_utf8("\xE2\x82" "A") == k_fffd + "A");  // one U+FFFD per maximal subpart
        CHECK(repair_utf8("\xFF\xFE") == k_fffd + k_fffd);
        CHECK(repair_utf8("ok\xC3\xA9") == "ok\xC3\xA9");
        CHECK(is_ascii("abc"));
        CHECK_FALSE(is_ascii("\xC3\xA9"));
    }

    TEST_CASE("printable removes terminal controls") {
        CHECK(printable("a\x1B[31mb") == "a" + k_fffd + "[31mb");
        CHECK(printable("x\r\ny\tz\n") == "x\ny\tz\n");
        CHECK(printable("a\rb") == "a" + k_fffd + "b");
        CHECK(printable("\xC2\x9B" "1m") == k_fffd + "1m");  // C1 CSI
        CHECK(printable("\x7F") == k_fffd);
        CHECK(printable("caf\xC3\xA9 \xC2\xA0") == "caf\xC3\xA9 \xC2\xA0");
        CHECK(printable("a\nb\tc\r\nd\re", true) == "a b c d e");
        CHECK(printable("\xFF", true) == k_fffd);
    }
}

TEST_SUITE("mime.rfc2047") {
    TEST_CASE("decode_header: the examples of RFC 2047 section 8") {
        struct Case { std::string_view in; std::string_view want; };
        const Case cases[] = {
            {"=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>", "Keith Moore <moore@cs.utk.edu>"},
            {"=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
             "Keld J\xC3\xB8rn Simonsen <keld@dkuug.dk>"},
            {"=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>", "Andr\xC3\xA9 Pirard <PIRARD@vm1.ulg.ac.be>"},
            {"=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\n    "
             "=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
             "If you can read this you understand the example."},
            {"=?ISO-8859-1?Q?Olle_J=E4rnefors?= <ojarnef@admin.kth.se>",
             "Olle J\xC3\xA4rnefors <ojarnef@admin.kth.se>"},
            {"=?ISO-8859-1?Q?Patrik_F=E4ltstr=F6m?= <paf@nada.kth.se>",
             "Patrik F\xC3\xA4ltstr\xC3\xB6m <paf@nada.kth.se>"},
            {"Nathaniel Borenstein <nsb@thumper.bellcore.com>\n    (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)",
             "Nathaniel Borenstein <nsb@thumper.bellcore.com>    (\xD7\x9D\xD7\x95\xD7\x9C\xD7\xA9 "
             "\xD7\x9F\xD7\x91 \xD7\x99\xD7\x9C\xD7\x98\xD7\xA4\xD7\xA0)"},
            {"(=?ISO-8859-1?Q?a?=)", "(a)"},
            {"(=?ISO-8859-1?Q?a?= b)", "(a b)"},
            {"(a =?ISO-8859-1?Q?b?=)", "(a b)"},
            {"(a\n =?ISO-8859-1?Q?b?=)", "(a b)"},
            {"(=?ISO-8859-1?Q?a?=\n b)", "(a b)"},
            {"(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"},
            {"(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"},
            {"(=?ISO-8859-1?Q?a?=\n    =?ISO-8859-1?Q?b?=)", "(ab)"},
            {"(=?ISO-8859-1?Q?a_b?=)", "(a b)"},
            {"(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(decode_header(c.in) == c.want);
        }
    }

    TEST_CASE("decode_header: real-world shapes and malformed words") {
        struct Case { std::string_view in; std::string want; };
        const Case cases[] = {
            {"plain subject", "plain subject"},
            {"  Re: folded\n\tsubject  ", "Re: folded\tsubject"},  // unfolded, trimmed; a tab becomes a space below
            {"=?utf-8?b?Y2Fmw6k=?=", "caf\xC3\xA9"},
            {"=?UTF-8?B?Y2Fmw6k?=", "caf\xC3\xA9"},                     // missing padding
            {"=?utf-8?q?caf=C3?= =?utf-8?q?=A9?=", "caf\xC3\xA9"},      // a character split across words
            {"Re:=?utf-8?q?caf=C3=A9?=", "Re:caf\xC3\xA9"},              // glued to text
            {"=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore"},          // RFC 2231 language
            {"=?iso-8859-1?Q?Strain_Gauges?" "?=", "Strain Gauges?"},     // '?' inside Q text
            {"=?utf-8?q?" "?=", ""},
            {"=?x-unknown-cs?q?caf=E9?=", "caf" + k_fffd},
            {"=?utf-8?q?unterminated", "=?utf-8?q?unterminated"},
            {"=?utf-8?x?abc?=", "=?utf-8?x?abc?="},
            {"=?utf-8?q?a b?=", "=?utf-8?q?a b?="},                    // space inside: malformed
            {"=??q?abc?=", "=??q?abc?="},                              // no charset
            {"=?", "=?"},
            {"a =?utf-8?q?b?= c", "a b c"},
            {"=?utf-8?q?a?= =?iso-8859-1?q?=E9?=", "a\xC3\xA9"},         // different charsets, space dropped
            {"=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b"},
            {"caf\xC3\xA9 =?utf-8?q?x?=", "caf\xC3\xA9 x"},              // raw UTF-8 in a header
            {"caf\xE9", "caf" + k_fffd},                               // raw latin-1: repaired
            {"=?utf-8?q?a=0Ab=0D=1Bc?=", "a b " + k_fffd + "c"},        // no new lines, no escapes
            {"=?utf-8?b?4oCP?=", "\xE2\x80\x8F"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            std::string want = c.want;
            for (char& ch : want)
                if (ch == '\t') ch = ' ';
            CHECK(decode_header(c.in) == want);
        }
    }

    TEST_CASE("decode_header is linear on hostile input") {
        std::string hostile;
        for (int i = 0; i < 100000; ++i) hostile += "x=?a?q?";
        CHECK(decode_header(hostile) == hostile);
        std::string many;
        for (int i = 0; i < 50000; ++i) many += "=?utf-8?q?a?= ";
        CHECK(decode_header(many) == std::string(50000, 'a'));
    }

    TEST_CASE("encode_header: ASCII untouched, non-ASCII words encoded, lines at most 76") {
        CHECK(encode_header("Hello world", 7) == "Hello world");
        CHECK(encode_header("  spaced   out  ", 7) == "spaced   out");
        CHECK(encode_header("caf\xC3\xA9 au lait", 7) == "=?UTF-8?B?Y2Fmw6k=?= au lait");
        CHECK(encode_header("tr\xC3\xA8s caf\xC3\xA9 au lait", 7) == "=?UTF-8?B?dHLDqHMgY2Fmw6k=?= au lait");
        CHECK(encode_header("line\nbreak", 7) == "line break");
        CHECK(encode_header("=?x?q?y?=", 7) == "=?UTF-8?B?PT94P3E/eT89?=");
        CHECK(encode_header("", 7) == "");
        std::string long_ascii;
        for (int i = 0; i < 30; ++i) long_ascii += "word ";
        std::string folded = encode_header(long_ascii, 7);
        auto lines = lines_of("Subject: " + folded);
        CHECK(lines.size() > 1);
        for (auto l : lines) CHECK(l.size() <= 76);
        CHECK(decode_header(folded) == std::string(mail::trim(long_ascii)));
    }

    TEST_CASE("encode_header round trip on random text") {
        std::mt19937 rng(2047);
        const char* words[] = {"Re:", "caf\xC3\xA9", "na\xC3\xAFve", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",
                               "plain", "[list]", "\xF0\x9F\x98\x80", "a", "=?", "x_y", "(c)",
                               "averyveryveryveryveryveryveryveryveryveryveryveryverylongword"};
        std::uniform_int_distribution<size_t> pick(0, std::size(words) - 1);
        for (int round = 0; round < 300; ++round) {
            std::string text;
            size_t n = 1 + static_cast<size_t>(round % 40);
            for (size_t i = 0; i < n; ++i) {
                if (i) text += ' ';
                text += words[pick(rng)];
            }
            size_t name_len = static_cast<size_t>(round % 30);
            std::string enc = encode_header(text, name_len);
            CAPTURE(text);
            CAPTURE(enc);
            CHECK(decode_header(enc) == text);
            CHECK(is_ascii(enc));
            auto lines = lines_of(std::string(name_len + 2, 'N') + enc);
            for (size_t i = 0; i < lines.size(); ++i) {
                if (i > 0) CHECK((!lines[i].empty() && (lines[i][0] == ' ' || lines[i][0] == '\t')));
                if (lines[i].find("verylongword") == std::string::npos) CHECK(lines[i].size() <= 76);
            }
        }
    }

    TEST_CASE("encode_phrase and encode_mailbox") {
        CHECK(encode_phrase("John Doe") == "John Doe");
        CHECK(encode_phrase("Doe, John") == "\"Doe, John\"");
        CHECK(encode_phrase("J. Doe") == "\"J. Doe\"");
        CHECK(encode_phrase("a\"b\\c") == "\"a\\\"b\\\\c\"");
        CHECK(encode_phrase("J\xC3\xB6rg") == "=?UTF-8?B?SsO2cmc=?=");
        CHECK(encode_phrase("") == "");
        std::string long_name(60, 'x');
        long_name += "\xC3\xA9";
        std::string p = encode_phrase(long_name);
        CHECK(p.find(' ') != std::string::npos);  // more than one word
        CHECK(decode_header(p) == long_name);
        CHECK(encode_mailbox("J\xC3\xB6rg", "j@x") == "=?UTF-8?B?SsO2cmc=?= <j@x>");
        CHECK(encode_mailbox("", "j@x") == "j@x");
        CHECK(encode_mailbox("Ann", "a@x") == "Ann <a@x>");
    }
}

TEST_SUITE("mime.content_type") {
    TEST_CASE("parse_content_type: types, parameters, comments, defaults") {
        auto ct = parse_content_type("text/plain; charset=us-ascii (Plain text)");
        CHECK(ct.mime_type() == "text/plain");
        CHECK(ct.charset() == "us-ascii");
        CHECK_FALSE(ct.defaulted);

        ct = parse_content_type("TEXT/HTML; CHARSET=\"UTF-8\"");
        CHECK(ct.mime_type() == "text/html");
        CHECK(ct.param("charset") == "UTF-8");

        ct = parse_content_type("multipart/mixed;\n boundary=\"----=_Part_1_2.3\"");
        CHECK(ct.is_multipart());
        CHECK(ct.param("boundary") == "----=_Part_1_2.3");

        ct = parse_content_type("(comment (nested)) text / plain ; charset = utf-8 ; format=flowed");
        CHECK(ct.mime_type() == "text/plain");
        CHECK(ct.param("charset") == "utf-8");
        CHECK(ct.param("format") == "flowed");

        ct = parse_content_type("");
        CHECK(ct.defaulted);
        CHECK(ct.mime_type() == "text/plain");
        CHECK(ct.charset() == "us-ascii");

        ct = parse_content_type("garbage");
        CHECK(ct.defaulted);
        CHECK(ct.mime_type() == "text/plain");

        ct = parse_content_type("text; charset=iso-8859-1");  // invalid type, charset kept
        CHECK(ct.defaulted);
        CHECK(ct.charset() == "iso-8859-1");

        ct = parse_content_type("application/octet-stream; name=my file.txt");
        CHECK(ct.param("name") == "my file.txt");
        ct = parse_content_type("a/b; x=1 y=2; z");
        CHECK(ct.param("x") == "1");
        CHECK(ct.param("y") == "2");
        ct = parse_content_type("a/b; name=\"a\\\"b\"; q=\"unterminated");
        CHECK(ct.param("name") == "a\"b");
        CHECK(ct.param("q") == "unterminated");
        ct = parse_content_type("a/b; charset=one; charset=two");
        CHECK(ct.param("charset") == "one");
        ct = parse_content_type("a/b;;; =x; ;c=d");
        CHECK(ct.param("c") == "d");
        CHECK(ct.params.size() == 1);

        // Found by fuzz_mime: a comment that ends in a backslash.
        CHECK(parse_content_disposition("(\x92\\").kind == "");
        CHECK(parse_content_type("text/plain (\\").mime_type() == "text/plain");
        CHECK(parse_content_type("text/plain; a=b (x\\").param("a") == "b");

        CHECK(parse_content_type("message/rfc822").is_message());
        CHECK(parse_content_type("message/global").is_message());
        CHECK_FALSE(parse_content_type("message/partial").is_message());
        CHECK(default_content_type(true).mime_type() == "message/rfc822");
        CHECK(default_content_type(false).param("charset") == "us-ascii");
    }

    TEST_CASE("RFC 2231: examples, charsets, continuations") {
        auto ct = parse_content_type(
            "message/external-body; access-type=URL;\n URL*0=\"ftp://\";\n"
            " URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"");
        CHECK(ct.param("url") == "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");
        CHECK(ct.param("access-type") == "URL");

        ct = parse_content_type("application/x-stuff;\n title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A");
        CHECK(ct.param("title") == "This is ***fun***");

        ct = parse_content_type(
            "application/x-stuff;\n title*0*=us-ascii'en'This%20is%20even%20more%20;\n"
            " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\n title*2=\"isn't it!\"");
        CHECK(ct.param("title") == "This is even more ***fun*** isn't it!");

        auto cd = parse_content_disposition("attachment; filename*=UTF-8''na%C3%AFve.txt");
        CHECK(cd.is_attachment());
        CHECK(cd.param("filename") == "na\xC3\xAFve.txt");
        cd = parse_content_disposition("attachment; filename*=iso-8859-1''caf%E9.txt");
        CHECK(cd.param("filename") == "caf\xC3\xA9.txt");
        cd = parse_content_disposition("attachment; filename=\"fallback.txt\"; filename*=utf-8''real.txt");
        CHECK(cd.param("filename") == "real.txt");
        cd = parse_content_disposition("attachment; name*1=b; name*0=a; name*2*=%63");
        CHECK(cd.param("name") == "abc");
        cd = parse_content_disposition("attachment; f*=no-quotes%41");  // tolerated: no charset'lang'
        CHECK(cd.param("f") == "no-quotesA");
        cd = parse_content_disposition("attachment; f*=utf-8''bad%ZZ%4");
        CHECK(cd.param("f") == "bad%ZZ%4");
        cd = parse_content_disposition("INLINE");
        CHECK(cd.kind == "inline");
        cd = parse_content_disposition("filename=x.txt");
        CHECK(cd.kind == "");
        CHECK(cd.param("filename") == "x.txt");
    }

    TEST_CASE("parse_encoding") {
        CHECK(parse_encoding("") == Encoding::SevenBit);
        CHECK(parse_encoding("7BIT") == Encoding::SevenBit);
        CHECK(parse_encoding("8bit") == Encoding::EightBit);
        CHECK(parse_encoding("binary") == Encoding::Binary);
        CHECK(parse_encoding(" Base64 ") == Encoding::Base64);
        CHECK(parse_encoding("quoted-printable (comment)") == Encoding::QuotedPrintable);
        CHECK(parse_encoding("x-uuencode") == Encoding::Other);
        CHECK(encoding_name(Encoding::QuotedPrintable) == "quoted-printable");
    }
}

TEST_SUITE("mime.parse") {
    TEST_CASE("a message without MIME is one text/plain part; views point into the message") {
        std::string msg = "From alice@example.org Sun May 12 08:00:00 2024\n"
                          "From: alice@example.org\nSubject: hi\n\nHello.\n";
        Part p = parse(msg);
        CHECK(p.content_type.mime_type() == "text/plain");
        CHECK(p.content_type.defaulted);
        CHECK(p.header == "From: alice@example.org\nSubject: hi\n");
        CHECK(p.body == "Hello.\n");
        CHECK(within(p.body, msg));
        CHECK(within(p.header, msg));
        CHECK(p.children.empty());
        CHECK(decoded_text(p) == "Hello.\n");
        CHECK(find_field(p.header, "subject") == "hi");
        CHECK_FALSE(find_field(p.header, "To").has_value());
    }

    TEST_CASE("header sections: no blank line, no header, CRLF, folded fields") {
        Part a = parse("Content-Type: text/plain\nHello there\n");
        CHECK(a.body == "Hello there\n");
        Part b = parse("Just text\nmore\n");
        CHECK(b.header.empty());
        CHECK(b.body == "Just text\nmore\n");
        Part c = parse("Content-Type: text/plain;\r\n charset=iso-8859-1\r\n\r\ncaf\xE9\r\n");
        CHECK(c.content_type.charset() == "iso-8859-1");
        CHECK(c.body == "caf\xE9\r\n");
        CHECK(decoded_text(c) == "caf\xC3\xA9\n");
        CHECK(find_field("X: 1\ngarbage line\nY: a\n  b\n", "y") == "a  b");
        Part d = parse("\nbody only\n");
        CHECK(d.header.empty());
        CHECK(d.body == "body only\n");
    }

    const std::string k_mixed =
        "From: a@example.org\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"outer\"\n"
        "\n"
        "This is the preamble.\n"
        "--outer\n"
        "Content-Type: multipart/alternative; boundary=\"outer-inner\"\n"
        "\n"
        "--outer-inner\n"
        "Content-Type: text/plain; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "Caf=E9 cr=E8me=\n"
        " br=FBl=E9e\n"
        "--outer-inner  \n"
        "Content-Type: text/html; charset=utf-8\n"
        "\n"
        "<p>Caf\xC3\xA9</p>\n"
        "--outer-inner--\n"
        "inner epilogue\n"
        "--outer\n"
        "Content-Type: application/pdf; name=\"=?UTF-8?B?cmVwb3J0LnBkZg==?=\"\n"
        "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "JVBERi0xLjQK\n"
        "--outer--\n"
        "This is the epilogue.\n"
        "--outer\n"
        "not a part\n";

    TEST_CASE("nested multiparts, preamble, epilogue, trailing white space on delimiters") {
        Part p = parse(k_mixed);
        CHECK(p.content_type.mime_type() == "multipart/mixed");
        REQUIRE(p.children.size() == 2);
        CHECK_FALSE(p.opaque);
        const Part& alt = p.children[0];
        CHECK(alt.content_type.mime_type() == "multipart/alternative");
        CHECK(alt.depth == 1);
        REQUIRE(alt.children.size() == 2);
        const Part& plain = alt.children[0];
        CHECK(plain.depth == 2);
        CHECK(plain.encoding == Encoding::QuotedPrintable);
        CHECK(plain.encoding_label == "quoted-printable");
        CHECK(plain.body == "Caf=E9 cr=E8me=\n br=FBl=E9e");
        CHECK(decoded_text(plain) == "Caf\xC3\xA9 cr\xC3\xA8me br\xC3\xBBl\xC3\xA9" "e");
        CHECK(decoded_text(alt.children[1]) == "<p>Caf\xC3\xA9</p>");
        const Part& pdf = p.children[1];
        CHECK(pdf.is_attachment());
        CHECK(pdf.filename == "r\xC3\xA9sum\xC3\xA9.pdf");
        CHECK(pdf.body == "JVBERi0xLjQK");
        CHECK(decoded_body(pdf) == "%PDF-1.4\n");
        CHECK_FALSE(decoded_text(pdf).has_value());
        CHECK_FALSE(decoded_text(p).has_value());
        for (const Part* q : {&std::as_const(p), &alt, &plain, &pdf}) {
            CHECK(within(q->body, k_mixed));
            CHECK(within(q->header, k_mixed));
        }
    }

    TEST_CASE("filename from the type's RFC 2047-encoded name when there is no disposition") {
        Part p = parse("Content-Type: application/pdf; name=\"=?UTF-8?B?cmVwb3J0LnBkZg==?=\"\n\nx");
        CHECK(p.filename == "report.pdf");
        CHECK(p.is_attachment());
    }

    TEST_CASE("missing close delimiter, no delimiter, CRLF delimiters, empty parts") {
        Part a = parse("Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\n\ntwo\n");
        REQUIRE(a.children.size() == 2);
        CHECK(a.children[0].body == "one");
        CHECK(a.children[1].body == "two\n");  // runs to the end
        Part b = parse("Content-Type: multipart/mixed; boundary=b\n\nno delimiter here\n--bb\n");
        CHECK(b.children.empty());
        CHECK_FALSE(b.opaque);
        Part c = parse("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b--\r\n");
        REQUIRE(c.children.size() == 1);
        CHECK(c.children[0].body == "one");
        Part d = parse("Content-Type: multipart/mixed; boundary=b\n\n--b\n--b\n\n--b--\n");
        REQUIRE(d.children.size() == 2);
        CHECK(d.children[0].body.empty());
        CHECK(d.children[1].body.empty());
        // A part without a blank line: a field line is header, other text is body.
        Part e = parse("Content-Type: multipart/mixed; boundary=b\n\n--b\nno header: just text\n"
                       "--b\nNote: just text\n--b--");
        REQUIRE(e.children.size() == 2);
        CHECK(decoded_text(e.children[0]) == "no header: just text");
        CHECK(decoded_text(e.children[1]) == "");
        CHECK(e.children[1].header == "Note: just text");
    }

    TEST_CASE("multipart without boundary or with a forbidden encoding is opaque") {
        Part a = parse("Content-Type: multipart/mixed\n\n--b\n\nx\n");
        CHECK(a.opaque);
        CHECK(a.children.empty());
        Part b = parse("Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: base64\n\nLS1i\n");
        CHECK(b.opaque);
        Part c = parse("Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeA==\n");
        CHECK(c.opaque);
        CHECK(c.children.empty());
    }

    TEST_CASE("message/rfc822 and multipart/digest") {
        std::string msg =
            "Subject: outer\nContent-Type: multipart/mixed; boundary=m\n\n"
            "--m\nContent-Type: message/rfc822\n\n"
            "Subject: =?utf-8?q?inner_caf=C3=A9?=\nContent-Type: text/plain; charset=utf-8\n\nInner body\n"
            "--m\nContent-Type: multipart/digest; boundary=d\n\n"
            "--d\n\nSubject: one\n\nfirst\n"
            "--d\nContent-Type: text/plain\n\nnot a message\n"
            "--d--\n"
            "--m--\n";
        Part p = parse(msg);
        REQUIRE(p.children.size() == 2);
        const Part& wrapped = p.children[0];
        CHECK(wrapped.content_type.is_message());
        CHECK_FALSE(wrapped.is_attachment());
        REQUIRE(wrapped.children.size() == 1);
        const Part& inner = wrapped.children[0];
        CHECK(inner.depth == 2);
        CHECK(decode_header(find_field(inner.header, "Subject").value_or("")) == "inner caf\xC3\xA9");
        CHECK(decoded_text(inner) == "Inner body");
        const Part& digest = p.children[1];
        REQUIRE(digest.children.size() == 2);
        CHECK(digest.children[0].content_type.mime_type() == "message/rfc822");
        REQUIRE(digest.children[0].children.size() == 1);
        CHECK(find_field(digest.children[0].children[0].header, "subject") == "one");
        CHECK(decoded_text(digest.children[0].children[0]) == "first");
        CHECK(digest.children[1].content_type.mime_type() == "text/plain");
    }

    TEST_CASE("limits: depth and number of parts") {
        std::string deep;
        for (int i = 0; i < 40; ++i) deep += "Content-Type: message/rfc822\n\n";
        deep += "Subject: bottom\n\nbody\n";
        Part p = parse(deep);
        const Part* q = &p;
        int levels = 0;
        while (!q->children.empty()) {
            q = &q->children[0];
            ++levels;
        }
        CHECK(levels == 32);
        CHECK(q->depth == 32);
        CHECK(q->opaque);

        std::string wide = "Content-Type: multipart/mixed; boundary=b\n\n";
        for (int i = 0; i < 20000; ++i) wide += "--b\n\nx\n";
        Part w = parse(wide);
        CHECK(w.opaque);
        CHECK(w.children.size() == 9999);  // plus the root: 10,000 parts

        ParseLimits small;
        small.max_parts = 3;
        small.max_depth = 1;
        Part s = parse(k_mixed, small);
        REQUIRE(s.children.size() == 2);
        CHECK(s.children[0].opaque);  // depth 1 is the limit for containers
        CHECK(s.children[0].children.empty());
        small.max_parts = 2;
        Part s2 = parse(k_mixed, small);
        CHECK(s2.children.size() == 1);
        CHECK(s2.opaque);
    }

    TEST_CASE("deeply nested multiparts with a shared boundary prefix") {
        std::string msg;
        std::string close;
        for (int i = 0; i < 50; ++i) {
            std::string b = "b" + std::to_string(i);
            msg += "Content-Type: multipart/mixed; boundary=\"" + b + "\"\n\n--" + b + "\n";
            close = "\n--" + b + "--" + close;
        }
        msg += "\ntext" + close + "\n";
        Part p = parse(msg);
        const Part* q = &p;
        while (!q->children.empty()) q = &q->children.back();
        CHECK(q->depth == 32);
        CHECK(q->opaque);
    }

    TEST_CASE("hostile input never crashes") {
        std::mt19937 rng(2046);
        const std::string_view alphabet("--b\n\r: Content-Type multipart/mixed; boundary=b message/rfc822=?\"");
        for (int round = 0; round < 300; ++round) {
            std::string msg = "Content-Type: multipart/mixed; boundary=b\n\n" +
                              random_bytes(rng, static_cast<size_t>(round * 3), alphabet);
            Part p = parse(msg);
            std::vector<const Part*> stack{&p};
            while (!stack.empty()) {
                const Part* q = stack.back();
                stack.pop_back();
                CHECK(within(q->body, msg));
                if (auto t = decoded_text(*q)) CHECK(is_valid_utf8(*t));
                for (const Part& c : q->children) stack.push_back(&c);
            }
        }
    }

    TEST_CASE("decoded_text: base64 with CRLF, unknown encodings, undeclared 8-bit") {
        Part a = parse("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
                       "Q2Fmw6kNCmxpbmUgMg0K\n");
        CHECK(decoded_text(a) == "Caf\xC3\xA9\nline 2\n");
        Part b = parse("Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 x\n");
        CHECK_FALSE(decoded_text(b).has_value());
        CHECK(decoded_body(b) == "begin 644 x\n");
        Part c = parse("Subject: x\n\ncaf\xC3\xA9\n");
        CHECK(decoded_text(c) == "caf\xC3\xA9\n");
        Part d = parse("Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: bAsE64\n\nY2Fm6Q==");
        CHECK(decoded_text(d) == "caf\xC3\xA9");
        Part e = parse("Content-Type: image/png\n\n\x89PNG");
        CHECK_FALSE(decoded_text(e).has_value());
        CHECK(e.is_attachment());
    }

    TEST_CASE("safe_filename") {
        struct Case { std::string_view in; std::string want; };
        const Case cases[] = {
            {"report.pdf", "report.pdf"},
            {"../../etc/passwd", "passwd"},
            {"C:\\Users\\x\\evil.exe", "evil.exe"},
            {".bashrc", "bashrc"},
            {"-rf", "rf"},
            {"...", ""},
            {"", ""},
            {"dir/", ""},
            {"a\x1B" "b", "a" + k_fffd + "b"},
            {"caf\xC3\xA9.txt  ", "caf\xC3\xA9.txt"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(safe_filename(c.in) == c.want);
        }
        std::string long_name;
        for (int i = 0; i < 200; ++i) long_name += "\xC3\xA9";
        std::string s = safe_filename(long_name);
        CHECK(s.size() <= 255);
        CHECK(is_valid_utf8(s));
    }
}

TEST_SUITE("mime.compose") {
    TEST_CASE("choose_text_encoding") {
        struct Case { std::string_view in; const char* charset; Encoding enc; };
        const Case cases[] = {
            {"hello\n", "us-ascii", Encoding::SevenBit},
            {"", "us-ascii", Encoding::SevenBit},
            {"a\r\nb\r\n", "us-ascii", Encoding::SevenBit},
            {"caf\xC3\xA9\n", "UTF-8", Encoding::EightBit},
            {"From me\n", "us-ascii", Encoding::QuotedPrintable},
            {"x\nFrom me", "us-ascii", Encoding::QuotedPrintable},
            {"caf\xC3\xA9\nFrom me\n", "UTF-8", Encoding::QuotedPrintable},
            {".\n", "us-ascii", Encoding::QuotedPrintable},
            {"a\n.\nb", "us-ascii", Encoding::QuotedPrintable},
            {"a\n.", "us-ascii", Encoding::QuotedPrintable},
            {"a\n..\n", "us-ascii", Encoding::SevenBit},
            {"caf\xE9\n", "unknown-8bit", Encoding::EightBit},
            {std::string_view("a\0b", 3), "us-ascii", Encoding::QuotedPrintable},
            {"a\rb\n", "us-ascii", Encoding::QuotedPrintable},
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            TextEncoding te = choose_text_encoding(c.in);
            CHECK(te.charset == c.charset);
            CHECK(te.encoding == c.enc);
        }
        CHECK(choose_text_encoding(std::string(998, 'a')).encoding == Encoding::SevenBit);
        CHECK(choose_text_encoding(std::string(999, 'a')).encoding == Encoding::QuotedPrintable);
        CHECK(choose_text_encoding(std::string(998, 'a') + "\r\n").encoding == Encoding::SevenBit);
    }

    TEST_CASE("build_text: headers only when needed") {
        MimeBody a = build_text("hello\n");
        CHECK(a.headers.empty());
        CHECK(a.body == "hello\n");

        MimeBody b = build_text("caf\xC3\xA9\n");
        CHECK(b.headers.serialize() ==
              "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n");
        CHECK(b.body == "caf\xC3\xA9\n");

        MimeBody c = build_text("From here\n.\n");
        CHECK(c.headers.serialize() ==
              "MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n"
              "Content-Transfer-Encoding: quoted-printable\n");
        CHECK(c.body == "=46rom here\n=2E\n");
        CHECK(build_message("hello\n", {}).headers.empty());
    }

    TEST_CASE("build_message: exact layout") {
        std::vector<Attachment> att = {{"/tmp/notes.txt", "caf\xC3\xA9\n", ""},
                                       {"dir/data.bin", std::string("\x00\x01\x02", 3), "application/x-thing"}};
        MimeBody m = build_message("Hello\n", att, "b1");
        CHECK(m.headers.serialize() ==
              "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\nContent-Transfer-Encoding: 7bit\n");
        CHECK(m.body ==
              "--b1\n"
              "Content-Type: text/plain; charset=us-ascii\n"
              "Content-Transfer-Encoding: 7bit\n"
              "\n"
              "Hello\n"
              "\n"
              "--b1\n"
              "Content-Type: text/plain; charset=UTF-8\n"
              "Content-Disposition: attachment; filename=\"notes.txt\"\n"
              "Content-Transfer-Encoding: base64\n"
              "\n"
              "Y2Fmw6kK\n"
              "--b1\n"
              "Content-Type: application/x-thing\n"
              "Content-Disposition: attachment; filename=\"data.bin\"\n"
              "Content-Transfer-Encoding: base64\n"
              "\n"
              "AAEC\n"
              "--b1--\n");
    }

    TEST_CASE("build_message: file names, boundary collisions, round trip through parse") {
        std::string long_name = "/home/u/";
        for (int i = 0; i < 30; ++i) long_name += "\xC3\xA9t\xC3\xA9";
        long_name += ".txt";
        std::vector<Attachment> att = {
            {"/tmp/na\xC3\xAFve r\xC3\xA9sum\xC3\xA9.pdf", "%PDF", "application/pdf"},
            {"say \"hi\"\\.txt", "hi", "text/plain"},
            {long_name, "", "bad type"},
            {"noext", std::string("\xFF\x00", 2), ""},
        };
        std::string text = "caf\xC3\xA9\n--b1\nend";
        MimeBody m = build_message(text, att, "b1");
        std::string boundary = m.headers.find("Content-Type")->value;
        CHECK(boundary != "multipart/mixed; boundary=\"b1\"");  // changed: the text contains "--b1"
        CHECK(m.headers.find("Content-Transfer-Encoding")->value == "8bit");
        CHECK(m.body.find("filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.pdf") != std::string::npos);
        CHECK(m.body.find("filename=\"say \\\"hi\\\"\\\\.txt\"") != std::string::npos);
        CHECK(m.body.find("filename*0*=UTF-8''") != std::string::npos);
        CHECK(m.body.find("filename*1*=") != std::string::npos);
        for (auto line : lines_of(m.body)) CHECK(line.size() <= 78);

        std::string whole = m.headers.serialize() + "\n" + m.body;
        Part p = parse(whole);
        REQUIRE(p.children.size() == 5);
        CHECK(decoded_text(p.children[0]) == text);
        CHECK(p.children[1].filename == "na\xC3\xAFve r\xC3\xA9sum\xC3\xA9.pdf");
        CHECK(p.children[1].content_type.mime_type() == "application/pdf");
        CHECK(decoded_body(p.children[1]) == "%PDF");
        CHECK(p.children[2].filename == "say \"hi\"\\.txt");
        CHECK(p.children[2].content_type.param("charset") == "us-ascii");
        CHECK(p.children[3].filename == long_name.substr(8));
        CHECK(p.children[3].content_type.mime_type() == "text/plain");  // .txt, from the extension
        CHECK(decoded_body(p.children[3]).empty());
        CHECK(p.children[4].content_type.mime_type() == "application/octet-stream");
        CHECK(decoded_body(p.children[4]) == std::string("\xFF\x00", 2));
    }

    TEST_CASE("build_message: random boundary, no text part, random round trips") {
        std::vector<Attachment> one = {{"a.bin", "x", "application/octet-stream"}};
        MimeBody a = build_message("", one);
        MimeBody b = build_message("", one);
        std::string ta = a.headers.find("Content-Type")->value;
        CHECK(ta.find("boundary=\"=_mailroom_") != std::string::npos);
        CHECK(ta != b.headers.find("Content-Type")->value);
        std::string whole_a = a.headers.serialize() + "\n" + a.body;
        Part pa = parse(whole_a);
        REQUIRE(pa.children.size() == 1);  // no text part for an empty text
        CHECK(pa.children[0].filename == "a.bin");

        std::mt19937 rng(2046);
        for (int round = 0; round < 50; ++round) {
            std::string text = random_bytes(rng, static_cast<size_t>(round * 13 % 400), "ab \n.From\xC3\xA9-=");
            std::vector<Attachment> att;
            for (int i = 0; i <= round % 3; ++i)
                att.push_back({"f" + std::to_string(i), random_bytes(rng, static_cast<size_t>(round * 31 % 3000)), ""});
            MimeBody m = build_message(text, att);
            std::string whole = m.headers.serialize() + "\n" + m.body;
            Part p = parse(whole);
            size_t first = text.empty() ? 0 : 1;
            REQUIRE(p.children.size() == att.size() + first);
            CAPTURE(text);
            if (!text.empty()) CHECK(decoded_text(p.children[0]) == to_utf8(text, "utf-8"));
            for (size_t i = 0; i < att.size(); ++i) CHECK(decoded_body(p.children[first + i]) == att[i].content);
        }
    }

    TEST_CASE("mime_type_for: table, built-in fallback, content sniffing") {
        MimeTypes t = MimeTypes::parse("# comment\nimage/png png PNG\ntext/x-c c h # trailing\nbad-line\n"
                                       "image/other png\n");
        CHECK(t.find("png") == "image/png");  // the first mapping wins
        CHECK(mime_type_for("/x/pic.PNG", "", t) == "image/png");
        CHECK(mime_type_for("main.h", "", t) == "text/x-c");
        CHECK(mime_type_for("doc.pdf", "", t) == "application/pdf");  // built-in table
        CHECK(mime_type_for("a.tar.gz", "", t) == "application/gzip");
        CHECK(mime_type_for("README", "plain text\n", t) == "text/plain");
        CHECK(mime_type_for("README", "caf\xC3\xA9", t) == "text/plain");
        CHECK(mime_type_for("blob", std::string("a\0b", 3), t) == "application/octet-stream");
        CHECK(mime_type_for("blob", "\xFF\xFE", t) == "application/octet-stream");
        CHECK(mime_type_for(".bashrc", "x", t) == "text/plain");
        CHECK(mime_type_for("dir.d/file", "\xFF", t) == "application/octet-stream");
        CHECK(MimeTypes::builtin().find("JPG") == "image/jpeg");
        CHECK(mime_type_for("x.json", "") == "application/json");  // the system table or the built-in one
        CHECK(mime_type_for("x.csv", "") == "text/csv");
    }
}
