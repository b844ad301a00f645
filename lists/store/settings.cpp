// settings.cpp — see settings.h.
#include "lists/store/settings.h"

#include "libmail/address/address.h"
#include "libmail/message/header.h"
#include "libmail/util/strings.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace mail::lists {

const std::vector<OptionRow> k_list_options = {
    {"description", OptionKind::Text, "", "", "one line shown in List-Id, info and the archive"},
    {"subscribe_policy", OptionKind::Enum, "open|confirm|approve|confirm+approve", "confirm",
     "how a subscription completes: at once, after the address confirms, after an owner approves, or both"},
    {"post_policy", OptionKind::Enum, "members|open|moderated|announce", "members",
     "who may post: members, anyone, everyone through a moderator, or only owners and moderators"},
    {"nonmember_action", OptionKind::Enum, "hold|reject|discard|accept", "hold",
     "what happens to a post from a nonmember under post_policy members"},
    {"subject_prefix", OptionKind::Text, "", "", "put before each post's subject (default \"[NAME] \"; \"none\" for none)"},
    {"reply_to", OptionKind::Enum, "poster|list|explicit", "poster", "where replies go: the poster, the list, or reply_to_address"},
    {"reply_to_address", OptionKind::Address, "", "", "the Reply-To for reply_to explicit"},
    {"footer", OptionKind::Text, "", "", "text appended to each post (default: the list's name and addresses; \"none\" for none)"},
    {"dmarc", OptionKind::Enum, "none|munge_from|wrap_message|reject|discard", "munge_from",
     "what to do with a post whose From domain publishes DMARC p=reject or p=quarantine"},
    {"max_message_size", OptionKind::Int, "0..1073741824", "40960", "bytes; a bigger post is held (0: no limit)"},
    {"max_recipients", OptionKind::Int, "0..100000", "10", "To and Cc addresses; a post with more is held (0: no limit)"},
    {"archive", OptionKind::Enum, "yes|no", "yes", "keep an mbox and HTML archive of the posts"},
    {"digest_size", OptionKind::Int, "1..100000", "30", "KiB of posts after which a digest is sent"},
    {"digest_volume", OptionKind::Int, "1..1000000", "1", "the digest's volume number"},
    {"digest_issue", OptionKind::Int, "1..1000000000", "1", "the next digest's issue number"},
    {"roster", OptionKind::Enum, "owners|members|public", "owners", "who may see the member list (`who`)"},
    {"verp", OptionKind::Enum, "yes|no", "no", "give each member its own return path (LIST-bounces+user=host)"},
    {"bounce_threshold", OptionKind::Int, "1..1000", "5", "bounce score that disables delivery (a hard bounce is 1 a day)"},
    {"bounce_stale_days", OptionKind::Int, "1..365", "7", "days after which a bounce no longer counts"},
    {"bounce_notices", OptionKind::Int, "0..10", "3", "notices sent to a disabled member before removal"},
    {"autoresponse_limit", OptionKind::Int, "1..1000", "10", "automatic replies to one sender per day"},
};

