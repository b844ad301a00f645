// post.h — what a list post becomes before it is sent to the members
// (docs/lists.md "Posting"): the list's headers (RFC 2369, RFC 2919), the
// subject prefix, the footer, the reply-to policy and DMARC mitigation; and
// the facts about a post that the gates need (who sent it, loops, how many
// recipients it names).
//
// SECURITY: the message is hostile.  Every header this module writes is
// built from the list's validated settings and parsed addresses and passes
// through message::fold(), which turns any CR or LF into a space, so no
// value can start a new header field.  A signed or encrypted message is
// never altered inside (the footer is left off).
//
// STANDARDS: RFC 2369 (List-Help, -Unsubscribe, -Subscribe, -Post, -Owner,
// -Archive), RFC 2919 (List-Id), RFC 5322, RFC 2045/2046 (multipart/mixed
// when the footer needs a part of its own), RFC 7489 §6.6.1 context
// (munging From for p=reject domains is a list's usual mitigation).
#pragma once

#include "libmail/message/header.h"
#include "libmail/util/result.h"
#include "lists/store/settings.h"

#include <ctime>
#include <string>
#include <string_view>

namespace mail::lists::post {

// A post split into its header section and body, line ends made "\n".
struct Parsed {
    message::Headers headers;
    std::string body;
};
// Errors: EX_DATAERR when there is no parseable header section.
Result<Parsed> parse(std::string_view message);

// The poster: the From address, else Sender, else the envelope sender (key
// form, lower case); display is the From display name (decoded) or "".
struct Poster {
    std::string address;
    std::string display;
};
Poster poster(const message::Headers& h, std::string_view envelope_sender);

// A field's logical value (unfolded), "" when absent.
std::string header_value(const message::Headers& h, std::string_view name);
// The Subject decoded (RFC 2047) on one line of at most 200 bytes, "" when absent.
std::string subject_line(const message::Headers& h);

// X-BeenThere names this list: the post has been through it already.
bool been_there(const message::Headers& h, std::string_view list_address);
// Addresses in To and Cc.
size_t recipient_count(const message::Headers& h);

enum class Dmarc { None, MungeFrom, WrapMessage };

struct Context {
    const Settings& list;
    int64_t seq = 0;
    std::time_t now = 0;
    Dmarc dmarc = Dmarc::None;  // decided by the caller from the From domain's policy
    std::string archive_url;    // "" = no List-Archive header
};

// The post as the members get it.
std::string prepare(const Parsed& post, const Context& c);

// The default footer for a list.
std::string default_footer(const Settings& list);

}  // namespace mail::lists::post
