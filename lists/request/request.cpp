// request.cpp — see request.h.
//
// Layout: text helpers; the check functions and the command table; the
// Scanner (the line state machine: Reading → Ended); parse(); help and the
// reply; the auto-reply guard.
#include "lists/request/request.h"

#include "libmail/address/address.h"
#include "libmail/message/header.h"
#include "libmail/mime/mime.h"
#include "libmail/util/strings.h"

#include <algorithm>
#include <array>
#include <optional>

namespace mail::lists::request {

namespace {

constexpr std::size_t k_max_subject_scan = 2048;  // raw Subject bytes decoded
constexpr std::size_t k_max_quoted = 40;          // a word quoted in a reason
constexpr std::size_t k_max_long_shown = 72;      // what is shown of an over-long line
constexpr std::size_t k_max_bracket_tag = 128;    // "[list]" tags removed from a Subject

// ------------------------------------------------------------ text --

// `s` cut to at most n bytes, not inside a UTF-8 sequence.
std::string_view cut(std::string_view s, std::size_t n) {
    if (s.size() <= n) return s;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return s.substr(0, n);
}

// One line of printable UTF-8 of at most `max` bytes, "..." after it when
// the text was longer.
std::string shown(std::string_view s, std::size_t max = k_max_line) {
    std::string p = mime::printable(s.substr(0, std::min(s.size(), max)), true);
    std::string out(cut(p, max));
    if (s.size() > max || p.size() > max) out += "...";
    return out;
}

std::string quoted(std::string_view word) {
    return "\"" + shown(word, k_max_quoted) + "\"";
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

// The length of the white space at the start of `s`: ASCII white space and
// U+00A0 NO-BREAK SPACE in UTF-8, which HTML-to-text mailers put between
// words.
std::size_t space_at(std::string_view s) {
    if (!s.empty() && is_space(s[0])) return 1;
    if (s.size() >= 2 && s[0] == '\xc2' && s[1] == '\xa0') return 2;
    return 0;
}

std::vector<std::string> words_of(std::string_view s) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < s.size()) {
        if (std::size_t n = space_at(s.substr(i))) {
            i += n;
            continue;
        }
        std::size_t start = i;
        while (i < s.size() && space_at(s.substr(i)) == 0) ++i;
        words.emplace_back(s.substr(start, i - start));
    }
    return words;
}

bool is_token_verb(Verb v) {
    return v == Verb::Confirm || v == Verb::Approve || v == Verb::Reject || v == Verb::Discard;
}

// ------------------------------------------------------------ checks --

std::string usage(Verb v) {
    return "Usage: " + std::string(spec(v).syntax);
}

bool is_domain(std::string_view d) {
    // Host names only: LDH labels of 1..63 bytes separated by single dots
    // (RFC 5321 §4.1.2 Domain; address literals are refused before this).
    if (d.empty() || d.size() > 253) return false;
    std::size_t label = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
        char c = d[i];
        if (c == '.') {
            if (label == 0 || d[i - 1] == '-') return false;
            label = 0;
            continue;
        }
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && !(c == '-' && label > 0)) return false;
        if (++label > 63) return false;
    }
    return label > 0 && d.back() != '-';
}

