// pmregex_probe — test-only driver for tests/filters/test_procmail_regex.py:
// runs mail::procmail::Regex on probes read from stdin and prints one result
// line per probe.  Not installed.
//
// Input, one probe per line, fields separated by one space, byte strings in
// hex (empty string: "-"):
//   s FLAGS PATTERN AREA    search: prints "Y <MATCH or ~>" or "N"
//   c FLAGS PATTERN AREA    scoring: prints "C <matches> <last-empty 0/1> <MATCH or ~>"
// FLAGS: "D" for case-sensitive, "Q" when the condition line quoted the
// pattern's first character with a backslash, "-" for neither.  A compile warning adds
// " W"; a resource limit adds " L"; a pattern procmail can spin on adds " S".  Every search is also done by the
// automaton alone; a disagreement prints "DISAGREE" (a bug).
//
// SECURITY: test tool; reads only stdin.
#include <cstdio>
#include <iostream>
#include <string>

#include "filters/procmail/regex.h"

namespace {

std::string unhex(const std::string& h) {
    if (h == "-") return {};
    std::string out;
    for (size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
    return out;
}

std::string hex(const std::string& s) {
    if (s.empty()) return "-";
    static const char d[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        out += d[c >> 4];
        out += d[c & 15];
    }
    return out;
}

}  // namespace

int main() {
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty()) continue;
        char mode = line[0];
        size_t a = line.find(' ', 2), b = line.find(' ', a + 1);
        std::string flags = line.substr(2, a - 2);
        std::string pat = unhex(line.substr(a + 1, b - a - 1));
        std::string area = unhex(line.substr(b + 1));
        auto re = mail::procmail::Regex::compile(pat, flags.find('D') != std::string::npos,
                                                 flags.find('Q') != std::string::npos);
        if (!re) {
            std::cout << "E " << re.error().message << "\n";
            continue;
        }
        bool gave_up = false;
        std::string out;
        if (mode == 's') {
            std::string match = "\x01unset";
            bool m = re->search(area, &match, &gave_up);
            std::string m2 = "\x01unset";
            bool g2 = false;
            bool ma = re->search_automaton(area, &m2, &g2);
            out = m ? "Y " + (match == "\x01unset" ? std::string("~") : hex(match)) : "N";
            if (!gave_up && !g2 && (m != ma || (m && match != m2))) out += " DISAGREE";
        } else {
            std::string match = "\x01unset";
            bool last_empty = false;
            long n = re->for_each_match(
                area,
                [&](bool empty) {
                    last_empty = empty;
                    return true;
                },
                &match, &gave_up);
            out = "C " + std::to_string(n) + " " + (last_empty ? "1" : "0") + " " +
                  (match == "\x01unset" ? std::string("~") : hex(match));
        }
        if (!re->warning().empty()) out += " W";
        if (gave_up) out += " L";
        if (re->procmail_spins()) out += " S";
        std::cout << out << "\n";
    }
    return 0;
}
