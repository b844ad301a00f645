// submit.h — `sendmail [-t] [-i] [-f from] rcpt…`: take a message from
// standard input, make it durable in the queue, and deliver it according to
// DeliveryMode (product.md §2.2).
//
// Contract: exit 0 means the message is durable in the queue (and, with -v or
// -odi, that delivery was attempted).  Unknown local recipients are reported
// at once (`team1... User unknown`, exit 67) and queued for nobody; the valid
// recipients of the same message still get it.
//
// SECURITY: runs as the invoking user.  It reads the aliases (compiled map)
// and the users' .forward files it may read; it writes only the queue.
#pragma once

#include "mta/sendmail/args.h"
#include "mta/sendmail/context.h"

namespace mail::sendmail {

int submit(const Invocation& inv, Context& ctx, int in_fd);

// -bv: prints what each recipient resolves to; exit 67 if any is unknown.
int verify(const Invocation& inv, Context& ctx);

}  // namespace mail::sendmail
