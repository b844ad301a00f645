// vars_test.cpp — the variable store: order, replacement, removal, and the
// open-addressing index under many insertions and removals.
#include "filters/procmail/vars.h"

#include <doctest/doctest.h>

#include <map>
#include <string>

using mail::procmail::Vars;

TEST_SUITE("procmail.vars") {
    TEST_CASE("order of the environment: a change keeps its place, a new one goes last") {
        Vars v;
        v.set("A", "1");
        v.set("B", "2");
        v.set("A", "3");
        v.set("C", "4");
        v.unset("B");
        v.set("B", "5");
        CHECK(v.environ() == std::vector<std::string>{"A=3", "C=4", "B=5"});
        CHECK(v.value("A") == "3");
        CHECK(v.value("nope").empty());
        CHECK_FALSE(v.is_set("nope"));
        v.unset("nope");  // nothing happens
        CHECK(v.environ().size() == 3);
    }

    TEST_CASE("a moved-from store is empty and still usable") {
        Vars a;
        a.set("HOME", "/home/tony");
        Vars b(std::move(a));
        CHECK(b.value("HOME") == "/home/tony");
        CHECK_FALSE(a.is_set("HOME"));  // NOLINT(bugprone-use-after-move): the point of the test
        a.set("PATH", "/bin");
        CHECK(a.value("PATH") == "/bin");
        Vars c;
        c = std::move(b);
        CHECK(c.value("HOME") == "/home/tony");
        CHECK_FALSE(b.is_set("HOME"));  // NOLINT(bugprone-use-after-move)
        b.set("X", "1");
        b.unset("X");
        CHECK(b.environ().empty());
    }

    TEST_CASE("an empty value is set") {
        Vars v;
        v.set("E", "");
        REQUIRE(v.get("E") != nullptr);
        CHECK(v.get("E")->empty());
    }

    TEST_CASE("many variables, removed in a scattered order, agree with a map") {
        Vars v;
        std::map<std::string, std::string> ref;
        unsigned seed = 12345;
        auto next = [&] { return seed = seed * 1103515245u + 12345u, (seed >> 8) % 700; };
        for (int round = 0; round < 6000; ++round) {
            std::string name = "V" + std::to_string(next());
            if (next() % 3 == 0) {
                v.unset(name);
                ref.erase(name);
            } else {
                std::string value = std::to_string(round);
                v.set(name, value);
                ref[name] = value;
            }
            if (round % 500 == 0) {
                for (int k = 0; k < 700; ++k) {
                    std::string n = "V" + std::to_string(k);
                    auto it = ref.find(n);
                    const std::string* got = v.get(n);
                    REQUIRE((got != nullptr) == (it != ref.end()));
                    if (got) REQUIRE(*got == it->second);
                }
            }
        }
        CHECK(v.environ().size() == ref.size());
        for (const auto& [n, val] : ref) CHECK(v.value(n) == val);
    }
}
