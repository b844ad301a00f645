// store.h — listman's database: lists, owners, members, pending tokens, held
// posts, posts, bounces and autoresponse counts (docs/lists.md "The
// database").
//
// One SQLite file, MAILROOM_LISTS_DIR/lists.db, in WAL mode; every change is
// one transaction.  Addresses are keyed in lower case (key_of()); the
// display form is kept beside it.
//
// SECURITY: callers pass validated list names (check_list_name) and parsed
// addresses; the store binds every value (no SQL is built from data).
// Confirmation tokens are 128 bits from getrandom(2); only their SHA-256 is
// stored, so the database alone confirms nothing, and a token is found by
// its hash (no comparison whose timing depends on the secret).
// Thread-safety: one Store per thread.
#pragma once

#include "libmail/sqlite/sqlite.h"
#include "libmail/util/result.h"
#include "lists/store/settings.h"

#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mail::lists {

// The lower-cased form an address is keyed by.
std::string key_of(std::string_view address);

struct Member {
    std::string address;  // key_of() form
    std::string display;  // as the member wrote it
    std::time_t joined = 0;
    int digest = 0;  // 0: each post; k_digest_mime or k_digest_plain (RFC 1153)
    bool nomail = false;
    bool moderated = false;
    std::time_t disabled = 0;  // 0, or when bounces disabled delivery
    int64_t notices = 0;       // disabled-notices sent
};

constexpr int k_digest_mime = 1;
constexpr int k_digest_plain = 2;

enum class Action { Subscribe, Unsubscribe, Held, Approve };
std::string_view action_name(Action a);

struct Pending {
    std::string list;
    std::string address;    // whom it concerns (key form)
    Action action = Action::Subscribe;
    std::string requester;  // who asked (key form), may differ from address
    std::time_t created = 0;
    std::time_t expires = 0;
    int64_t held_id = 0;    // Action::Held: the held post
    int digest = 0;         // Subscribe: the digest the member wants (Member::digest)
};

struct Held {
    int64_t id = 0;
    std::string list;
    std::string sender;
    std::string subject;
    std::string reason;
    std::time_t received = 0;
    std::string message;  // the post as received
};

struct Post {
    std::string list;
    int64_t seq = 0;
    std::string message_id;
    std::time_t date = 0;
    std::string sender;
    std::string subject;
    std::string in_reply_to;
    std::string references;
    int64_t bytes = 0;
    bool digested = false;
    bool fanned_out = false;
    int64_t fanout_done = 0;  // recipients handed to sendmail so far
    std::time_t fanout_at = 0;  // when the fan-out last made progress (or started)
};

enum class TokenState { Valid, Unknown, Expired };

class Store {
public:
    // Opens (creating) dir/lists.db.
    static Result<Store> open(const std::string& dir);

    // Lists.
    Status create_list(const Settings& s);
    Status remove_list(std::string_view name);  // members, posts … go too
    Result<std::optional<Settings>> find_list(std::string_view name);
    Result<std::vector<Settings>> lists();
    Status save_settings(const Settings& s);

    // Owners and moderators (role "owner" or "moderator").
    Status add_owner(std::string_view list, std::string_view address, std::string_view role);
    Result<bool> remove_owner(std::string_view list, std::string_view address);
    Result<std::vector<std::pair<std::string, std::string>>> owners(std::string_view list);  // (address, role)
    Result<bool> is_owner(std::string_view list, std::string_view address, bool or_moderator);

    // Members.
    Result<bool> add_member(std::string_view list, const Member& m);  // false: already one
    Result<bool> remove_member(std::string_view list, std::string_view address);
    Result<std::optional<Member>> find_member(std::string_view list, std::string_view address);
    Status update_member(std::string_view list, const Member& m);
    // Calls fn for each member in address order; fn returns false to stop.
    Status for_each_member(std::string_view list, const std::function<bool(const Member&)>& fn);
    Result<int64_t> count_members(std::string_view list);

    // Pending confirmations.  create_pending returns the token (32 hex).
    Result<std::string> create_pending(const Pending& p);
    // An unexpired pending row for (list, address, action), if any.
    Result<std::optional<Pending>> find_pending(std::string_view list, std::string_view address, Action action,
                                                std::time_t now);
    // Looks the token up without using it.
    Result<std::pair<TokenState, Pending>> peek_token(std::string_view token, std::time_t now);
    // Single use: a valid token's row is deleted and returned.
    Result<std::pair<TokenState, Pending>> take_token(std::string_view token, std::time_t now);
    Status drop_pending_for_held(int64_t held_id);
    Status expire_pending(std::time_t now);

    // Held posts.
    Result<int64_t> hold(const Held& h);
    Result<std::optional<Held>> find_held(std::string_view list, int64_t id);
    Result<std::vector<Held>> held(std::string_view list);  // messages left empty
    Result<bool> remove_held(std::string_view list, int64_t id);

    // Posts.  add_post assigns the next sequence number.
    Result<int64_t> add_post(Post& p, std::string_view message);
    Result<std::string> post_message(std::string_view list, int64_t seq);
    Result<std::optional<Post>> find_post(std::string_view list, int64_t seq);
    Status set_fanout(std::string_view list, int64_t seq, int64_t done, bool finished, std::time_t now);
    // Posts whose fan-out is not finished and made no progress since idle_before.
    Result<std::vector<Post>> unfinished_posts(std::time_t idle_before);
    Result<std::vector<Post>> posts(std::string_view list, bool undigested_only);
    Status mark_digested(std::string_view list, int64_t up_to_seq);

    // Bounces: one row per (member, day), the heavier one kept.  post_key
    // names the post that bounced ("" unknown).
    Status record_bounce(std::string_view list, std::string_view address, int64_t day, int64_t half_points,
                         std::string_view post_key);
    // Members who bounced the post post_key.
    Result<int64_t> bouncers_of(std::string_view list, std::string_view post_key);
    // The member's score in half points (a hard bounce is 2, a soft one 1)
    // from day `since` on, leaving out the posts in `set_aside`.
    Result<int64_t> bounce_score(std::string_view list, std::string_view address, int64_t since,
                                const std::vector<std::string>& set_aside);
    Status clear_bounces(std::string_view list, std::string_view address);
    // Posts whose bouncers reach `threshold` (the mass-bounce guard).
    Result<std::vector<std::string>> mass_bounced_posts(std::string_view list, int64_t threshold);

    // Automatic replies: counts one more for (list, sender, day) and returns
    // the new count.
    Result<int64_t> count_autoresponse(std::string_view list, std::string_view sender, int64_t day);

    // Transactions around several calls (a post's row and its hold token …).
    Status begin() { return m_db.begin_immediate(); }
    Status commit() { return m_db.commit(); }
    void rollback() { m_db.rollback(); }

private:
    explicit Store(sqlite::Db db) : m_db(std::move(db)) {}
    Status load_settings(Settings& s);
    Result<std::pair<TokenState, Pending>> token_row(std::string_view token, std::time_t now, bool take);
    sqlite::Db m_db;
};

// 128 random bits as 32 lower-case hex digits (getrandom(2)).
Result<std::string> new_token();
// Lower-case hex SHA-256.
std::string sha256_hex(std::string_view data);
// True when s is 32 lower-case hex digits.
bool looks_like_token(std::string_view s);

}  // namespace mail::lists