// Validates the value of address=; on success stores the addr-spec in *out.
std::string check_address(std::string_view value, std::string* out) {
    if (value.empty()) return "address= needs an address, as in address=you@example.org.";
    if (value.size() > k_max_address)
        return "The address is too long (more than " + std::to_string(k_max_address) + " bytes).";
    for (char c : value) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e) return "The address must be plain ASCII text.";
    }
    auto mailbox = address::parse_mailbox(value);
    // Exactly an addr-spec (or one in <>): a comment the parser would drop,
    // "(id)", must not quietly change which address is meant.
    if (!mailbox.ok() || !mailbox->display_name.empty() ||
        (mailbox->addr_spec() != value && "<" + mailbox->addr_spec() + ">" != value))
        return quoted(value) + " is not a plain address such as you@example.org.";
    if (mailbox->domain.empty()) return quoted(value) + " has no domain; write it as you@example.org.";
    if (unsigned tricks = address::classify(value))
        return quoted(value) + " uses a routing form that is not accepted (" +
               address::describe_tricks(tricks) + ").";
    if (!is_domain(mailbox->domain)) return quoted(value) + " does not end in a valid domain name.";
    if (mailbox->local.size() > k_max_local_part)
        return "The part before \"@\" is too long (more than " + std::to_string(k_max_local_part) +
               " bytes).";
    // A leading "-" could be taken for an option by a program handed the
    // address; nobody needs one on a mailing list.
    if (mailbox->local.front() == '-') return quoted(value) + " starts with \"-\", which is not accepted.";
    *out = mailbox->addr_spec();
    return "";
}

std::string check_nothing(Command&) {
    return "";
}

std::string check_help(Command& c) {
    if (c.args.empty()) return "";
    const CommandSpec* s = find_command(c.args[0]);
    if (!s) return "No such command " + quoted(c.args[0]) + ".";
    c.options["command"] = std::string(s->name);
    return "";
}

std::string check_subscribe(Command& c) {
    for (const std::string& a : c.args) {
        if (istarts_with(a, "address=")) {
            if (c.options.count("address")) return "address= is given more than once.";
            std::string addr;
            std::string why = check_address(std::string_view(a).substr(8), &addr);
            if (!why.empty()) return why;
            c.options["address"] = addr;
        } else if (c.verb == Verb::Subscribe && (iequals(a, "digest") || iequals(a, "nodigest"))) {
            if (c.options.count("digest")) return "digest or nodigest is given more than once.";
            c.options["digest"] = iequals(a, "digest") ? "on" : "off";
        } else {
            return "Unknown argument " + quoted(a) + ". " + usage(c.verb);
        }
    }
    return "";
}

std::string check_set(Command& c) {
    std::string name = to_lower(c.args[0]);
    if (name != "digest" && name != "nomail")
        return "Unknown option " + quoted(c.args[0]) + ". " + usage(c.verb);
    std::string value = to_lower(c.args[1]);
    // Digests also come as plain text (RFC 1153); "mime" is the same as on.
    if (name == "digest" && (value == "plain" || value == "mime")) {
        c.options[name] = value == "plain" ? "plain" : "on";
        return "";
    }
    if (value != "on" && value != "off") return quoted(c.args[1]) + " is not on or off. " + usage(c.verb);
    c.options[name] = value;
    return "";
}

std::string check_token(Command& c) {
    const std::string& t = c.args[0];
    bool ok = t.size() == k_token_length && std::all_of(t.begin(), t.end(), [](char ch) {
                  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
              });
    if (!ok) return quoted(t) + " is not a confirmation string (32 lower-case hexadecimal digits).";
    c.options["token"] = t;
    return "";
}

std::string check_echo(Command& c) {
    c.options["text"] = join(c.args, " ");
    return "";
}

