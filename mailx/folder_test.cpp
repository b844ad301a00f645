// folder_test.cpp — unit tests for mailx's Folder: the index (lines and
// bytes as bsd-mailx counts them), header lookup, copies, incorporate and
// quit, byte for byte, including damaged files and concurrent delivery.
//
// Values marked "bsd-mailx" were observed by running Debian's bsd-mailx
// 8.1.2-0.20220412cvs-1 (var/peers/, scripts/fetch-peers.sh) on the same
// bytes: `printf 'f *\nx\n' | MAIL=box HOME=h bsd-mailx -n` for the
// summaries, and the listed commands followed by `q` for the quit results.
#include "mailx/folder.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace mailx;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/folder_test.XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

void append_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::app) << text;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

Folder open_ok(const std::string& path, FolderKind kind = FolderKind::System) {
    auto f = Folder::open(path, kind);
    REQUIRE_MESSAGE(f.ok(), (f.ok() ? "" : f.error().message));
    return std::move(*f);
}

QuitReport quit_ok(Folder& f, const QuitOptions& o) {
    auto r = f.quit(o);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    return *r;
}

// The six-message boxes of the bsd-mailx quit experiments.
std::string six(bool with_status) {
    std::string out;
    for (int i = 1; i <= 6; ++i) {
        std::string n = std::to_string(i);
        out += "From u" + n + "@x  Sun May 12 08:0" + n + ":00 2024\nFrom: u" + n + "@x\n";
        if (with_status) out += "Status: O\n";
        out += "Subject: s" + n + "\n\nbody " + n + "\n\n";
    }
    return out;
}

std::string msg(const std::string& who, const std::string& headers, const std::string& body) {
    return "From " + who + "  Sun May 12 08:00:00 2024\n" + headers + "\n" + body;
}

const std::string k_old_mbox = "From old@x  Sun May 12 07:00:00 2024\nSubject: old\n\nold body\n\n";

}  // namespace

