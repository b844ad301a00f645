// abstract_test.cpp — unit tests for abstract.h, with the exact bytes of
// the reference experiments E1 and E17 (reference procmail.md §1.12, §3).
#include "filters/common/abstract.h"

#include <doctest/doctest.h>

#include <string>

using mail::filters::abstract_folder_line;
using mail::filters::abstract_subject_line;
using mail::filters::log_abstract;

namespace {

// msg1.eml of the reference (500 bytes; E1 writes 502 of them to `reports`).
const std::string k_msg1 =
    "From alice@example.com  Mon Jan  6 10:00:00 2025\n"
    "Return-Path: <alice@example.com>\n"
    "Received: from mx.example.com (mx.example.com [192.0.2.1])\n"
    "\tby mail.example.org with ESMTP id abc123;\n"
    "\tMon, 6 Jan 2025 10:00:00 +0000\n"
    "From: Alice Example <alice@example.com>\n"
    "To: Bob <bob@example.org>\n"
    "Cc: list@lists.example.net\n"
    "Subject: Quarterly report\twith tab\n"
    "Message-ID: <20250106100000.1234@example.com>\n"
    "Date: Mon, 6 Jan 2025 10:00:00 +0000\n"
    "\n"
    "Hi Bob,\n"
    "\n"
    "From the numbers, things look good.\n"
    ">From the archive too.\n"
    "Bye\n";

}  // namespace

TEST_SUITE("filters.abstract") {
    TEST_CASE("E1: From, Subject (TAB → space) and Folder with 7 TABs") {
        CHECK(log_abstract(k_msg1, "reports", 502) ==
              "From alice@example.com  Mon Jan  6 10:00:00 2025\n"
              " Subject: Quarterly report with tab\n"
              "  Folder: reports\t\t\t\t\t\t\t    502\n");
    }
    TEST_CASE("E2: no From_ line, no From line in the abstract") {
        std::string nofrom = k_msg1.substr(k_msg1.find('\n') + 1);
        CHECK(log_abstract(nofrom, "reports", 453) ==
              " Subject: Quarterly report with tab\n"
              "  Folder: reports\t\t\t\t\t\t\t    453\n");
    }
    TEST_CASE("E17: no Subject header, no Subject line") {
        CHECK(log_abstract("From a@b  Mon Jan  6 10:00:00 2025\nTo: x\n\nSubject: in the body\n", "box", 10) ==
              "From a@b  Mon Jan  6 10:00:00 2025\n"
              "  Folder: box\t\t\t\t\t\t\t\t     10\n");
    }
    TEST_CASE("E17: a 130-byte Subject with a TAB is cut to 78 bytes") {
        std::string subject = "Subject: " + std::string(20, 'S') + "\t" + std::string(100, 'x');
        std::string want = " Subject: " + std::string(20, 'S') + " " + std::string(48, 'x') + "\n";
        CHECK(abstract_subject_line(subject) == want);
        CHECK(want.size() == 80);  // 79 columns and the newline
        std::string msg = "To: y\n" + subject + "\n\nbody\n";
        CHECK(log_abstract(msg, "box", 1) == want + "  Folder: box\t\t\t\t\t\t\t\t      1\n");
    }
    TEST_CASE("E17: a 70-byte folder is cut to 60, one TAB, then the size") {
        std::string folder(70, 'f');
        CHECK(abstract_folder_line(folder, 173) == "  Folder: " + std::string(60, 'f') + "\t    173\n");
        // formail -l keeps 61 bytes (observed), still one TAB.
        CHECK(abstract_folder_line(folder, 91, 61) == "  Folder: " + std::string(61, 'f') + "\t     91\n");
    }
    TEST_CASE("the TABs always end at column 72") {
        struct Case { size_t len; size_t tabs; };
        for (auto c : {Case{0, 8}, Case{1, 8}, Case{5, 8}, Case{6, 7}, Case{13, 7}, Case{14, 6}, Case{21, 6},
                       Case{22, 5}, Case{53, 2}, Case{54, 1}, Case{61, 1}}) {
            CAPTURE(c.len);
            std::string line = abstract_folder_line(std::string(c.len, 'f'), 40, 61);
            size_t tabs = 0;
            for (char ch : line) tabs += ch == '\t';
            CHECK(tabs == c.tabs);
            size_t column = (10 + c.len) - (10 + c.len) % 8 + 8 * c.tabs;
            CHECK(column >= 72);
        }
    }
    TEST_CASE("the size is %7lu: right-aligned, wider when it must be") {
        CHECK(abstract_folder_line("x", 0) == "  Folder: x\t\t\t\t\t\t\t\t      0\n");
        CHECK(abstract_folder_line("x", 12345678) == "  Folder: x\t\t\t\t\t\t\t\t12345678\n");
    }
    TEST_CASE("control whitespace in the folder becomes spaces; a NUL ends it") {
        CHECK(abstract_folder_line("a\tb\nc", 1) == "  Folder: a b c\t\t\t\t\t\t\t\t      1\n");
        CHECK(abstract_folder_line(std::string("ab\0cd", 5), 1) == "  Folder: ab\t\t\t\t\t\t\t\t      1\n");
        CHECK(abstract_folder_line("**Bounced**", 0) == "  Folder: **Bounced**\t\t\t\t\t\t\t      0\n");
    }
    TEST_CASE("the Subject match ignores case and takes the first one") {
        std::string msg = "SUBJECT: first\nSubject: second\n\n";
        CHECK(log_abstract(msg, "f", 1).substr(0, 16) == " SUBJECT: first\n");
        // A continuation line is not part of the abstract (procmail's .* stops at the newline).
        CHECK(log_abstract("Subject: a\n b\n\n", "f", 1).substr(0, 12) == " Subject: a\n");
    }
    TEST_CASE("degenerate messages") {
        CHECK(log_abstract("", "f", 1) == abstract_folder_line("f", 1));
        CHECK(log_abstract("\n", "f", 1) == abstract_folder_line("f", 1));
        CHECK(log_abstract("From x", "f", 6) == "From x\n" + abstract_folder_line("f", 6));
        CHECK(log_abstract(std::string("From a\0b\nSubject: c\0d\n\n", 23), "f", 1) ==
              "From a\n Subject: c\n" + abstract_folder_line("f", 1));
        // The Subject search stops at the end of the header.
        CHECK(log_abstract("To: a\n\nSubject: b\n", "f", 1) == abstract_folder_line("f", 1));
    }
}