// The command table (style.md §3).  Help order: alphabetical by name.
// clang-format off
constexpr std::array<CommandSpec, 13> k_commands = {{
    {Verb::Approve, "approve", {"", ""}, 1, 1, Access::Moderator, "approve <confirmation-string>",
     "Approve the held post that the confirmation string names: it goes\n"
     "to the list.",
     &check_token},
    {Verb::Confirm, "confirm", {"", ""}, 1, 1, Access::Anyone, "confirm <confirmation-string>",
     "Confirm an action, such as joining or leaving the list, with the\n"
     "confirmation string from the notice you were sent.  Replying to the\n"
     "notice does the same.",
     &check_token},
    {Verb::Discard, "discard", {"", ""}, 1, 1, Access::Moderator, "discard <confirmation-string>",
     "Throw away the held post that the confirmation string names, without\n"
     "telling its sender.",
     &check_token},
    {Verb::Echo, "echo", {"", ""}, 0, k_any_args, Access::Anyone, "echo [words]",
     "Send the words back; a way to test that commands arrive.",
     &check_echo},
    {Verb::End, "end", {"stop", ""}, 0, 0, Access::Anyone, "end",
     "Stop reading commands (\"stop\" does the same, and so does a line\n"
     "starting with \"--\", as a signature does).",
     &check_nothing},
    {Verb::Help, "help", {"", ""}, 0, 1, Access::Anyone, "help [command]",
     "Send this help, or the help for one command.",
     &check_help},
    {Verb::Info, "info", {"", ""}, 0, 0, Access::Anyone, "info",
     "Send the list's description and how it is run.",
     &check_nothing},
    {Verb::Lists, "lists", {"", ""}, 0, 0, Access::Anyone, "lists",
     "Send the mailing lists at this site.",
     &check_nothing},
    {Verb::Reject, "reject", {"", ""}, 1, 1, Access::Moderator, "reject <confirmation-string>",
     "Refuse the held post that the confirmation string names; its sender\n"
     "is told.",
     &check_token},
    {Verb::Set, "set", {"", ""}, 2, 2, Access::Anyone, "set <digest|nomail> <on|off>",
     "\"set digest on\" sends you the posts in digests (\"set digest plain\"\n"
     "in plain-text ones), \"set digest off\" one by one.  \"set nomail on\"\n"
     "stops mail to you without leaving the list, \"set nomail off\" starts\n"
     "it again.",
     &check_set},
    {Verb::Subscribe, "subscribe", {"join", ""}, 0, 2, Access::Anyone,
     "subscribe [address=<address>] [digest|nodigest]",
     "Join the list (\"join\" does the same).  With address=, another\n"
     "address joins; the confirmation always goes to the address that\n"
     "joins.  \"digest\" asks for the posts in digests.",
     &check_subscribe},
    {Verb::Unsubscribe, "unsubscribe", {"leave", "remove"}, 0, 1, Access::Anyone,
     "unsubscribe [address=<address>]",
     "Leave the list (\"leave\" and \"remove\" do the same).  The\n"
     "confirmation goes to the address that leaves.",
     &check_subscribe},
    {Verb::Who, "who", {"", ""}, 0, 0, Access::Anyone, "who",
     "Send the list's members, when the list lets you see them.",
     &check_nothing},
}};
// clang-format on

// ------------------------------------------------------------ scanning --

// Reads one message's command lines: the Subject (at most once, first),
// then body lines, then finish().
class Scanner {
public:
    void subject(std::string_view decoded) {
        std::string_view text = trim(strip_subject_prefixes(decoded));
        if (words_of(text).empty()) return;
        Command c;
        Unprocessed bad;
        if (!interpret(text, &c, &bad)) {
            m_subject_failure = std::move(bad);
            return;
        }
        if (c.verb == Verb::End) return;  // nothing to stop yet; not worth a reply line
        c.from_subject = true;
        accept(std::move(c));
    }

    void line(std::string_view raw) {
        std::string_view text = trim(raw);
        if (m_state == State::Ended) {
            ignore(text);
            return;
        }
        if (text.empty() || text.front() == '>') return;  // blank or quoted
        if (text.substr(0, 2) == "--" || m_counted == k_max_lines) {
            m_state = State::Ended;
            ignore(text);
            return;
        }
        if (words_of(text).empty()) return;  // only no-break spaces
        ++m_counted;
        Command c;
        Unprocessed bad;
        if (!interpret(text, &c, &bad)) {
            m_out.unprocessed.push_back(std::move(bad));
            return;
        }
        if (c.verb == Verb::End) m_state = State::Ended;
        accept(std::move(c));
    }

