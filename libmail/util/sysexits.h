// sysexits.h — names for the classic <sysexits.h> exit codes.
//
// The codes themselves come from the system header; this adds the short
// names sendmail prints and a mapping from a code to its DSN-ish meaning.
#pragma once

#include <sysexits.h>

#include <string_view>

namespace mail {

// "EX_NOUSER" for 67, and so on; "EX_<n>" never: unknown codes give "unknown".
std::string_view exit_code_name(int code);

// True for the codes that mean "try again later" (EX_TEMPFAIL, EX_OSERR,
// EX_IOERR, EX_CANTCREAT): sendmail queues on these rather than bouncing.
bool exit_code_is_temporary(int code);

}  // namespace mail
