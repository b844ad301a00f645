// dsn_test.cpp — unit tests for the DSN builder.
#include "libmail/dsn/dsn.h"

#include <doctest/doctest.h>
#include <cstdlib>

using namespace mail::dsn;

TEST_SUITE("dsn") {
    TEST_CASE("a failure report has the RFC 3464 parts in order") {
        setenv("TZ", "UTC", 1);
        Report r;
        r.reporting_mta = "mx.example.com";
        r.queue_id = "6AM5abUb021953";
        r.to = "alice@example.org";
        r.original_from = "alice@localhost";
        r.arrival = 1'800'000'000;
        r.now = 1'800'000'100;
        r.recipients.push_back({"team1", "team1@mx.example.com", "5.1.1", "User unknown", 1'800'000'050});
        std::string boundary = make_boundary(r);
        CHECK(boundary == "6AM5abUb021953.1800000100/mx.example.com");
        std::string h = headers(r, boundary, "<x@mx.example.com>");
        CHECK(h.find("From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\n") == 0);
        CHECK(h.find("To: <alice@example.org>\n") != std::string::npos);
        CHECK(h.find("Subject: Returned mail: see transcript for details\n") != std::string::npos);
        CHECK(h.find("Auto-Submitted: auto-generated (failure)") != std::string::npos);
        CHECK(h.back() != '\n');
        std::string b = body_prefix(r, boundary, false);
        size_t human = b.find("----- The following addresses had permanent fatal errors -----\n<team1>\n");
        size_t status = b.find("Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n");
        size_t rcpt = b.find("Original-Recipient: rfc822; team1\nFinal-Recipient: RFC822; team1@mx.example.com\n"
                             "Action: failed\nStatus: 5.1.1\n");
        size_t orig = b.find("Content-Type: message/rfc822\n\n");
        CHECK(human != std::string::npos);
        CHECK(status > human);
        CHECK(rcpt > status);
        CHECK(orig > rcpt);
        CHECK(body_prefix(r, boundary, true).find("Content-Type: text/rfc822-headers") != std::string::npos);
        CHECK(body_suffix(boundary) == "\n--6AM5abUb021953.1800000100/mx.example.com--\n");
    }
    TEST_CASE("a delay report says delayed and when it gives up") {
        Report r;
        r.kind = Report::Kind::Delay;
        r.reporting_mta = "h";
        r.queue_id = "Q";
        r.warn_after = "4 hours";
        r.retry_until = "5 days";
        r.recipients.push_back({"x@y", "x@y", "4.4.1", "Deferred: Connection refused", 0});
        CHECK(headers(r, "b", "<m@h>").find("Subject: Warning: could not send message for past 4 hours") !=
              std::string::npos);
        std::string b = body_prefix(r, "b", false);
        CHECK(b.find("Action: delayed\nStatus: 4.4.1\n") != std::string::npos);
        CHECK(b.find("Will-Retry-Until: 5 days") != std::string::npos);
    }
}