    // `not_read`: the text went on beyond what was looked at.
    Parsed finish(bool not_read) {
        bool any = std::any_of(m_out.commands.begin(), m_out.commands.end(),
                               [](const Command& c) { return c.verb != Verb::End; });
        if (m_subject_failure && !any)
            m_out.unprocessed.insert(m_out.unprocessed.begin(), std::move(*m_subject_failure));
        std::string more;
        if (m_more > 0) more = std::to_string(m_more) + (m_more == 1 ? " more line" : " more lines");
        if (not_read)
            more += more.empty() ? "the rest of the message was not read"
                                 : "; the rest of the message was not read";
        if (!more.empty()) m_out.ignored.push_back("(" + more + ")");
        return std::move(m_out);
    }

private:
    enum class State { Reading, Ended };

    // Looks `text` (trimmed, not blank) up in the table and checks it.
    static bool interpret(std::string_view text, Command* c, Unprocessed* bad) {
        if (text.size() > k_max_line) {
            *bad = {shown(text, k_max_long_shown),
                    "The line is too long (more than " + std::to_string(k_max_line) + " bytes)."};
            return false;
        }
        std::vector<std::string> words = words_of(text);
        const CommandSpec* s = find_command(words[0]);
        if (!s) {
            *bad = {shown(text), "No such command " + quoted(words[0]) + "."};
            return false;
        }
        c->verb = s->verb;
        c->args.assign(words.begin() + 1, words.end());
        c->line = shown(text);
        std::string why;
        if (c->args.size() < s->min_args || c->args.size() > s->max_args)
            why = usage(s->verb);
        else
            why = s->check(*c);
        if (!why.empty()) {
            *bad = {c->line, std::move(why)};
            return false;
        }
        return true;
    }

    void accept(Command c) {
        if (is_token_verb(c.verb)) {
            const std::string& token = c.options["token"];
            if (std::find(m_tokens.begin(), m_tokens.end(), token) != m_tokens.end()) {
                m_out.unprocessed.push_back({c.line, "This confirmation string was already given above."});
                return;
            }
            m_tokens.push_back(token);
        }
        m_out.commands.push_back(std::move(c));
    }

    void ignore(std::string_view text) {
        if (text.empty()) return;
        if (m_out.ignored.size() < k_max_ignored)
            m_out.ignored.push_back(shown(text));
        else
            ++m_more;
    }

    State m_state = State::Reading;
    Parsed m_out;
    std::optional<Unprocessed> m_subject_failure;
    std::size_t m_counted = 0;  // body lines read as commands
    std::size_t m_more = 0;     // ignored lines not kept
    std::vector<std::string> m_tokens;
};

// The first text/plain part that is not an attachment, depth first, not
// looking into embedded messages (their text is not the sender's).
const mime::Part* first_text(const mime::Part& p) {
    if (p.content_type.type == "text" && p.content_type.subtype == "plain" && !p.disposition.is_attachment())
        return &p;
    if (!p.content_type.is_multipart()) return nullptr;
    for (const mime::Part& child : p.children)
        if (const mime::Part* t = first_text(child)) return t;
    return nullptr;
}

// ------------------------------------------------------------ headers --

// Calls fn(name, unfolded value) for each field of a header section;
// stops at the first line that is neither a field nor a continuation, as
// mime::parse does.
template <class Fn>
void for_each_field(std::string_view header, Fn fn) {
    std::string_view name;
    std::string value;
    bool have = false;
    std::size_t pos = 0;
    while (pos < header.size()) {
        std::size_t nl = header.find('\n', pos);
        std::string_view line =
            header.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? header.size() : nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (have && !line.empty() && (line[0] == ' ' || line[0] == '\t')) {
            value += line;
            continue;
        }
        if (have) fn(name, std::string_view(value));
        have = false;
        if (!message::is_field_line(line)) break;
        std::size_t colon = line.find(':');
        name = trim(line.substr(0, colon));
        value = std::string(line.substr(colon + 1));
        have = true;
    }
    if (have) fn(name, std::string_view(value));
}

// The first word of a structured value such as "bulk" or "auto-replied;
// owner-email=…", lower case.
std::string first_word(std::string_view value) {
    value = trim(value);
    std::size_t end = value.find_first_of(" \t;(");
    return to_lower(value.substr(0, end));
}

