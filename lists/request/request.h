// request.h — listman's LIST-request command language, as an engine with no
// I/O and no database (docs/lists.md, "Email commands").
//
// A command mail goes through three steps, and only the middle one is not
// here:
//   1. parse(): the Subject and the first text/plain part's lines become
//      checked Commands, lines that are not commands (Unprocessed, with the
//      reason), and lines that were not read (Ignored).  Every syntax rule
//      lives in one constexpr command table (command_table()): the verb, its
//      spellings, argument counts, who may use it, its syntax and help, and
//      its check function.  Checking never touches the database.
//   2. run() hands each checked command to a Handler (listman's proceed
//      side: the database and the notices), except `echo` and `end`, which
//      need nothing, and moderator commands from someone who is not one.
//   3. format_reply() writes Mailman's "- Results:" reply body.
// may_auto_reply() says whether a reply may be sent at all (RFC 3834).
//
// Reading rules (parse / parse_lines):
//   - the Subject comes first: encoded words decoded, "Re:", "Fwd:", "Aw:",
//     "Sv:", … and "[list]" prefixes removed, repeatedly.  A Subject that is
//     not a command (or is a bad one, or `end`) is dropped silently, unless
//     nothing at all in the message is a command; then it is reported as
//     Unprocessed like a body line (Mailman tries the Subject the same way);
//   - then the lines of the first text/plain part that is not an attachment
//     (base64/quoted-printable decoded; the charset is left as it is, since
//     commands are ASCII; embedded messages are not looked into);
//   - blank lines and quoted lines ("> …") are skipped and not counted;
//   - a line starting with "--" (a signature, a MIME boundary), `end` or
//     `stop` ends the commands; so does reading k_max_lines lines.  The
//     non-blank lines after the end are Ignored: the first k_max_ignored
//     are kept, then one note "(N more lines)";
//   - a token (confirm/approve/reject/discard) named twice is done once;
//     the second line is Unprocessed.
//
// Thread-safety: everything is reentrant; there is no shared state.
//
// SECURITY: the message is hostile.  Work and memory are bounded whatever
// its size: only the first k_max_message_scan bytes are parsed, only the
// first k_max_text_scan bytes of the text part are decoded, and at most
// k_max_lines commands are checked.  A line longer than k_max_line is not
// parsed (a cut line could name a different address) but reported.  Text
// that reaches the reply (Command::line, Unprocessed, Ignored, quoted words
// in reasons) is one line of printable UTF-8: control bytes, NUL, CR and LF
// cannot reach it.  Addresses in `address=` must be one plain ASCII
// addr-spec.  Verbs are looked up in the fixed table, never used to build
// a name (reference/lists.md §4.4).
//
// STANDARDS: RFC 2045/2046 (finding and decoding the text part), RFC 2047
// (encoded words in the Subject), RFC 5322 §3.4.1 (addr-spec), RFC 5321
// §4.5.3.1 (address length limits), RFC 3834 §2 and §5 (when not to reply
// automatically; Auto-Submitted).  The command set and the reply layout
// follow GNU Mailman 2.1 (reference/lists.md §1.1, §2.3).
#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mail::lists::request {

inline constexpr std::size_t k_max_lines = 25;               // body lines read (Mailman 2's default)
inline constexpr std::size_t k_max_ignored = 20;             // Ignored lines kept in the reply
inline constexpr std::size_t k_max_line = 512;               // a longer line is not parsed
inline constexpr std::size_t k_max_message_scan = 1u << 20;  // message bytes parsed
inline constexpr std::size_t k_max_text_scan = 64u << 10;    // text part bytes decoded
inline constexpr std::size_t k_max_address = 254;            // RFC 5321 §4.5.3.1.3 path, minus "<>"
inline constexpr std::size_t k_max_local_part = 64;          // RFC 5321 §4.5.3.1.1
inline constexpr std::size_t k_token_length = 32;            // 128 bits, lower-case hex (docs/lists.md)

enum class Verb {
    Help,
    Info,
    Lists,
    Who,
    Subscribe,
    Unsubscribe,
    Set,
    Confirm,
    Approve,
    Reject,
    Discard,
    Echo,
    End
};

// Who may use a command.  The engine cannot know who is a moderator; run()
// asks the Handler.
enum class Access { Anyone, Moderator };

// A checked command.  `options` holds what the check understood, so the
// proceed side never re-parses `args`:
//   subscribe    "address" (an addr-spec, when address= was given),
//                "digest" ("on" for digest, "off" for nodigest)
//   unsubscribe  "address"
//   set          "digest" or "nomail" → "on" | "off"
//   help         "command" (a command's name, when one was asked about)
//   confirm, approve, reject, discard   "token" (32 lower-case hex digits)
//   echo         "text" (the words after the verb, as written)
struct Command {
    Verb verb = Verb::Help;
    std::vector<std::string> args;  // the words after the verb, as written
    std::string line;               // the line as written: trimmed, printable, at most k_max_line bytes
    std::map<std::string, std::string> options;
    bool from_subject = false;
};

