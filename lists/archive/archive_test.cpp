// archive_test.cpp — unit tests for lists/archive: the mbox archive, what
// is shown of a message, the HTML archive (threads, escaping, withheld
// attachments, file modes, HTML Tidy), and the MIME and RFC 1153 digests.
#include "lists/archive/archive.h"
#include "lists/archive/message_text.h"

#include "libmail/message/header.h"
#include "libmail/mime/mime.h"
#include "libmail/util/clock.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

using namespace mail::lists::archive;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/lists_archive_test.XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};

std::string read_file(const std::string& path) {
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
    REQUIRE(lstat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

constexpr std::time_t k_when = 1700000000;  // Tue Nov 14 22:13:20 2023 UTC
constexpr std::time_t k_day = 86400;

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

// Sets the umask for a scope (render_html must give 0644/0755 whatever it is).
struct Umask {
    mode_t old;
    explicit Umask(mode_t m) : old(umask(m)) {}
    ~Umask() { umask(old); }
};

// ------------------------------------------------------------ the thread set

struct Post {
    PostMeta meta;
    std::string raw;
};

std::string mail_text(const std::string& headers, const std::string& body) {
    return headers + "\n" + body;
}

// Nine posts in November 2023 and one in December: a thread with nesting,
// a missing parent, a subject-only reply, hostile names and subjects,
// encoded bodies, an attachment that must not be published.
std::vector<Post> thread_set() {
    std::vector<Post> v;
    auto add = [&](long seq, std::time_t date, std::string id, std::string irt, std::vector<std::string> refs,
                   std::string name, std::string addr, std::string subject, std::string raw) {
        Post p;
        p.meta.seq = seq;
        p.meta.date = date;
        p.meta.message_id = std::move(id);
        p.meta.in_reply_to = std::move(irt);
        p.meta.references = std::move(refs);
        p.meta.from_name = std::move(name);
        p.meta.from_address = std::move(addr);
        p.meta.subject = std::move(subject);
        p.raw = std::move(raw);
        v.push_back(std::move(p));
    };
    add(1, k_when, "<a@x>", "", {}, "John Doe", "john@example.org", "Hello",
        mail_text("From: John Doe <john@example.org>\nSubject: Hello\nMessage-ID: <a@x>\n",
                  "Hi all, mail me at john@example.org.\n"));
    add(2, k_when + 60, "<b@x>", "<a@x>", {"<a@x>"}, "Tony", "tony@example.org", "Re: Hello",
        mail_text(
            "From: Tony <tony@example.org>\nSubject: Re: Hello\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: base64\n",
            "SGVsbG8gSm9obiwgZmluZSBoZXJlLgo=\n"));  // "Hello John, fine here.\n"
    add(3, k_when + 120, "<c@x>", "", {"<a@x> <b@x>"}, "John Doe", "john@example.org", "Re: Hello",
        mail_text("From: john@example.org\nSubject: Re: Hello\nContent-Type: text/plain; charset=iso-8859-1\n"
                  "Content-Transfer-Encoding: quoted-printable\n",
                  "Caf=E9 at noon? =3Cscript=3Ealert(1)=3C/script=3E\nsoft=\nbreak\n"));
    add(4, k_when + 180, "<d@x>", "<gone@x>", {}, "Ann", "ann@example.org", "Re: Missing parent",
        mail_text("From: ann@example.org\nSubject: Re: Missing parent\n", "Where did it go?\n"));
    add(5, k_when + 240, "<e@x>", "", {}, "Bob", "bob@example.org", "RE: [team] hello",
        mail_text("From: bob@example.org\nSubject: RE: [team] hello\n", "Subject-only reply.\n"));
    std::string hostile_body =
        "<script>alert(\"x\")</script> & 'q' \x01\x7f bad \xff\xfe bytes\r\n" + std::string(5000, 'L') +
        "\nnc\xef\xbf\xbe\xef\xb7\x90\xf4\x8f\xbf\xbf!\n";  // noncharacters U+FFFE U+FDD0 U+10FFFF
    add(6, k_when + 300, "<f@x>", "", {}, "<b onmouseover=\"x\">Eve</b> & \"Co\"\r\nBcc: x",
        "eve@evil.example", "<script>alert('s')</script> & \"q\"\r\nX-Injected: 1",
        mail_text("From: eve@evil.example\nSubject: hostile\nMIME-Version: 1.0\n"
                  "Content-Type: multipart/mixed; boundary=\"B\"\n",
                  "--B\nContent-Type: text/plain; charset=utf-8\n\n" + hostile_body +
                      "--B\nContent-Type: application/x-msdownload; name=\"evil<script>.exe\"\n"
                      "Content-Disposition: attachment; filename=\"evil<script>.exe\"\n"
                      "Content-Transfer-Encoding: base64\n\n"
                      "U0VDUkVUUEFZTE9BRCA8c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+Cg==\n"  // SECRETPAYLOAD <script>…
                      "--B\nContent-Type: text/html\n\n<p>SECRETHTML</p>\n"
                      "--B\nContent-Type: text/plain\nContent-Disposition: attachment; filename=notes.txt\n\n"
                      "SECRETTEXTATTACHMENT\n--B--\n"));
    add(7, k_when + 360, "<g@x>", "", {}, "", "", "",
        mail_text("Subject:\nContent-Type: multipart/alternative; boundary=alt\n",
                  "--alt\nContent-Type: text/plain\n\nplain alternative\n"
                  "--alt\nContent-Type: text/html\n\n<b>SECRETALT</b>\n--alt--\n"));
    add(8, k_when + 20 * k_day, "<h@x>", "<a@x>", {"<a@x>"}, "Tony", "tony@example.org", "Re: Hello",
        mail_text("From: tony@example.org\nSubject: Re: Hello\n", "A month later.\n"));
    add(9, k_when + 420, "<i@x>", "", {"<c@x>"}, "=?utf-8?q?J=C3=BCrgen?=", "jurgen@example.org",
        "=?iso-8859-1?q?Re=3A_Caf=E9?=", mail_text("From: jurgen@example.org\nSubject: Re: Cafe\n", "ok\n"));
    return v;
}

std::vector<PostMeta> metas(const std::vector<Post>& posts) {
    std::vector<PostMeta> out;
    for (const auto& p : posts) out.push_back(p.meta);
    return out;
}

LoadPost loader(const std::vector<Post>& posts) {
    return [&posts](long seq) -> mail::Result<std::string> {
        for (const auto& p : posts)
            if (p.meta.seq == seq) return p.raw;
        return mail::make_error(EX_NOINPUT, "no such post");
    };
}

// How many <ul> are open where `needle` first occurs (its nesting level).
int depth_at(const std::string& html, const std::string& needle) {
    std::size_t at = html.find(needle);
    REQUIRE_MESSAGE(at != std::string::npos, "missing ", needle);
    int depth = 0;
    for (std::size_t i = 0; i < at; ++i) {
        if (html.compare(i, 4, "<ul>") == 0) ++depth;
        if (html.compare(i, 5, "</ul>") == 0) --depth;
    }
    return depth;
}

std::vector<std::string> html_files(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ".html") out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::string find_program(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
    std::stringstream ss(dirs);
    std::string dir;
    while (std::getline(ss, dir, ':')) {
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return {};
}

DigestInfo digest_info() {
    DigestInfo d;
    d.list_name = "team";
    d.list_address = "team@example.org";
    d.request_address = "team-request@example.org";
    d.owner_address = "team-owner@example.org";
    d.host = "example.org";
    d.volume = 2;
    d.issue = 7;
    d.date = k_when;
    return d;
}

std::vector<std::string> digest_posts() {
    return {
        "Received: from evil by relay\nX-Secret: hidden\nFrom: John Doe <john@example.org>\nTo: "
        "team@example.org\n"
        "Subject: Hello\nDate: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <a@x>\n\n\n\nHi all.\n"
        "------------------------------\nFrom here on.\n\n\n",
        "From: =?utf-8?q?J=C3=BCrgen?= <jurgen@example.org>\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\n"
        "Cc: ann@example.org\r\nKeywords: food\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n"
        "--x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Caf\xc3\xa9 \xc3\xa0 midi.\r\n"
        "--x\r\nContent-Type: image/png; name=menu.png\r\nContent-Transfer-Encoding: "
        "base64\r\n\r\niVBORw0K\r\n"
        "--x--\r\n",
        "From: bob@example.org\nSubject: A subject long enough that the table of contents has to wrap it "
        "onto "
        "a second line\n\nshort\n",
    };
}

}  // namespace

TEST_SUITE("lists.archive") {
    // ---------------------------------------------------------------- mbox

    TEST_CASE("append_mbox: From_ line, mboxo quoting, separator, no trace headers, mode 0600") {
        TempDir d;
        std::string box = d / "archive.mbox";
        const std::string date = mail::ctime_text(k_when);
        struct Row {
            std::string sender, message, want;
        };
        const Row rows[] = {
            {"john@example.org", "Subject: a\n\nFrom me\n>From you\n From x\nFrom\n",
             "From john@example.org  " + date + "\nSubject: a\n\n>From me\n>From you\n From x\nFrom\n\n"},
            {"", "From: x\nSubject: b\n\nno newline",
             "From MAILER-DAEMON  " + date + "\nFrom: x\nSubject: b\n\nno newline\n\n"},
            {"we ird\n\x01@x", "Subject: c\n\nFrom ",
             "From we_ird__@x  " + date + "\nSubject: c\n\n>From \n\n"},
        };
        std::string want;
        for (const auto& row : rows) {
            REQUIRE(append_mbox(box, row.message, row.sender, k_when).ok());
            want += row.want;
            std::string got = read_file(box);
            CHECK_MESSAGE(got == want, "got [", got, "], want [", want, "]");
        }
        CHECK(mode_of(box) == 0600);

        auto back = read_mbox(box);
        REQUIRE(back.ok());
        REQUIRE(back->size() == 3);
        CHECK((*back)[0] == "Subject: a\n\n>From me\n>From you\n From x\nFrom\n");
        CHECK((*back)[1] == "From: x\nSubject: b\n\nno newline\n");
        CHECK((*back)[2] == "Subject: c\n\n>From \n");
    }

    TEST_CASE("append_mbox: a damaged archive gets its separator first") {
        TempDir d;
        for (std::string before : {"From x  d\n\nold", "From x  d\n\nold\n"}) {
            std::string box = d / "a.mbox";
            write_file(box, before);
            chmod(box.c_str(), 0600);
            REQUIRE(append_mbox(box, "S: 1\n\nnew\n", "a@b", k_when).ok());
            CHECK(read_file(box) ==
                  "From x  d\n\nold\n\nFrom a@b  " + mail::ctime_text(k_when) + "\nS: 1\n\nnew\n\n");
            auto back = read_mbox(box);
            REQUIRE(back.ok());
            REQUIRE(back->size() == 2);
            CHECK((*back)[1] == "S: 1\n\nnew\n");
            fs::remove(box);
        }
    }

    TEST_CASE("append_mbox: refuses a symlink; read_mbox errors") {
        TempDir d;
        write_file(d / "target", "");
        REQUIRE(symlink((d / "target").c_str(), (d / "link").c_str()) == 0);
        mail::Status st = append_mbox(d / "link", "S: x\n\nb\n", "a@b", k_when);
        REQUIRE_FALSE(st.ok());
        CHECK(st.error().exit_code == EX_NOPERM);
        CHECK(read_file(d / "target").empty());

        auto missing = read_mbox(d / "none.mbox");
        REQUIRE_FALSE(missing.ok());
        CHECK(missing.error().exit_code == EX_NOINPUT);
        auto via_link = read_mbox(d / "link");
        REQUIRE_FALSE(via_link.ok());
        CHECK(via_link.error().exit_code == EX_NOPERM);
    }

    TEST_CASE("append_mbox: a write that fails part-way leaves the archive as it was") {
        TempDir d;
        std::string box = d / "a.mbox";
        const std::string before = "From x  d\n\nold\n\n";
        write_file(box, before);
        chmod(box.c_str(), 0600);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            signal(SIGXFSZ, SIG_IGN);
            struct rlimit rl {
                static_cast<rlim_t>(before.size() + 100), static_cast<rlim_t>(before.size() + 100)
            };
            setrlimit(RLIMIT_FSIZE, &rl);
            mail::Status s = append_mbox(box, "S: big\n\n" + std::string(10000, 'y') + "\n", "a@b", k_when);
            _exit(s.ok() ? 3 : s.error().exit_code == EX_TEMPFAIL ? 0 : 4);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
        CHECK(read_file(box) == before);
    }

    // ---------------------------------------------------------------- message text

    TEST_CASE("subject_key: prefixes, tags, case and spacing") {
        struct Row {
            std::string subject, key;
            bool reply;
        };
        const Row rows[] = {
            {"Hello", "hello", false},
            {"Re: Hello", "hello", true},
            {"RE: [team] Re[2]: Fwd:  HELLO   world", "hello world", true},
            {"Fwd: hello", "hello", false},
            {"Aw: Sv: Antw: x", "x", true},
            {"Re : x", "x", true},
            {"Re^3: x", "x", true},
            {"[team]", "", false},
            {"Regarding: x", "regarding: x", false},
            {"Re:", "", true},
            {"=?utf-8?q?Re=3A_Caf=C3=A9?=", "caf\xc3\xa9", true},
            {"[unclosed Re: x", "[unclosed re: x", false},
            {"", "", false},
        };
        for (const auto& row : rows) {
            SubjectKey k = subject_key(row.subject);
            CAPTURE(row.subject);
            CHECK_MESSAGE(k.key == row.key, "got [", k.key, "], want [", row.key, "]");
            CHECK(k.reply == row.reply);
        }
    }

    TEST_CASE("msgid_list, msgid_key, obfuscate_addresses") {
        CHECK(msgid_list("<a@x> <b@x>\n <c@x>") == std::vector<std::string>{"a@x", "b@x", "c@x"});
        CHECK(msgid_list("bare@x") == std::vector<std::string>{"bare@x"});
        CHECK(msgid_list("(comment) <a@x> <unclosed").size() == 1);
        CHECK(msgid_list("").empty());
        CHECK(msgid_list("<>").empty());
        CHECK(msgid_key(" <a@x> ") == "a@x");
        CHECK(obfuscate_addresses("mail john@example.org or j.o+e@x.y") ==
              "mail john at example.org or j.o+e at x.y");
        CHECK(obfuscate_addresses("@home, a @ b, a@, @b, x@@y") == "@home, a @ b, a@, @b, x@@y");
    }

    TEST_CASE("message_body: text parts shown, everything else withheld") {
        struct Row {
            std::string name, message;
            std::vector<std::string> texts;
            std::vector<std::string> withheld;  // "name|type"
        };
        const Row rows[] = {
            {"plain", "Subject: x\n\nhello\n", {"hello\n"}, {}},
            {"base64 utf-8",
             "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nw6k=\n",
             {"\xc3\xa9"},
             {}},
            {"qp latin1",
             "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: "
             "quoted-printable\n\ncaf=E9=\n!\n",
             {"caf\xc3\xa9!\n"},
             {}},
            {"controls and bad bytes",
             "Subject: x\n\na\x01\xff\r\nb\n",
             {"a\xef\xbf\xbd\xef\xbf\xbd\nb\n"},
             {}},
            {"mixed",
             "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\nContent-Type: application/pdf; "
             "name=a.pdf\n\n"
             "%PDF\n--b\nContent-Type: text/plain\nContent-Disposition: attachment; "
             "filename=t.txt\n\nsecret\n"
             "--b\nContent-Type: message/rfc822\n\nSubject: inner\n\nbody\n--b--\n",
             {"one"},
             {"a.pdf|application/pdf", "t.txt|text/plain", "inner|message/rfc822"}},
            {"alternative",
             "Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nplain\n"
             "--b\nContent-Type: text/html\n\n<b>html</b>\n--b--\n",
             {"plain"},
             {}},
            {"html only", "Content-Type: text/html\n\n<b>x</b>\n", {}, {"|text/html"}},
            {"uuencode",
             "Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nbegin\n",
             {},
             {"|text/plain"}},
        };
        for (const auto& row : rows) {
            CAPTURE(row.name);
            MessageBody mb = message_body(row.message);
            CHECK(mb.texts == row.texts);
            std::vector<std::string> w;
            for (const auto& p : mb.withheld) w.push_back(p.name + "|" + p.mime_type);
            CHECK(w == row.withheld);
        }
        std::string many = "Content-Type: multipart/mixed; boundary=b\n\n";
        for (int i = 0; i < 150; ++i) many += "--b\nContent-Type: image/png\n\nx\n";
        many += "--b--\n";
        MessageBody mb = message_body(many);
        CHECK(mb.withheld.size() == k_max_withheld);
        CHECK(mb.more_withheld == 50);
    }

    TEST_CASE("split_message and header_fields") {
        std::string m = "From x  d\nSubject: a\n b\nX:1\ngarbage line\nbody\n";
        SplitMessage s = split_message(m);
        CHECK(s.header == "Subject: a\n b\nX:1\n");
        CHECK(s.body == "garbage line\nbody\n");
        auto f = header_fields(s.header);
        REQUIRE(f.size() == 2);
        CHECK(f[0].name == "Subject");
        CHECK(f[0].lines == "Subject: a\n b\n");
        CHECK(f[0].value == " a\n b\n");
        CHECK(header_text(f[0].value) == "a b");
        std::string m2 = "A: 1\r\n\r\nbody";
        CHECK(split_message(m2).header == "A: 1\r\n");
        CHECK(split_message(m2).body == "body");
    }

    // ---------------------------------------------------------------- HTML

    TEST_CASE("render_html: files, modes, months and counts") {
        TempDir d;
        auto posts = thread_set();
        std::string out = d / "html";
        {
            Umask u(077);
            REQUIRE(render_html(ListInfo{"team", "team@example.org", "Team <talk> & more"}, metas(posts),
                                loader(posts), out)
                        .ok());
        }
        CHECK(mode_of(out) == 0755);
        CHECK(mode_of(out + "/2023-11") == 0755);
        CHECK(mode_of(out + "/index.html") == 0644);
        CHECK(mode_of(out + "/2023-11/000001.html") == 0644);
        for (long seq = 1; seq <= 9; ++seq) {
            std::string month = seq == 8 ? "2023-12" : "2023-11";
            CHECK(fs::exists(out + "/" + month + "/" + fmt::format("{:06d}.html", seq)));
        }
        // No temporary files are left behind.
        for (const auto& e : fs::recursive_directory_iterator(out))
            CHECK_MESSAGE(e.path().filename().string()[0] != '.', e.path().string());

        std::string index = read_file(out + "/index.html");
        std::size_t dec = index.find("<a href=\"2023-12/index.html\">December 2023</a></td><td>1</td>");
        std::size_t nov = index.find("<a href=\"2023-11/index.html\">November 2023</a></td><td>8</td>");
        CHECK(dec != std::string::npos);
        CHECK(nov != std::string::npos);
        CHECK(dec < nov);  // newest first
        CHECK(contains(index, "Team &lt;talk&gt; &amp; more"));
        CHECK(contains(index, "team at example.org"));
    }

    TEST_CASE("render_html: threads nest replies under parents") {
        TempDir d;
        auto posts = thread_set();
        std::string out = d / "html";
        REQUIRE(render_html(ListInfo{"team", "team@example.org", ""}, metas(posts), loader(posts), out).ok());
        std::string month = read_file(out + "/2023-11/index.html");
        CHECK(depth_at(month, "href=\"000001.html\"") == 1);  // Hello
        CHECK(depth_at(month, "href=\"000002.html\"") == 2);  // In-Reply-To Hello
        CHECK(depth_at(month, "href=\"000003.html\"") == 3);  // References: the last known one, 2
        CHECK(depth_at(month, "href=\"000005.html\"") == 2);  // subject only: "RE: [team] hello"
        CHECK(depth_at(month, "href=\"000009.html\"") == 4);  // References <c@x>
        CHECK(depth_at(month, "href=\"000004.html\"") == 1);  // its parent is missing
        CHECK(depth_at(month, "href=\"000006.html\"") == 1);
        CHECK(depth_at(month, "href=\"000007.html\"") == 1);
        CHECK(depth_at(month, "href=\"000004.html\"") == 1);
        CHECK(contains(month, "<p>8 posts, by thread.</p>"));
        // Balanced lists.
        int ul = 0, li = 0;
        for (std::size_t i = 0; i < month.size(); ++i) {
            if (month.compare(i, 4, "<ul>") == 0) ++ul;
            if (month.compare(i, 5, "</ul>") == 0) --ul;
            if (month.compare(i, 4, "<li>") == 0) ++li;
            if (month.compare(i, 5, "</li>") == 0) --li;
            REQUIRE(ul >= 0);
            REQUIRE(li >= 0);
        }
        CHECK(ul == 0);
        CHECK(li == 0);

        // December: the reply to a November post is a root there, with a link back.
        std::string dec = read_file(out + "/2023-12/index.html");
        CHECK(depth_at(dec, "href=\"000008.html\"") == 1);
        CHECK(contains(dec, "(a reply to <a href=\"../2023-11/000001.html\">Hello</a>)"));

        std::string p1 = read_file(out + "/2023-11/000001.html");
        CHECK(contains(p1, "Next by date: <a href=\"000002.html\">Re: Hello</a>"));
        CHECK_FALSE(contains(p1, "Previous by date"));
        CHECK_FALSE(contains(p1, "In reply to"));
        CHECK(contains(p1, "<a href=\"000002.html\">"));
        CHECK(contains(p1, "<a href=\"000005.html\">"));
        CHECK(contains(p1, "<a href=\"../2023-12/000008.html\">"));
        CHECK(contains(p1, "<a href=\"index.html\">November 2023</a>"));
        CHECK(contains(p1, "Hi all, mail me at john at example.org."));
        CHECK(contains(p1, "<dd>John Doe &lt;john at example.org&gt;</dd>"));
        std::string p3 = read_file(out + "/2023-11/000003.html");
        CHECK(contains(p3, "In reply to: <a href=\"000002.html\">Re: Hello</a>"));
        CHECK(contains(p3, "Previous by date: <a href=\"000002.html\">"));
        CHECK(contains(p3, "Next by date: <a href=\"000004.html\">"));
        std::string p7 = read_file(out + "/2023-11/000007.html");
        CHECK(contains(p7, "<h1>(no subject)</h1>"));
        CHECK(contains(p7, "<dd>(unknown)</dd>"));
        CHECK(contains(p7, "plain alternative"));
        std::string p8 = read_file(out + "/2023-12/000008.html");
        CHECK(contains(p8, "In reply to: <a href=\"../2023-11/000001.html\">Hello</a>"));
        CHECK_FALSE(contains(p8, "Next by date"));
        std::string p9 = read_file(out + "/2023-11/000009.html");
        CHECK(contains(p9, "<dd>J\xc3\xbcrgen &lt;jurgen at example.org&gt;</dd>"));
        CHECK(contains(p9, "<h1>Re: Caf\xc3\xa9</h1>"));
    }

    TEST_CASE("render_html: bodies decoded, everything escaped, attachments withheld") {
        TempDir d;
        auto posts = thread_set();
        std::string out = d / "html";
        REQUIRE(render_html(ListInfo{"<team>", "team@example.org", "\"desc\" 'x'"}, metas(posts),
                            loader(posts), out)
                    .ok());
        std::string p2 = read_file(out + "/2023-11/000002.html");
        CHECK(contains(p2, "Hello John, fine here."));  // base64
        std::string p3 = read_file(out + "/2023-11/000003.html");
        CHECK(contains(
            p3, "Caf\xc3\xa9 at noon? &lt;script&gt;alert(1)&lt;/script&gt;\nsoftbreak"));  // QP, latin1
        std::string p6 = read_file(out + "/2023-11/000006.html");
        CHECK(contains(p6,
                       "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; "
                       "\xef\xbf\xbd\xef\xbf\xbd bad "
                       "\xef\xbf\xbd\xef\xbf\xbd bytes\n"));
        CHECK(contains(p6, std::string(5000, 'L')));
        CHECK(contains(p6, "\nnc\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!\n"));
        CHECK(contains(
            p6,
            "<h1>&lt;script&gt;alert(&#39;s&#39;)&lt;/script&gt; &amp; &quot;q&quot; X-Injected: 1</h1>"));
        CHECK(contains(p6, "&lt;b onmouseover=&quot;x&quot;&gt;Eve&lt;/b&gt; &amp; &quot;Co&quot; Bcc: x"));
        CHECK(contains(p6, "<li>evil&lt;script&gt;.exe (application/x-msdownload)</li>"));
        CHECK(contains(p6, "<li>an unnamed part (text/html)</li>"));
        CHECK(contains(p6, "<li>notes.txt (text/plain)</li>"));

        for (const auto& file : html_files(out)) {
            CAPTURE(file);
            std::string html = read_file(file);
            CHECK(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", 0) ==
                  0);
            CHECK(contains(html, "default-src 'none'"));
            CHECK_FALSE(contains(html, "<script"));
            CHECK_FALSE(contains(html, "<b onmouseover"));
            CHECK_FALSE(contains(html, "<team>"));
            CHECK_FALSE(contains(html, "@example.org"));
            CHECK_FALSE(contains(html, "@evil.example"));
            CHECK_FALSE(contains(html, "SECRET"));  // attachment, HTML part and text attachment contents
            CHECK_FALSE(contains(html, "\r"));
            CHECK_FALSE(contains(html, "\x01"));
            CHECK_FALSE(contains(html, "\x7f"));
            CHECK_FALSE(contains(html, "://"));  // no external resources
            CHECK(mail::mime::is_valid_utf8(html));
            // Every '<' starts one of our tags: message text cannot open one.
            for (std::size_t i = html.find('<'); i != std::string::npos; i = html.find('<', i + 1)) {
                std::string_view rest = std::string_view(html).substr(i + 1);
                bool ok = false;
                for (std::string_view tag : {"!DOCTYPE html>",
                                             "html lang=\"en\">",
                                             "/html>",
                                             "head>",
                                             "/head>",
                                             "meta ",
                                             "title>",
                                             "/title>",
                                             "style>",
                                             "/style>",
                                             "body>",
                                             "/body>",
                                             "nav>",
                                             "/nav>",
                                             "h1>",
                                             "/h1>",
                                             "p>",
                                             "/p>",
                                             "ul>",
                                             "/ul>",
                                             "li>",
                                             "/li>",
                                             "a href=\"",
                                             "/a>",
                                             "dl>",
                                             "/dl>",
                                             "dt>",
                                             "/dt>",
                                             "dd>",
                                             "/dd>",
                                             "time datetime=\"",
                                             "/time>",
                                             "pre>",
                                             "/pre>",
                                             "table>",
                                             "/table>",
                                             "thead>",
                                             "/thead>",
                                             "tbody>",
                                             "/tbody>",
                                             "tr>",
                                             "/tr>",
                                             "th>",
                                             "/th>",
                                             "td>",
                                             "/td>"})
                    ok = ok || rest.substr(0, tag.size()) == tag;
                CHECK_MESSAGE(ok, "unexpected tag at ", i, ": ", std::string(rest.substr(0, 30)));
            }
        }
    }

    TEST_CASE("render_html: load failures, bad input, only some months, symlinked month") {
        TempDir d;
        auto posts = thread_set();
        ListInfo info{"team", "team@example.org", ""};
        {
            LoadPost none = [](long) -> mail::Result<std::string> {
                return mail::make_error(EX_NOINPUT, "gone");
            };
            REQUIRE(render_html(info, metas(posts), none, d / "a").ok());
            CHECK(contains(read_file(d / "a/2023-11/000001.html"),
                           "The text of this message is not available."));
        }
        {
            LoadPost busy = [](long) -> mail::Result<std::string> {
                return mail::make_error(EX_TEMPFAIL, "busy");
            };
            mail::Status st = render_html(info, metas(posts), busy, d / "b");
            REQUIRE_FALSE(st.ok());
            CHECK(st.error().exit_code == EX_TEMPFAIL);
        }
        {
            auto bad = metas(posts);
            bad[2].seq = 0;
            mail::Status st = render_html(info, bad, loader(posts), d / "c");
            REQUIRE_FALSE(st.ok());
            CHECK(st.error().exit_code == EX_SOFTWARE);
            bad[2].seq = 1;
            st = render_html(info, bad, loader(posts), d / "c");
            REQUIRE_FALSE(st.ok());
            CHECK(st.error().exit_code == EX_SOFTWARE);
            CHECK_FALSE(fs::exists(d / "c"));
        }
        for (std::string month : {"2023-13", "../x", "2023-1", ""}) {
            RenderOptions opts;
            opts.months = {month};
            mail::Status st = render_html(info, metas(posts), loader(posts), d / "e", opts);
            CAPTURE(month);
            REQUIRE_FALSE(st.ok());
            CHECK(st.error().exit_code == EX_SOFTWARE);
        }
        {
            RenderOptions opts;
            opts.months = {"2023-12", "2024-01"};
            REQUIRE(render_html(info, metas(posts), loader(posts), d / "f", opts).ok());
            CHECK(fs::exists(d / "f/2023-12/000008.html"));
            CHECK(contains(read_file(d / "f/2024-01/index.html"), "No posts this month."));
            CHECK_FALSE(fs::exists(d / "f/2023-11"));
            CHECK(contains(read_file(d / "f/index.html"), "November 2023</a></td><td>8</td>"));
        }
        {
            fs::create_directories(d / "g");
            fs::create_directories(d / "elsewhere");
            REQUIRE(symlink((d / "elsewhere").c_str(), (d / "g/2023-11").c_str()) == 0);
            mail::Status st = render_html(info, metas(posts), loader(posts), d / "g");
            REQUIRE_FALSE(st.ok());
            CHECK(st.error().exit_code == EX_CANTCREAT);
            CHECK(fs::is_empty(d / "elsewhere"));
        }
        {
            REQUIRE(render_html(info, {}, loader(posts), d / "h").ok());
            CHECK(contains(read_file(d / "h/index.html"), "No posts yet."));
        }
    }

    TEST_CASE("render_html: a reply archived before its parent still nests under it") {
        // Two deliveries raced: the reply got seq 1, its parent seq 2; an
        // older post with the parent's subject must not take the reply.
        TempDir d;
        std::vector<Post> posts(3);
        const char* ids[] = {"<old@x>", "<reply@x>", "<parent@x>"};
        const char* subjects[] = {"topic", "Re: topic", "topic"};
        for (long i = 0; i < 3; ++i) {
            Post& p = posts[static_cast<std::size_t>(i)];
            p.meta.seq = i + 1;
            p.meta.date = k_when + i;
            p.meta.message_id = ids[i];
            p.meta.subject = subjects[i];
            p.raw = "Subject: x\n\nx\n";
        }
        posts[1].meta.in_reply_to = "<parent@x>";
        posts[1].meta.references = {"<parent@x>"};
        std::string out = d / "html";
        REQUIRE(render_html(ListInfo{"team", "", ""}, metas(posts), loader(posts), out).ok());
        std::string month = read_file(out + "/2023-11/index.html");
        CHECK(depth_at(month, "href=\"000001.html\"") == 1);
        CHECK(depth_at(month, "href=\"000003.html\"") == 1);
        CHECK(depth_at(month, "href=\"000002.html\"") == 2);
        CHECK(month.find("href=\"000003.html\"") < month.find("href=\"000002.html\""));
        CHECK(contains(read_file(out + "/2023-11/000002.html"), "In reply to: <a href=\"000003.html\">"));
    }

    TEST_CASE("render_html: a very deep thread and a reply cycle") {
        TempDir d;
        std::vector<Post> posts;
        for (long i = 1; i <= 60; ++i) {
            Post p;
            p.meta.seq = i;
            p.meta.date = k_when + i;
            p.meta.message_id = fmt::format("<m{}@x>", i);
            p.meta.in_reply_to = fmt::format("<m{}@x>", i - 1);
            p.meta.subject = "Re: deep";
            p.raw = "Subject: deep\n\nx\n";
            posts.push_back(p);
        }
        posts[0].meta.in_reply_to = "<m60@x>";  // a cycle through a later post: ignored
        std::string out = d / "html";
        REQUIRE(render_html(ListInfo{"team", "", ""}, metas(posts), loader(posts), out).ok());
        std::string month = read_file(out + "/2023-11/index.html");
        CHECK(depth_at(month, "href=\"000001.html\"") == 1);
        CHECK(depth_at(month, "href=\"000032.html\"") == 32);
        CHECK(depth_at(month, "href=\"000060.html\"") == 32);
        CHECK_FALSE(contains(read_file(out + "/2023-11/000001.html"), "In reply to"));
        CHECK(contains(read_file(out + "/2023-11/000060.html"), "In reply to: <a href=\"000059.html\">"));
    }

    TEST_CASE("render_html: every page passes HTML Tidy without errors or warnings") {
        std::string tidy = find_program("tidy");
        if (tidy.empty())
            FAIL(
                "HTML Tidy (the program 'tidy', Debian package tidy) is not installed; "
                "run scripts/install-deps.sh --test");
        TempDir d;
        auto posts = thread_set();
        std::string out = d / "html";
        REQUIRE(render_html(ListInfo{"team", "team@example.org", "A <b>list</b>"}, metas(posts),
                            loader(posts), out)
                    .ok());
        std::vector<Post> deep;
        for (long i = 1; i <= 40; ++i) {
            Post p;
            p.meta.seq = i;
            p.meta.date = k_when + 40 * k_day + i;
            p.meta.message_id = fmt::format("<m{}@x>", i);
            p.meta.in_reply_to = fmt::format("<m{}@x>", i - 1);
            p.meta.subject = "deep";
            p.raw = "Subject: deep\n\nx\n";
            deep.push_back(p);
        }
        REQUIRE(render_html(ListInfo{"deep", "", ""}, metas(deep), loader(deep), d / "deep").ok());
        RenderOptions none;
        none.months = {"2024-02"};
        REQUIRE(render_html(ListInfo{"empty", "", ""}, {}, loader(deep), d / "empty", none).ok());

        // The check can fail: Tidy warns about an empty list and a bare '&'.
        write_file(d / "bad.html",
                   "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>x</title></head>"
                   "<body><ul></ul><p>a &b</p></body></html>\n");
        int bad = std::system(
            ("'" + tidy + "' -q -e --show-warnings yes '" + d / "bad.html" + "' >/dev/null 2>&1").c_str());
        CHECK((WIFEXITED(bad) && WEXITSTATUS(bad) != 0));

        std::vector<std::string> files = html_files(out);
        for (const auto& f : html_files(d / "deep")) files.push_back(f);
        for (const auto& f : html_files(d / "empty")) files.push_back(f);
        REQUIRE(files.size() == (9 + 2 + 1) + (40 + 1 + 1) + (1 + 1));
        for (const auto& file : files) {
            std::string report = d / "tidy.out";
            std::string cmd =
                "'" + tidy + "' -q -e --show-warnings yes '" + file + "' >'" + report + "' 2>&1";
            int rc = std::system(cmd.c_str());
            CAPTURE(file);
            CHECK_MESSAGE(WIFEXITED(rc), "tidy did not run");
            CHECK_MESSAGE(WEXITSTATUS(rc) == 0, "tidy exit ", WEXITSTATUS(rc), ":\n", read_file(report));
        }
    }

    // ---------------------------------------------------------------- digests

    TEST_CASE("mime_digest: structure parsed back with libmail/mime") {
        std::string digest = mime_digest(digest_info(), digest_posts());
        mail::mime::Part root = mail::mime::parse(digest);
        auto head = mail::message::Headers::parse(root.header);
        REQUIRE(head.ok());
        CHECK(head->find("From")->value == "team-request@example.org");
        CHECK(head->find("To")->value == "team@example.org");
        CHECK(head->find("Reply-To")->value == "team@example.org");
        CHECK(head->find("Subject")->value == "team Digest, Vol 2, Issue 7");
        CHECK(head->find("MIME-Version")->value == "1.0");
        CHECK(head->find("Message-ID")->value == "<team.digest.2.7.1700000000@example.org>");
        CHECK(head->find("Content-Transfer-Encoding")->value == "8bit");
        CHECK(head->find("Date") != nullptr);

        CHECK(root.content_type.mime_type() == "multipart/mixed");
        REQUIRE(root.children.size() == 4);
        CHECK(root.children[0].content_type.mime_type() == "text/plain");
        CHECK(root.children[1].content_type.mime_type() == "text/plain");
        CHECK(root.children[2].content_type.mime_type() == "multipart/digest");
        CHECK(root.children[3].content_type.mime_type() == "text/plain");

        std::string masthead = *mail::mime::decoded_text(root.children[0]);
        CHECK(masthead.rfind("Send team mailing list submissions to\n\tteam@example.org\n", 0) == 0);
        CHECK(contains(masthead, "'help' to\n\tteam-request@example.org\n"));
        CHECK(contains(masthead, "list at\n\tteam-owner@example.org\n"));
        CHECK(contains(masthead, "than \"Re: Contents of team digest...\"\n"));

        std::string toc = *mail::mime::decoded_text(root.children[1]);
        CHECK(toc ==
              "Today's Topics:\n\n"
              "   1. Hello (John Doe)\n"
              "   2. Caf\xc3\xa9 (J\xc3\xbcrgen)\n"
              "   3. A subject long enough that the table of contents has to wrap it\n"
              "      onto a second line (bob@example.org)\n");

        const auto& dig = root.children[2];
        REQUIRE(dig.children.size() == 3);
        for (const auto& part : dig.children) {
            CHECK(part.content_type.mime_type() == "message/rfc822");
            REQUIRE(part.children.size() == 1);
        }
        const auto& first = dig.children[0].children[0];
        CHECK(first.header ==
              "From: John Doe <john@example.org>\nTo: team@example.org\nSubject: Hello\n"
              "Date: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <a@x>\n");
        CHECK(contains(std::string(first.body), "Hi all.\n"));
        const auto& second = dig.children[1].children[0];
        CHECK_FALSE(contains(std::string(second.header), "Keywords"));
        CHECK_FALSE(contains(std::string(second.header), "\r"));
        CHECK(contains(std::string(second.header), "Cc: ann@example.org\n"));
        CHECK(second.content_type.mime_type() == "multipart/mixed");
        REQUIRE(second.children.size() == 2);  // the enclosed post keeps its own structure
        CHECK(*mail::mime::decoded_text(second.children[0]) == "Caf\xc3\xa9 \xc3\xa0 midi.");
        CHECK(second.children[1].content_type.mime_type() == "image/png");

        std::string closing = *mail::mime::decoded_text(root.children[3]);
        CHECK(closing == "End of team Digest, Vol 2, Issue 7\n**********************************\n");
        CHECK_FALSE(contains(digest, "X-Secret"));
        CHECK_FALSE(contains(digest, "Received:"));
    }

    TEST_CASE("mime_digest: a post cannot break out of its part or inject header fields") {
        DigestInfo info = digest_info();
        std::string plain = mime_digest(info, digest_posts());
        std::size_t at = plain.find("boundary=\"");
        REQUIRE(at != std::string::npos);
        std::string boundary = plain.substr(at + 10, plain.find('"', at + 10) - at - 10);
        // A post that contains the boundary the digest would have used.
        auto posts = digest_posts();
        posts[0] += "--" + boundary + "\nContent-Type: text/html\n\n<b>forged</b>\n--" + boundary + "--\n";
        std::string digest = mime_digest(info, posts);
        mail::mime::Part root = mail::mime::parse(digest);
        REQUIRE(root.children.size() == 4);
        CHECK(root.children[2].children.size() == 3);

        info.list_name = "team\r\nBcc: victim@example.org";
        info.request_address = "team-request@example.org\nBcc: victim@example.org";
        std::string hostile = mime_digest(info, digest_posts());
        mail::mime::Part h = mail::mime::parse(hostile);
        auto head = mail::message::Headers::parse(h.header);
        REQUIRE(head.ok());
        CHECK(head->find("Bcc") == nullptr);
        CHECK(head->count("From") == 1);

        std::string empty = mime_digest(digest_info(), {});
        mail::mime::Part e = mail::mime::parse(empty);
        REQUIRE(e.children.size() == 4);
        CHECK(e.children[2].children.size() == 1);
    }

    TEST_CASE("rfc1153_digest: the exact layout") {
        std::string digest = rfc1153_digest(digest_info(), digest_posts());
        std::size_t split = digest.find("\n\n");
        REQUIRE(split != std::string::npos);
        std::string header = digest.substr(0, split + 1);
        std::string body = digest.substr(split + 2);
        auto head = mail::message::Headers::parse(header);
        REQUIRE(head.ok());
        CHECK(head->find("Subject")->value == "team Digest, Vol 2, Issue 7");
        CHECK(head->find("From")->value == "team-request@example.org");
        CHECK(head->find("Content-Type")->value == "text/plain; charset=\"utf-8\"");
        CHECK(head->find("Content-Transfer-Encoding")->value == "8bit");

        const std::string want =
            "Send team mailing list submissions to\n"
            "\tteam@example.org\n"
            "\n"
            "To subscribe or unsubscribe by email, send a message with subject or\n"
            "body 'help' to\n"
            "\tteam-request@example.org\n"
            "\n"
            "You can reach the person managing the list at\n"
            "\tteam-owner@example.org\n"
            "\n"
            "When replying, please edit your Subject line so it is more specific\n"
            "than \"Re: Contents of team digest...\"\n"
            "\n"
            "Today's Topics:\n"
            "\n"
            "   1. Hello (John Doe)\n"
            "   2. Caf\xc3\xa9 (J\xc3\xbcrgen)\n"
            "   3. A subject long enough that the table of contents has to wrap it\n"
            "      onto a second line (bob@example.org)\n"
            "\n"
            "----------------------------------------------------------------------\n"
            "\n"
            "Date: Tue, 14 Nov 2023 22:13:20 +0000\n"
            "From: John Doe <john@example.org>\n"
            "To: team@example.org\n"
            "Subject: Hello\n"
            "Message-ID: <a@x>\n"
            "\n"
            "Hi all.\n"
            " -----------------------------\n"
            "From here on.\n"
            "\n"
            "------------------------------\n"
            "\n"
            "From: J\xc3\xbcrgen <jurgen@example.org>\n"
            "Cc: ann@example.org\n"
            "Subject: Caf\xc3\xa9\n"
            "Keywords: food\n"
            "\n"
            "Caf\xc3\xa9 \xc3\xa0 midi.\n"
            "[Not included: menu.png (image/png)]\n"
            "\n"
            "------------------------------\n"
            "\n"
            "From: bob@example.org\n"
            "Subject: A subject long enough that the table of contents has to wrap it onto a second line\n"
            "\n"
            "short\n"
            "\n"
            "------------------------------\n"
            "\n"
            "End of team Digest, Vol 2, Issue 7\n"
            "**********************************\n";
        CHECK_MESSAGE(body == want, "got:\n", body);
    }

    TEST_CASE("rfc1153_digest: long lines are cut, ASCII stays 7bit") {
        std::vector<std::string> posts = {"Subject: x\n\n" + std::string(3000, 'a') + "\n"};
        std::string digest = rfc1153_digest(digest_info(), posts);
        CHECK(contains(digest,
                       "Content-Type: text/plain; charset=\"us-ascii\"\nContent-Transfer-Encoding: 7bit\n"));
        std::size_t longest = 0, start = 0;
        for (std::size_t i = 0; i <= digest.size(); ++i) {
            if (i == digest.size() || digest[i] == '\n') {
                longest = std::max(longest, i - start);
                start = i + 1;
            }
        }
        CHECK(longest <= 998);
        std::string as;
        for (char c : digest)
            if (c == 'a') as += c;
        CHECK(as.size() >= 3000);  // nothing lost
    }

    TEST_CASE("hostile input: mutated messages never break the digests or the pages") {
        std::vector<std::string> seeds = digest_posts();
        for (const auto& p : thread_set()) seeds.push_back(p.raw);
        const std::vector<std::string> tokens = {"--x",
                                                 "--B",
                                                 "\n\n",
                                                 "=?utf-8?b?",
                                                 "=?x?q?=FF?=",
                                                 "\r",
                                                 std::string(1, '\0'),
                                                 "\xff",
                                                 "<",
                                                 "&",
                                                 "\n------------------------------\n",
                                                 "\nContent-Type: multipart/mixed; boundary=x\n\n--x\n",
                                                 "\nContent-Type: message/rfc822\n\n",
                                                 "\nFrom "};
        std::uint64_t state = 42;
        auto next = [&](std::uint64_t n) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            return static_cast<std::size_t>((state >> 33) % n);
        };
        DigestInfo info = digest_info();
        std::vector<Post> posts;
        for (int round = 0; round < 300; ++round) {
            std::string m = seeds[next(seeds.size())];
            for (int k = 0, edits = 1 + static_cast<int>(next(8)); k < edits; ++k) {
                std::size_t at = m.empty() ? 0 : next(m.size() + 1);
                switch (next(3)) {
                    case 0: m.insert(at, tokens[next(tokens.size())]); break;
                    case 1:
                        if (at < m.size()) m[at] = static_cast<char>(next(256));
                        break;
                    default: m.resize(at); break;
                }
            }
            CAPTURE(round);
            MessageBody mb = message_body(m);
            for (const auto& t : mb.texts) CHECK(mail::mime::is_valid_utf8(t));
            std::string mime = mime_digest(info, {m});
            mail::mime::Part root = mail::mime::parse(mime);
            REQUIRE(root.children.size() == 4);
            CHECK(root.children[2].children.size() == 1);
            std::string plain = rfc1153_digest(info, {m});
            CHECK(plain.ends_with(
                "\n\nEnd of team Digest, Vol 2, Issue 7\n**********************************\n"));
            if (round % 6 == 0) {
                Post p;
                p.meta.seq = round + 1;
                p.meta.date = k_when + round;
                p.meta.subject =
                    mail::lists::archive::header_text(find_raw_field(split_message(m).header, "Subject"));
                p.meta.in_reply_to = std::string(find_raw_field(split_message(m).header, "In-Reply-To"));
                p.meta.from_name = m.substr(0, std::min<std::size_t>(m.size(), 40));
                p.raw = m;
                posts.push_back(p);
            }
        }
        TempDir d;
        REQUIRE(render_html(ListInfo{"team", "", ""}, metas(posts), loader(posts), d / "html").ok());
        for (const auto& file : html_files(d / "html")) {
            std::string html = read_file(file);
            CHECK(mail::mime::is_valid_utf8(html));
            CHECK_FALSE(contains(html, "<script"));
            CHECK_FALSE(contains(html, "SECRET"));
        }
    }
}
