// users_test.cpp — unit tests for the instance users file.
#include "libmail/users/users.h"

#include <doctest/doctest.h>

TEST_SUITE("users") {
    TEST_CASE("instance file lookups") {
        auto d = mail::users::Directory::parse("# comment\njohn:x:1000:1000:John:/h/john:/bin/sh\n\nmary:x:::Mary:/h/mary:\n",
                                               "users");
        REQUIRE(d.ok());
        auto john = d->find("john");
        REQUIRE(john);
        CHECK(john->uid == 1000);
        CHECK(john->home == "/h/john");
        CHECK(d->find("JOHN"));  // case folded
        CHECK(d->find("mary")->shell == "/bin/sh");
        CHECK_FALSE(d->find("team1"));
    }
    TEST_CASE("bad lines name file:line") {
        auto d = mail::users::Directory::parse("john:x:1:1:J:/h:/bin/sh\nbroken line\n", "etc/users");
        REQUIRE_FALSE(d.ok());
        CHECK(d.error().message == "etc/users:2: expected name:x:uid:gid:gecos:home:shell, got \"broken line\"");
        CHECK(d.error().exit_code == EX_CONFIG);
    }
}
