// dmarc.h — what a list does with a post whose From domain publishes DMARC
// p=reject or p=quarantine (docs/lists.md "Posting"): send it unchanged,
// munge From, wrap it, refuse it or drop it, per the list's `dmarc` option.
//
// SECURITY: the domain comes from the post's From header (hostile); it is
// only used as a DNS name.  Local domains are never looked up, and a DNS
// failure means "no policy": a broken resolver must not stop a list.
//
// STANDARDS: RFC 7489 §6.3 (p=), §6.6.3 (the organisational domain's record).
#pragma once

#include "lists/listman/app.h"
#include "lists/post/post.h"

#include <string_view>

namespace mail::lists {

enum class DmarcVerdict { Send, Munge, Wrap, Reject, Discard };

DmarcVerdict dmarc_verdict(App& app, const Settings& l, std::string_view poster_address);

// For post::prepare: Munge and Wrap; everything else sends the post as it is.
post::Dmarc dmarc_rewrite(DmarcVerdict v);

}  // namespace mail::lists
