// folder_test.cpp — unit tests for procmail's folder deliveries.  Every
// expected byte string below is what Debian's procmail 3.22-27 wrote for the
// same input (rcfile `:0 [hbr]` + the folder; see docs/procmail.md, "Folders
// and locks"); tests/filters/test_procmail_folders.sh re-checks them live.
#include "filters/procmail/folder.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace mail::procmail;
namespace fs = std::filesystem;
using Lines = std::vector<std::string>;

namespace {

// A fresh directory that is the cwd while the test runs (folder names are
// relative to MAILDIR, the cwd).
struct InTempDir {
    std::string path, old_cwd;
    mode_t old_umask;
    InTempDir() {
        char tmpl[] = "/tmp/folder-test.XXXXXX";
        path = mkdtemp(tmpl);
        old_cwd = fs::current_path().string();
        REQUIRE(chdir(path.c_str()) == 0);
        old_umask = umask(077);
    }
    ~InTempDir() {
        umask(old_umask);
        if (chdir(old_cwd.c_str()) != 0) std::abort();
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}
mode_t mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}
std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

// Options with recorded diagnostics and pinned unique names (pid 11985,
// host "vm", time 1795820871: the names procmail made in the experiment).
struct Setup {
    Lines lines;
    mail::filters::UniqueNames names{11985, "vm", [] { return std::time_t{1795820871}; }};
    FolderOptions opts;
    Setup() {
        opts.log = [this](std::string_view l) { lines.emplace_back(l); };
        opts.names = &names;
    }
};

mail::Result<Delivered> deliver(Setup& s, std::vector<std::string> names, std::string_view msg) {
    return write_folder(names, msg, s.opts);
}

// Runs `fn` in a child process (as nobody when we are root, when
// `unprivileged`) and returns what it returned.
std::string in_child(const std::function<std::string()>& fn, bool unprivileged = false,
                     rlim_t file_limit = RLIM_INFINITY) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        signal(SIGXFSZ, SIG_IGN);
        if (file_limit != RLIM_INFINITY) {
            struct rlimit rl {};
            rl.rlim_cur = rl.rlim_max = file_limit;
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        if (unprivileged && geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(2);
        std::string out = fn();
        if (write(fds[1], out.data(), out.size()) < 0) _exit(3);
        _exit(0);
    }
    close(fds[1]);
    std::string got;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    return got;
}

std::string joined(const Lines& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

// --- the inputs of the experiments ---
const std::string k_esc =
    "From a@b  Mon Jan  6 10:00:00 2025\nSubject: x\nFrom b@c  hdr\n\nFrom body start\nmid\nFrom here\n"
    ">From there\nFromage\nFrom\n";
const std::string k_md1 = "From a@b  x\n>From c@d  y\n>From e\nSubject: s\nFrom x\n\nbody\nFrom y\nend";
std::string cl(const std::string& value, const std::string& tail) {
    return "From a@b  Mon Jan  6 10:00:00 2025\nContent-Length:" + value +
           "\nSubject: x\n\nline1\nFrom here\n" + tail;
}
const std::string k_cl9 =
    "From a@b  x\nContent-Length: 1\nSubject: x\n\nline01...\nline02...\nline03...\nline04...\nline05...\n"
    "line06...\nline07...\nline08...\nline09...\nline10...\nline11...\nline12...\nFrom a\nFrom b\n";
const std::string k_cl9_body =
    "line01...\nline02...\nline03...\nline04...\nline05...\nline06...\nline07...\nline08...\nline09...\n"
    "line10...\nline11...\nline12...\n";

struct Row {
    const char* what;
    std::string input;
    Part part;
    bool raw, berkeley;
    std::string want;
};

}  // namespace

TEST_SUITE("procmail.folder") {
    TEST_CASE("mbox bytes: quoting, the added newline, Content-Length (as procmail wrote them)") {
        const std::string h = "From a@b  Mon Jan  6 10:00:00 2025\n";
        const Row rows[] = {
            // trailing newline: one "\n" unless the text ends in "\n\n"
            {"ends in \\n\\n", "a\n\n", Part::whole, false, false, "a\n\n"},
            {"ends in \\n", "a\n", Part::whole, false, false, "a\n\n"},
            {"no final newline", "a", Part::whole, false, false, "a\n"},
            {"empty", "", Part::whole, false, false, "\n"},
            {"raw \\n\\n", "a\n\n", Part::whole, true, false, "a\n\n"},
            {"raw \\n", "a\n", Part::whole, true, false, "a\n"},
            {"raw no newline", "a", Part::whole, true, false, "a"},
            {"raw empty", "", Part::whole, true, false, ""},
            // quoting: every "\nFrom " after the first line, header included
            {"quoting", k_esc, Part::whole, false, false,
             h + "Subject: x\n>From b@c  hdr\n\n>From body start\nmid\n>From here\n>From "
                 "there\nFromage\nFrom\n\n"},
            {"quoting, header", k_esc, Part::header, false, false, h + "Subject: x\n>From b@c  hdr\n\n"},
            {"quoting, body (its first line is the text's first)", k_esc, Part::body, false, false,
             "From body start\nmid\n>From here\n>From there\nFromage\nFrom\n\n"},
            {"raw: no quoting", k_esc, Part::whole, true, false, k_esc},
            // Content-Length: right-aligned in the old width, or over the space
            {"CL fits", cl(" 99999", ""), Part::whole, false, false,
             h + "Content-Length:    16\nSubject: x\n\nline1\nFrom here\n\n"},
            {"CL fits, header", cl(" 99999", ""), Part::header, false, false,
             h + "Content-Length:    16\nSubject: x\n\n"},
            {"CL fits, body", cl(" 99999", ""), Part::body, false, false, "line1\nFrom here\n\n"},
            {"CL fits, raw", cl(" 99999", ""), Part::whole, true, false,
             h + "Content-Length:    16\nSubject: x\n\nline1\nFrom here\n"},
            {"CL eats the space", cl(" 3", ""), Part::whole, false, false,
             h + "Content-Length:16\nSubject: x\n\nline1\nFrom here\n\n"},
            {"CL two places", cl(" 1", "From a\nFrom b\nFrom c\n"), Part::whole, false, false,
             h + "Content-Length:37\nSubject: x\n\nline1\nFrom here\nFrom a\nFrom b\nFrom c\n\n"},
            {"CL empty: no rewrite, quoting from the body's second line", cl("", ""), Part::whole, false,
             false, h + "Content-Length:\nSubject: x\n\nline1\n>From here\n\n"},
            {"CL empty, body", cl("", ""), Part::body, false, false, "line1\n>From here\n\n"},
            {"CL spaces kept", cl("   12", "From tail\n"), Part::whole, false, false,
             h + "Content-Length:   26\nSubject: x\n\nline1\nFrom here\nFrom tail\n\n"},
            {"CL and a final blank line", cl(" 16", "\n"), Part::whole, false, false,
             h + "Content-Length: 16\nSubject: x\n\nline1\nFrom here\n\n"},
            {"CL trailing spaces", cl(" 16    ", ""), Part::whole, false, false,
             h + "Content-Length:     16\nSubject: x\n\nline1\nFrom here\n\n"},
            {"CL, no final newline (procmail counts one less)", cl(" 99999", "x"), Part::whole, false, false,
             h + "Content-Length:    16\nSubject: x\n\nline1\nFrom here\nx\n"},
            {"CL does not fit: 9s, and quoting after 99 bytes", k_cl9, Part::whole, false, false,
             "From a@b  x\nContent-Length:99\nSubject: x\n\n" + k_cl9_body + ">From a\n>From b\n\n"},
            {"-Y: no Content-Length", k_cl9, Part::whole, false, true,
             "From a@b  x\nContent-Length: 1\nSubject: x\n\n" + k_cl9_body + ">From a\n>From b\n\n"},
            {"CL any case", "From a@b  x\ncontent-length: 5\n\nFrom first\nFrom second\n", Part::whole, false,
             false, "From a@b  x\ncontent-length:23\n\nFrom first\nFrom second\n\n"},
            {"CL empty, body starts with From", "From a@b  x\nContent-Length:\n\nFrom first\nFrom second\n",
             Part::whole, false, false, "From a@b  x\nContent-Length:\n\nFrom first\n>From second\n\n"},
            {"CL: only the first",
             "From a@b  x\nX: 1\nContent-Length: 5\nContent-Length: 77\n\nFrom first\nFrom second\n",
             Part::whole, false, false,
             "From a@b  x\nX: 1\nContent-Length:23\nContent-Length: 77\n\nFrom first\nFrom second\n\n"},
            {"CL without From_", "Content-Length: 5\n\nFrom first\nFrom second\n", Part::whole, false, false,
             "Content-Length:23\n\nFrom first\nFrom second\n\n"},
            {"CL at most 26 places",
             "From a@b  x\nContent-Length: 123456789012345678901234567890\n\nFrom first\nFrom second\n",
             Part::whole, false, false,
             "From a@b  x\nContent-Length:                        23     \n\nFrom first\nFrom second\n\n"},
            {"CL, no body", "From a@b  x\nContent-Length: 5\n", Part::whole, false, false,
             "From a@b  x\nContent-Length: 0\n\n"},
        };
        for (const auto& r : rows) {
            CAPTURE(r.what);
            InTempDir dir;
            Setup s;
            s.opts.part = r.part;
            s.opts.raw = r.raw;
            s.opts.berkeley = r.berkeley;
            auto got = deliver(s, {"box"}, r.input);
            REQUIRE(got.ok());
            CHECK(slurp("box") == r.want);
            CHECK(got->bytes == r.want.size());
            CHECK(got->lastfolder == "box");
            CHECK(s.lines.empty());
            CHECK(mode_of("box") == 0600);  // 0667 & ~077
            // Appending: the next message follows, whatever came before.
            auto again = deliver(s, {"box"}, r.input);
            REQUIRE(again.ok());
            CHECK(slurp("box") == r.want + r.want);
        }
    }

    TEST_CASE("no \"NFS atime\" sleep: new mailboxes cost no second each") {
        InTempDir dir;
        Setup s;
        const auto start = std::chrono::steady_clock::now();
        for (const char* box : {"new1", "new2", "new3"}) REQUIRE(deliver(s, {box}, "a\n\n").ok());
        // procmail sleeps a second after the first byte of each of these
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1500));
    }

    TEST_CASE("random messages: no crash, and without Content-Length no unquoted From line") {
        InTempDir dir;
        mail::filters::UniqueNames names(1, "vm", [] { return std::time_t{1}; });  // one serial for all
        std::mt19937 rng(20260522);
        const std::string pieces[] = {"From ", "\n", ">", "Content-Length:", " 9", "x", std::string(1, '\0'),
                                      " "};
        for (int round = 0; round < 250; ++round) {  // each one fsyncs four times
            std::string m;
            const int n = static_cast<int>(rng() % 40);
            for (int i = 0; i < n; ++i) m += pieces[rng() % std::size(pieces)];
            if (!m.empty() && m[0] == '\n') m[0] = 'x';  // leading newlines have their own rule
            for (bool berkeley : {true, false}) {
                CAPTURE(m);
                Setup s;
                s.opts.names = &names;
                s.opts.berkeley = berkeley;
                s.opts.part = static_cast<Part>(rng() % 3);
                auto got = write_folder({"box"}, m, s.opts);
                REQUIRE(got.ok());
                const std::string out = slurp("box");
                unlink("box");
                CHECK(got->bytes == out.size());
                if (berkeley && s.opts.part == Part::whole) {
                    CHECK(out.find("\nFrom ") == std::string::npos);
                    CHECK(out.size() >= m.size());
                }
                auto md = write_folder({"md/"}, m, s.opts);
                REQUIRE(md.ok());
                CHECK(md->bytes <= m.size());
            }
        }
    }

    TEST_CASE("Content-Length: the layout and the in-place rewrite") {
        std::string m = cl(" 99999", "");
        MessageLayout l = message_layout(m, false);
        CHECK(l.body == m.find("\n\n") + 2);
        CHECK(l.has_content_length);
        CHECK(l.cl_value == "    16");
        CHECK(l.restbody == l.body + 16);
        rewrite_content_length(m, false);
        CHECK(m == cl("    16", ""));
        rewrite_content_length(m, false);  // idempotent
        CHECK(m == cl("    16", ""));
        std::string y = cl(" 99999", "");
        rewrite_content_length(y, true);
        CHECK(y == cl(" 99999", ""));
        MessageLayout lead = message_layout("\n\nFrom a\n\nb", false);
        CHECK(lead.realstart == 2);
        CHECK(lead.body == 10);
        CHECK_FALSE(lead.has_content_length);
        CHECK(message_layout("no blank line", false).body == 13);
    }

    TEST_CASE("Maildir: From_ and its '>' lines left out, time.pid_serial.host, 0700 directories") {
        InTempDir dir;
        Setup s;
        auto got = deliver(s, {"md/"}, k_md1);
        REQUIRE(got.ok());
        CHECK(got->lastfolder == "md/new/1795820871.11985_0.vm");
        CHECK(slurp("md/new/1795820871.11985_0.vm") == "Subject: s\nFrom x\n\nbody\nFrom y\nend");
        CHECK(got->bytes == 34);
        CHECK(entries("md") == std::vector<std::string>{"cur", "new", "tmp"});
        CHECK(entries("md/tmp").empty());
        for (const char* d : {"md", "md/new", "md/cur", "md/tmp"}) CHECK_MESSAGE(mode_of(d) == 0700, d);
        CHECK(mode_of("md/new/1795820871.11985_0.vm") == 0600);

        auto extra = deliver(s, {"md2//"}, k_md1);  // extra slashes go
        REQUIRE(extra.ok());
        CHECK(extra->lastfolder == "md2/new/1795820871.11985_1.vm");

        s.opts.part = Part::header;
        auto head = deliver(s, {"md/"}, k_md1);
        REQUIRE(head.ok());
        CHECK(slurp(head->lastfolder) == "Subject: s\nFrom x\n\n");
        s.opts.part = Part::body;  // the body's own From line stays
        auto body = deliver(s, {"md/"}, k_esc);
        REQUIRE(body.ok());
        CHECK(slurp(body->lastfolder) == "From body start\nmid\nFrom here\n>From there\nFromage\nFrom\n");
        s.opts.part = Part::whole;
        auto cl1 = deliver(s, {"md/"}, cl(" 99999", ""));
        REQUIRE(cl1.ok());
        CHECK(slurp(cl1->lastfolder) == "Content-Length:    16\nSubject: x\n\nline1\nFrom here\n");
        auto empty = deliver(s, {"md/"}, "");
        REQUIRE(empty.ok());
        CHECK(slurp(empty->lastfolder).empty());
        CHECK(s.lines.empty());
    }

    TEST_CASE("MH: the number after the highest numeric name; From_ kept, no quoting, the newline") {
        InTempDir dir;
        Setup s;
        fs::create_directory("mh");
        for (const char* n : {" 9", "+7", "007", "-20", "5x"}) write_file(std::string("mh/") + n, "");
        auto got = deliver(s, {"mh/."}, k_md1);
        REQUIRE(got.ok());
        CHECK(got->lastfolder == "mh/10");
        CHECK(slurp("mh/10") == k_md1 + "\n");
        CHECK(got->bytes == 68);
        auto next = deliver(s, {"mh/."}, k_esc);
        REQUIRE(next.ok());
        CHECK(next->lastfolder == "mh/11");
        CHECK(slurp("mh/11") == k_esc + "\n");
        auto fresh = deliver(s, {"new/."}, "a\n\n");
        REQUIRE(fresh.ok());
        CHECK(fresh->lastfolder == "new/1");
        CHECK(slurp("new/1") == "a\n\n");
        CHECK(mode_of("new") == 0700);
        // no temporary file is left behind
        for (const auto& e : entries("mh")) CHECK(e[0] != '_');
    }

    TEST_CASE("plain directory: $MSGPREFIX and the inode in procmail's base 64") {
        InTempDir dir;
        Setup s;
        fs::create_directory("pd");
        auto got = deliver(s, {"pd"}, k_esc);
        REQUIRE(got.ok());
        struct stat st {};
        REQUIRE(stat(got->lastfolder.c_str(), &st) == 0);
        CHECK(got->lastfolder == "pd/msg." + mail::filters::procmail_base64(st.st_ino));
        CHECK(slurp(got->lastfolder) == k_esc + "\n");
        s.opts.msgprefix = "x-";
        auto other = deliver(s, {"pd"}, k_esc);
        REQUIRE(other.ok());
        CHECK(other->lastfolder.rfind("pd/x-", 0) == 0);
        CHECK(entries("pd").size() == 2);
    }

    TEST_CASE("several names: the first decides the format, the others are hard links") {
        InTempDir dir;
        Setup s;
        auto got = deliver(s, {"multi1/.", "multi2", "multi3/", "multi4/."}, k_md1);
        REQUIRE(got.ok());
        struct stat st {};
        REQUIRE(stat("multi1/1", &st) == 0);
        const std::string inode_name = "multi2/msg." + mail::filters::procmail_base64(st.st_ino);
        // serial 0 named the MH temporary, 1 the Maildir link
        CHECK(got->lastfolder == "multi1/1 " + inode_name + " multi3/new/1795820871.11985_1.vm multi4/1");
        CHECK(st.st_nlink == 4);
        CHECK(slurp("multi3/new/1795820871.11985_1.vm") == k_md1 + "\n");  // MH format in a Maildir
        CHECK(mode_of("multi2") == 0700);
        CHECK(got->bytes == 68);

        auto md_first = deliver(s, {"m5/", "m6/."}, k_md1);
        REQUIRE(md_first.ok());
        CHECK(slurp("m6/1") == "Subject: s\nFrom x\n\nbody\nFrom y\nend");

        s.lines.clear();
        auto file_first = deliver(s, {"box", "box2", "box3"}, "a\n\n");
        REQUIRE(file_first.ok());
        CHECK(s.lines == Lines{"Skipped \"box2 box3\""});
        CHECK_FALSE(fs::exists("box2"));

        s.lines.clear();
        write_file("afile", "x\n");
        fs::create_directory("pd");
        auto with_file = deliver(s, {"pd", "afile", "box4/."}, "a\n\n");
        REQUIRE(with_file.ok());
        CHECK(s.lines == Lines{"Unable to treat as directory \"afile\"", "Skipped \"afile\""});
        CHECK(with_file->lastfolder.find(" box4/1") != std::string::npos);
        CHECK(slurp("afile") == "x\n");
    }

    TEST_CASE("/dev/null: nothing written, the size still reported") {
        InTempDir dir;
        Setup s;
        auto got = deliver(s, {"/dev/null"}, k_esc);
        REQUIRE(got.ok());
        CHECK(got->lastfolder == "/dev/null");
        CHECK(got->bytes == k_esc.size());  // no quoting, no newline
        s.opts.part = Part::header;
        auto head = deliver(s, {"/dev/null", "box5"}, k_esc);
        REQUIRE(head.ok());
        CHECK(head->bytes == k_esc.find("\n\n") + 2);
        CHECK(s.lines == Lines{"Skipped \"box5\""});
        s.lines.clear();
        auto slash = deliver(s, {"/dev/null/"}, k_esc);
        REQUIRE(slash.ok());
        CHECK(slash->lastfolder == "/dev/null");
        CHECK(s.lines == Lines{"Unable to treat as directory \"/dev/null\""});
        CHECK(entries(".").empty());
    }

    TEST_CASE("the o+x new-mail flag, when the umask lets it through") {
        InTempDir dir;
        Setup s;
        umask(022);
        s.opts.umask = 022;
        write_file("old", "x\n");
        chmod("old", 0644);
        fs::create_directory("od");
        chmod("od", 0750);
        for (const char* d : {"md", "md/new", "md/cur", "md/tmp", "sec", "sec/new", "sec/cur", "sec/tmp"}) {
            fs::create_directory(d);
            chmod(d, 0700);
        }
        REQUIRE(deliver(s, {"new"}, "a\n\n").ok());
        CHECK(mode_of("new") == 0645);  // created 0667 & ~022
        REQUIRE(deliver(s, {"old"}, "a\n\n").ok());
        CHECK(mode_of("old") == 0645);
        REQUIRE(deliver(s, {"od"}, "a\n\n").ok());
        CHECK(mode_of("od") == 0751);
        REQUIRE(deliver(s, {"md/", "sec/"}, "a\n\n").ok());
        CHECK(mode_of("md") == 0700);  // procmail flags tmp/, not the folder
        CHECK(mode_of("md/tmp") == 0701);
        CHECK(mode_of("sec/new") == 0701);  // and new/ of a linked Maildir
        REQUIRE(deliver(s, {"nmh/."}, "a\n\n").ok());
        CHECK(mode_of("nmh") == 0755);

        umask(023);
        s.opts.umask = 023;
        write_file("old23", "x\n");
        chmod("old23", 0644);
        REQUIRE(deliver(s, {"old23"}, "a\n\n").ok());
        CHECK(mode_of("old23") == 0644);
        REQUIRE(deliver(s, {"new23"}, "a\n\n").ok());
        CHECK(mode_of("new23") == 0644);
    }

    TEST_CASE("names that cannot be what they say") {
        InTempDir dir;
        Setup s;
        write_file("afile", "x\n");
        auto md = deliver(s, {"afile/"}, "a\n\n");
        REQUIRE(md.ok());
        CHECK(md->lastfolder == "afile");
        auto mh = deliver(s, {"afile/."}, "b\n\n");
        REQUIRE(mh.ok());
        CHECK(slurp("afile") == "x\na\n\nb\n\n");
        CHECK(s.lines ==
              Lines{"Unable to treat as directory \"afile\"", "Unable to treat as directory \"afile\""});

        s.lines.clear();
        std::string tried;
        auto missing = write_folder({"nodir/md/", "x"}, "a\n\n", s.opts, &tried);
        REQUIRE_FALSE(missing.ok());
        CHECK(missing.error().exit_code == EX_CANTCREAT);
        CHECK(tried == "nodir/md");
        CHECK(s.lines == Lines{"Unable to treat as directory \"nodir/md\"", "Skipped \"x\"",
                               "Error while writing to \"nodir/md\""});

        s.lines.clear();
        fs::create_directory("bad");
        write_file("bad/new", "");
        auto sub = write_folder({"bad/"}, "a\n\n", s.opts, &tried);
        REQUIRE_FALSE(sub.ok());
        CHECK(tried.empty());
        CHECK(s.lines == Lines{"Unable to treat as directory \"bad/new\"", "Skipped \"bad\""});

        CHECK(write_folder({}, "a", s.opts).error().exit_code == EX_USAGE);
    }

    TEST_CASE("symbolic links are followed, as procmail follows them") {
        InTempDir dir;
        Setup s;
        fs::create_directories("t/dir");
        write_file("t/f", "old\n");
        fs::create_symlink("t/f", "link1");
        fs::create_symlink("t/new", "dangling");
        fs::create_symlink("t/dir", "linkdir");
        REQUIRE(deliver(s, {"link1"}, "a\n\n").ok());
        CHECK(slurp("t/f") == "old\na\n\n");
        REQUIRE(deliver(s, {"dangling"}, "b\n\n").ok());
        CHECK(slurp("t/new") == "b\n\n");
        auto d = deliver(s, {"linkdir"}, "c\n\n");
        REQUIRE(d.ok());
        CHECK(d->lastfolder.rfind("linkdir/msg.", 0) == 0);
        CHECK(entries("t/dir").size() == 1);
    }

    TEST_CASE("a full disk: the mbox is cut back, nothing is left in a Maildir or MH folder") {
        InTempDir dir;
        std::string big = "From a@b  x\nSubject: big\n\n";
        for (int i = 0; i < 60; ++i) big += "line xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n";
        write_file("box", "old content\n\n");
        auto run = [&](std::vector<std::string> names, bool logfile) {
            return in_child(
                [&] {
                    Setup s;
                    s.opts.logfile_open = logfile;
                    auto r = write_folder(names, big, s.opts);
                    return std::to_string(r.ok() ? 0 : r.error().exit_code) + "\n" + joined(s.lines);
                },
                false, 1024);
        };
        CHECK(run({"box"}, true) ==
              "74\nError while writing to \"box\"\nTruncated file to former size\n");  // EFBIG: EX_IOERR
        CHECK(slurp("box") == "old content\n\n");
        CHECK(run({"box"}, false) == "74\nError while writing to \"box\"\n");
        CHECK(slurp("box") == "old content\n\n");
        CHECK(run({"md/"}, true) == "74\nError while writing to \"md/tmp/1795820871.11985_0.vm\"\n");
        CHECK(entries("md/tmp").empty());
        CHECK(entries("md/new").empty());
        const std::string mh = run({"mh/."}, true);
        CHECK(mh.rfind("74\nError while writing to \"mh/_R7C.H1gCrB.vm\"", 0) == 0);
        CHECK(entries("mh").empty());  // procmail would leave a partial "1"
    }

    TEST_CASE("directories we may not write") {
        InTempDir dir;
        REQUIRE(chmod(".", 0755) == 0);
        // Root's 0755 directories for nobody (the child, when we are root),
        // 0555 ones for ourselves otherwise.
        const mode_t ro = geteuid() == 0 ? 0755 : 0555;
        for (const char* d : {"ro", "romh", "rodir", "romd", "romd/new", "romd/cur", "romd/tmp"}) {
            fs::create_directory(d);
            chmod(d, 0755);
        }
        for (const char* d : {"ro", "romh", "rodir", "romd/tmp"}) chmod(d, ro);
        auto run = [&](std::vector<std::string> names) {
            return in_child(
                [&] {
                    Setup s;
                    auto r = write_folder(names, k_esc, s.opts);
                    return std::to_string(r.ok() ? 0 : r.error().exit_code) + "\n" + joined(s.lines);
                },
                true);
        };
        CHECK(run({"ro/box"}) == "73\nError while writing to \"ro/box\"\n");
        CHECK(run({"romd/"}) ==
              "73\nCouldn't create or rename temp file \"romd/tmp/1795820871.11985_0.vm\"\n");
        CHECK(run({"romh/."}) == "73\nCouldn't create or rename temp file \"romh/.\"\n");
        CHECK(run({"rodir"}) == "73\nCouldn't create or rename temp file \"rodir/\"\n");
        CHECK(run({"ro/sub/"}) ==
              "73\nUnable to treat as directory \"ro/sub\"\nError while writing to \"ro/sub\"\n");
    }

    TEST_CASE("the kernel lock: a writer that holds it is waited for") {
        InTempDir dir;
        write_file("box", "");
        int ready[2];
        REQUIRE(pipe(ready) == 0);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int fd = open("box", O_WRONLY | O_APPEND);
            struct flock lk {};
            lk.l_type = F_WRLCK;
            lk.l_whence = SEEK_SET;
            if (fd < 0 || fcntl(fd, F_SETLKW, &lk) != 0) _exit(2);
            if (write(ready[1], "x", 1) != 1) _exit(3);
            usleep(300 * 1000);
            if (write(fd, "child\n", 6) != 6) _exit(4);
            _exit(0);  // exiting releases the lock
        }
        char c;
        REQUIRE(read(ready[0], &c, 1) == 1);
        Setup s;
        s.opts.verbose = true;
        auto got = deliver(s, {"box"}, "a\n\n");
        int status = 0;
        waitpid(pid, &status, 0);
        REQUIRE(got.ok());
        CHECK(slurp("box") == "child\na\n\n");
        CHECK(s.lines == Lines{"Opening \"box\"", "Acquiring kernel-lock"});
        close(ready[0]);
        close(ready[1]);
    }

    TEST_CASE("hostile folders: a FIFO without a reader, an exhausted MH number, NUL bytes") {
        InTempDir dir;
        Setup s;
        REQUIRE(mkfifo("fifo", 0600) == 0);
        auto fifo = deliver(s, {"fifo"}, "a\n\n");  // must not hang
        REQUIRE_FALSE(fifo.ok());
        CHECK(s.lines == Lines{"Error while writing to \"fifo\""});

        s.lines.clear();
        fs::create_directory("mh");
        write_file("mh/9223372036854775807", "");
        auto mh = deliver(s, {"mh/."}, "a\n\n");
        REQUIRE_FALSE(mh.ok());
        CHECK(s.lines == Lines{"Couldn't create or rename temp file \"mh/.\""});
        CHECK(entries("mh") == std::vector<std::string>{"9223372036854775807"});

        // procmail stops quoting at a NUL byte (strstr); we do not.
        s.lines.clear();
        const std::string nul("From a  x\n\nbody\0more\nFrom b\n", 28);
        auto got = deliver(s, {"box"}, nul);
        REQUIRE(got.ok());
        CHECK(slurp("box") == std::string("From a  x\n\nbody\0more\n>From b\n\n", 30));
        CHECK_FALSE(write_folder({std::string("bad\0name", 8)}, "a", s.opts).ok());
    }
}
