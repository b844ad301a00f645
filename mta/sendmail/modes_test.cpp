// modes_test.cpp — the mailq (-bp) layout, byte for byte.
#include "mta/sendmail/modes.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>

using namespace mail;

TEST_SUITE("sendmail.mailq") {
    TEST_CASE("empty queue") {
        CHECK(sendmail::format_queue("/var/spool/mqueue", {}) ==
              "/var/spool/mqueue is empty\n\t\tTotal requests: 0\n");
    }
    TEST_CASE("a deferred message, as sendmail prints it") {
        setenv("TZ", "UTC", 1);
        tzset();
        queue::Message m;
        m.env.id = "6AM5abUb021953";
        m.env.sender = "alice@localhost";
        m.env.arrived = 1'795'325'797;  // Sun Nov 22 05:36:37 2026 UTC
        m.env.headers = "Subject: x";
        m.env.size = static_cast<long long>(m.env.headers.size()) + 1 + 6;  // a 6-byte body
        queue::Target a;
        a.kind = queue::TargetKind::Remote;
        a.value = "someone@dead.example";
        a.diag = "Deferred: Connection refused by [127.0.0.1]";
        queue::Target b;
        b.kind = queue::TargetKind::Remote;
        b.value = "x@special.example";
        queue::Target done;
        done.value = "john";
        done.state = queue::TargetState::Sent;
        m.targets = {a, b, done};
        std::string want =
            "\t\t/q (1 request)\n"
            "-----Q-ID----- --Size-- -----Q-Time----- ------------Sender/Recipient-----------\n"
            "6AM5abUb021953        6 Sun Nov 22 05:36 <alice@localhost>\n"
            "                 (Deferred: Connection refused by [127.0.0.1])\n"
            "\t\t\t\t\t <someone@dead.example>\n"
            "\t\t\t\t\t <x@special.example>\n"
            "\t\tTotal requests: 1\n";
        CHECK(sendmail::format_queue("/q", {m}) == want);
        m.env.sender = "";
        CHECK(sendmail::format_queue("/q", {m, m}).find("<MAILER-DAEMON>\n") != std::string::npos);
        CHECK(sendmail::format_queue("/q", {m, m}).find("(2 requests)") != std::string::npos);
    }
}
