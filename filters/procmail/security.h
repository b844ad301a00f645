// security.h — may this rcfile be trusted? (procmail(1) "Suspicious rcfile")
//
// SECURITY: an rcfile runs programs as the user, so it must be one only the
// user (or root) could have written: owned by the user or root, not
// world-writable, in a directory that is not world-writable (the sticky bit
// makes one acceptable).  The default ~/.procmailrc must also not be
// group-writable, unless the group is the user's own primary group
// (Debian's GROUP_PER_USER), nor may its directory be.  INCLUDERC and
// SWITCHRC files are not checked, as in procmail.
#pragma once

#include <sys/types.h>

#include <string>

namespace mail::procmail {

enum class RcfileCheck { Ok, Missing, Suspicious };

// `current`: an rcfile named relative to the current directory, which
// procmail 3.22 does not check (it is the caller's own choice of file).
// The whole text of an rcfile; false when it is not a regular file or
// cannot be read (procmail: "Couldn't read").
bool read_rcfile(const std::string& path, std::string* out);

RcfileCheck check_rcfile_trust(const std::string& path, uid_t uid, gid_t primary_gid, bool default_rcfile,
                               bool current = false);

}  // namespace mail::procmail
