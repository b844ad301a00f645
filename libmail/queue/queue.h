// queue.h — the mail queue: durable messages and per-target delivery state.
//
// One SQLite database per queue directory (QUEUE_DIR/queue.db), WAL mode,
// synchronous=FULL.  The format, the target states and the crash guarantees
// are in docs/queue.md; read it before changing anything here.
//
// Contract: insert() returns only after the message is durable (its
// transaction committed with a full sync).  Every state change is one
// transaction.  A Queue object belongs to one thread; several processes may
// open the same queue at once (SQLite serialises writers; claim() keeps two
// runners off one message).
//
// SECURITY: the queue directory belongs to the mail system (the instance
// owner, or root/the mail group in a system install); its contents are
// trusted once written, but sizes read back are still bounded by SQLite.
#pragma once

#include "libmail/sqlite/sqlite.h"
#include "libmail/util/result.h"

#include <sys/types.h>

#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mail::queue {

enum class TargetKind { Local, File, Program, Remote };
enum class TargetState { Pending = 0, Sent = 1, Failed = 2, Returned = 3 };

std::string_view kind_name(TargetKind k);  // "local", "file", "prog", "remote"
std::optional<TargetKind> kind_from_name(std::string_view s);

struct Target {
    int idx = 0;
    TargetKind kind = TargetKind::Local;
    std::string value;     // user, path, command or local@domain
    std::string original;  // the envelope recipient it came from
    std::string user;      // identity for file/prog delivery
    uid_t uid = 0;
    gid_t gid = 0;
    std::string home;
    std::string errors_to;  // owner-NAME, '' = the sender
    std::string notify;     // DSN NOTIFY ('' = default FAILURE,DELAY)
    std::string orcpt;      // DSN ORCPT
    std::string detail;     // the +detail routing stripped ("0123abcd" of team-confirm+0123abcd), '' if none
    TargetState state = TargetState::Pending;
    int attempts = 0;
    std::time_t next_try = 0;
    std::time_t last_try = 0;
    std::string status;  // RFC 3463 code of the last attempt
    std::string diag;    // its text
};

struct Envelope {
    std::string id;
    std::string sender;  // '' = <>
    std::time_t arrived = 0;
    long long size = 0;   // header + body bytes (set by insert)
    std::string headers;  // header section, LF line ends, no trailing blank line
    std::string msgid;
    std::string envid;
    std::string ret;
    std::string bodytype;
    std::string proto;
    std::string relay;
    std::string verp;  // VERP delimiters ("+=") when each target gets its own return path, '' = none
    bool warned = false;
};

struct Message {
    Envelope env;
    std::vector<Target> targets;
};

// VERP (Variable Envelope Return Paths; Postfix's -XV).  The delimiters are
// two characters, each one of "-=+" (Postfix's verp_delimiter_filter).
constexpr std::string_view k_verp_default = "+=";
bool verp_delimiters_ok(std::string_view delims);

// "L-bounces@H" with delimiters "+=" and recipient "user@dom" is
// "L-bounces+user=dom@H"; a recipient without a domain adds no second
// delimiter.  Angle brackets, a display name or a leading backslash around
// the recipient are dropped first.
std::string verp_address(std::string_view sender, std::string_view delims, std::string_view recipient);

// The envelope sender target `t` is delivered with, and to which its
// bounces and delay notices go: the owner-NAME of its list alias when it
// has one, else the message's sender — VERP-encoded with the target's
// envelope recipient (qualified with `host` when bare) when env.verp is set
// and the sender is not <>.
std::string return_path(const Envelope& env, const Target& t, std::string_view host);

// Where a body comes from when a message is inserted: next() appends the
// next chunk to `out` and returns false at the end.
class BodySource {
public:
    virtual ~BodySource() = default;
    virtual Result<bool> next(std::string& out) = 0;
};

// A body held in memory (bounces, tests).
class StringBody : public BodySource {
public:
    explicit StringBody(std::string text) : m_text(std::move(text)) {}
    Result<bool> next(std::string& out) override;

private:
    std::string m_text;
    size_t m_pos = 0;
};

struct Filter {
    std::vector<std::string> ids;         // -qI substrings
    std::vector<std::string> senders;     // -qS substrings
    std::vector<std::string> recipients;  // -qR substrings
    bool ignore_schedule = false;         // -q: try now, whatever next_try says
    bool empty() const { return ids.empty() && senders.empty() && recipients.empty(); }
};

class Queue {
public:
    // Opens (creating if needed) QUEUE_DIR/queue.db.
    static Result<Queue> open(const std::string& dir);

    // A new 14-character sendmail-style id ("6AM5abUb021953"); unique per
    // process, and insert() retries on the rare clash between processes.
    static std::string new_id(std::time_t when);

    // Writes the message and its body in one transaction and commits.  Fills
    // in env.id (if empty), env.size and target idx.  Durable on success.
    Status insert(Message& m, BodySource& body);
    // Group commit: writes every message in one transaction with one full
    // sync, so concurrent SMTP sessions share the disk's sync.  Each message
    // gets its own savepoint: one that fails (bad body, id clash) is rolled
    // back alone and its Status says why; the others commit.  The returned
    // vector has one Status per item, in order; they are durable only if the
    // function itself succeeded (the commit).
    struct Pending {
        Message* message;
        BodySource* body;
    };
    Result<std::vector<Status>> insert_many(const std::vector<Pending>& items);

    // Several state changes (claims, target updates, releases) in one
    // transaction: between begin_batch() and end_batch() each of them is a
    // savepoint, and end_batch() commits them together (synchronous=NORMAL,
    // like every state change: a crash can only repeat a delivery).  Never
    // insert() inside a batch; deliver outside it (the batch holds the
    // write lock).
    Status begin_batch();
    Status end_batch();

    // Ids of messages with a pending target due at `now` that match `f`.
    Result<std::vector<std::string>> due(std::time_t now, const Filter& f);

    // Claims the message for this process until now+lease; false if another
    // live process holds it.  release() gives it back.
    Result<bool> claim(const std::string& id, std::time_t now, std::time_t lease);
    Status release(const std::string& id);

    Result<Message> load(const std::string& id);

    // Calls fn with each body chunk in order.
    Status for_each_body_chunk(const std::string& id, const std::function<Status(std::string_view)>& fn);

    // Stores the new state of the given targets and, when none is left
    // pending or failed, deletes the message — one transaction.
    Status update_targets(const std::string& id, const std::vector<Target>& changed);

    // Moves the given failed targets to Returned and, in the same
    // transaction, inserts `bounce` (may be null: nothing to send, e.g. a
    // bounce of a double bounce).  Then deletes the message if finished.
    Status return_failed(const std::string& id, const std::vector<int>& idxs, Message* bounce, BodySource* body);

    Status set_warned(const std::string& id);

    // Everything queued, oldest first, without bodies (mailq).
    Result<std::vector<Message>> list();

    const std::string& dir() const { return m_dir; }

private:
    Queue(std::string dir, sqlite::Db db) : m_dir(std::move(dir)), m_db(std::move(db)) {}
    Status insert_locked(Message& m, BodySource& body);
    Status write_rows(Message& m, BodySource& body);  // inside an open transaction
    Status delete_if_finished(const std::string& id);
    Result<std::vector<Target>> load_targets(const std::string& id);

    std::string m_dir;
    sqlite::Db m_db;
};

}  // namespace mail::queue
