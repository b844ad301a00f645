// actions.h — what listman does, shared by the mail entry points, the
// LIST-request commands and the administrator's subcommands: subscribing
// and leaving (with confirmation), confirming tokens, holding and deciding
// posts, accepting a post (archive, fan-out, digest), automatic replies
// under their daily cap, and bounce scoring.  docs/lists.md has the rules.
//
// SECURITY: callers pass parsed, key-form addresses and a validated list.
// Every automatic message goes through reply(), which enforces the daily
// cap per recipient; confirmations go to the address concerned, never to
// the requester.
#pragma once

#include "lists/listman/app.h"
#include "lists/listman/notices.h"
#include "lists/store/store.h"

#include <string>
#include <string_view>
#include <vector>

namespace mail::lists {

// How long a moderator's token for a held post stays valid.
constexpr std::time_t k_held_life = 14 * 86400;

// One line of result text per call, as the request reply shows it.
using Lines = std::vector<std::string>;

// Sends an automatic message unless `to` has had autoresponse_limit of them
// today (the one after that is a single "no more today" notice).  Returns
// false when it was not sent.
bool reply(App& app, const Settings& l, const notice::Message& m);
// Sends a message to the owners (and moderators when `moderators`).
void tell_owners(App& app, const Settings& l, const std::function<notice::Message(const std::string&)>& make,
                 bool moderators);

struct Requester {
    std::string address;      // who asked (key form)
    std::string message_id;   // of the request mail, "" from the command line
};

// Subscribing `address` (maybe another than the requester).
// digest: 0, k_digest_mime or k_digest_plain.
Lines subscribe(App& app, const Settings& l, const Requester& r, const std::string& address, int digest);
Lines unsubscribe(App& app, const Settings& l, const Requester& r, const std::string& address);
// `confirm TOKEN` from `r` (a reply to a confirmation, or a command).
Lines confirm(App& app, const Settings& l, const Requester& r, std::string_view token);
// A moderator's decision on a held post or a subscription awaiting approval.
enum class Decision { Approve, Reject, Discard };
Lines decide(App& app, const Settings& l, const Requester& r, std::string_view token, Decision d);
// The same for the administrator, by held-post id (no token needed).
Status decide_held(App& app, const Settings& l, int64_t id, Decision d, std::string_view reason);

// A post that passed the gates (or was approved): stored, archived, sent.
// Returns the sequence number.
Result<int64_t> accept_post(App& app, const Settings& l, std::string_view message, std::string_view sender);
// Sends post `seq` to the members, from where its fan-out stopped.
Status fan_out(App& app, const Settings& l, int64_t seq);
// Sends the pending digest now (force) or when it has grown past digest_size.
Status maybe_send_digest(App& app, const Settings& l, bool force);
// Regenerates the list's HTML archive pages: the month of `month_of` (and
// the index), or every month when it is 0.
Status rebuild_archive(App& app, const Settings& l, std::time_t month_of = 0);

// A bounce for member `address` (hard or soft) of post `post_key`.
Lines record_bounce(App& app, const Settings& l, const std::string& address, bool hard, const std::string& post_key);

}  // namespace mail::lists
