// notices.h — the messages listman writes itself: confirmation requests,
// welcome and goodbye, moderation notices, command replies, bounce notices.
//
// Every notice is a complete RFC 5322 message from LIST-request (or
// LIST-owner), marked Auto-Submitted and X-List-Administrivia, with fields
// built by message::fold() from parsed addresses, so nothing a requester
// wrote can add a header.  Texts follow Mailman's where users know them.
//
// STANDARDS: RFC 5322, RFC 3834 (Auto-Submitted: auto-replied for answers
// to a message, auto-generated otherwise), RFC 2046 (message/rfc822 parts).
#pragma once

#include "lists/store/settings.h"

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace mail::lists::notice {

struct Message {
    std::string to;        // one address (key form)
    std::string text;      // the whole message
};

struct Common {
    const Settings& list;
    std::time_t now;
    std::string in_reply_to;  // Message-ID of the mail being answered, "" if none
};

// A notice to `to` with `subject` and a text body; `reply_to` may be "".
// `auto_replied`: an answer to a message from `to` (else auto-generated).
Message make(const Common& c, std::string_view to, std::string_view subject, std::string_view body,
             std::string_view reply_to = {}, bool auto_replied = true, std::string_view from = {});
// The same with `attached` (a whole message) as a message/rfc822 part.
Message make_with_attachment(const Common& c, std::string_view to, std::string_view subject, std::string_view body,
                             std::string_view attached, std::string_view reply_to = {}, bool auto_replied = false);

Message confirm_subscribe(const Common& c, std::string_view address, std::string_view token, std::string_view requester);
Message confirm_unsubscribe(const Common& c, std::string_view address, std::string_view token,
                            std::string_view requester);
Message welcome(const Common& c, std::string_view address);
Message goodbye(const Common& c, std::string_view address);
Message already_pending(const Common& c, std::string_view requester, std::string_view address);
Message bad_token(const Common& c, std::string_view to, std::string_view token, bool expired);
// To a moderator: a post is held; replying approves it.
Message held_for_moderator(const Common& c, std::string_view moderator, std::string_view token, std::string_view poster,
                           std::string_view subject, std::string_view reason, std::string_view post);
// To the poster: the post waits for a moderator.
Message held_for_poster(const Common& c, std::string_view poster, std::string_view subject, std::string_view reason);
Message rejected(const Common& c, std::string_view poster, std::string_view subject, std::string_view reason);
// To an owner: someone asks to join a list that needs approval.
Message approval_request(const Common& c, std::string_view owner, std::string_view token, std::string_view address);
Message disabled(const Common& c, std::string_view member, int64_t score_half_points);
Message no_more_today(const Common& c, std::string_view sender, int64_t count);

}  // namespace mail::lists::notice
