// notices.cpp — see notices.h.
#include "lists/listman/notices.h"

#include "libmail/message/header.h"
#include "libmail/util/clock.h"

#include <fmt/format.h>

#include <atomic>
#include <unistd.h>

namespace mail::lists::notice {

namespace {

std::string field(std::string_view name, std::string_view value) { return message::fold(name, value) + "\n"; }

std::string message_id(const Common& c) {
    static std::atomic<unsigned> n{0};
    return fmt::format("<listman.{}.{}.{}.{}@{}>", c.now, ::getpid(), n++, c.list.name, c.list.host);
}

std::string head(const Common& c, std::string_view to, std::string_view subject, std::string_view reply_to,
                 bool auto_replied, std::string_view from) {
    std::string h;
    h += field("From", from.empty() ? c.list.suffixed("request") : from);
    h += field("To", to);
    h += field("Subject", subject);
    h += field("Date", rfc5322_date(c.now));
    h += field("Message-ID", message_id(c));
    if (!c.in_reply_to.empty() && auto_replied) h += field("In-Reply-To", c.in_reply_to);
    if (!reply_to.empty()) h += field("Reply-To", reply_to);
    h += field("Auto-Submitted", auto_replied ? "auto-replied" : "auto-generated");
    h += field("Precedence", "bulk");
    h += field("X-List-Administrivia", "yes");
    h += field("List-Id", "<" + c.list.list_id() + ">");
    h += field("MIME-Version", "1.0");
    return h;
}

std::string charset_of(std::string_view text) {
    for (char ch : text)
        if (static_cast<unsigned char>(ch) >= 0x80) return "utf-8";
    return "us-ascii";
}

// LIST-confirm+TOKEN@host: where a reply to a confirmation goes.
std::string confirm_address(const Settings& l, std::string_view token) {
    return l.name + "-confirm+" + std::string(token) + "@" + l.host;
}

}  // namespace

Message make(const Common& c, std::string_view to, std::string_view subject, std::string_view body,
             std::string_view reply_to, bool auto_replied, std::string_view from) {
    std::string cs = charset_of(body);
    std::string text = head(c, to, subject, reply_to, auto_replied, from);
    text += field("Content-Type", fmt::format("text/plain; charset=\"{}\"", cs));
    text += field("Content-Transfer-Encoding", cs == "us-ascii" ? "7bit" : "8bit");
    text += "\n";
    text += body;
    if (!text.empty() && text.back() != '\n') text += '\n';
    return {std::string(to), std::move(text)};
}

Message make_with_attachment(const Common& c, std::string_view to, std::string_view subject, std::string_view body,
                             std::string_view attached, std::string_view reply_to, bool auto_replied) {
    std::string boundary;
    for (int n = 0;; ++n) {
        boundary = fmt::format("=_listman_notice_{}", n);
        if (attached.find(boundary) == std::string_view::npos && body.find(boundary) == std::string_view::npos) break;
    }
    std::string cs = charset_of(body);
    std::string text = head(c, to, subject, reply_to, auto_replied, {});
    text += field("Content-Type", fmt::format("multipart/mixed; boundary=\"{}\"", boundary));
    text += "\n";
    text += fmt::format("--{}\nContent-Type: text/plain; charset=\"{}\"\nContent-Transfer-Encoding: {}\n\n{}", boundary, cs,
                        cs == "us-ascii" ? "7bit" : "8bit", body);
    if (text.back() != '\n') text += '\n';
    text += fmt::format("--{}\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n", boundary);
    text += attached;
    if (text.back() != '\n') text += '\n';
    text += fmt::format("--{}--\n", boundary);
    return {std::string(to), std::move(text)};
}

Message confirm_subscribe(const Common& c, std::string_view address, std::string_view token,
                          std::string_view requester) {
    const Settings& l = c.list;
    std::string by = requester.empty() || requester == address ? "" : fmt::format(" from {}", requester);
    std::string body = fmt::format(
        "Mailing list subscription confirmation notice for mailing list {name}\n\n"
        "We have received a request{by} for subscription of your email\n"
        "address, \"{addr}\", to the {list} mailing list.  To confirm\n"
        "that you want to be added to this mailing list, simply reply to this\n"
        "message, keeping the Subject: header intact.\n\n"
        "Or include the following line -- and only the following line -- in a\n"
        "message to {request}:\n\n"
        "    confirm {token}\n\n"
        "Note that simply sending a `reply' to this message should work from\n"
        "most mail readers, since that usually leaves the Subject: line in\n"
        "the right form (additional \"Re:\" text in the Subject: is okay).\n\n"
        "If you do not wish to be subscribed to this list, please simply\n"
        "disregard this message.  If you think you are being maliciously\n"
        "subscribed to the list, or have any other questions, send them to\n"
        "{owner}.\n",
        fmt::arg("name", l.name), fmt::arg("by", by), fmt::arg("addr", address), fmt::arg("list", l.address()),
        fmt::arg("request", l.suffixed("request")), fmt::arg("token", token), fmt::arg("owner", l.suffixed("owner")));
    return make(c, address, fmt::format("confirm {}", token), body, confirm_address(l, token),
                requester.empty() || requester == address);
}

Message confirm_unsubscribe(const Common& c, std::string_view address, std::string_view token,
                            std::string_view requester) {
    const Settings& l = c.list;
    std::string by = requester.empty() || requester == address ? "" : fmt::format(" from {}", requester);
    std::string body = fmt::format(
        "Mailing list removal confirmation notice for mailing list {name}\n\n"
        "We have received a request{by} for the removal of your email\n"
        "address, \"{addr}\", from the {list} mailing list.  To confirm\n"
        "that you want to be removed from this mailing list, simply reply to\n"
        "this message, keeping the Subject: header intact.\n\n"
        "Or include the following line -- and only the following line -- in a\n"
        "message to {request}:\n\n"
        "    confirm {token}\n\n"
        "If you do not wish to be removed from this list, please simply\n"
        "disregard this message.  If you have any questions, send them to\n"
        "{owner}.\n",
        fmt::arg("name", l.name), fmt::arg("by", by), fmt::arg("addr", address), fmt::arg("list", l.address()),
        fmt::arg("request", l.suffixed("request")), fmt::arg("token", token), fmt::arg("owner", l.suffixed("owner")));
    return make(c, address, fmt::format("confirm {}", token), body, confirm_address(l, token),
                requester.empty() || requester == address);
}

Message welcome(const Common& c, std::string_view address) {
    const Settings& l = c.list;
    std::string body = fmt::format(
        "Welcome to the {name} mailing list!\n\n"
        "To post to this list, send your message to:\n\n"
        "  {list}\n\n"
        "You can unsubscribe or change your options by email: send a message\n"
        "with the word `help' in the subject or body to\n\n"
        "  {request}\n\n"
        "and you will get back a message with instructions.  To leave the\n"
        "list, send any message to {leave}.\n",
        fmt::arg("name", l.name), fmt::arg("list", l.address()), fmt::arg("request", l.suffixed("request")),
        fmt::arg("leave", l.suffixed("leave")));
    return make(c, address, fmt::format("Welcome to the \"{}\" mailing list", l.name), body, {}, false);
}

Message goodbye(const Common& c, std::string_view address) {
    const Settings& l = c.list;
    std::string body = fmt::format(
        "You have been unsubscribed from the {name} mailing list; you will get\n"
        "no more mail from it.  To join again, send any message to {join}.\n",
        fmt::arg("name", l.name), fmt::arg("join", l.suffixed("join")));
    return make(c, address, fmt::format("You have been unsubscribed from the {} mailing list", l.name), body, {},
                false);
}

Message already_pending(const Common& c, std::string_view requester, std::string_view address) {
    std::string body = fmt::format(
        "A confirmation request for {addr} to join the {name} mailing list is\n"
        "already waiting for an answer; no new one was sent.  It expires three\n"
        "days after it was sent.\n",
        fmt::arg("addr", address), fmt::arg("name", c.list.name));
    return make(c, requester, fmt::format("Subscription to {} already pending", c.list.name), body);
}

Message bad_token(const Common& c, std::string_view to, std::string_view token, bool expired) {
    std::string body = fmt::format(
        "The confirmation string\n\n    {}\n\nis not valid: {}.\n"
        "Nothing was changed.  For help, send `help' to {}.\n",
        token.empty() ? std::string("(none found)") : std::string(token),
        expired ? "it has expired" : "it is unknown, already used or expired", c.list.suffixed("request"));
    return make(c, to, fmt::format("Invalid confirmation for the {} mailing list", c.list.name), body);
}

Message held_for_moderator(const Common& c, std::string_view moderator, std::string_view token, std::string_view poster,
                           std::string_view subject, std::string_view reason, std::string_view post) {
    const Settings& l = c.list;
    std::string body = fmt::format(
        "As list administrator, your authorization is requested for the\n"
        "following mailing list posting:\n\n"
        "    List:    {list}\n"
        "    From:    {from}\n"
        "    Subject: {subject}\n"
        "    Reason:  {reason}\n\n"
        "To approve it, simply reply to this message (the reply goes to\n"
        "{confirm}), or send\n\n"
        "    approve {token}\n\n"
        "to {request}.  To reject it with a notice to the poster, send\n"
        "`reject {token}'; to drop it silently, `discard {token}'.\n"
        "The post is attached.\n",
        fmt::arg("list", l.address()), fmt::arg("from", poster), fmt::arg("subject", subject), fmt::arg("reason", reason),
        fmt::arg("confirm", confirm_address(l, token)), fmt::arg("token", token),
        fmt::arg("request", l.suffixed("request")));
    return make_with_attachment(c, moderator, fmt::format("confirm {}", token), body, post,
                                confirm_address(l, token), false);
}

Message held_for_poster(const Common& c, std::string_view poster, std::string_view subject, std::string_view reason) {
    std::string body = fmt::format(
        "Your mail to '{name}' with the subject\n\n    {subject}\n\n"
        "is being held until the list moderator can review it for approval.\n\n"
        "The reason it is being held:\n\n    {reason}\n\n"
        "Either the message will get posted to the list, or you will receive\n"
        "notification of the moderator's decision.\n",
        fmt::arg("name", c.list.name), fmt::arg("subject", subject), fmt::arg("reason", reason));
    return make(c, poster, fmt::format("Your message to {} awaits moderator approval", c.list.name), body);
}

Message rejected(const Common& c, std::string_view poster, std::string_view subject, std::string_view reason) {
    std::string body = fmt::format(
        "Your message to the {name} mailing list with the subject\n\n    {subject}\n\n"
        "was not posted:\n\n    {reason}\n\nQuestions go to {owner}.\n",
        fmt::arg("name", c.list.name), fmt::arg("subject", subject), fmt::arg("reason", reason),
        fmt::arg("owner", c.list.suffixed("owner")));
    return make(c, poster, fmt::format("Your message to {} was rejected", c.list.name), body);
}

Message approval_request(const Common& c, std::string_view owner, std::string_view token, std::string_view address) {
    const Settings& l = c.list;
    std::string body = fmt::format(
        "{addr} asks to join the {name} mailing list, which needs an owner's\n"
        "approval.  To approve, reply to this message or send\n\n"
        "    approve {token}\n\n"
        "to {request}; to refuse, send `reject {token}'.\n",
        fmt::arg("addr", address), fmt::arg("name", l.name), fmt::arg("token", token),
        fmt::arg("request", l.suffixed("request")));
    return make(c, owner, fmt::format("confirm {}", token), body, confirm_address(l, token),
                false);
}

Message disabled(const Common& c, std::string_view member, int64_t score_half_points) {
    std::string body = fmt::format(
        "Your membership in the {name} mailing list has been disabled because\n"
        "mail to you has bounced too often (bounce score {score:.1f}).\n"
        "You will get no list mail until you re-enable it: send\n\n"
        "    set nomail off\n\n"
        "to {request}.  Questions go to {owner}.\n",
        fmt::arg("name", c.list.name), fmt::arg("score", static_cast<double>(score_half_points) / 2.0),
        fmt::arg("request", c.list.suffixed("request")), fmt::arg("owner", c.list.suffixed("owner")));
    return make(c, member, fmt::format("Your membership in {} has been disabled", c.list.name), body, {}, false);
}

Message no_more_today(const Common& c, std::string_view sender, int64_t count) {
    std::string body = fmt::format(
        "We have received a message from your address <{addr}> requesting an\n"
        "automated response from the {name} mailing list.\n\n"
        "We have seen {count} such messages from you today.  In order to avoid\n"
        "problems such as mail loops between email robots, we will not be\n"
        "sending you any further email responses today.  Please try again\n"
        "tomorrow.\n\n"
        "If you believe this message is in error, or if you have any questions,\n"
        "please contact the list owner at {owner}.\n",
        fmt::arg("addr", sender), fmt::arg("name", c.list.name), fmt::arg("count", count),
        fmt::arg("owner", c.list.suffixed("owner")));
    return make(c, sender, fmt::format("Last autoresponse notification for today"), body);
}

}  // namespace mail::lists::notice
