// entry.h — listman's mail entry points, one per list address
// (docs/lists.md "Addresses and entry points"): the MTA runs
// `listman ENTRY LIST` with the message on stdin, SENDER and RECIPIENT in
// the environment, and reads the exit status.
//
// SECURITY: everything in `Delivery` is hostile: the message, the envelope
// sender and the recipient's +detail.  The list name was validated by the
// caller.  No entry point replies to mail that looks automatic or looped
// (request::may_auto_reply), and replies are capped per sender per day.
//
// Exit statuses: 0 done (including deliberate drops: loops, discards);
// EX_NOUSER no such list; EX_DATAERR a message that cannot be read (the
// MTA bounces it); EX_TEMPFAIL the database or sendmail failed (the MTA
// tries again later); EX_USAGE an unknown entry point.
#pragma once

#include "lists/listman/app.h"

#include <string>
#include <string_view>

namespace mail::lists {

struct Delivery {
    std::string message;
    std::string sender;     // envelope sender ("" for <>)
    std::string recipient;  // the address as the MTA received it, with +detail
};

// The entry point names: post, request, join, subscribe, leave,
// unsubscribe, confirm, owner, bounces.
bool is_entry(std::string_view name);
int run_entry(App& app, std::string_view entry, std::string_view list, const Delivery& d);

// Finishes fan-outs that stopped (idle for 10 minutes), expires tokens and
// sends due digests: what cron runs.
int run_maintenance(App& app);

}  // namespace mail::lists
