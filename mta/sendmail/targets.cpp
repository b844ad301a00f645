// targets.cpp — see targets.h.
#include "mta/sendmail/targets.h"

namespace mail::sendmail {

std::vector<queue::Target> to_queue_targets(const std::vector<route::Target>& routed,
                                            std::vector<route::Target>* errors) {
    std::vector<queue::Target> out;
    for (const route::Target& r : routed) {
        queue::Target t;
        switch (r.kind) {
        case route::Kind::Mailbox: t.kind = queue::TargetKind::Local; break;
        case route::Kind::File: t.kind = queue::TargetKind::File; break;
        case route::Kind::Program: t.kind = queue::TargetKind::Program; break;
        case route::Kind::Remote: t.kind = queue::TargetKind::Remote; break;
        case route::Kind::Error:
            if (errors) errors->push_back(r);
            continue;
        }
        t.value = r.value;
        t.original = r.original;
        t.user = r.user;
        t.uid = r.uid;
        t.gid = r.gid;
        t.home = r.home;
        t.errors_to = r.errors_to;
        t.detail = r.detail;
        out.push_back(std::move(t));
    }
    return out;
}

std::string_view mailer_name(queue::TargetKind kind) {
    switch (kind) {
    case queue::TargetKind::Local: return "local";
    case queue::TargetKind::File: return "*file*";
    case queue::TargetKind::Program: return "prog";
    case queue::TargetKind::Remote: return "esmtp";
    }
    return "local";
}

}  // namespace mail::sendmail