TEST_SUITE("folder") {
    TEST_CASE("lines and bytes are bsd-mailx's") {
        struct Row {
            const char* what;
            std::string box;
            std::vector<std::pair<unsigned, std::size_t>> want;  // lines/bytes per message
        };
        const std::string nul_box = std::string(
                                        "junk line\nmore\n\nFrom a@b  Sun May 12 08:00:00 2024\n"
                                        "Subject: after junk\n\nb") +
                                    '\0' + "ody\n\n";
        const Row rows[] = {
            // bsd-mailx: 6/66, 10/83, 6/94 ("3 messages 1 new 2 unread").
            {"plain, Status O, Status RO, trailing blank lines, no final newline",
             "From a@b  Sun May 12 08:00:00 2024\nFrom: a@b\nSubject: one\n\nbody1\n\n"
             "From c@d  Sun May 12 08:01:00 2024\nFrom: c@d\nSubject: two\nStatus: O\n\nbody2\nline\n\n\n\n"
             "From e@f  Sun May 12 08:02:00 2024\nFrom: e@f\nSubject: three\nStatus: RO\n\nbody3 no final "
             "newline",
             {{6, 66}, {10, 83}, {6, 94}}},
            // bsd-mailx: 4/52.
            {"last message without the separator",
             "From a@b  Sun May 12 08:00:00 2024\nSubject: t\n\nbody\n",
             {{4, 52}}},
            // bsd-mailx: 5/53 and 5/40: "From the start of time" after an
            // empty line starts a message, "From bob" (no date) does not.
            {"lenient From_ lines",
             "From a@b  Sun May 12 08:00:00 2024\nSubject: t\n\nbody\n\nFrom the start of time\nmore\n\nFrom "
             "bob\nx\n",
             {{5, 53}, {5, 40}}},
            // bsd-mailx: 5/58 — it stops each line at a NUL (strlen after
            // fgets) and loses 5 bytes; we count the bytes that are there.
            {"bytes before the first From_, a NUL", nul_box, {{5, 63}}},
            // bsd-mailx: 5/56 and 4/51 — it turns CRLF into LF while copying
            // the box; we keep the bytes (same lines, raw sizes).
            {"CRLF",
             "From a@b  Sun May 12 08:00:00 2024\r\nSubject: crlf\r\n\r\nbody\r\n\r\n"
             "From c@d  Sun May 12 08:00:00 2024\r\nSubject: two\r\n\r\nb\r\n",
             {{5, 61}, {4, 55}}},
            // bsd-mailx: 7/20052 — it counts a 20,000-byte line as 3 (8 KiB
            // fgets buffer); we count real lines.
            {"a 20,000-byte line",
             "From a@b  Sun May 12 08:00:00 2024\nSubject: long\n\n" + std::string(20000, 'x') + "\n\n",
             {{5, 20052}}},
            {"From_ line only, no newline", "From a@b  Sun May 12 08:00:00 2024", {{1, 34}}},
        };
        TempDir dir;
        for (const Row& row : rows) {
            CAPTURE(row.what);
            write_file(dir / "box", row.box);
            Folder f = open_ok(dir / "box");
            REQUIRE(f.count() == row.want.size());
            for (std::size_t i = 0; i < row.want.size(); ++i) {
                CAPTURE(i + 1);
                CHECK(f.at(i + 1).lines == row.want[i].first);
                CHECK(f.at(i + 1).size == row.want[i].second);
                CHECK(f.entry(i + 1).size() == row.want[i].second);
            }
        }
    }

    TEST_CASE("Status at open; new, unread, read") {
        TempDir dir;
        write_file(dir / "box", msg("a@b", "Subject: n\n", "b\n\n") + msg("a@b", "status : O\n", "b\n\n") +
                                    msg("a@b", "Status: RO\n", "b\n\n") + msg("a@b", "Status: R\n", "b\n\n") +
                                    msg("a@b", "Status: O\nStatus: R\n", "b\n\n") +
                                    msg("a@b", "Subject: x\n", "Status: RO\n"));
        Folder f = open_ok(dir / "box");
        REQUIRE(f.count() == 6);
        struct Want {
            bool seen, read;
        };
        const Want want[] = {{false, false}, {true, false}, {true, true},
                             {false, true},  {true, false}, {false, false}};
        for (std::size_t i = 0; i < 6; ++i) {
            CAPTURE(i + 1);
            CHECK(f.at(i + 1).state.seen_before == want[i].seen);
            CHECK(f.at(i + 1).state.read_before == want[i].read);
        }
        CHECK(f.at(1).state.is_new());
        CHECK_FALSE(f.at(2).state.is_new());
        CHECK(f.at(2).state.is_unread());
        CHECK_FALSE(f.at(3).state.is_unread());
    }

    TEST_CASE("parts and header lookup") {
        TempDir dir;
        write_file(
            dir / "box",
            msg("a@b", "From: A <a@b>\nsubject: first\n  folded line\nX-Dup: 1\nx-dup : 2\n",
                "the body\n\n") +
                "From c@d  Sun May 12 08:00:00 2024\r\nSubject: crlf\r\n \tnext\r\nTo: t\r\n\r\nb\r\n\r\n" +
                "From e@f  Sun May 12 08:00:00 2024\nSubject: header only");
        Folder f = open_ok(dir / "box");
        REQUIRE(f.count() == 3);
        CHECK(f.from_line(1) == "From a@b  Sun May 12 08:00:00 2024");
        CHECK(f.header_text(1) == "From: A <a@b>\nsubject: first\n  folded line\nX-Dup: 1\nx-dup : 2\n");
        CHECK(f.body(1) == "the body\n");
        CHECK(f.header(1, "Subject") == "first  folded line");
        CHECK(f.header(1, "x-DUP") == "1");
        CHECK(f.header(1, "from") == "A <a@b>");
        CHECK(f.header(1, "To") == "");
        CHECK(f.header(1, "X-Du") == "");
        CHECK(f.has_header(1, "x-dup"));
        CHECK_FALSE(f.has_header(1, "Cc"));
        CHECK(f.from_line(2) == "From c@d  Sun May 12 08:00:00 2024");
        CHECK(f.header(2, "subject") == "crlf \tnext");
        CHECK(f.header(2, "To") == "t");
        CHECK(f.body(2) == "b\r\n");
        CHECK(f.header(3, "Subject") == "header only");
        CHECK(f.body(3) == "");
        CHECK(f.warnings().size() == 1);
    }

    TEST_CASE("empty, missing, junk-only and unreadable folders") {
        TempDir dir;
        {
            Folder f = open_ok(dir / "missing", FolderKind::System);
            CHECK(f.count() == 0);
            CHECK_FALSE(f.changed({}));
            auto r = f.quit({});
            REQUIRE(r.ok());
            CHECK_FALSE(r->rewritten);
            CHECK_FALSE(exists(dir / "missing"));
        }
        {
            auto f = Folder::open(dir / "missing", FolderKind::File);
            REQUIRE_FALSE(f.ok());
            CHECK(f.error().exit_code == EX_NOINPUT);
        }
        write_file(dir / "empty", "");
        CHECK(open_ok(dir / "empty", FolderKind::File).count() == 0);
        write_file(dir / "junk", "Subject: x\n\nbody\n");  // bsd-mailx: "No mail for root"
        Folder j = open_ok(dir / "junk");
        CHECK(j.count() == 0);
        REQUIRE(j.warnings().size() == 1);
        CHECK(j.warnings()[0] == "offset 0: no From_ line in 17 bytes (kept, not shown)");
        auto d = Folder::open(dir.path, FolderKind::File);
        REQUIRE_FALSE(d.ok());
        if (getuid() != 0) {
            write_file(dir / "secret", "x");
            chmod((dir / "secret").c_str(), 0);
            auto s = Folder::open(dir / "secret", FolderKind::File);
            REQUIRE_FALSE(s.ok());
            CHECK(s.error().exit_code == EX_NOPERM);
        }
    }

    TEST_CASE("quit, system mailbox: the bsd-mailx experiment") {
        // bsd-mailx: `p 1`, `s 2 saved`, `d 3`, `mb 5`, `pre 6`, `q` gave
        // "Saved 2 messages in home/mbox", "Held 2 messages in sbox" and
        // exactly these files.
        TempDir dir;
        write_file(dir / "sbox", six(true));
        write_file(dir / "mbox", k_old_mbox);
        Folder f = open_ok(dir / "sbox");
        REQUIRE(f.count() == 6);
        f.at(1).state.read = true;
        f.at(2).state.read = true;
        auto saved = f.append_to(dir / "saved", {2}, true);
        REQUIRE(saved.ok());
        CHECK(saved->created);
        f.at(2).state.saved = true;
        f.at(3).state.deleted = true;
        f.at(5).state.mboxed = true;
        f.at(6).state.preserved = true;
        QuitOptions o;
        o.mbox_path = dir / "mbox";
        CHECK(f.changed(o));
        QuitReport r = quit_ok(f, o);
        CHECK(r.to_mbox == 2);
        CHECK(r.held == 2);
        CHECK_FALSE(r.new_mail);
        CHECK(r.rewritten);
        CHECK(read_file(dir / "sbox") ==
              "From u4@x  Sun May 12 08:04:00 2024\nFrom: u4@x\nStatus: O\nSubject: s4\n\nbody 4\n\n"
              "From u6@x  Sun May 12 08:06:00 2024\nFrom: u6@x\nStatus: O\nSubject: s6\n\nbody 6\n\n");
        CHECK(read_file(dir / "mbox") ==
              "From u1@x  Sun May 12 08:01:00 2024\nFrom: u1@x\nStatus: RO\nSubject: s1\n\nbody 1\n\n"
              "From u5@x  Sun May 12 08:05:00 2024\nFrom: u5@x\nStatus: O\nSubject: s5\n\nbody 5\n\n" +
                  k_old_mbox);
        CHECK(read_file(dir / "saved") ==
              "From u2@x  Sun May 12 08:02:00 2024\nFrom: u2@x\nStatus: RO\nSubject: s2\n\nbody 2\n\n");
        struct stat st {};
        REQUIRE(stat((dir / "saved").c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
    }

    TEST_CASE("quit: Status placement, held new messages, no separator at the end") {
        // bsd-mailx: `p 1`, `q` on this box gave exactly these files.
        TempDir dir;
        const std::string m1 =
            "From a@x  Sun May 12 08:00:00 2024\nFrom: a@x\nStatus: O\nSubject: s1\nX-After: y\n\nbody\n\n";
        const std::string m2 =
            "From b@x  Sun May 12 08:00:00 2024\nFrom: b@x\nSubject: s2\nX-Folded: a\n  b\n\nbody2\n\n";
        const std::string m3 = "From c@x  Sun May 12 08:00:00 2024\nFrom: c@x\nSubject: s3\n\nbody3\n";
        write_file(dir / "pbox", m1 + m2 + m3);
        Folder f = open_ok(dir / "pbox");
        f.at(1).state.read = true;
        QuitOptions o;
        o.mbox_path = dir / "mbox";
        QuitReport r = quit_ok(f, o);
        CHECK(r.to_mbox == 1);
        CHECK(r.held == 2);
        CHECK(read_file(dir / "pbox") ==
              "From b@x  Sun May 12 08:00:00 2024\nFrom: b@x\nSubject: s2\nX-Folded: a\n  b\nStatus: "
              "O\n\nbody2\n\n"
              "From c@x  Sun May 12 08:00:00 2024\nFrom: c@x\nSubject: s3\nStatus: O\n\nbody3\n");
        CHECK(
            read_file(dir / "mbox") ==
            "From a@x  Sun May 12 08:00:00 2024\nFrom: a@x\nStatus: RO\nSubject: s1\nX-After: y\n\nbody\n\n");
        struct stat st {};
        REQUIRE(stat((dir / "mbox").c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        // atime after mtime (bsd-mailx: atime = now + 1 s).
        REQUIRE(stat((dir / "pbox").c_str(), &st) == 0);
        CHECK(st.st_atim.tv_sec > st.st_mtim.tv_sec);
    }

    TEST_CASE("quit: the message without separator goes to MBOX with one") {
        // bsd-mailx wrote "...\nnonlFrom old@x ..." here, gluing two
        // messages together; we end every MBOX entry with an empty line.
        TempDir dir;
        write_file(dir / "nbox",
                   msg("a@x", "Subject: s1\n", "body\n\n") + msg("c@x", "Subject: s3\n", "nonl"));
        write_file(dir / "mbox", k_old_mbox);
        Folder f = open_ok(dir / "nbox");
        f.at(2).state.read = true;
        QuitOptions o;
        o.mbox_path = dir / "mbox";
        quit_ok(f, o);
        CHECK(read_file(dir / "nbox") == msg("a@x", "Subject: s1\nStatus: O\n", "body\n\n"));
        CHECK(read_file(dir / "mbox") == msg("c@x", "Subject: s3\nStatus: RO\n", "nonl\n\n") + k_old_mbox);
    }

    TEST_CASE("quit: each state, hold, keepsave") {
        struct Row {
            const char* what;
            const char* file_status;  // Status: of message 2 in the file ("" none)
            MessageState session;     // this session's flags
            bool hold, keepsave;
            const char* want;  // "spool:STATUS", "mbox:STATUS" or "gone"
        };
        auto st = [](bool read, bool deleted, bool saved, bool preserved, bool mboxed, bool touched) {
            MessageState s;
            s.read = read;
            s.deleted = deleted;
            s.saved = saved;
            s.preserved = preserved;
            s.mboxed = mboxed;
            s.touched = touched;
            return s;
        };
        const MessageState none;
        const Row rows[] = {
            {"new, untouched", "", none, false, false, "spool:O"},
            {"unread from before", "O", none, false, false, "spool:O"},
            {"read before, untouched", "RO", none, false, false, "spool:RO"},
            {"R only before, untouched", "R", none, false, false, "spool:RO"},
            {"read", "", st(1, 0, 0, 0, 0, 0), false, false, "mbox:RO"},
            {"read, was unread", "O", st(1, 0, 0, 0, 0, 0), false, false, "mbox:RO"},
            {"read, hold", "", st(1, 0, 0, 0, 0, 0), true, false, "spool:RO"},
            {"read, hold, was unread", "O", st(1, 0, 0, 0, 0, 0), true, false, "spool:RO"},
            {"touched", "", st(0, 0, 0, 0, 0, 1), false, false, "mbox:RO"},
            {"touched, hold", "", st(0, 0, 0, 0, 0, 1), true, false, "spool:RO"},
            {"deleted", "", st(1, 1, 0, 0, 0, 0), false, false, "gone"},
            {"deleted, hold", "RO", st(1, 1, 0, 0, 0, 0), true, false, "gone"},
            {"saved", "", st(1, 0, 1, 0, 0, 0), false, false, "gone"},
            {"saved, hold", "", st(1, 0, 1, 0, 0, 0), true, false, "gone"},
            {"saved, keepsave", "", st(1, 0, 1, 0, 0, 0), false, true, "mbox:RO"},
            {"saved, keepsave, hold", "", st(1, 0, 1, 0, 0, 0), true, true, "spool:RO"},
            {"preserved, new", "", st(0, 0, 0, 1, 0, 0), false, false, "spool:O"},
            {"preserved, read", "", st(1, 0, 0, 1, 0, 0), false, false, "spool:RO"},
            {"mboxed, unread", "", st(0, 0, 0, 0, 1, 0), false, false, "mbox:O"},
            {"mboxed, hold", "", st(1, 0, 0, 0, 1, 0), true, false, "mbox:RO"},
            {"mboxed and deleted", "", st(0, 1, 0, 0, 1, 0), false, false, "gone"},
        };
        const std::string keep = msg("k@x", "Subject: keep\nStatus: O\n", "k\n\n");
        for (const Row& row : rows) {
            CAPTURE(row.what);
            TempDir dir;
            std::string status = *row.file_status ? std::string("Status: ") + row.file_status + "\n" : "";
            write_file(dir / "box", keep + msg("m@x", "Subject: m\n" + status + "X-Last: 1\n", "body\n\n"));
            write_file(dir / "mbox", k_old_mbox);
            Folder f = open_ok(dir / "box");
            REQUIRE(f.count() == 2);
            MessageState& s = f.at(2).state;
            s.read = row.session.read;
            s.deleted = row.session.deleted;
            s.saved = row.session.saved;
            s.preserved = row.session.preserved;
            s.mboxed = row.session.mboxed;
            s.touched = row.session.touched;
            QuitOptions o;
            o.mbox_path = dir / "mbox";
            o.hold = row.hold;
            o.keepsave = row.keepsave;
            QuitReport r = quit_ok(f, o);
            std::string want(row.want);
            std::string new_status =
                want.find(':') == std::string::npos ? "" : want.substr(want.find(':') + 1);
            // Replaced where it stood, else added at the end (bsd-mailx).
            std::string with_status =
                *row.file_status
                    ? msg("m@x", "Subject: m\nStatus: " + new_status + "\nX-Last: 1\n", "body\n\n")
                    : msg("m@x", "Subject: m\nX-Last: 1\nStatus: " + new_status + "\n", "body\n\n");
            if (want.starts_with("spool")) {
                CHECK(read_file(dir / "box") == keep + with_status);
                CHECK(read_file(dir / "mbox") == k_old_mbox);
                CHECK(r.held == 2);
                CHECK(r.to_mbox == 0);
            } else if (want.starts_with("mbox")) {
                CHECK(read_file(dir / "box") == keep);
                CHECK(read_file(dir / "mbox") == with_status + k_old_mbox);
                CHECK(r.held == 1);
                CHECK(r.to_mbox == 1);
            } else {
                CHECK(read_file(dir / "box") == keep);
                CHECK(read_file(dir / "mbox") == k_old_mbox);
                CHECK(r.held == 1);
                CHECK(r.to_mbox == 0);
            }
        }
    }

    TEST_CASE("quit: append to MBOX, MBOX created, MBOX without separator") {
        TempDir dir;
        write_file(dir / "box", six(false));
        write_file(dir / "mbox", "From old@x  Sun May 12 07:00:00 2024\nSubject: old\n\nno newline");
        {
            Folder f = open_ok(dir / "box");
            f.at(1).state.read = true;
            f.at(3).state.read = true;
            QuitOptions o;
            o.mbox_path = dir / "mbox";
            o.append = true;
            quit_ok(f, o);
        }
        std::string six_text = six(false);
        CHECK(read_file(dir / "mbox") ==
              "From old@x  Sun May 12 07:00:00 2024\nSubject: old\n\nno newline\n\n"
              "From u1@x  Sun May 12 08:01:00 2024\nFrom: u1@x\nSubject: s1\nStatus: RO\n\nbody 1\n\n"
              "From u3@x  Sun May 12 08:03:00 2024\nFrom: u3@x\nSubject: s3\nStatus: RO\n\nbody 3\n\n");
        // Prepend to a missing MBOX creates it (0600).
        {
            Folder f = open_ok(dir / "box");
            REQUIRE(f.count() == 4);
            f.at(4).state.read = true;
            QuitOptions o;
            o.mbox_path = dir / "new-mbox";
            quit_ok(f, o);
        }
        CHECK(read_file(dir / "new-mbox") ==
              "From u6@x  Sun May 12 08:06:00 2024\nFrom: u6@x\nSubject: s6\nStatus: RO\n\nbody 6\n\n");
        struct stat st {};
        REQUIRE(stat((dir / "new-mbox").c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
    }

    TEST_CASE("quit: prepending keeps MBOX's mode and a symlink to it") {
        TempDir dir;
        write_file(dir / "box", msg("a@x", "Subject: a\n", "a\n\n"));
        write_file(dir / "real-mbox", k_old_mbox);
        chmod((dir / "real-mbox").c_str(), 0640);
        REQUIRE(symlink("real-mbox", (dir / "mbox").c_str()) == 0);
        Folder f = open_ok(dir / "box");
        f.at(1).state.read = true;
        QuitOptions o;
        o.mbox_path = dir / "mbox";
        quit_ok(f, o);
        struct stat st {};
        REQUIRE(lstat((dir / "mbox").c_str(), &st) == 0);
        CHECK(S_ISLNK(st.st_mode));
        REQUIRE(stat((dir / "real-mbox").c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0640);
        CHECK(read_file(dir / "real-mbox") == msg("a@x", "Subject: a\nStatus: RO\n", "a\n\n") + k_old_mbox);
        CHECK(read_file(dir / "box") == "");
        CHECK(exists(dir / "box"));  // truncated, never removed
    }

    TEST_CASE("quit with no changes writes nothing") {
        TempDir dir;
        const std::string text = six(true);
        write_file(dir / "box", text);
        const time_t now = time(nullptr);
        struct timespec old_times[2] = {{now - 50, 0}, {now - 100, 0}};
        REQUIRE(utimensat(AT_FDCWD, (dir / "box").c_str(), old_times, 0) == 0);
        Folder f = open_ok(dir / "box");
        f.at(2).state.preserved = true;
        QuitOptions o;
        o.mbox_path = dir / "mbox";
        CHECK_FALSE(f.changed(o));
        QuitReport r = quit_ok(f, o);
        CHECK(r.held == 6);
        CHECK_FALSE(r.rewritten);
        CHECK_FALSE(exists(dir / "mbox"));
        struct stat st {};
        REQUIRE(stat((dir / "box").c_str(), &st) == 0);
        CHECK(st.st_mtim.tv_sec == now - 100);
        CHECK(st.st_atim.tv_sec <= time(nullptr));  // not set ahead by a rewrite (reading may update it)
        CHECK(read_file(dir / "box") == text);
        // New messages with no Status: are a change (they get Status: O).
        write_file(dir / "box2", six(false));
        Folder g = open_ok(dir / "box2");
        CHECK(g.changed(o));
    }

    TEST_CASE("quit keeps mail that arrived during the session") {
        TempDir dir;
        write_file(dir / "box", six(false));
        Folder f = open_ok(dir / "box");
        f.at(1).state.read = true;
        f.at(2).state.deleted = true;
        const std::string arrived = msg("new@x", "Subject: new\n", "fresh\n\n");
        append_file(dir / "box", arrived);
        CHECK(f.grown());
        QuitOptions o;
        o.mbox_path = dir / "mbox";
        QuitReport r = quit_ok(f, o);
        CHECK(r.new_mail);
        CHECK(r.held == 4);
        CHECK(r.to_mbox == 1);
        std::string want;
        for (int i = 3; i <= 6; ++i) {
            std::string n = std::to_string(i);
            want += "From u" + n + "@x  Sun May 12 08:0" + n + ":00 2024\nFrom: u" + n + "@x\nSubject: s" +
                    n + "\nStatus: O\n\nbody " + n + "\n\n";
        }
        CHECK(read_file(dir / "box") == want + arrived);
    }

    TEST_CASE("quit: new mail after a last message without separator") {
        // mail.local writes the missing "\n" before its From_ line.
        TempDir dir;
        write_file(dir / "box",
                   msg("a@x", "Subject: a\n", "a\n\n") + msg("b@x", "Subject: b\n", "no separator"));
        Folder f = open_ok(dir / "box");
        f.at(2).state.deleted = true;
        append_file(dir / "box", "\n\n" + msg("n@x", "Subject: n\n", "n\n\n"));
        QuitOptions o;
        o.mbox_path = dir / "mbox";
        QuitReport r = quit_ok(f, o);
        CHECK(r.new_mail);
        CHECK(read_file(dir / "box") ==
              msg("a@x", "Subject: a\nStatus: O\n", "a\n\n") + "\n\n" + msg("n@x", "Subject: n\n", "n\n\n"));
    }

    TEST_CASE("quit: a message still being written at open stays as it is") {
        TempDir dir;
        const std::string done = msg("a@x", "Subject: a\n", "a\n\n");
        const std::string partial = "From b@x  Sun May 12 08:00:00 2024\nSubject: b\n\nfirst half ";
        write_file(dir / "box", done + partial);
        Folder f = open_ok(dir / "box");
        REQUIRE(f.count() == 2);
        f.at(1).state.read = true;
        f.at(2).state.deleted = true;  // the user saw half of it
        append_file(dir / "box", "second half\n\n" + msg("c@x", "Subject: c\n", "c\n\n"));
        QuitOptions o;
        o.mbox_path = dir / "mbox";
        QuitReport r = quit_ok(f, o);
        CHECK(r.to_mbox == 1);
        CHECK(r.held == 1);
        CHECK(read_file(dir / "box") == partial + "second half\n\n" + msg("c@x", "Subject: c\n", "c\n\n"));
        CHECK(read_file(dir / "mbox") == msg("a@x", "Subject: a\nStatus: RO\n", "a\n\n"));
    }

    TEST_CASE("quit refuses a file rewritten by someone else") {
        struct Row {
            const char* what;
            int how;  // 0 shrink, 1 same size other start, 2 replaced, 3 a From_ moved
        };
        const Row rows[] = {
            {"shrank", 0}, {"start changed", 1}, {"replaced by rename", 2}, {"From_ moved", 3}};
        for (const Row& row : rows) {
            CAPTURE(row.what);
            TempDir dir;
            const std::string text = six(false);
            write_file(dir / "box", text);
            write_file(dir / "mbox", k_old_mbox);
            Folder f = open_ok(dir / "box");
            f.at(1).state.read = true;
            f.at(2).state.deleted = true;
            std::string other;
            if (row.how == 0) {
                other = text.substr(text.find("From u2"));
                REQUIRE(truncate((dir / "box").c_str(), 0) == 0);
                append_file(dir / "box", other);
            } else if (row.how == 1) {
                other = text;
                other[5] = 'X';
                int fd = ::open((dir / "box").c_str(), O_WRONLY);
                REQUIRE(fd >= 0);
                REQUIRE(pwrite(fd, other.data(), other.size(), 0) == static_cast<ssize_t>(other.size()));
                close(fd);
            } else if (row.how == 2) {
                other = text + msg("z@x", "Subject: z\n", "z\n\n");
                write_file(dir / "box.new", other);
                REQUIRE(rename((dir / "box.new").c_str(), (dir / "box").c_str()) == 0);
            } else {
                // Someone else dropped message 2 and more mail came: bigger,
                // same start, but message 3 is no longer where it was.
                std::string m2 = "From u2@x  Sun May 12 08:02:00 2024\nFrom: u2@x\nSubject: s2\n\nbody 2\n\n";
                other = text;
                other.erase(other.find(m2), m2.size());
                other +=
                    msg("z@x", "Subject: zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\n",
                        "z\n\n");
                REQUIRE(other.size() > text.size());
                int fd = ::open((dir / "box").c_str(), O_WRONLY);
                REQUIRE(fd >= 0);
                REQUIRE(pwrite(fd, other.data(), other.size(), 0) == static_cast<ssize_t>(other.size()));
                close(fd);
            }
            QuitOptions o;
            o.mbox_path = dir / "mbox";
            auto r = f.quit(o);
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().exit_code == EX_TEMPFAIL);
            CHECK(read_file(dir / "box") == other);
            CHECK(read_file(dir / "mbox") == k_old_mbox);
            CHECK_FALSE(exists(dir / "box.lock"));
        }
    }

    TEST_CASE("quit: MBOX problems leave the mailbox untouched") {
        struct Row {
            const char* what;
            std::string mbox;  // relative to the temp dir; "" none; "=" the mailbox itself
            bool append;
            int code;
        };
        const Row rows[] = {
            {"no MBOX", "", false, EX_USAGE},
            {"MBOX is the mailbox", "=", false, EX_USAGE},
            {"MBOX is a directory, append", "d", true, EX_CANTCREAT},
            {"MBOX in a missing directory", "no/such/mbox", false, EX_CANTCREAT},
        };
        for (const Row& row : rows) {
            CAPTURE(row.what);
            TempDir dir;
            mkdir((dir / "d").c_str(), 0700);
            write_file(dir / "box", six(false));
            Folder f = open_ok(dir / "box");
            f.at(1).state.read = true;
            QuitOptions o;
            o.mbox_path = row.mbox.empty() ? "" : row.mbox == "=" ? dir / "box" : dir / row.mbox;
            o.append = row.append;
            auto r = f.quit(o);
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().exit_code == row.code);
            CHECK(read_file(dir / "box") == six(false));
            CHECK_FALSE(exists(dir / "box.lock"));
        }
    }

    TEST_CASE("quit waits for the mailbox lock and gives up with EX_TEMPFAIL") {
        TempDir dir;
        write_file(dir / "box", six(false));
        write_file(dir / "box.lock", "1\n");  // pid 1 is alive: not stale
        Folder f = open_ok(dir / "box");
        f.at(1).state.deleted = true;
        QuitOptions o;
        o.mbox_path = dir / "mbox";
        o.lock.max_wait = std::chrono::milliseconds(50);
        auto r = f.quit(o);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().exit_code == EX_TEMPFAIL);
        CHECK(read_file(dir / "box") == six(false));
    }

    TEST_CASE("quit, -f file: the bsd-mailx experiment") {
        // bsd-mailx -f: `p 1`, `s 2 saved`, `d 3`, `mb 5`, `pre 6` (refused:
        // "Cannot "preserve" in edit mode"), `q` gave '"fbox" complete' and
        // this file: saved and mboxed messages stay.
        TempDir dir;
        write_file(dir / "fbox", six(false));
        Folder f = open_ok(dir / "fbox", FolderKind::File);
        f.at(1).state.read = true;
        f.at(2).state.read = true;
        f.at(2).state.saved = true;
        f.at(3).state.deleted = true;
        f.at(5).state.mboxed = true;
        QuitOptions o;
        o.mbox_path = dir / "mbox";
        QuitReport r = quit_ok(f, o);
        CHECK(r.rewritten);
        CHECK(r.to_mbox == 0);
        CHECK(r.held == 5);
        CHECK_FALSE(exists(dir / "mbox"));
        std::string want;
        const char* status[] = {"RO", "RO", "", "O", "O", "O"};
        for (int i = 1; i <= 6; ++i) {
            if (i == 3) continue;
            std::string n = std::to_string(i);
            want += "From u" + n + "@x  Sun May 12 08:0" + n + ":00 2024\nFrom: u" + n + "@x\nSubject: s" +
                    n + "\nStatus: " + status[i - 1] + "\n\nbody " + n + "\n\n";
        }
        CHECK(read_file(dir / "fbox") == want);
    }

    TEST_CASE("quit, -f file emptied: truncated with keep, removed without") {
        for (bool keep : {true, false}) {
            CAPTURE(keep);
            TempDir dir;
            write_file(dir / "fbox", six(true));
            Folder f = open_ok(dir / "fbox", FolderKind::File);
            for (std::size_t i = 1; i <= f.count(); ++i) f.at(i).state.deleted = true;
            QuitOptions o;
            o.keep = keep;
            QuitReport r = quit_ok(f, o);
            CHECK(r.removed == !keep);
            CHECK(exists(dir / "fbox") == keep);
        }
        // A system mailbox is never removed.
        TempDir dir;
        write_file(dir / "box", six(true));
        Folder f = open_ok(dir / "box");
        for (std::size_t i = 1; i <= f.count(); ++i) f.at(i).state.deleted = true;
        QuitOptions o;
        o.keep = false;
        QuitReport r = quit_ok(f, o);
        CHECK_FALSE(r.removed);
        CHECK(exists(dir / "box"));
        CHECK(read_file(dir / "box") == "");
    }

    TEST_CASE("quit keeps damaged bytes: preamble, NUL, CRLF, huge line") {
        TempDir dir;
        const std::string preamble = "junk before\nany From_ line\n\n";
        const std::string nul =
            std::string("From a@x  Sun May 12 08:00:00 2024\nSubject: n\n\nb") + '\0' + "dy\n\n";
        const std::string crlf = "From c@x  Sun May 12 08:00:00 2024\r\nSubject: c\r\n\r\nbody\r\n\r\n";
        const std::string huge =
            "From h@x  Sun May 12 08:00:00 2024\nSubject: h\n\n" + std::string(1 << 20, 'h') + "\n\n";
        const std::string hdr_only = "From e@x  Sun May 12 08:00:00 2024\nSubject: e";
        write_file(dir / "box", preamble + nul + crlf + huge + hdr_only);
        Folder f = open_ok(dir / "box");
        REQUIRE(f.count() == 4);
        CHECK(f.warnings().size() == 2);
        f.at(1).state.deleted = true;
        QuitOptions o;
        o.mbox_path = dir / "mbox";
        quit_ok(f, o);
        CHECK(read_file(dir / "box") ==
              preamble + "From c@x  Sun May 12 08:00:00 2024\r\nSubject: c\r\nStatus: O\r\n\r\nbody\r\n\r\n" +
                  "From h@x  Sun May 12 08:00:00 2024\nSubject: h\nStatus: O\n\n" +
                  std::string(1 << 20, 'h') + "\n\n" + hdr_only + "\nStatus: O\n");
        // And back again: the preamble is never a message.
        Folder g = open_ok(dir / "box");
        CHECK(g.count() == 3);
        CHECK_FALSE(g.changed(o));
    }

    TEST_CASE("quit rewrites in place correctly when the output runs ahead") {
        // Many new messages each get "Status: O\n": the output grows by
        // 10 bytes per message and must never overwrite unread input.
        TempDir dir;
        std::string text, want;
        for (int i = 0; i < 30000; ++i) {
            std::string head = "From u" + std::to_string(i) +
                               "@x  Sun May 12 08:00:00 2024\nSubject: " + std::to_string(i * 7919) + "\n";
            std::string body = "\nbody " + std::string(static_cast<std::size_t>(i % 97), 'b') + "\n\n";
            text += head + body;
            if (i % 1000 == 999) continue;  // deleted
            want += head + "Status: O\n" + body;
        }
        write_file(dir / "box", text);
        Folder f = open_ok(dir / "box");
        REQUIRE(f.count() == 30000);
        for (std::size_t i = 1000; i <= 30000; i += 1000) f.at(i).state.deleted = true;
        QuitOptions o;
        o.mbox_path = dir / "mbox";
        quit_ok(f, o);
        CHECK(read_file(dir / "box") == want);
    }

    TEST_CASE("append_to: save, copy and write") {
        TempDir dir;
        const std::string m1 = msg("a@x", "Subject: a\nStatus: O\n", "From me\n>From you\nline\n\n");
        const std::string m2 = msg("b@x", "Subject: b\n", "b body\n\n");
        const std::string m3 = msg("c@x", "Subject: c\n", "nonl");
        write_file(dir / "box", m1 + m2 + m3);
        Folder f = open_ok(dir / "box");
        f.at(2).state.read = true;
        auto r = f.append_to(dir / "saved", {1, 2, 3}, true);
        REQUIRE(r.ok());
        CHECK(r->created);
        // bsd-mailx `c 2 c1` on a new message: "Status: R"; we also quote
        // "From " lines and end every entry with an empty line.
        const std::string want = msg("a@x", "Subject: a\nStatus: O\n", ">From me\n>From you\nline\n\n") +
                                 msg("b@x", "Subject: b\nStatus: R\n", "b body\n\n") +
                                 msg("c@x", "Subject: c\n", "nonl\n\n");
        CHECK(read_file(dir / "saved") == want);
        CHECK(r->bytes == want.size());
        CHECK(r->lines == 19);
        CHECK_FALSE(exists(dir / "saved.lock"));
        // Appending to a file that lacks its separator.
        write_file(dir / "other", "From z@x  Sun May 12 08:00:00 2024\n\nz");
        auto r2 = f.append_to(dir / "other", {2}, true);
        REQUIRE(r2.ok());
        CHECK_FALSE(r2->created);
        CHECK(read_file(dir / "other") == "From z@x  Sun May 12 08:00:00 2024\n\nz\n\n" +
                                              msg("b@x", "Subject: b\nStatus: R\n", "b body\n\n"));
        // bsd-mailx `w 1 w1`, `w 3 w1`: bodies without the separator.
        auto w = f.append_to(dir / "w1", {2, 3}, false);
        REQUIRE(w.ok());
        CHECK(read_file(dir / "w1") == "b body\nnonl");
        CHECK(w->bytes == 11);
        CHECK(w->lines == 2);
        auto bad = f.append_to(dir / "x", {4}, true);
        REQUIRE_FALSE(bad.ok());
        CHECK_FALSE(exists(dir / "x"));
        auto nodir = f.append_to(dir / "no/such/dir", {1}, true);
        REQUIRE_FALSE(nodir.ok());
        CHECK(nodir.error().exit_code == EX_CANTCREAT);
    }

    TEST_CASE("incorporate: new mail during the session") {
        TempDir dir;
        write_file(dir / "box",
                   msg("a@x", "Subject: a\n", "a\n\n") + "From b@x  Sun May 12 08:00:00 2024\nSubj");
        Folder f = open_ok(dir / "box");
        REQUIRE(f.count() == 2);
        f.at(2).state.read = true;
        CHECK(f.at(2).lines == 2);
        auto none = f.incorporate();
        REQUIRE(none.ok());
        CHECK(*none == 0);
        append_file(dir / "box", "ect: b\nStatus: O\n\nb\n\n" + msg("c@x", "Subject: c\n", "c\n\n") +
                                     msg("d@x", "Subject: d\n", "d\n\n"));
        auto n = f.incorporate();
        REQUIRE(n.ok());
        CHECK(*n == 2);
        REQUIRE(f.count() == 4);
        CHECK(f.header(2, "Subject") == "b");
        CHECK(f.at(2).lines == 6);
        CHECK(f.at(2).state.read);
        CHECK(f.at(2).state.seen_before);
        CHECK(f.header(4, "subject") == "d");
        CHECK_FALSE(f.grown());
        // A system mailbox that did not exist at open.
        Folder g = open_ok(dir / "later");
        write_file(dir / "later", msg("a@x", "Subject: a\n", "a\n\n"));
        auto m = g.incorporate();
        REQUIRE(m.ok());
        CHECK(*m == 1);
        // Someone else rewrote the file: an error, nothing indexed.
        write_file(dir / "box", msg("z@x", "Subject: z\n", std::string(500, 'z') + "\n\n"));
        auto bad = f.incorporate();
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().exit_code == EX_TEMPFAIL);
    }

    TEST_CASE("hostile bytes never crash the index") {
        TempDir dir;
        std::string junk;
        unsigned seed = 12345;
        const char alphabet[] = {'F', 'r', 'o', 'm', ' ', '\n', '\r', '\0', 'S', ':', 'x', '\t'};
        for (int i = 0; i < 200000; ++i) {
            seed = seed * 1103515245 + 12345;
            junk += alphabet[(seed >> 16) % sizeof alphabet];
        }
        write_file(dir / "box", junk);
        Folder f = open_ok(dir / "box");
        std::size_t total = 0;
        for (std::size_t i = 1; i <= f.count(); ++i) {
            total += f.at(i).size;
            CHECK(f.at(i).header_size <= f.at(i).size);
            (void)f.header(i, "Subject");
            (void)f.body(i);
        }
        std::size_t start = f.count() ? f.at(1).offset : junk.size();
        CHECK(start + total == junk.size());
        for (std::size_t i = 1; i <= f.count(); i += 2) f.at(i).state.deleted = true;
        QuitOptions o;
        o.mbox_path = dir / "mbox";
        auto r = f.quit(o);
        REQUIRE(r.ok());
    }

    TEST_CASE("50,000 messages open fast in little memory") {
        static_assert(sizeof(Message) <= 64, "per-message memory");
        TempDir dir;
        std::string text;
        text.reserve(50000 * 420);
        for (int i = 0; i < 50000; ++i) {
            text += "From u" + std::to_string(i) + "@example.org  Sun May 12 08:00:00 2024\n";
            text += "Return-Path: <u@example.org>\nFrom: u@example.org\nTo: me@example.org\n";
            text += "Subject: message " + std::to_string(i) + "\n";
            if (i % 3 == 0) text += "Status: RO\n";
            text += "\n" + std::string(300, 'b') + "\n>From here\n\n";
        }
        write_file(dir / "big", text);
        auto t0 = std::chrono::steady_clock::now();
        Folder f = open_ok(dir / "big");
        auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
        CHECK(f.count() == 50000);
        INFO("open of 50,000 messages (", text.size(), " bytes): ", ms.count(), " ms");
        CHECK(ms.count() < 1000);  // generous: a shared 2-core machine
    }
}
