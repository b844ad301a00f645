// shell.h — running shell commands for mailx (!, ~!, pipe, ~|, editors,
// LISTER): `$SHELL -c -- command` (POSIX Issue 8, Defect 1528), SIGINT back
// to its default in the child.
#pragma once

#include "mailx/vars.h"

#include <sys/types.h>

#include <string>

namespace mailx {

// Runs `command` (an interactive $SHELL when it is empty) and waits.
// Returns its exit status, 128+signal, or 127 when it could not start.
int run_shell(const Vars& vars, const std::string& command);

// Waits for `pid` (retrying on EINTR): its exit status, or 128+signal.
int wait_status(pid_t pid);

}  // namespace mailx
