// dmarc.cpp — see dmarc.h.
#include "lists/listman/dmarc.h"

#include "libmail/dns/dmarc.h"
#include "libmail/dns/stub.h"
#include "libmail/log/log.h"
#include "libmail/util/strings.h"

namespace mail::lists {

DmarcVerdict dmarc_verdict(App& app, const Settings& l, std::string_view poster_address) {
    if (l.dmarc == "none") return DmarcVerdict::Send;
    auto at = poster_address.rfind('@');
    if (at == std::string_view::npos || at + 1 >= poster_address.size()) return DmarcVerdict::Send;
    std::string domain = to_lower(poster_address.substr(at + 1));
    if (app.cfg.is_local_domain(domain)) return DmarcVerdict::Send;
    if (!app.resolver) {
        auto stub = dns::StubResolver::from_config(app.cfg);
        if (!stub) {
            log::warning("{}: no DMARC checks: {}", l.name, stub.error().message);
            return DmarcVerdict::Send;
        }
        app.resolver = std::make_unique<dns::StubResolver>(std::move(*stub));
    }
    dns::DmarcPolicy p = dns::dmarc_policy(*app.resolver, domain);
    if (p == dns::DmarcPolicy::TempError) log::info("{}: DMARC policy of {} unknown (DNS failure); sent as it is", l.name, domain);
    if (p != dns::DmarcPolicy::Reject && p != dns::DmarcPolicy::Quarantine) return DmarcVerdict::Send;
    log::info("{}: {} publishes DMARC p={}: {}", l.name, domain, dns::dmarc_policy_name(p), l.dmarc);
    if (l.dmarc == "munge_from") return DmarcVerdict::Munge;
    if (l.dmarc == "wrap_message") return DmarcVerdict::Wrap;
    if (l.dmarc == "reject") return DmarcVerdict::Reject;
    if (l.dmarc == "discard") return DmarcVerdict::Discard;
    return DmarcVerdict::Send;
}

post::Dmarc dmarc_rewrite(DmarcVerdict v) {
    if (v == DmarcVerdict::Munge) return post::Dmarc::MungeFrom;
    if (v == DmarcVerdict::Wrap) return post::Dmarc::WrapMessage;
    return post::Dmarc::None;
}

}  // namespace mail::lists
