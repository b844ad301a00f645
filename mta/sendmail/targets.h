// targets.h — from routed recipients to queue rows.
#pragma once

#include "libmail/queue/queue.h"
#include "libmail/route/route.h"

#include <vector>

namespace mail::sendmail {

// Converts the deliverable targets (mailbox, file, program, remote) and
// returns them; Error targets are appended to `errors` instead.
std::vector<queue::Target> to_queue_targets(const std::vector<route::Target>& routed,
                                            std::vector<route::Target>* errors);

// The "mailer" name sendmail uses in logs and -bv: local, *file*, prog, esmtp.
std::string_view mailer_name(queue::TargetKind kind);

}  // namespace mail::sendmail
