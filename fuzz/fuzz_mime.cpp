// fuzz_mime.cpp — libFuzzer target for libmail/mime.
//
// The data is parsed as a message (with the default limits and with small
// ones); every part's views must lie inside the input, and decoded_text,
// decoded_body, decode_header (on the part's fields) and safe_filename run
// on every part.  The data is also used as text for the encoders, whose
// output must decode back: base64, quoted-printable, RFC 2047 headers, and a
// multipart message built from it and parsed again.
#include "libmail/mime/mime.h"
#include "libmail/util/strings.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace mail::mime;

void check(bool ok) {
    if (!ok) std::abort();
}

bool within(std::string_view inner, std::string_view outer) {
    return inner.empty() ||
           (inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size());
}

std::string without_cr(std::string_view s) {
    std::string out;
    for (char c : s)
        if (c != '\r') out += c;
    return out;
}

void walk(const Part& root, std::string_view message, const ParseLimits& limits) {
    std::vector<const Part*> stack{&root};
    size_t count = 0;
    while (!stack.empty()) {
        const Part* p = stack.back();
        stack.pop_back();
        ++count;
        check(within(p->header, message) && within(p->body, message));
        check(p->depth <= limits.max_depth);
        if (auto text = decoded_text(*p)) check(is_valid_utf8(*text));
        (void)decoded_body(*p);
        check(is_valid_utf8(p->filename));
        std::string safe = safe_filename(p->filename);
        check(safe.find('/') == std::string::npos && (safe.empty() || safe[0] != '.'));
        for (const char* name : {"Subject", "From", "Content-Description"})
            if (auto v = find_field(p->header, name)) {
                std::string d = decode_header(*v);
                check(is_valid_utf8(d) && d.find('\n') == std::string::npos);
            }
        for (const Part& c : p->children) stack.push_back(&c);
    }
    check(count <= limits.max_parts);
}

void round_trips(std::string_view in) {
    check(decode_base64(encode_base64(in)) == in);
    std::string qp = encode_quoted_printable(in);
    check(without_cr(decode_quoted_printable(qp)) == without_cr(in));

    std::string header = encode_header(in, in.size() % 40);
    check(is_ascii(header));
    // Decoding gives the text back, on one line and made printable.
    std::string flat = repair_utf8(in);
    for (char& c : flat)
        if (c == '\r' || c == '\n') c = ' ';
    std::string want = printable(std::string(mail::trim(flat)), true);
    check(decode_header(header) == want);
    (void)encode_phrase(in);

    // A message built from the data parses back to the same text and bytes.
    size_t half = in.size() / 2;
    std::string_view text = in.substr(0, half);
    std::vector<Attachment> att = {{std::string(in.substr(half, 20)), std::string(in.substr(half)), ""}};
    MimeBody m = build_message(text, att, "=_fuzz");
    std::string whole = m.headers.serialize() + "\n" + m.body;
    Part p = parse(whole);
    size_t first = text.empty() ? 0 : 1;
    check(p.children.size() == first + 1);
    if (!text.empty()) check(without_cr(decoded_text(p.children[0]).value_or("?")) == without_cr(repair_utf8(text)));
    check(decoded_body(p.children[first]) == att[0].content);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    ParseLimits defaults;
    walk(parse(in, defaults), in, defaults);
    ParseLimits small;
    small.max_depth = 3;
    small.max_parts = 20;
    walk(parse(in, small), in, small);
    (void)decode_header(in);
    (void)parse_content_type(in);
    (void)parse_content_disposition(in);
    (void)to_utf8(in, "iso-2022-jp");
    (void)from_utf8(in, "iso-8859-1");
    round_trips(in);
    return 0;
}