// A line that is not a command, and why, e.g. {"frobnicate", "No such
// command \"frobnicate\"."}.  Both are printable one-line UTF-8.
struct Unprocessed {
    std::string line;
    std::string why;
};

struct Parsed {
    std::vector<Command> commands;  // in order: the Subject's first, then the body's
    std::vector<Unprocessed> unprocessed;
    std::vector<std::string> ignored;  // lines after the end of the commands, then maybe "(N more lines)"
};

// check: fills command.options from command.args (the argument count is
// already within the row's bounds); returns "" when the command is valid,
// else the reason shown under Unprocessed.
using CheckFn = std::string (*)(Command& command);

struct CommandSpec {
    Verb verb;
    std::string_view name;        // the canonical spelling
    std::string_view aliases[2];  // other spellings ("" = none)
    std::size_t min_args;
    std::size_t max_args;  // k_any_args: no limit
    Access access;
    std::string_view syntax;  // "subscribe [address=<address>] [digest|nodigest]"
    std::string_view help;    // lines separated by "\n", at most 68 columns
    CheckFn check;
};
inline constexpr std::size_t k_any_args = static_cast<std::size_t>(-1);

// The command table, in help order (alphabetical by name).
std::span<const CommandSpec> command_table();
// The row for a spelling (case-insensitive), or nullptr.
const CommandSpec* find_command(std::string_view word);
// The row for a verb (always exists).
const CommandSpec& spec(Verb verb);

// Extracts and checks the commands of a whole message (see above).
Parsed parse(std::string_view message);
// The same for body lines only, without a Subject (for tests and tools).
Parsed parse_lines(const std::vector<std::string>& lines);

// A Subject value with the reply/forward prefixes and "[list]" tags at its
// start removed (repeatedly), e.g. "Re: [team] AW: confirm x" → "confirm x".
std::string_view strip_subject_prefixes(std::string_view subject);

// The reply to `help`, in Mailman 2's layout: each command's syntax and
// help; moderator commands listed apart; where to send commands and whom
// to ask.  `list` is the list's name or address.
std::string help_text(std::string_view list, std::string_view request_address,
                      std::string_view owner_address);

// One command's result for the reply: the command line and the lines that
// say what happened (a line may hold "\n"; each piece is indented).
struct Outcome {
    std::string command_line;
    std::vector<std::string> result_lines;
};

// Listman's side of a command: the database, the notices.
class Handler {
public:
    virtual ~Handler() = default;
    // True if the sender owns or moderates the list (asked only for
    // Access::Moderator commands).
    virtual bool is_moderator() = 0;
    // Carries out a checked command and returns its result lines.  Not
    // called for echo and end, nor for a moderator command when
    // is_moderator() is false.
    virtual std::vector<std::string> proceed(const Command& command) = 0;
};

// Runs the commands in order: echo answers with its text, end with
// nothing, a moderator command from someone else with a refusal, the rest
// through handler.proceed().
std::vector<Outcome> run(const Parsed& parsed, Handler& handler);

// The reply body, Mailman's format:
//   The results of your email command are provided below.
//   <blank>
//   - Results:
//       <command line>
//           <result line>
//   <blank>
//   - Unprocessed:
//       <line>
//           <why>
//   <blank>
//   - Ignored:
//       <line>
//   <blank>
//   - Done.
// A section with nothing in it is left out.  Every line is made printable
// one-line UTF-8 before it is indented.
std::string format_reply(const std::vector<Outcome>& results, const std::vector<Unprocessed>& unprocessed,
                         const std::vector<std::string>& ignored);

struct ReplyDecision {
    bool reply = true;
    std::string why;  // when !reply: the reason, for the log, e.g. "Precedence: bulk"; else ""
};

// Whether an automatic reply (results, confirmation, notice) may go to the
// sender of `message` at all.  No when: Precedence is bulk, junk or list;
// Auto-Submitted is present and not "no" (RFC 3834 §5); an X-BeenThere or
// X-Loop field names `list_address`; the envelope sender is empty ("" or
// "<>"), is the list address itself, or has a local part that robots send
// from (RFC 3834 §2: MAILER-DAEMON, owner-*, *-request; and *-owner,
// *-bounces, listserv, majordomo; a "+detail" is ignored).  Only the first
// k_max_message_scan bytes' header section is read.
ReplyDecision may_auto_reply(std::string_view message, std::string_view envelope_sender,
                             std::string_view list_address);

}  // namespace mail::lists::request
