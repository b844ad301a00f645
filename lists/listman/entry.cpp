// entry.cpp — see entry.h and docs/lists.md.
#include "lists/listman/entry.h"

#include "libmail/log/log.h"
#include "libmail/message/header.h"
#include "libmail/mime/rfc2047.h"
#include "libmail/util/strings.h"
#include "lists/bounce/bounce.h"
#include "lists/listman/actions.h"
#include "lists/listman/dmarc.h"
#include "lists/post/post.h"
#include "lists/request/request.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

namespace mail::lists {

namespace {

constexpr std::string_view k_entries[] = {"post",  "request",     "join",    "subscribe", "leave",
                                          "unsubscribe", "confirm", "owner",   "bounces"};

int exit_for(const Error& e) {
    // Database trouble and a failing sendmail are worth another try; the
    // MTA keeps the message.
    return e.exit_code == EX_DATAERR || e.exit_code == EX_NOUSER || e.exit_code == EX_USAGE ? e.exit_code : EX_TEMPFAIL;
}

// The +detail of the recipient for `local` ("team-confirm+TOKEN@host" →
// "TOKEN"), or "".
std::string detail_of(std::string_view recipient, std::string_view local) {
    std::string r = to_lower(recipient);
    if (auto lt = r.find('<'); lt != std::string::npos) r = r.substr(lt + 1, r.find('>', lt) - lt - 1);
    std::string want = to_lower(local) + "+";
    if (r.rfind(want, 0) != 0) return "";
    std::string rest = r.substr(want.size());
    return rest.substr(0, rest.rfind('@'));
}

// A token in "Re: confirm TOKEN" or in the first lines of the body.
std::string token_in(const post::Parsed& p) {
    auto scan = [](std::string_view text) -> std::string {
        std::string lower = to_lower(text);
        for (size_t at = lower.find("confirm"); at != std::string::npos; at = lower.find("confirm", at + 1)) {
            size_t i = at + 7;
            while (i < lower.size() && (lower[i] == ' ' || lower[i] == '\t' || lower[i] == '+' || lower[i] == ':')) ++i;
            std::string_view cand = std::string_view(lower).substr(i, 32);
            if (looks_like_token(cand)) return std::string(cand);
        }
        return "";
    };
    std::string t = scan(mime::decode_header(post::header_value(p.headers, "Subject")));
    if (t.empty()) t = scan(std::string_view(p.body).substr(0, 4096));
    return t;
}

struct Incoming {
    post::Parsed parsed;
    Requester who;
};

// Parses the message and decides whether an automatic answer may go out.
// Returns nothing (and logs) when the message must get no reply.
std::optional<Incoming> incoming(const Settings& l, const Delivery& d, std::string_view entry, int* status) {
    auto parsed = post::parse(d.message);
    if (!parsed) {
        log::notice("{}: {} from {}: unreadable message: {}", l.name, entry, d.sender, parsed.error().message);
        *status = EX_DATAERR;
        return std::nullopt;
    }
    auto decision = request::may_auto_reply(d.message, d.sender, l.address());
    if (!decision.reply) {
        log::info("{}: {} from {} ignored: {}", l.name, entry, d.sender.empty() ? "<>" : d.sender, decision.why);
        *status = 0;
        return std::nullopt;
    }
    Incoming in{std::move(*parsed), {}};
    in.who.address = post::poster(in.parsed.headers, d.sender).address;
    in.who.message_id = post::header_value(in.parsed.headers, "Message-ID");
    if (in.who.address.find('@') == std::string::npos) {
        log::info("{}: {} from {} ignored: no usable sender address", l.name, entry, d.sender);
        *status = 0;
        return std::nullopt;
    }
    return in;
}

// --- post ---------------------------------------------------------------

int do_post(App& app, const Settings& l, const Delivery& d) {
    auto parsed = post::parse(d.message);
    if (!parsed) {
        log::notice("{}: post from {} refused: {}", l.name, d.sender, parsed.error().message);
        fmt::print(stderr, "listman: the message has no readable header section\n");
        return EX_DATAERR;
    }
    const message::Headers& h = parsed->headers;
    if (post::been_there(h, l.address())) {
        log::notice("{}: post from {} discarded: it has been through this list already (X-BeenThere)", l.name, d.sender);
        return 0;
    }
    const post::Poster who = post::poster(h, d.sender);
    auto member = app.store->find_member(l.name, who.address);
    if (!member) return exit_for(member.error());
    auto moderator = app.store->is_owner(l.name, who.address, true);
    if (!moderator) return exit_for(moderator.error());
    const std::string subject = [&] {
        std::string s = post::subject_line(h);
        return s.empty() ? std::string("(no subject)") : s;
    }();
    // Whether the poster may be told anything (asked at most once).
    std::optional<bool> answerable;
    auto may_answer = [&] {
        if (!answerable) answerable = request::may_auto_reply(d.message, d.sender, l.address()).reply;
        return *answerable;
    };

    std::string reason;
    if (l.post_policy == "announce" && !*moderator) reason = "Only the moderators may post to this announce-only list";
    else if (l.post_policy == "moderated" && !*moderator) reason = "All posts to this list are moderated";
    else if (*member && (*member)->moderated) reason = "Your posts to this list are moderated";
    else if (!*member && !*moderator && l.post_policy == "members") {
        if (l.nonmember_action == "discard") {
            log::notice("{}: post from nonmember {} discarded", l.name, who.address);
            return 0;
        }
        if (l.nonmember_action == "reject") {
            log::notice("{}: post from nonmember {} rejected", l.name, who.address);
            if (may_answer())
                reply(app, l, notice::rejected({l, app.now(), post::header_value(h, "Message-ID")}, who.address, subject,
                                               "Only members may post to this list."));
            return 0;
        }
        if (l.nonmember_action == "hold") reason = "Post by non-member to a members-only list";
    }
    if (reason.empty() && l.max_message_size > 0 && static_cast<int64_t>(d.message.size()) > l.max_message_size)
        reason = fmt::format("Message body is too big: {} bytes with a limit of {} bytes", d.message.size(),
                             l.max_message_size);
    if (reason.empty() && l.max_recipients > 0 && static_cast<int64_t>(post::recipient_count(h)) > l.max_recipients)
        reason = fmt::format("Too many recipients to the message ({}; the limit is {})", post::recipient_count(h),
                             l.max_recipients);
    DmarcVerdict verdict = dmarc_verdict(app, l, who.address);
    if (reason.empty() && verdict == DmarcVerdict::Reject) {
        log::notice("{}: post from {} rejected: DMARC policy of its domain", l.name, who.address);
        if (may_answer())
            reply(app, l, notice::rejected({l, app.now(), post::header_value(h, "Message-ID")}, who.address, subject,
                                           "Your domain's DMARC policy does not allow this list to send your mail on."));
        return 0;
    }
    if (reason.empty() && verdict == DmarcVerdict::Discard) {
        log::notice("{}: post from {} discarded: DMARC policy of its domain", l.name, who.address);
        return 0;
    }

    if (!reason.empty()) {
        if (Status s = app.store->begin(); !s) return exit_for(s.error());
        auto id = app.store->hold(Held{0, l.name, who.address, subject, reason, app.now(), d.message});
        if (!id) {
            app.store->rollback();
            return exit_for(id.error());
        }
        auto token = app.store->create_pending(
            Pending{l.name, who.address, Action::Held, who.address, app.now(), app.now() + k_held_life, *id});
        if (!token) {
            app.store->rollback();
            return exit_for(token.error());
        }
        if (Status s = app.store->commit(); !s) return exit_for(s.error());
        log::notice("{}: post from {} held ({}): {}", l.name, who.address, *id, reason);
        tell_owners(app, l, [&](const std::string& mod) {
            return notice::held_for_moderator({l, app.now(), {}}, mod, *token, who.address, subject, reason, d.message);
        }, true);
        if (may_answer())
            reply(app, l, notice::held_for_poster({l, app.now(), post::header_value(h, "Message-ID")}, who.address, subject, reason));
        return 0;
    }

    auto seq = accept_post(app, l, d.message, d.sender);
    if (!seq) return exit_for(seq.error());
    // The post is durable: the MTA may go.  The fan-out continues in a
    // detached child (a big list must not hold the MTA's delivery), and
    // `listman run` finishes it if that child dies.
    if (app.background) {
        app.store.reset();  // an SQLite connection must not cross fork()
        pid_t pid = ::fork();
        if (pid != 0) return 0;  // parent (or fork failed: `listman run` will send it)
        ::setsid();
        int null = ::open("/dev/null", O_RDWR);
        if (null >= 0) {
            ::dup2(null, 0);
            ::dup2(null, 1);
            ::dup2(null, 2);
            if (null > 2) ::close(null);
        }
        auto store = Store::open(app.lists_dir);
        if (!store) _exit(EX_TEMPFAIL);
        app.store = std::make_unique<Store>(std::move(*store));
        Status s = fan_out(app, l, *seq);
        if (s) (void)maybe_send_digest(app, l, false);
        _exit(s ? 0 : EX_TEMPFAIL);
    }
    if (Status s = fan_out(app, l, *seq); !s) {
        // Accepted and stored: the MTA must not send it again; `listman run`
        // finishes it.
        log::error("{}: post {} will be finished by `listman run`: {}", l.name, *seq, s.error().message);
        return 0;
    }
    if (Status s = maybe_send_digest(app, l, false); !s) log::error("{}: digest: {}", l.name, s.error().message);
    return 0;
}

// --- request ------------------------------------------------------------

std::vector<std::string> info_lines(App& app, const Settings& l) {
    auto n = app.store->count_members(l.name);
    return {fmt::format("{} mailing list -- {}", l.name, l.description.empty() ? l.address() : l.description),
            fmt::format("To post to this list, send your message to {}.", l.address()),
            fmt::format("Subscription: {}; posting: {}; members: {}.", l.subscribe_policy, l.post_policy,
                        n ? std::to_string(*n) : "?")};
}

// The proceed side of the LIST-request commands (the engine checks them).
class RequestHandler : public request::Handler {
public:
    RequestHandler(App& app, const Settings& l, const Incoming& in) : m_app(app), m_l(l), m_in(in) {}

