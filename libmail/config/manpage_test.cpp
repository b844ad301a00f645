// manpage_test.cpp — sendmail.mc(5) must mention every option, FEATURE and
// macro of the tables, so the man page cannot drift from the code.
#include "libmail/config/options.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

constexpr const char* k_page = "man/man5/sendmail.mc.5";

// $MAILROOM_SRC if set, else the first directory upwards from the current
// one that holds the page (tests run from build/ or build/libmail/).
std::string find_page() {
    namespace fs = std::filesystem;
    if (const char* src = std::getenv("MAILROOM_SRC"); src && *src) return (fs::path(src) / k_page).string();
    std::error_code ec;
    for (fs::path dir = fs::current_path(ec); !dir.empty(); dir = dir.parent_path()) {
        if (fs::exists(dir / k_page, ec)) return (dir / k_page).string();
        if (dir == dir.parent_path()) break;
    }
    return "";
}

}  // namespace

TEST_SUITE("config") {
    TEST_CASE("sendmail.mc(5) documents every option, FEATURE and macro") {
        std::string path = find_page();
        INFO("man page: ", path);
        REQUIRE_MESSAGE(!path.empty(), "cannot find ", k_page, " above the current directory; set MAILROOM_SRC");
        std::ifstream in(path);
        REQUIRE(in);
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string page = ss.str();
        // Bold names as the page writes them: \fBname\fR.
        auto documented = [&](std::string_view name) {
            return page.find("\\fB" + std::string(name) + "\\fR") != std::string::npos;
        };
        for (const auto& o : mail::config::option_table()) {
            CAPTURE(o.name);
            CHECK(documented(o.name));
            if (!o.cf_name.empty()) CHECK(documented(o.cf_name));
        }
        for (const auto& f : mail::config::feature_table()) {
            CAPTURE(f.name);
            CHECK(documented(f.name));
        }
        for (const auto& m : mail::config::macro_table()) {
            CAPTURE(m.name);
            CHECK(documented(m.name));
        }
    }
}
