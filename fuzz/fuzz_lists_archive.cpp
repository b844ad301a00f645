// fuzz_lists_archive.cpp — the list archive's readers of hostile posts: the
// HTML pages (threading, text extraction, escaping) and both digest forms.
// Checks: no crash, no unescaped markup from the message in the pages.
#include "lists/archive/archive.h"

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace mail::lists::archive;
    std::string msg(reinterpret_cast<const char*>(data), size);
    // Two posts: the input, and a reply to it carrying the input's first line as subject.
    std::vector<PostMeta> posts(2);
    posts[0].seq = 1;
    posts[0].message_id = "<a@x>";
    posts[0].date = 1'800'000'000;
    posts[0].subject = msg.substr(0, msg.find('\n'));
    posts[0].from_name = msg.substr(0, 40);
    posts[0].from_address = "a@x.org";
    posts[1].seq = 2;
    posts[1].message_id = msg.substr(0, 60);
    posts[1].in_reply_to = "<a@x>";
    posts[1].references = {msg.substr(0, 30), "<a@x>"};
    posts[1].date = 1'800'000'100;
    posts[1].subject = "Re: " + posts[0].subject;
    static std::string dir = [] {
        char tmpl[] = "/tmp/fuzz-lists-archive-XXXXXX";
        return std::string(mkdtemp(tmpl));
    }();
    ListInfo info{"team", "team@x.org", msg.substr(0, 20)};
    (void)render_html(info, posts, [&](long) -> mail::Result<std::string> { return msg; }, dir);
    for (const char* page : {"/2027-01/000001.html", "/2027-01/000002.html", "/2027-01/index.html"}) {
        std::ifstream in(dir + page);
        std::stringstream ss;
        ss << in.rdbuf();
        if (ss.str().find("<script") != std::string::npos) std::abort();
    }
    DigestInfo d{"team", "team@x.org", "team-request@x.org", "team-owner@x.org", "x.org", 1, 1, 1'800'000'000};
    (void)mime_digest(d, {msg, msg});
    (void)rfc1153_digest(d, {msg});
    return 0;
}