namespace {

const OptionRow* row_for(std::string_view name) {
    for (const auto& r : k_list_options)
        if (name == r.name) return &r;
    return nullptr;
}

bool has_control(std::string_view v) {
    return std::any_of(v.begin(), v.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t'; });
}

// The footer may have several lines; other text may not.
bool has_control_but_newline(std::string_view v) {
    return std::any_of(v.begin(), v.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n'; });
}

}  // namespace

Status check_list_name(std::string_view name) {
    if (name.empty()) return make_error(EX_USAGE, "a list name is required");
    if (name.size() > 64) return make_error(EX_USAGE, "list name longer than 64 bytes");
    auto ok_first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    auto ok = [&](char c) { return ok_first(c) || c == '.' || c == '_' || c == '-'; };
    if (!ok_first(name[0]) || !std::all_of(name.begin(), name.end(), ok))
        return make_error(EX_USAGE, fmt::format("invalid list name \"{}\": use lower-case letters, digits, '.', '_' and '-', "
                                                "starting with a letter or digit",
                                                message::excerpt(name)));
    for (std::string_view s : {"-request", "-owner", "-bounces", "-confirm", "-join", "-leave", "-subscribe",
                               "-unsubscribe", "-admin"})
        if (name.size() > s.size() && name.substr(name.size() - s.size()) == s)
            return make_error(EX_USAGE, fmt::format("invalid list name \"{}\": it ends in the reserved suffix {}", name, s));
    return {};
}

std::string Settings::prefix_or_default() const {
    if (subject_prefix == "none") return "";
    if (subject_prefix.empty()) return "[" + name + "] ";
    return subject_prefix;
}

std::string Settings::list_id() const { return name + "." + host; }

Status Settings::set(std::string_view option, std::string_view value) {
    const OptionRow* r = row_for(option);
    if (!r) return make_error(EX_USAGE, fmt::format("unknown list option \"{}\"", message::excerpt(option)));
    std::string v(value);
    switch (r->kind) {
    case OptionKind::Enum: {
        bool found = false;
        for (const std::string& a : split(r->values, "|", false)) found = found || a == v;
        if (!found)
            return make_error(EX_USAGE, fmt::format("{}: \"{}\" is not one of {}", r->name, message::excerpt(v), r->values));
        break;
    }
    case OptionKind::Int: {
        int64_t n = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        std::string_view bounds = r->values;
        auto dots = bounds.find("..");
        int64_t lo = std::stoll(std::string(bounds.substr(0, dots)));
        int64_t hi = std::stoll(std::string(bounds.substr(dots + 2)));
        if (ec != std::errc() || p != v.data() + v.size() || n < lo || n > hi)
            return make_error(EX_USAGE, fmt::format("{}: \"{}\" is not a number in {}", r->name, message::excerpt(v), r->values));
        break;
    }
    case OptionKind::Text:
        if (option == "footer" ? has_control_but_newline(v) : has_control(v))
            return make_error(EX_USAGE, fmt::format("{}: control characters are not allowed", r->name));
        if (v.size() > 4096) return make_error(EX_USAGE, fmt::format("{}: longer than 4096 bytes", r->name));
        break;
    case OptionKind::Address:
        if (!v.empty()) {
            auto mb = address::parse_mailbox(v);
            if (!mb || mb->domain.empty() || has_control(v))
                return make_error(EX_USAGE, fmt::format("{}: \"{}\" is not an address", r->name, message::excerpt(v)));
            v = mb->addr_spec();
        }
        break;
    }
    auto num = [&] { return std::stoll(v); };
    if (option == "description") description = v;
    else if (option == "subscribe_policy") subscribe_policy = v;
    else if (option == "post_policy") post_policy = v;
    else if (option == "nonmember_action") nonmember_action = v;
    else if (option == "subject_prefix") subject_prefix = v;
    else if (option == "reply_to") reply_to = v;
    else if (option == "reply_to_address") reply_to_address = v;
    else if (option == "footer") footer = v;
    else if (option == "dmarc") dmarc = v;
    else if (option == "max_message_size") max_message_size = num();
    else if (option == "max_recipients") max_recipients = num();
    else if (option == "archive") archive = v == "yes";
    else if (option == "digest_size") digest_size = num();
    else if (option == "digest_volume") digest_volume = num();
    else if (option == "digest_issue") digest_issue = num();
    else if (option == "roster") roster = v;
    else if (option == "verp") verp = v == "yes";
    else if (option == "bounce_threshold") bounce_threshold = num();
    else if (option == "bounce_stale_days") bounce_stale_days = num();
    else if (option == "bounce_notices") bounce_notices = num();
    else if (option == "autoresponse_limit") autoresponse_limit = num();
    else std::abort();  // a row without a field: a broken invariant
    return {};
}

Result<std::string> Settings::get(std::string_view option) const {
    auto yn = [](bool b) { return std::string(b ? "yes" : "no"); };
    if (option == "description") return description;
    if (option == "subscribe_policy") return subscribe_policy;
    if (option == "post_policy") return post_policy;
    if (option == "nonmember_action") return nonmember_action;
    if (option == "subject_prefix") return subject_prefix;
    if (option == "reply_to") return reply_to;
    if (option == "reply_to_address") return reply_to_address;
    if (option == "footer") return footer;
    if (option == "dmarc") return dmarc;
    if (option == "max_message_size") return std::to_string(max_message_size);
    if (option == "max_recipients") return std::to_string(max_recipients);
    if (option == "archive") return yn(archive);
    if (option == "digest_size") return std::to_string(digest_size);
    if (option == "digest_volume") return std::to_string(digest_volume);
    if (option == "digest_issue") return std::to_string(digest_issue);
    if (option == "roster") return roster;
    if (option == "verp") return yn(verp);
    if (option == "bounce_threshold") return std::to_string(bounce_threshold);
    if (option == "bounce_stale_days") return std::to_string(bounce_stale_days);
    if (option == "bounce_notices") return std::to_string(bounce_notices);
    if (option == "autoresponse_limit") return std::to_string(autoresponse_limit);
    return make_error(EX_USAGE, fmt::format("unknown list option \"{}\"", message::excerpt(option)));
}

Settings defaults(std::string_view name, std::string_view host) {
    Settings s;
    s.name = std::string(name);
    s.host = std::string(host);
    for (const auto& r : k_list_options)
        if (r.def[0] != '\0') (void)s.set(r.name, r.def);
    return s;
}

}  // namespace mail::lists