bool is_atext(char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
}

// Does the X-BeenThere / X-Loop value name `list`?  Parsed as addresses;
// if that fails, looked for as a whole word.
bool names_address(std::string_view value, std::string_view list) {
    if (list.empty()) return false;
    if (auto mailboxes = address::parse_address_list(value); mailboxes.ok()) {
        for (const auto& m : *mailboxes)
            if (iequals(m.addr_spec(), list)) return true;
        return false;
    }
    std::string hay = to_lower(value);
    std::string needle = to_lower(list);
    for (std::size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) {
        bool left = at == 0 || !is_atext(hay[at - 1]);
        std::size_t after = at + needle.size();
        bool right = after == hay.size() || !is_atext(hay[after]);
        if (left && right) return true;
    }
    return false;
}

bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// Why a reply to this envelope sender must not be sent, or "".
std::string robot_sender(std::string_view sender, std::string_view list) {
    std::string_view s = trim(sender);
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = trim(s.substr(1, s.size() - 2));
    if (s.empty()) return "the envelope sender is empty (a bounce or a notification)";
    std::string shown_sender = "the envelope sender \"" + shown(s, k_max_address) + "\"";
    if (!list.empty() && iequals(s, list)) return shown_sender + " is the list itself";
    std::size_t at = s.rfind('@');
    std::string local = to_lower(s.substr(0, at));
    std::string base = local.substr(0, local.find('+'));
    // RFC 3834 §2: "Responders MAY refuse to generate responses for
    // addresses commonly used as return addresses by responders - e.g.,
    // those with local-parts matching "owner-*", "*-request",
    // "MAILER-DAEMON", etc."  Sympa adds listserv and majordomo.
    static constexpr std::string_view k_names[] = {"mailer-daemon", "listserv", "majordomo"};
    static constexpr std::string_view k_suffixes[] = {"-request", "-owner", "-bounces"};
    bool robot = base.rfind("owner-", 0) == 0;
    for (std::string_view n : k_names) robot = robot || base == n;
    for (std::string_view t : k_suffixes) robot = robot || ends_with(base, t);
    if (robot) return shown_sender + " is a robot's address";
    return "";
}

}  // namespace

// ------------------------------------------------------------ the table --

std::span<const CommandSpec> command_table() {
    return k_commands;
}

const CommandSpec* find_command(std::string_view word) {
    for (const CommandSpec& c : k_commands) {
        if (iequals(word, c.name)) return &c;
        for (std::string_view a : c.aliases)
            if (!a.empty() && iequals(word, a)) return &c;
    }
    return nullptr;
}

const CommandSpec& spec(Verb verb) {
    for (const CommandSpec& c : k_commands)
        if (c.verb == verb) return c;
    std::abort();  // every Verb has a row: a broken invariant
}

// ------------------------------------------------------------ parsing --

std::string_view strip_subject_prefixes(std::string_view s) {
    // Reply and forward markers of common mailers: English, German (AW,
    // WG), Scandinavian (SV, VS), Dutch (Antw), French (TR), Italian (R,
    // RIF), Polish (Odp), Spanish/Portuguese (RES, ENC).
    static constexpr std::string_view k_markers[] = {"re", "fw", "fwd", "aw",  "sv",  "vs",  "antw", "wg",
                                                     "tr", "r",  "rif", "ref", "odp", "res", "enc"};
    s = trim_left(s);
    for (;;) {
        if (!s.empty() && s.front() == '[') {
            std::size_t close = s.find(']');
            if (close == std::string_view::npos || close > k_max_bracket_tag) break;
            s = trim_left(s.substr(close + 1));
            continue;
        }
        std::size_t i = 0;
        while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
        std::string word = to_lower(s.substr(0, i));
        if (std::find(std::begin(k_markers), std::end(k_markers), word) == std::end(k_markers)) break;
        // An optional count: "Re[2]:", "Re(2):", "Re^2:".
        std::size_t j = i;
        if (j < s.size() && (s[j] == '[' || s[j] == '(' || s[j] == '^')) {
            char close = s[j] == '[' ? ']' : s[j] == '(' ? ')' : '\0';
            std::size_t k = j + 1;
            while (k < s.size() && k - j <= 4 && s[k] >= '0' && s[k] <= '9') ++k;
            if (k == j + 1) break;
            if (close != '\0') {
                if (k >= s.size() || s[k] != close) break;
                ++k;
            }
            j = k;
        }
        while (j < s.size() && s[j] == ' ') ++j;  // "RE :" (French typography)
        if (s.substr(j, 1) == ":")
            j += 1;
        else if (s.substr(j, 3) == "\xef\xbc\x9a")  // U+FF1A FULLWIDTH COLON
            j += 3;
        else
            break;
        s = trim_left(s.substr(j));
    }
    return s;
}

