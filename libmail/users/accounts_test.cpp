// accounts_test.cpp — the files source read as glibc reads it, and getent
// asked exactly when the files cannot settle a lookup (docs/accounts.md).
#include "libmail/users/accounts.h"

#include <doctest/doctest.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>

using namespace mail::users;

namespace {

// A directory with its own nsswitch.conf, passwd, group and a fake getent
// that records each call and answers from files of its own.
struct Fixture {
    std::string dir;
    AccountSources src;

    Fixture() {
        char tmpl[] = "/tmp/accounts-test.XXXXXX";
        dir = ::mkdtemp(tmpl);
        src = {dir + "/nsswitch.conf", dir + "/passwd", dir + "/group", dir + "/getent"};
        write(src.getent,
              "#!/bin/sh\n"
              "echo \"$*\" >> " + dir + "/calls\n"
              "case \"$1 $2\" in\n"
              "  'initgroups --') if [ \"$3\" = tony ]; then echo 'tony                  100 5000 1000'; else echo \"$3\"; fi ;;\n"
              "  'passwd --') case \"$3\" in ldapuser|7000) echo 'ldapuser:*:7000:7000:From LDAP:/home/ldapuser:/bin/zsh' ;;\n"
              "                   broken) exit 1 ;; *) exit 2 ;; esac ;;\n"
              "  *) exit 2 ;;\n"
              "esac\n");
        ::chmod(src.getent.c_str(), 0755);
        write(src.passwd,
              "root:x:0:0:root:/root:/bin/bash\n"
              "# a comment\n"
              "\n"
              "bad:x:notanumber:1:Bad:/:/bin/sh\n"
              "  tony:x:1000:1000:Tony Test,,,:/home/tony:/bin/sh\n"
              "short:x:1001:1001:Short\n"
              "tony:x:1002:1002:Second Tony:/home/tony2:/bin/sh\n");
        write(src.group,
              "root:x:0:\nusers:x:100:tony,mary\nstaff:x:50: mary , tony\nmail:x:8:mary\ntony:x:1000:tony\n"
              "#old:x:60:tony\n"    // glibc's initgroups reads comment lines as groups too
              "cr:x:61:tony\r\n");  // and keeps the CR: "tony\r" is not tony
    }
    ~Fixture() {
        std::string cmd = "rm -rf " + dir;
        if (std::system(cmd.c_str()) != 0) MESSAGE("could not remove " << dir);
    }
    static void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
    void nsswitch(const std::string& text) { write(src.nsswitch, text); }
    std::string calls() const {
        std::ifstream in(dir + "/calls");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
};

}  // namespace

TEST_SUITE("accounts") {
    TEST_CASE("nsswitch.conf: a database's sources, as glibc's nss_database.c reads them") {
        std::string conf =
            "# comment\n"
            "passwd:   files   # trailing comment\n"
            "group: files [NOTFOUND=return] ldap\n"
            "GROUP: nis\n"              // names are compared exactly
            "hosts files dns\n"         // the colon may be left out
            "passwd: files systemd\n";  // a later line replaces an earlier one
        auto p = nsswitch_sources(conf, "passwd");
        REQUIRE(p);
        CHECK(*p == std::vector<std::string>{"files", "systemd"});
        auto g = nsswitch_sources(conf, "group");
        REQUIRE(g);
        CHECK(*g == std::vector<std::string>{"files", "[NOTFOUND=return]", "ldap"});
        auto h = nsswitch_sources(conf, "hosts");
        REQUIRE(h);
        CHECK(*h == std::vector<std::string>{"files", "dns"});
        CHECK_FALSE(nsswitch_sources(conf, "shadow"));
        CHECK_FALSE(nsswitch_sources(conf, "pass"));
    }

    TEST_CASE("passwd lines: glibc's fields, bad lines skipped") {
        auto a = parse_passwd_line("tony:x:1000:100:Tony Test,,,:/home/tony:/bin/sh");
        REQUIRE(a);
        CHECK(a->name == "tony");
        CHECK(a->uid == 1000);
        CHECK(a->gid == 100);
        CHECK(a->gecos == "Tony Test,,,");
        CHECK(a->home == "/home/tony");
        CHECK(a->shell == "/bin/sh");
        auto s = parse_passwd_line("short:x:5:6:Short");
        REQUIRE(s);
        CHECK(s->home.empty());
        CHECK(s->shell.empty());
        CHECK_FALSE(parse_passwd_line("nouid:x::1:x:/:/bin/sh"));
        CHECK_FALSE(parse_passwd_line("baduid:x:12a:1:x:/:/bin/sh"));
        CHECK_FALSE(parse_passwd_line("# root:x:0:0::/:"));
        CHECK_FALSE(parse_passwd_line(""));
        CHECK_FALSE(parse_passwd_line(":x:1:1::/:"));
        CHECK_FALSE(parse_passwd_line("cr:x:1:1\r"));  // glibc keeps the CR: the gid does not parse
        auto big = parse_passwd_line("big:x:4294967296:99999999999::/:");
        REQUIRE(big);
        CHECK(big->uid == 4294967295u);  // capped as glibc caps it, never wrapped to 0
        CHECK(big->gid == 4294967295u);
    }

    TEST_CASE("files: by name and by uid, the first matching line wins") {
        Fixture f;
        f.nsswitch("passwd: files\ngroup: files\n");
        auto tony = FilesThenGetent(f.src).by_name("tony");
        REQUIRE(tony.ok());
        REQUIRE(tony->has_value());
        CHECK((*tony)->uid == 1000);
        CHECK((*tony)->home == "/home/tony");
        auto by_uid = FilesThenGetent(f.src).by_uid(1002);
        REQUIRE(by_uid.ok());
        REQUIRE(by_uid->has_value());
        CHECK((*by_uid)->gecos == "Second Tony");
        auto nobody = FilesThenGetent(f.src).by_name("nosuchuser");
        REQUIRE(nobody.ok());
        CHECK_FALSE(nobody->has_value());
        auto bad = FilesThenGetent(f.src).by_name("bad");  // its line does not parse
        REQUIRE(bad.ok());
        CHECK_FALSE(bad->has_value());
        CHECK(f.calls().empty());  // files was the only source: getent never ran
    }

    TEST_CASE("files first, then getent for what files does not have") {
        Fixture f;
        f.nsswitch("passwd: files systemd\ngroup: files systemd\n");
        auto tony = FilesThenGetent(f.src).by_name("tony");
        REQUIRE(tony.ok());
        CHECK((*tony)->uid == 1000);
        CHECK(f.calls().empty());
        auto ldap = FilesThenGetent(f.src).by_name("ldapuser");
        REQUIRE(ldap.ok());
        REQUIRE(ldap->has_value());
        CHECK((*ldap)->shell == "/bin/zsh");
        auto by_uid = FilesThenGetent(f.src).by_uid(7000);
        REQUIRE(by_uid.ok());
        CHECK((*by_uid)->name == "ldapuser");
        auto none = FilesThenGetent(f.src).by_name("nosuchuser");
        REQUIRE(none.ok());
        CHECK_FALSE(none->has_value());
        CHECK(f.calls() == "passwd -- ldapuser\npasswd -- 7000\npasswd -- nosuchuser\n");
    }

    TEST_CASE("getent for everything when files is not first, has an action, or has compat lines") {
        for (std::string conf : {"passwd: ldap files\n", "passwd: files [NOTFOUND=return] ldap\n", "group: files\n",
                                 "passwd: compat\n"}) {
            Fixture f;
            f.nsswitch(conf);
            auto tony = FilesThenGetent(f.src).by_name("tony");
            REQUIRE(tony.ok());
            CHECK_FALSE(tony->has_value());  // the fake getent does not know tony
            CHECK(f.calls() == "passwd -- tony\n");
        }
        Fixture f;
        f.nsswitch("passwd: files\n");
        Fixture::write(f.src.passwd, "root:x:0:0:root:/root:/bin/bash\n+@admins\n");
        auto root = FilesThenGetent(f.src).by_name("root");
        REQUIRE(root.ok());
        CHECK_FALSE(root->has_value());
        CHECK(f.calls() == "passwd -- root\n");
    }

    TEST_CASE("getent: a key starting with '-' is not an option; an ignored SIGCHLD does not lose the answer") {
        Fixture f;
        f.nsswitch("passwd: files ldap\n");
        auto dash = FilesThenGetent(f.src).by_name("-sldap");
        REQUIRE(dash.ok());
        CHECK_FALSE(dash->has_value());
        CHECK(f.calls() == "passwd -- -sldap\n");
        struct sigaction ign {}, old {};
        ign.sa_handler = SIG_IGN;
        ::sigaction(SIGCHLD, &ign, &old);
        auto ldap = FilesThenGetent(f.src).by_name("ldapuser");
        ::sigaction(SIGCHLD, &old, nullptr);
        REQUIRE(ldap.ok());
        REQUIRE(ldap->has_value());
        CHECK((*ldap)->uid == 7000);
    }

    TEST_CASE("a failure to ask is an error, not an unknown user") {
        Fixture f;
        f.nsswitch("passwd: files ldap\n");
        auto broken = FilesThenGetent(f.src).by_name("broken");
        REQUIRE_FALSE(broken.ok());
        CHECK(broken.error().exit_code == EX_TEMPFAIL);
        f.src.getent = f.dir + "/no-such-getent";
        auto missing = FilesThenGetent(f.src).by_name("ldapuser");
        REQUIRE_FALSE(missing.ok());
        CHECK(missing.error().exit_code == EX_TEMPFAIL);
    }

    TEST_CASE("getent's answer for a digit-only name is a uid lookup, and not taken") {
        Fixture f;
        f.nsswitch("passwd: files ldap\n");
        auto digits = FilesThenGetent(f.src).by_name("7000");
        REQUIRE(digits.ok());
        CHECK_FALSE(digits->has_value());
    }

    TEST_CASE("group lists: from the group file when files is the only source") {
        Fixture f;
        f.nsswitch("passwd: files\ngroup: files\n");
        auto g = FilesThenGetent(f.src).group_list("tony", 1000);
        REQUIRE(g.ok());
        CHECK(*g == std::vector<gid_t>{1000, 100, 50, 60});  // primary first; staff's " tony" counts
        auto mary = FilesThenGetent(f.src).group_list("mary", 100);
        REQUIRE(mary.ok());
        CHECK(*mary == std::vector<gid_t>{100, 8});  // glibc keeps staff's trailing blank: "mary " is not mary
        CHECK(f.calls().empty());
    }

    TEST_CASE("group lists: getent when another source may add groups") {
        for (std::string conf : {"group: files systemd\n", "group: files\ninitgroups: files\n", "passwd: files\n"}) {
            Fixture f;
            f.nsswitch(conf);
            auto g = FilesThenGetent(f.src).group_list("tony", 1000);
            REQUIRE(g.ok());
            CHECK(*g == std::vector<gid_t>{1000, 100, 5000});  // getent's list, the primary group once
            CHECK(f.calls() == "initgroups -- tony\n");
        }
    }

    TEST_CASE("the system's databases: both backends agree with glibc") {
        // This host's own nsswitch.conf and files: whatever path is taken,
        // the answers must be glibc's.
        FilesThenGetent files_then_getent;
        for (const passwd* pw : {::getpwuid(0), ::getpwuid(::getuid())}) {
            REQUIRE(pw);
            int n = 64;
            std::vector<gid_t> want(static_cast<std::size_t>(n));
            REQUIRE(::getgrouplist(pw->pw_name, pw->pw_gid, want.data(), &n) >= 0);
            want.resize(static_cast<std::size_t>(n));
            std::sort(want.begin(), want.end());
            for (bool program_backend : {true, false}) {
                CAPTURE(program_backend);
                auto a = program_backend ? account_by_name(pw->pw_name) : files_then_getent.by_name(pw->pw_name);
                REQUIRE(a.ok());
                REQUIRE(a->has_value());
                CHECK((*a)->uid == pw->pw_uid);
                CHECK((*a)->gid == pw->pw_gid);
                CHECK((*a)->home == pw->pw_dir);
                CHECK((*a)->shell == pw->pw_shell);
                auto b = program_backend ? account_by_uid(pw->pw_uid) : files_then_getent.by_uid(pw->pw_uid);
                REQUIRE(b.ok());
                REQUIRE(b->has_value());
                CHECK((*b)->name == pw->pw_name);
                auto got = program_backend ? group_list(pw->pw_name, pw->pw_gid)
                                           : files_then_getent.group_list(pw->pw_name, pw->pw_gid);
                REQUIRE(got.ok());
                CHECK(got->front() == pw->pw_gid);
                std::vector<gid_t> sorted = *got;
                std::sort(sorted.begin(), sorted.end());
                CHECK(sorted == want);
                auto none = program_backend ? account_by_name("no-such-user-mailroom-test")
                                            : files_then_getent.by_name("no-such-user-mailroom-test");
                REQUIRE(none.ok());
                CHECK_FALSE(none->has_value());
            }
        }
    }
}
