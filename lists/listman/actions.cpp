// actions.cpp — see actions.h and docs/lists.md.
#include "lists/listman/actions.h"

#include "libmail/log/log.h"
#include "libmail/mailbox/lock.h"
#include "libmail/message/header.h"
#include "libmail/mime/rfc2047.h"
#include "libmail/util/strings.h"
#include "lists/archive/archive.h"
#include "lists/listman/dmarc.h"
#include "lists/post/post.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>

namespace mail::lists {

namespace {

constexpr std::time_t k_confirm_life = 3 * 86400;
constexpr size_t k_fanout_chunk = 10000;  // recipients between progress records

notice::Common common(App& app, const Settings& l, const Requester& r) { return {l, app.now(), r.message_id}; }

std::string one_line(std::string_view s) {
    std::string out;
    for (char c : s) out += (c == '\n' || c == '\r') ? ' ' : c;
    return std::string(trim(out)).substr(0, 200);
}

std::string subject_of(const message::Headers& h) {
    return h.find("Subject") ? post::subject_line(h) : "(no subject)";
}

std::string shown_token(std::string_view t) { return looks_like_token(t) ? std::string(t) : message::excerpt(t); }

}  // namespace

bool reply(App& app, const Settings& l, const notice::Message& m) {
    if (m.to.empty() || m.to.find('@') == std::string::npos) return false;
    auto n = app.store->count_autoresponse(l.name, m.to, app.today());
    if (!n) {
        log::error("{}: cannot count replies to {}: {}", l.name, m.to, n.error().message);
        return false;
    }
    const notice::Message* send = &m;
    notice::Message last;
    if (*n > l.autoresponse_limit) {
        if (*n != l.autoresponse_limit + 1) {
            log::info("{}: no reply to {}: {} automatic replies today", l.name, m.to, *n - 1);
            return false;
        }
        last = notice::no_more_today({l, app.now(), {}}, m.to, *n - 1);
        send = &last;
    }
    Status s = app.mailer->send(Envelope{l.suffixed("bounces"), {send->to}, false}, send->text);
    if (!s) log::error("{}: cannot send to {}: {}", l.name, send->to, s.error().message);
    return s.ok() && send == &m;
}

void tell_owners(App& app, const Settings& l, const std::function<notice::Message(const std::string&)>& make,
                 bool moderators) {
    auto owners = app.store->owners(l.name);
    if (!owners) {
        log::error("{}: {}", l.name, owners.error().message);
        return;
    }
    bool any = false;
    for (const auto& [addr, role] : *owners) {
        if (role != "owner" && !moderators) continue;
        notice::Message m = make(addr);
        Status s = app.mailer->send(Envelope{l.suffixed("bounces"), {addr}, false}, m.text);
        if (!s) log::error("{}: cannot send to {}: {}", l.name, addr, s.error().message);
        any = true;
    }
    if (!any) log::warning("{}: the list has no owner to tell", l.name);
}

Lines subscribe(App& app, const Settings& l, const Requester& r, const std::string& address, int digest) {
    const std::string who = key_of(address);
    auto member = app.store->find_member(l.name, who);
    if (!member) return {fmt::format("Error: {}", member.error().message)};
    if (*member) return {fmt::format("{} is already a member of the {} list.", who, l.name)};
    if (l.subscribe_policy == "open") {
        Member m{who, std::string(address), app.now(), digest};
        auto added = app.store->add_member(l.name, m);
        if (!added) return {fmt::format("Error: {}", added.error().message)};
        log::info("{}: {} subscribed (open list)", l.name, who);
        reply(app, l, notice::welcome(common(app, l, r), who));
        return {fmt::format("{} has been subscribed to the {} list.", who, l.name)};
    }
    const Action action = l.subscribe_policy == "approve" ? Action::Approve : Action::Subscribe;
    auto pending = app.store->find_pending(l.name, who, action, app.now());
    if (!pending) return {fmt::format("Error: {}", pending.error().message)};
    if (*pending) {
        // One pending request per address: a second request sends nothing
        // to the address (subscription bombing gets one mail per 3 days).
        log::info("{}: subscription of {} already pending; nothing sent", l.name, who);
        return {fmt::format("A confirmation request for {} is already pending; no new one was sent.", who)};
    }
    Pending p{l.name, who, action, r.address, app.now(), app.now() + k_confirm_life, 0, digest};
    auto token = app.store->create_pending(p);
    if (!token) return {fmt::format("Error: {}", token.error().message)};
    if (action == Action::Approve) {
        tell_owners(app, l, [&](const std::string& o) {
            return notice::approval_request(common(app, l, r), o, *token, who);
        }, false);
        log::info("{}: subscription of {} awaits an owner's approval", l.name, who);
        return {fmt::format("Your subscription request for {} awaits the approval of the list owner.", who)};
    }
    reply(app, l, notice::confirm_subscribe(common(app, l, r), who, *token, r.address));
    log::info("{}: confirmation sent to {} (requested by {})", l.name, who, r.address.empty() ? "admin" : r.address);
    return {fmt::format("A confirmation request has been sent to {}.", who)};
}

Lines unsubscribe(App& app, const Settings& l, const Requester& r, const std::string& address) {
    const std::string who = key_of(address);
    auto member = app.store->find_member(l.name, who);
    if (!member) return {fmt::format("Error: {}", member.error().message)};
    if (!*member) return {fmt::format("{} is not a member of the {} list.", who, l.name)};
    // The member asking from their own address leaves at once, as with
    // Mailman's `leave`; anyone else's request is confirmed by the member.
    if (!r.address.empty() && r.address == who) {
        auto removed = app.store->remove_member(l.name, who);
        if (!removed) return {fmt::format("Error: {}", removed.error().message)};
        log::info("{}: {} unsubscribed", l.name, who);
        reply(app, l, notice::goodbye(common(app, l, r), who));
        return {fmt::format("{} has been unsubscribed from the {} list.", who, l.name)};
    }
    auto pending = app.store->find_pending(l.name, who, Action::Unsubscribe, app.now());
    if (!pending) return {fmt::format("Error: {}", pending.error().message)};
    if (*pending) return {fmt::format("A removal request for {} is already pending; no new one was sent.", who)};
    Pending p{l.name, who, Action::Unsubscribe, r.address, app.now(), app.now() + k_confirm_life};
    auto token = app.store->create_pending(p);
    if (!token) return {fmt::format("Error: {}", token.error().message)};
    reply(app, l, notice::confirm_unsubscribe(common(app, l, r), who, *token, r.address));
    return {fmt::format("A confirmation request has been sent to {}.", who)};
}

Lines confirm(App& app, const Settings& l, const Requester& r, std::string_view token) {
    auto peek = app.store->peek_token(token, app.now());
    if (!peek) return {fmt::format("Error: {}", peek.error().message)};
    const TokenState state = peek->first;
    const Pending p = peek->second;  // named, not a structured binding: lambdas below capture it
    if (state != TokenState::Valid || p.list != l.name) {
        log::info("{}: {} confirmation {} from {}", l.name, state == TokenState::Expired ? "expired" : "unknown",
                  shown_token(token), r.address);
        return {fmt::format("Invalid confirmation string {}: it is {}.", shown_token(token),
                            state == TokenState::Expired ? "expired" : "unknown, already used or expired")};
    }
    if (p.action == Action::Held || p.action == Action::Approve) return decide(app, l, r, token, Decision::Approve);
    auto taken = app.store->take_token(token, app.now());
    if (!taken) return {fmt::format("Error: {}", taken.error().message)};
    if (taken->first != TokenState::Valid) return {fmt::format("Invalid confirmation string {}.", shown_token(token))};
    if (p.action == Action::Unsubscribe) {
        auto removed = app.store->remove_member(l.name, p.address);
        if (!removed) return {fmt::format("Error: {}", removed.error().message)};
        log::info("{}: {} unsubscribed (confirmed)", l.name, p.address);
        reply(app, l, notice::goodbye(common(app, l, r), p.address));
        return {fmt::format("{} has been unsubscribed from the {} list.", p.address, l.name)};
    }
    if (l.subscribe_policy == "confirm+approve") {
        Pending next{l.name, p.address, Action::Approve, p.requester, app.now(), app.now() + k_confirm_life, 0, p.digest};
        auto t2 = app.store->create_pending(next);
        if (!t2) return {fmt::format("Error: {}", t2.error().message)};
        tell_owners(app, l, [&](const std::string& o) {
            return notice::approval_request(common(app, l, r), o, *t2, p.address);
        }, false);
        return {fmt::format("Your subscription request for {} awaits the approval of the list owner.", p.address)};
    }
    Member m{p.address, p.address, app.now(), p.digest};
    auto added = app.store->add_member(l.name, m);
    if (!added) return {fmt::format("Error: {}", added.error().message)};
    log::info("{}: {} subscribed (confirmed)", l.name, p.address);
    reply(app, l, notice::welcome(common(app, l, r), p.address));
    return {fmt::format("{} has been subscribed to the {} list.", p.address, l.name)};
}

Status decide_held(App& app, const Settings& l, int64_t id, Decision d, std::string_view reason) {
    auto h = app.store->find_held(l.name, id);
    if (!h) return h.error();
    if (!*h) return make_error(EX_DATAERR, fmt::format("{} has no held message {}", l.name, id));
    const Held held = std::move(**h);
    if (d == Decision::Approve) {
        auto seq = accept_post(app, l, held.message, held.sender);
        if (!seq) return seq.error();
        log::info("{}: held message {} from {} approved as post {}", l.name, id, held.sender, *seq);
        auto removed = app.store->remove_held(l.name, id);
        if (!removed) return removed.error();
        // Stored: a failed fan-out is finished by `listman run`.
        if (Status s = fan_out(app, l, *seq); !s) log::error("{}: post {}: {}", l.name, *seq, s.error().message);
        else if (Status g = maybe_send_digest(app, l, false); !g) log::error("{}: digest: {}", l.name, g.error().message);
        return {};
    } else if (d == Decision::Reject) {
        reply(app, l, notice::rejected({l, app.now(), {}}, held.sender, held.subject,
                                       reason.empty() ? "The moderator rejected it." : reason));
        log::info("{}: held message {} from {} rejected", l.name, id, held.sender);
    } else {
        log::info("{}: held message {} from {} discarded", l.name, id, held.sender);
    }
    auto removed = app.store->remove_held(l.name, id);
    if (!removed) return removed.error();
    return {};
}

Lines decide(App& app, const Settings& l, const Requester& r, std::string_view token, Decision d) {
    auto peek = app.store->peek_token(token, app.now());
    if (!peek) return {fmt::format("Error: {}", peek.error().message)};
    const TokenState state = peek->first;
    const Pending p = peek->second;
    if (state != TokenState::Valid || p.list != l.name || (p.action != Action::Held && p.action != Action::Approve))
        return {fmt::format("Invalid confirmation string {}: it is {}.", shown_token(token),
                            state == TokenState::Expired ? "expired" : "unknown, already used or expired")};
    // The token is the moderator's credential; the From address must also
    // be a moderator's (or an owner's, for subscriptions).
    auto allowed = app.store->is_owner(l.name, r.address, p.action == Action::Held);
    if (!allowed) return {fmt::format("Error: {}", allowed.error().message)};
    if (!*allowed) {
        log::notice("{}: {} tried to decide {} without being a moderator", l.name, r.address, shown_token(token));
        return {fmt::format("Only the list's {} may do that; {} is not one.",
                            p.action == Action::Held ? "moderators" : "owners", r.address)};
    }
    auto taken = app.store->take_token(token, app.now());
    if (!taken) return {fmt::format("Error: {}", taken.error().message)};
    if (taken->first != TokenState::Valid) return {fmt::format("Invalid confirmation string {}.", shown_token(token))};
    const char* verb = d == Decision::Approve ? "approved" : d == Decision::Reject ? "rejected" : "discarded";
    if (p.action == Action::Held) {
        if (Status s = decide_held(app, l, p.held_id, d, {}); !s) return {fmt::format("Error: {}", s.error().message)};
        return {fmt::format("The held message has been {}.", verb)};
    }
    if (d == Decision::Approve) {
        Member m{p.address, p.address, app.now(), p.digest};
        auto added = app.store->add_member(l.name, m);
        if (!added) return {fmt::format("Error: {}", added.error().message)};
        reply(app, l, notice::welcome(common(app, l, r), p.address));
    }
    log::info("{}: subscription of {} {} by {}", l.name, p.address, verb, r.address);
    return {fmt::format("The subscription of {} has been {}.", p.address, verb)};
}

Result<int64_t> accept_post(App& app, const Settings& l, std::string_view message, std::string_view sender) {
    auto parsed = post::parse(message);
    if (!parsed) return parsed.error();
    Post p;
    p.list = l.name;
    p.date = app.now();
    p.fanout_at = p.date;
    p.sender = post::poster(parsed->headers, sender).address;
    auto hv = [&](const char* n) {
        const message::Field* f = parsed->headers.find(n);
        return f ? one_line(message::unfold(f->value)) : std::string();
    };
    p.message_id = hv("Message-ID");
    p.subject = subject_of(parsed->headers);
    p.in_reply_to = hv("In-Reply-To");
    p.references = hv("References");
    if (Status s = app.store->begin(); !s) return s.error();
    auto seq = app.store->add_post(p, message);
    if (!seq) {
        app.store->rollback();
        return seq.error();
    }
    if (Status s = app.store->commit(); !s) return s.error();
    log::info("{}: post {} from {} accepted, {} bytes", l.name, *seq, p.sender, message.size());
    if (l.archive) {
        std::string dir = app.list_dir(l.name);
        ::mkdir(dir.c_str(), 0755);
        if (Status s = archive::append_mbox(dir + "/archive.mbox", message, p.sender, p.date); !s)
            log::error("{}: archive: {}", l.name, s.error().message);
        else if (Status h = rebuild_archive(app, l, p.date); !h)
            log::error("{}: archive pages: {}", l.name, h.error().message);
    }
    return *seq;
}

Status fan_out(App& app, const Settings& l, int64_t seq) {
    auto original = app.store->post_message(l.name, seq);
    if (!original) return original.error();
    auto found = app.store->find_post(l.name, seq);
    if (!found) return found.error();
    if (!*found) return make_error(EX_DATAERR, fmt::format("{} has no post {}", l.name, seq));
    const Post* row = &**found;
    auto parsed = post::parse(*original);
    if (!parsed) return parsed.error();
    // Prepared from the stored original with the post's own date, so a
    // resumed fan-out sends the same bytes.
    post::Context ctx{l, seq, row->date, dmarc_rewrite(dmarc_verdict(app, l, row->sender)), {}};
    const std::string out = post::prepare(*parsed, ctx);

    std::vector<std::string> recipients;
    Status listed = app.store->for_each_member(l.name, [&](const Member& m) {
        if (!m.nomail && !m.digest && m.disabled == 0) recipients.push_back(m.address);
        return true;
    });
    if (!listed) return listed;
    size_t done = static_cast<size_t>(std::max<int64_t>(0, row->fanout_done));
    while (done < recipients.size()) {
        size_t end = std::min(recipients.size(), done + k_fanout_chunk);
        Envelope env{l.suffixed("bounces"), {recipients.begin() + static_cast<long>(done),
                                             recipients.begin() + static_cast<long>(end)}, l.verp};
        if (Status s = app.mailer->send(env, out); !s) {
            log::error("{}: post {}: fan-out stopped after {} of {} recipients: {}", l.name, seq, done,
                       recipients.size(), s.error().message);
            return s;
        }
        done = end;
        if (Status s = app.store->set_fanout(l.name, seq, static_cast<int64_t>(done), done >= recipients.size(), app.now());
            !s)
            return s;
    }
    if (recipients.empty())
        if (Status s = app.store->set_fanout(l.name, seq, 0, true, app.now()); !s) return s;
    log::info("{}: post {} sent to {} members", l.name, seq, recipients.size());
    return {};
}

Status maybe_send_digest(App& app, const Settings& l, bool force) {
    auto undigested = app.store->posts(l.name, true);
    if (!undigested) return undigested.error();
    if (undigested->empty()) return {};
    int64_t bytes = 0;
    for (const auto& p : *undigested) bytes += p.bytes;
    if (!force && bytes < l.digest_size * 1024) return {};
    std::vector<std::string> mime_members, plain_members;
    Status listed = app.store->for_each_member(l.name, [&](const Member& m) {
        if (m.digest == 0 || m.nomail || m.disabled != 0) return true;
        (m.digest == k_digest_plain ? plain_members : mime_members).push_back(m.address);
        return true;
    });
    if (!listed) return listed;
    std::vector<std::string> messages;
    for (const auto& p : *undigested) {
        auto m = app.store->post_message(l.name, p.seq);
        if (!m) return m.error();
        messages.push_back(std::move(*m));
    }
    archive::DigestInfo info{l.name, l.address(), l.suffixed("request"), l.suffixed("owner"), l.host,
                             static_cast<int>(l.digest_volume), static_cast<int>(l.digest_issue), app.now()};
    if (!mime_members.empty()) {
        std::string digest = archive::mime_digest(info, messages);
        if (Status s = app.mailer->send(Envelope{l.suffixed("bounces"), mime_members, l.verp}, digest); !s) return s;
    }
    if (!plain_members.empty()) {
        std::string digest = archive::rfc1153_digest(info, messages);
        if (Status s = app.mailer->send(Envelope{l.suffixed("bounces"), plain_members, l.verp}, digest); !s) return s;
    }
    Settings next = l;
    next.digest_issue = l.digest_issue + 1;
    if (Status s = app.store->save_settings(next); !s) return s;
    if (Status s = app.store->mark_digested(l.name, undigested->back().seq); !s) return s;
    log::info("{}: digest vol {} issue {} ({} posts) sent to {} members ({} plain)", l.name, l.digest_volume,
              l.digest_issue, messages.size(), mime_members.size() + plain_members.size(), plain_members.size());
    return {};
}

Status rebuild_archive(App& app, const Settings& l, std::time_t month_of) {
    // Posts arrive in parallel (one `listman post` per delivery).  Each
    // rebuild reads the posts and writes the pages under one lock, so the
    // last rebuild has read every post committed before it started, and an
    // older snapshot never overwrites a newer page.
    std::string dir = app.list_dir(l.name);
    ::mkdir(dir.c_str(), 0755);  // an existing directory is fine
    auto lock = mailbox::DotLock::acquire(dir + "/html.lock", mailbox::LockOptions{});
    if (!lock) return lock.error();
    auto all = app.store->posts(l.name, false);
    if (!all) return all.error();
    std::vector<archive::PostMeta> metas;
    for (const auto& p : *all) {
        archive::PostMeta m;
        m.seq = p.seq;
        m.message_id = p.message_id;
        m.in_reply_to = p.in_reply_to;
        m.references = split(p.references, " \t", true);
        m.date = p.date;
        m.from_address = p.sender;
        m.subject = p.subject;
        metas.push_back(std::move(m));
    }
    archive::ListInfo info{l.name, l.address(), l.description};
    archive::RenderOptions opts;
    if (month_of != 0) {
        struct tm tm {};
        gmtime_r(&month_of, &tm);
        opts.months.push_back(fmt::format("{:04}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1));
    }
    return archive::render_html(
        info, metas, [&](long seq) { return app.store->post_message(l.name, seq); }, dir + "/html", opts);
}

Lines record_bounce(App& app, const Settings& l, const std::string& address, bool hard, const std::string& post_key) {
    auto member = app.store->find_member(l.name, address);
    if (!member) return {fmt::format("Error: {}", member.error().message)};
    if (!*member) {
        log::info("{}: bounce for {}, not a member: ignored", l.name, address);
        return {"not a member"};
    }
    if (Status s = app.store->record_bounce(l.name, address, app.today(), hard ? 2 : 1, post_key); !s)
        return {fmt::format("Error: {}", s.error().message)};
    // The mass-bounce guard: a post that bounced from a quarter of the list
    // (and at least 3 members) says nothing about the members.
    auto count = app.store->count_members(l.name);
    if (!count) return {fmt::format("Error: {}", count.error().message)};
    int64_t mass = std::max<int64_t>(3, (*count + 3) / 4);
    auto aside = app.store->mass_bounced_posts(l.name, mass);
    if (!aside) return {fmt::format("Error: {}", aside.error().message)};
    auto score = app.store->bounce_score(l.name, address, app.today() - l.bounce_stale_days + 1, *aside);
    if (!score) return {fmt::format("Error: {}", score.error().message)};
    log::info("{}: {} bounce for {} (post {}), score {:.1f}{}", l.name, hard ? "hard" : "soft", address,
              post_key.empty() ? "unknown" : post_key, static_cast<double>(*score) / 2.0,
              std::find(aside->begin(), aside->end(), post_key) != aside->end() ? " (mass bounce: set aside)" : "");
    Member m = **member;
    if (*score >= l.bounce_threshold * 2 && m.disabled == 0) {
        m.disabled = app.now();
        m.notices = 1;
        if (Status s = app.store->update_member(l.name, m); !s) return {fmt::format("Error: {}", s.error().message)};
        log::notice("{}: delivery to {} disabled: bounce score {:.1f}", l.name, address, static_cast<double>(*score) / 2.0);
        reply(app, l, notice::disabled({l, app.now(), {}}, address, *score));
        tell_owners(app, l, [&](const std::string& o) {
            return notice::make({l, app.now(), {}}, o, fmt::format("{}: delivery to {} disabled", l.name, address),
                                fmt::format("Mail to {} has bounced too often (score {:.1f}); delivery to it is\n"
                                            "disabled until the member re-enables it.\n",
                                            address, static_cast<double>(*score) / 2.0),
                                {}, false);
        }, false);
        return {"disabled"};
    }
    return {"recorded"};
}

}  // namespace mail::lists
