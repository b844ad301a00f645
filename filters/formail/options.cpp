// options.cpp — see options.h.
#include "filters/formail/options.h"

#include <cerrno>
#include <cstdlib>

#include <sysexits.h>

namespace mail::filters::formail {

const char* const k_usage =
    "Usage: formail [-vbczfrktqY] [-D nnn idcache] [-p prefix] [-l folder]\n"
    "\t[-xXaAiIuU field] [-R ofield nfield]\n"
    "   Or: formail [+nnn] [-nnn] [-bczfrktedqBY] [-D nnn idcache] [-p prefix]\n"
    "\t[-n [nnn]] [-m nnn] [-l folder] [-xXaAiIuU field] [-R ofield nfield]\n"
    "\t-s [prg [arg ...]]\n";

namespace {

const char* const k_help =
    " -v\t\tshow the version and exit\n"
    " -b\t\tdo not escape bogus \"From \" lines\n"
    " -Y\t\tBerkeley mailbox: ignore Content-Length:\n"
    " -c\t\tjoin continued header fields\n"
    " -z\t\tspace after the colon; drop empty fields\n"
    " -f\t\tpass any format along, no From_ line\n"
    " -r\t\treply header; keep fields with -i\n"
    " -k\t\tkeep the body (-r: quoted; -b: as it is)\n"
    " -t\t\treply to the header sender, not the envelope sender\n"
    " -l folder\tprint a procmail log abstract\n"
    " -D nnn idcache\tduplicate detection, cache of about nnn bytes\n"
    " -s prg arg\tsplit the input, run prg for each message\n"
    " +nnn\t\tskip the first nnn\t-nnn\tat most nnn messages\n"
    " -n [nnn]\trun the programs in parallel\t-e\tno empty line needed\n"
    " -d\t\tdigest format\t\t-B\tBABYL rmail format\n"
    " -q\t\tquiet (default; -q- to talk)\t-p prefix\tquotation prefix\n"
    " -m nnn \theader fields needed to start a message (2)\n"
    " -x field\textract the contents\t-X field\textract the field\n"
    " -a field\tadd if not present\t-A field\tadd always\n"
    " -i field\trename old ones, add\t-I field\tdelete old ones, add\n"
    " -u field\tkeep the first\t\t-U field\tkeep the last\n"
    " -R oldfield newfield\trename\n";

const char* const k_version = "formail v3.23pre 2001/09/13 (compatible; mailroom)\n";

constexpr size_t k_max_log_folder = 61;  // what formail -l keeps (observed)

std::string detab(std::string s) {
    for (char& c : s)
        if (c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') c = ' ';
    return s;
}

// A cursor over argv the way formail walks it: a word, and a position in it.
struct Cursor {
    const std::vector<std::string>& args;
    size_t word = 0;
    size_t pos = 0;

    bool at_end() const { return word >= args.size(); }
    const std::string& cur() const { return args[word]; }
    char peek() const { return pos < cur().size() ? cur()[pos] : '\0'; }
    // formail's Qnext_arg(): the rest of this word, or the next word.
    bool next_arg() {
        if (peek() != '\0') return true;
        ++word;
        pos = 0;
        return !at_end();
    }
    std::string rest() const { return cur().substr(pos); }
};

ParsedArgs fail(ParsedArgs p, std::string message = {}) {
    p.exit = EX_USAGE;
    p.message = std::move(message) + k_usage;
    return p;
}

ParsedArgs invalid_field(ParsedArgs p, const std::string& name) {
    return fail(std::move(p), "formail: Invalid field-name: \"" + name + "\"\n");
}

}  // namespace

ParsedArgs parse_args(const std::vector<std::string>& args) {
    ParsedArgs p;
    Options& o = p.options;
    Cursor c{args};
    for (; !c.at_end(); ++c.word) {
        c.pos = 0;
        char lead = c.peek();
        char letter = 0;
        bool number_now = false;
        ++c.pos;
        if (lead == '+') {
            letter = '+';
            number_now = true;
        } else if (lead != '-') {
            return fail(std::move(p));
        }
        bool next_word = false;
        while (!next_word) {
            if (!number_now) letter = c.peek(), ++c.pos;
            bool number = number_now;
            number_now = false;
            switch (number ? '\x01' : letter) {
                case 't': o.trust_header = true; continue;
                case 'r': o.reply = true; continue;
                case 'f': o.force = true; continue;
                case 'e': o.every = true; continue;
                case 'B':
                    o.babyl = o.every = o.digest = true;
                    continue;
                case 'd': o.digest = true; continue;
                case 'n': {
                    o.nowait = true;
                    if (!c.next_arg()) return fail(std::move(p));
                    const char* s = c.cur().c_str() + c.pos;
                    char* end = nullptr;
                    o.child_limit = static_cast<int>(std::strtol(s, &end, 10));
                    c.pos += static_cast<size_t>(end - s);
                    continue;
                }
                case 'k': o.keep_body = true; continue;
                case 'c': o.concatenate = true; continue;
                case 'z': o.zap = true; continue;
                case 'q':
                    o.quiet = true;
                    if (c.peek() == '-') ++c.pos, o.quiet = false;
                    continue;
                case 'l': {
                    if (!c.next_arg()) return fail(std::move(p));
                    std::string folder = c.rest();
                    if (folder.size() > k_max_log_folder) folder.resize(k_max_log_folder);
                    o.log_folder = detab(folder);
                    next_word = true;
                    break;
                }
                case 's':
                    o.split = true;
                    if (c.peek() != '\0') return fail(std::move(p));
                    o.program.assign(args.begin() + static_cast<std::ptrdiff_t>(c.word) + 1, args.end());
                    return p;
                case 'h':
                case '?':
                    p.exit = EX_USAGE;
                    p.message = std::string(k_usage) + k_help;
                    return p;
                case 'b': o.escape = false; continue;
                case 'Y': o.berkeley = true; continue;
                case 'p':
                    if (!c.next_arg()) return fail(std::move(p));
                    o.prefix = c.rest();
                    next_word = true;
                    break;
                case 'v':
                    p.exit = EX_USAGE;
                    p.message = k_version;
                    return p;
                case 'a':
                case 'A':
                case 'i':
                case 'I':
                case 'x':
                case 'X':
                case 'u':
                case 'U':
                case 'R': {
                    if (!c.next_arg()) return fail(std::move(p));
                    std::string value = c.rest();
                    int n = break_field(value);
                    int len = static_cast<int>(value.size());
                    if (letter == 'a') {
                        if (n <= 0) {
                            if (n != -7 || len != 7 || !iequal_prefix(value, "Resent-", 7))
                                return invalid_field(std::move(p), value);
                            o.resent = true;  // only a modifier of -r -t, not a field to add
                            next_word = true;
                            break;
                        }
                    } else if (letter == 'A') {
                        if (n <= 0) return invalid_field(std::move(p), value);
                    } else if (letter != 'R') {
                        if (-n != len && n <= 0) return invalid_field(std::move(p), value);
                    }
                    Pattern pat;
                    pat.field = make_field(value + "\n");
                    if (letter == 'R') {
                        // The new name: in the same word after blanks, or the next word.
                        Field& f = pat.field;
                        size_t end = f.text.size();
                        size_t at = f.id_len;
                        while (at < end && (f.text[at] == ' ' || f.text[at] == '\t' || f.text[at] == '\n')) ++at;
                        int first = n;
                        int m = break_field(std::string_view(f.text).substr(at, end - at));
                        std::string new_name;
                        if (m < 0) {
                            if (first > 0) return invalid_field(std::move(p), f.text.substr(at));
                            m = -m;
                        }
                        if (m != 0) {
                            new_name = f.text.substr(at, static_cast<size_t>(m));
                        } else {
                            if (at < end) return invalid_field(std::move(p), f.text.substr(at));
                            ++c.word;
                            if (c.at_end()) return invalid_field(std::move(p), "");
                            const std::string& next = c.cur();
                            m = break_field(next);
                            if (m == 0 && !next.empty()) return invalid_field(std::move(p), next);
                            if (m <= 0) {
                                m = -m;
                                if (first > 0) return invalid_field(std::move(p), next);
                            }
                            new_name = next.substr(0, static_cast<size_t>(m));
                        }
                        f.text = f.text.substr(0, f.id_len) + new_name;
                    }
                    PatternList* list = letter == 'i'   ? &o.rename_insert
                                        : letter == 'I' ? &o.delete_insert
                                        : letter == 'a' ? &o.add_if_not
                                        : letter == 'A' ? &o.add_always
                                        : letter == 'x' ? &o.extract
                                        : letter == 'u' ? &o.first_unique
                                        : letter == 'U' ? &o.last_unique
                                        : letter == 'X' ? &o.extract_keep
                                                        : &o.rename;
                    list->push_back(std::move(pat));
                    next_word = true;
                    break;
                }
                case '\0':
                    next_word = true;
                    break;
                case 'D':
                case 'm':
                    if (!c.next_arg()) return fail(std::move(p));
                    [[fallthrough]];
                default: {
                    // A number: +skip, -total, -D's length, -m's count.
                    if (!number && letter != 'D' && letter != 'm') --c.pos;
                    char d = c.peek();
                    if (d < '0' || d > '9') return fail(std::move(p));
                    const char* s = c.cur().c_str() + c.pos;
                    char* end = nullptr;
                    long v = std::strtol(s, &end, 10);
                    c.pos += static_cast<size_t>(end - s);
                    int i = static_cast<int>(v);
                    if (letter == '+') {
                        o.skip = i;
                    } else if (letter == 'D') {
                        o.dup_maxlen = i;
                        if (!c.next_arg()) return fail(std::move(p));
                        std::string file = c.rest();
                        std::FILE* f = std::fopen(file.c_str(), "r+b");
                        if (!f) f = std::fopen(file.c_str(), "w+b");
                        if (!f) {
                            p.exit = EX_CANTCREAT;
                            p.message = "formail: Couldn't open \"" + file + "\"\n";
                            return p;
                        }
                        o.dup_cache.reset(f);
                        next_word = true;
                        break;
                    } else if (letter == 'm') {
                        o.min_fields = i;
                    } else {
                        o.total = i;
                    }
                    continue;
                }
            }
        }
    }
    return p;
}

}  // namespace mail::filters::formail