    bool is_moderator() override {
        auto r = m_app.store->is_owner(m_l.name, m_in.who.address, true);
        return r && *r;
    }

    std::vector<std::string> proceed(const request::Command& c) override {
        using request::Verb;
        auto opt = [&](const char* k) {
            auto it = c.options.find(k);
            return it == c.options.end() ? std::string() : it->second;
        };
        App& app = m_app;
        const Settings& l = m_l;
        const Incoming& in = m_in;
        switch (c.verb) {
        case Verb::Help: return split(request::help_text(l.name, l.suffixed("request"), l.suffixed("owner")), "\n", false);
        case Verb::Info: return info_lines(app, l);
        case Verb::Lists: {
            std::vector<std::string> out;
            auto all = app.store->lists();
            if (!all) return {fmt::format("Error: {}", all.error().message)};
            for (const auto& x : *all) out.push_back(fmt::format("{}  {}", x.address(), x.description));
            return out;
        }
        case Verb::Who: {
            auto member = app.store->find_member(l.name, in.who.address);
            bool may = l.roster == "public" || is_moderator() ||
                       (l.roster == "members" && member && member->has_value());
            if (!may) return {"The member list of this list is not available to you."};
            std::vector<std::string> out;
            (void)app.store->for_each_member(l.name, [&](const Member& m) {
                out.push_back(m.address);
                return true;
            });
            return out;
        }
        case Verb::Subscribe: {
            std::string addr = opt("address").empty() ? in.who.address : key_of(opt("address"));
            return subscribe(app, l, in.who, addr, opt("digest") == "on" ? k_digest_mime : 0);
        }
        case Verb::Unsubscribe: {
            std::string addr = opt("address").empty() ? in.who.address : key_of(opt("address"));
            return unsubscribe(app, l, in.who, addr);
        }
        case Verb::Set: {
            auto m = app.store->find_member(l.name, in.who.address);
            if (!m) return {fmt::format("Error: {}", m.error().message)};
            if (!*m) return {fmt::format("{} is not a member of the {} list.", in.who.address, l.name)};
            Member u = **m;
            std::string what = !opt("digest").empty() ? "digest" : "nomail";
            const std::string value = opt(what.c_str());
            const bool on = value != "off";
            if (what == "digest") {
                u.digest = value == "plain" ? k_digest_plain : on ? k_digest_mime : 0;
            } else {
                u.nomail = on;
                if (!on && u.disabled) {  // re-enabling after bounces
                    u.disabled = 0;
                    u.notices = 0;
                    (void)app.store->clear_bounces(l.name, u.address);
                }
            }
            if (Status s = app.store->update_member(l.name, u); !s) return {fmt::format("Error: {}", s.error().message)};
            return {fmt::format("{} set to {} for {}.", what, value, u.address)};
        }
        case Verb::Confirm: return confirm(app, l, in.who, opt("token"));
        case Verb::Approve: return decide(app, l, in.who, opt("token"), Decision::Approve);
        case Verb::Reject: return decide(app, l, in.who, opt("token"), Decision::Reject);
        case Verb::Discard: return decide(app, l, in.who, opt("token"), Decision::Discard);
        case Verb::Echo:
        case Verb::End: return {};
        }
        return {};
    }

private:
    App& m_app;
    const Settings& m_l;
    const Incoming& m_in;
};

int do_request(App& app, const Settings& l, const Delivery& d) {
    int status = 0;
    auto in = incoming(l, d, "request", &status);
    if (!in) return status;
    request::Parsed parsed = request::parse(d.message);
    RequestHandler handler(app, l, *in);
    std::vector<request::Outcome> results = request::run(parsed, handler);
    log::info("{}: request from {}: {} command(s), {} unprocessed", l.name, in->who.address, results.size(),
              parsed.unprocessed.size());
    std::string body = request::format_reply(results, parsed.unprocessed, parsed.ignored);
    notice::Common c{l, app.now(), in->who.message_id};
    reply(app, l, notice::make_with_attachment(c, in->who.address, "The results of your email commands", body,
                                               std::string_view(d.message).substr(0, 64 * 1024), {}, true));
    return 0;
}

// --- join, leave, confirm, owner, bounces --------------------------------

int do_join(App& app, const Settings& l, const Delivery& d) {
    int status = 0;
    auto in = incoming(l, d, "join", &status);
    if (!in) return status;
    subscribe(app, l, in->who, in->who.address, false);
    return 0;
}

int do_leave(App& app, const Settings& l, const Delivery& d) {
    int status = 0;
    auto in = incoming(l, d, "leave", &status);
    if (!in) return status;
    unsubscribe(app, l, in->who, in->who.address);
    return 0;
}

int do_confirm(App& app, const Settings& l, const Delivery& d) {
    int status = 0;
    auto in = incoming(l, d, "confirm", &status);
    if (!in) return status;
    std::string token = detail_of(d.recipient, l.name + "-confirm");
    if (token.empty()) token = token_in(in->parsed);
    if (token.empty() || !looks_like_token(token)) {
        reply(app, l, notice::bad_token({l, app.now(), in->who.message_id}, in->who.address, token, false));
        return 0;
    }
    auto peek = app.store->peek_token(token, app.now());
    if (!peek) return exit_for(peek.error());
    if (peek->first != TokenState::Valid || peek->second.list != l.name) {
        log::info("{}: {} confirmation from {}", l.name, peek->first == TokenState::Expired ? "expired" : "unknown",
                  in->who.address);
        reply(app, l, notice::bad_token({l, app.now(), in->who.message_id}, in->who.address, token,
                                        peek->first == TokenState::Expired));
        return 0;
    }
    Lines out = confirm(app, l, in->who, token);
    // A moderator's reply that was refused gets the reason back.
    if (!out.empty() && (out[0].rfind("Only the list", 0) == 0 || out[0].rfind("Error", 0) == 0))
        reply(app, l, notice::make({l, app.now(), in->who.message_id}, in->who.address,
                                   "Your confirmation was not accepted", join(out, "\n") + "\n"));
    return 0;
}

int do_owner(App& app, const Settings& l, const Delivery& d) {
    auto parsed = post::parse(d.message);
    if (parsed && post::been_there(parsed->headers, l.suffixed("owner"))) {
        log::notice("{}: owner mail from {} discarded: loop", l.name, d.sender);
        return 0;
    }
    auto owners = app.store->owners(l.name);
    if (!owners) return exit_for(owners.error());
    std::vector<std::string> to;
    for (const auto& [a, role] : *owners)
        if (role == "owner") to.push_back(a);
    if (to.empty()) {
        log::warning("{}: mail for the owner from {} has nobody to go to", l.name, d.sender);
        return EX_NOUSER;
    }
    std::string text = message::fold("X-BeenThere", l.suffixed("owner")) + "\n" + d.message;
    if (Status s = app.mailer->send(Envelope{l.suffixed("bounces"), to, false}, text); !s) return exit_for(s.error());
    log::info("{}: owner mail from {} forwarded to {} owner(s)", l.name, d.sender, to.size());
    return 0;
}

int do_bounces(App& app, const Settings& l, const Delivery& d) {
    bounce::Report report = bounce::parse(d.message);
    std::string post_key = !report.list_sequence.empty() ? report.list_sequence : report.original_message_id;
    auto verp = bounce::verp_member(d.recipient, l.name + "-bounces");
    if (verp) {
        // VERP names the member whatever the bounce says; a delay notice
        // (a DSN whose only action is "delayed") is not a bounce.
        bool hard = true;
        if (report.is_bounce && !report.bounces.empty())
            hard = std::any_of(report.bounces.begin(), report.bounces.end(),
                               [](const bounce::Bounce& b) { return b.severity == bounce::Severity::Hard; });
        if (!report.is_bounce && report.format == "dsn") {
            log::info("{}: delay notice for {} ignored", l.name, *verp);
            return 0;
        }
        record_bounce(app, l, key_of(*verp), hard, post_key);
        return 0;
    }
    if (!report.is_bounce || report.bounces.empty()) {
        log::info("{}: mail to the bounce address from {} is not a bounce; ignored", l.name,
                  d.sender.empty() ? "<>" : d.sender);
        return 0;
    }
    for (const auto& b : report.bounces)
        record_bounce(app, l, key_of(b.address), b.severity == bounce::Severity::Hard, post_key);
    return 0;
}

}  // namespace

bool is_entry(std::string_view name) {
    return std::find(std::begin(k_entries), std::end(k_entries), name) != std::end(k_entries);
}

int run_entry(App& app, std::string_view entry, std::string_view list, const Delivery& d) {
    auto l = need_list(app, list);
    if (!l) {
        fmt::print(stderr, "listman: {}\n", l.error().message);
        log::notice("{} {}: {}", entry, message::excerpt(list), l.error().message);
        return l.error().exit_code == EX_NOUSER ? EX_NOUSER : exit_for(l.error());
    }
    if (entry == "post") return do_post(app, *l, d);
    if (entry == "request") return do_request(app, *l, d);
    if (entry == "join" || entry == "subscribe") return do_join(app, *l, d);
    if (entry == "leave" || entry == "unsubscribe") return do_leave(app, *l, d);
    if (entry == "confirm") return do_confirm(app, *l, d);
    if (entry == "owner") return do_owner(app, *l, d);
    if (entry == "bounces") return do_bounces(app, *l, d);
    return EX_USAGE;
}

namespace {

// Members disabled by bounces: another notice every 7 days until
// bounce_notices have gone out, then, 7 days after the last, removal
// (Mailman's defaults: 3 notices, a week apart).
Status remind_disabled(App& app, const Settings& l) {
    constexpr std::time_t k_week = 7 * 86400;
    std::vector<Member> disabled;
    Status listed = app.store->for_each_member(l.name, [&](const Member& m) {
        if (m.disabled != 0) disabled.push_back(m);
        return true;
    });
    if (!listed) return listed;
    for (Member m : disabled) {
        if (app.now() < m.disabled + std::max<int64_t>(1, m.notices) * k_week) continue;
        if (m.notices < l.bounce_notices) {
            ++m.notices;
            if (Status s = app.store->update_member(l.name, m); !s) return s;
            reply(app, l, notice::disabled({l, app.now(), {}}, m.address, l.bounce_threshold * 2));
            log::info("{}: notice {} of {} to disabled member {}", l.name, m.notices, l.bounce_notices, m.address);
            continue;
        }
        auto removed = app.store->remove_member(l.name, m.address);
        if (!removed) return removed.error();
        log::notice("{}: {} removed: delivery disabled by bounces and {} notices unanswered", l.name, m.address,
                    m.notices);
        tell_owners(app, l, [&](const std::string& o) {
            return notice::make({l, app.now(), {}}, o, fmt::format("{}: {} removed after bounces", l.name, m.address),
                                fmt::format("Mail to {} kept bouncing; after {} notices it has been removed\n"
                                            "from the {} list.\n",
                                            m.address, m.notices, l.name),
                                {}, false);
        }, false);
    }
    return {};
}

}  // namespace

int run_maintenance(App& app) {
    int status = 0;
    if (Status s = app.store->expire_pending(app.now()); !s) status = exit_for(s.error());
    auto posts = app.store->unfinished_posts(app.now() - 600);
    if (!posts) return exit_for(posts.error());
    for (const auto& p : *posts) {
        auto l = need_list(app, p.list);
        if (!l) continue;
        if (Status s = fan_out(app, *l, p.seq); !s) status = EX_TEMPFAIL;
    }
    auto lists = app.store->lists();
    if (!lists) return exit_for(lists.error());
    for (const auto& l : *lists) {
        if (Status s = maybe_send_digest(app, l, false); !s) status = EX_TEMPFAIL;
        if (Status s = remind_disabled(app, l); !s) status = exit_for(s.error());
    }
    return status;
}

}  // namespace mail::lists