Parsed parse(std::string_view message) {
    std::string_view window = message.substr(0, std::min(message.size(), k_max_message_scan));
    mime::ParseLimits limits;
    limits.max_parts = 256;  // the text part comes early; bounds the tree's memory
    mime::Part top = mime::parse(window, limits);
    Scanner scanner;
    if (auto subject = mime::find_field(top.header, "Subject"))
        scanner.subject(mime::decode_header(cut(*subject, k_max_subject_scan)));

    const mime::Part* text = first_text(top);
    if (!text) return scanner.finish(false);
    // Decode only the start of the part.  Whether the text goes on beyond
    // what is decoded: the part was cut here, or by the window.
    mime::Part head;
    head.encoding = text->encoding;
    head.body = text->body.substr(0, std::min(text->body.size(), k_max_text_scan));
    bool not_read = head.body.size() < text->body.size() ||
                    (window.size() < message.size() &&
                     text->body.data() + text->body.size() == window.data() + window.size());
    std::string body = mime::decoded_body(head);
    if (not_read) {
        // The last line may be cut in the middle ("address=a@b.co" of
        // "a@b.com"): it is not read.
        std::size_t nl = body.rfind('\n');
        body.erase(nl == std::string::npos ? 0 : nl + 1);
    }
    std::size_t pos = 0;
    while (pos < body.size()) {
        std::size_t nl = body.find('\n', pos);
        if (nl == std::string::npos) nl = body.size();
        scanner.line(std::string_view(body).substr(pos, nl - pos));
        pos = nl + 1;
    }
    return scanner.finish(not_read);
}

Parsed parse_lines(const std::vector<std::string>& lines) {
    Scanner scanner;
    for (const std::string& l : lines) scanner.line(l);
    return scanner.finish(false);
}

// ------------------------------------------------------------ help, run, reply --

std::string help_text(std::string_view list, std::string_view request_address,
                      std::string_view owner_address) {
    auto entries = [](Access access) {
        std::string out;
        for (const CommandSpec& c : k_commands) {
            if (c.access != access) continue;
            out += "    " + std::string(c.syntax) + "\n";
            for (const std::string& l : split(c.help, "\n")) out += "        " + l + "\n";
            out += "\n";
        }
        return out;
    };
    std::string out;
    out += "Help for the " + std::string(list) + " mailing list\n\n";
    out += "This is the email command help for the " + std::string(list) +
           " mailing list.\n"
           "Commands go in the Subject or the body of a message, one command per\n"
           "line.  At most " +
           std::to_string(k_max_lines) +
           " lines of the body are read; a line starting with \"--\"\n"
           "ends the commands, so a signature is not read.\n\n"
           "Words in <> are required and words in [] are optional; do not type\n"
           "the <> or [] themselves.\n\n"
           "The following commands are valid:\n\n";
    out += entries(Access::Anyone);
    out += "Moderators of the list can also use:\n\n";
    out += entries(Access::Moderator);
    out += "Commands should be sent to " + std::string(request_address) +
           "\n\n"
           "Questions and concerns for the attention of a person should be sent to\n\n"
           "    " +
           std::string(owner_address) + "\n";
    return out;
}

