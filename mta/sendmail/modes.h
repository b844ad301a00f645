// modes.h — the sendmail modes that are not submission: mailq (-bp), the
// queue run (-q) and the queue-running daemon (-bd/-bD -qTIME), newaliases
// (-bi), -bC, -d0.1.
#pragma once

#include "mta/sendmail/args.h"
#include "mta/sendmail/context.h"

#include <string>

namespace mail::sendmail {

int print_queue(Context& ctx);
int run_queue_once(const Invocation& inv, Context& ctx);
int run_daemon(const Invocation& inv, Context& ctx);
int init_aliases(Context& ctx);
int check_config(Context& ctx);
int print_version(Context& ctx);

// The -bp listing of the given messages, in sendmail's layout (pure; tests).
std::string format_queue(const std::string& dir, const std::vector<queue::Message>& msgs);

}  // namespace mail::sendmail
