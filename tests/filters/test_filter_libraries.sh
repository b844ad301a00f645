#!/bin/bash
# test_filter_libraries.sh — procmail, formail and lockfile start once per
# message, so they are linked statically (issue 5: "link procmail and
# formail only against what they use"): no dynamic loader, no shared
# library.  They must not contain glibc's password or group lookups either,
# which load NSS modules at run time (docs/accounts.md): they ask through
# libmail/users/accounts.h.  The sanitizer build links dynamically and is
# skipped.
. "$MAILROOM_SRC/tests/lib.sh"

if [ "${MAILROOM_SANITIZE:-0}" = 1 ]; then
    echo "skipped: the sanitizer build links dynamically"
    exit 0
fi
command -v readelf > /dev/null || fail "readelf (binutils) is missing"
for p in procmail formail lockfile; do
    bin="$MAILROOM_BUILD/filters/$p/$p"
    [ -x "$bin" ] || fail "$bin is missing"
    readelf -lW "$bin" | grep -q 'INTERP' && fail "$p asks for a dynamic loader"
    needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
    [ -z "$needed" ] || fail "$p loads shared libraries: $needed"
    nss=$(nm "$bin" | awk '($2 == "T" || $2 == "W") && $3 ~ /^(getpw(nam|uid|ent)(_r)?|initgroups|getgrouplist|getgr(nam|gid)(_r)?|__nss_(passwd|group)_lookup2)$/ { print $3 }' |
        tr '\n' ' ')
    [ -z "$nss" ] || fail "$p links glibc's user lookups: $nss"
    ok
done
# The user lookups work in the static program: procmail finds its invoker
# (the files source here) and says so in -v.
"$MAILROOM_BUILD/filters/procmail/procmail" -v 2> "$T/v" || fail "procmail -v failed"
grep -q "^Your system mailbox:.*/$(id -un)\$" "$T/v" || { cat "$T/v" >&2; fail "procmail -v did not find $(id -un)"; }
ok
# The weighted size condition scores with libm's pow, linked in.
mkdir -p "$T/home"
cat > "$T/rc" <<RC
LOGFILE=$T/log
DEFAULT=$T/inbox
:0
* 10^0.5 > 100000
* -31^0
$T/wrong
:0
* 10^0.5 > 100
* -31^0
$T/scored
RC
printf 'From a@b  Mon Jan  6 10:00:00 2025\nSubject: x\n\n%s\n' "$(head -c 2000 /dev/zero | tr '\0' x)" |
    HOME=$T/home "$MAILROOM_BUILD/filters/procmail/procmail" "$T/rc" || fail "procmail failed"
# 10 * (2,000+ bytes / 100)^0.5 is more than 31: the message is filed;
# 10 * (2,000+ / 100,000)^0.5 is not.
[ -s "$T/scored" ] || { cat "$T/log" >&2; fail "the size score did not reach the threshold"; }
[ ! -e "$T/wrong" ] || fail "a size score below the threshold matched"
ok
finish