std::vector<Outcome> run(const Parsed& parsed, Handler& handler) {
    std::vector<Outcome> out;
    std::optional<bool> moderator;  // asked once, when first needed
    auto is_moderator = [&] {
        if (!moderator) moderator = handler.is_moderator();
        return *moderator;
    };
    for (const Command& c : parsed.commands) {
        Outcome o{c.line, {}};
        const CommandSpec& s = spec(c.verb);
        if (c.verb == Verb::Echo) {
            auto text = c.options.find("text");
            if (text != c.options.end() && !text->second.empty()) o.result_lines.push_back(text->second);
        } else if (c.verb == Verb::End) {
            // nothing to say
        } else if (s.access == Access::Moderator && !is_moderator()) {
            o.result_lines.push_back("Only the list's owners and moderators can use \"" +
                                     std::string(s.name) + "\".");
        } else {
            o.result_lines = handler.proceed(c);
        }
        out.push_back(std::move(o));
    }
    return out;
}

std::string format_reply(const std::vector<Outcome>& results, const std::vector<Unprocessed>& unprocessed,
                         const std::vector<std::string>& ignored) {
    // Each piece between "\n"s as one printable line, indented; an empty
    // piece is an empty line (no trailing white space).
    auto add = [](std::string& out, std::string_view indent, std::string_view text) {
        std::size_t pos = 0;
        do {
            std::size_t nl = text.find('\n', pos);
            if (nl == std::string_view::npos) nl = text.size();
            std::string line = mime::printable(trim_right(text.substr(pos, nl - pos)), true);
            while (!line.empty() && line.back() == ' ') line.pop_back();
            out += line.empty() ? std::string() : std::string(indent) + line;
            out += "\n";
            pos = nl + 1;
        } while (pos <= text.size());
    };
    std::string out = "The results of your email command are provided below.\n";
    if (!results.empty()) {
        out += "\n- Results:\n";
        for (const Outcome& o : results) {
            add(out, "    ", o.command_line);
            for (const std::string& l : o.result_lines) add(out, "        ", l);
        }
    }
    if (!unprocessed.empty()) {
        out += "\n- Unprocessed:\n";
        for (const Unprocessed& u : unprocessed) {
            add(out, "    ", u.line);
            add(out, "        ", u.why);
        }
    }
    if (!ignored.empty()) {
        out += "\n- Ignored:\n";
        for (const std::string& l : ignored) add(out, "    ", l);
    }
    out += "\n- Done.\n";
    return out;
}

// ------------------------------------------------------------ auto-reply guard --

ReplyDecision may_auto_reply(std::string_view message, std::string_view envelope_sender,
                             std::string_view list_address) {
    if (std::string why = robot_sender(envelope_sender, list_address); !why.empty()) return {false, why};
    std::string_view text =
        message::strip_from_line(message.substr(0, std::min(message.size(), k_max_message_scan)));
    std::string why;
    for_each_field(text, [&](std::string_view name, std::string_view value) {
        if (!why.empty()) return;
        std::string_view v = trim(value);
        if (iequals(name, "Precedence")) {
            std::string w = first_word(value);
            if (w == "bulk" || w == "junk" || w == "list") why = "Precedence: " + w;
        } else if (iequals(name, "Auto-Submitted")) {
            // RFC 3834 §5: any value but "no" marks an automatic message.
            if (first_word(value) != "no") why = "Auto-Submitted: " + shown(v, k_max_quoted);
        } else if (iequals(name, "X-BeenThere") || iequals(name, "X-Loop")) {
            if (names_address(value, list_address))
                why = std::string(iequals(name, "X-Loop") ? "X-Loop" : "X-BeenThere") + ": " +
                      shown(v, k_max_quoted);
        }
    });
    if (!why.empty()) return {false, why};
    return {true, ""};
}

}  // namespace mail::lists::request
