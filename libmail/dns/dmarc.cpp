// dmarc.cpp — DMARC policy discovery (see dmarc.h).
//
// STANDARDS: RFC 7489 §6.3 (tags), §6.4 (record syntax), §6.6.3 (policy
// discovery).
#include "libmail/dns/dmarc.h"

#include "libmail/util/strings.h"

#include <cctype>
#include <vector>

namespace mail::dns {

namespace {

std::string_view trim_wsp(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::optional<DmarcPolicy> parse_request(std::string_view v) {
    if (iequals(v, "none")) return DmarcPolicy::None;
    if (iequals(v, "quarantine")) return DmarcPolicy::Quarantine;
    if (iequals(v, "reject")) return DmarcPolicy::Reject;
    return std::nullopt;
}

struct Lookup {
    bool temp_error = false;
    std::vector<DmarcRecord> records;
};

// Step 1 or 3 of §6.6.3: the DMARC records at _dmarc.<domain>.
Lookup lookup(Resolver& resolver, const std::string& domain) {
    Lookup out;
    auto a = resolver.query("_dmarc." + domain, Type::TXT);
    if (!a) {
        // A name we cannot even ask (EX_DATAERR) has no policy; anything
        // else is a DNS failure worth retrying.
        out.temp_error = a.error().exit_code != EX_DATAERR;
        return out;
    }
    if (a->rcode != Rcode::NoError && a->rcode != Rcode::NxDomain) {
        out.temp_error = true;
        return out;
    }
    for (const auto& r : a->records)
        if (r.type == Type::TXT)
            if (auto rec = parse_dmarc_record(r.text)) out.records.push_back(*rec);
    return out;
}

}  // namespace

std::string_view dmarc_policy_name(DmarcPolicy p) {
    switch (p) {
        case DmarcPolicy::None: return "none";
        case DmarcPolicy::Quarantine: return "quarantine";
        case DmarcPolicy::Reject: return "reject";
        case DmarcPolicy::Absent: return "absent";
        case DmarcPolicy::TempError: return "temperror";
    }
    return "?";
}

std::optional<DmarcRecord> parse_dmarc_record(std::string_view txt) {
    auto parts = split(txt, ";", false);
    if (parts.empty()) return std::nullopt;
    // dmarc-version = "v" *WSP "=" *WSP %x44 %x4d %x41 %x52 %x43 %x31
    std::string_view version = trim_wsp(parts[0]);
    auto eq = version.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    if (!iequals(trim_wsp(version.substr(0, eq)), "v") || trim_wsp(version.substr(eq + 1)) != "DMARC1")
        return std::nullopt;
    DmarcRecord rec;
    bool seen_p = false, seen_sp = false;
    for (std::size_t i = 1; i < parts.size(); ++i) {
        std::string_view part = trim_wsp(parts[i]);
        if (part.empty()) continue;
        eq = part.find('=');
        if (eq == std::string_view::npos) continue;  // not a tag: ignored like an unknown tag
        std::string tag = to_lower(trim_wsp(part.substr(0, eq)));
        std::string_view value = trim_wsp(part.substr(eq + 1));
        if (tag == "p" && !seen_p) {
            seen_p = true;
            rec.p = parse_request(value);
        } else if (tag == "sp" && !seen_sp) {
            seen_sp = true;
            rec.sp = parse_request(value);
            rec.sp_invalid = !rec.sp;
        } else if (tag == "rua") {
            rec.has_rua = value.find(':') != std::string_view::npos;
        }
    }
    return rec;
}

std::string organizational_domain(std::string_view domain) {
    std::string d = normalize_name(domain);
    auto labels = split(d, ".", false);
    if (labels.size() <= 2) return d;
    const std::string& last = labels[labels.size() - 1];
    const std::string& prev = labels[labels.size() - 2];
    const bool cctld = last.size() == 2 && std::isalpha(static_cast<unsigned char>(last[0])) &&
                       std::isalpha(static_cast<unsigned char>(last[1]));
    std::size_t keep = (cctld && prev.size() <= 3) ? 3 : 2;
    std::vector<std::string> tail(labels.end() - static_cast<std::ptrdiff_t>(keep), labels.end());
    return join(tail, ".");
}

DmarcPolicy dmarc_policy(Resolver& resolver, std::string_view from_domain) {
    const std::string domain = normalize_name(trim(from_domain));
    if (domain.empty()) return DmarcPolicy::Absent;
    Lookup found = lookup(resolver, domain);
    if (found.temp_error) return DmarcPolicy::TempError;
    bool at_org = false;
    if (found.records.empty()) {
        const std::string org = organizational_domain(domain);
        if (org == domain) return DmarcPolicy::Absent;
        found = lookup(resolver, org);
        if (found.temp_error) return DmarcPolicy::TempError;
        at_org = true;
    }
    if (found.records.size() != 1) return DmarcPolicy::Absent;  // §6.6.3 step 5
    const DmarcRecord& rec = found.records.front();
    if (!rec.p || rec.sp_invalid) return rec.has_rua ? DmarcPolicy::None : DmarcPolicy::Absent;  // step 6
    if (at_org && rec.sp) return *rec.sp;
    return *rec.p;
}

}  // namespace mail::dns
