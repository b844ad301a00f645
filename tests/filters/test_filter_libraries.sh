#!/bin/bash
# test_filter_libraries.sh — procmail, formail and lockfile start once per
# message, so they load only the C library (issue 5: "link procmail and
# formail only against what they use").  libstdc++, libgcc, libfmt and PCRE2
# are linked in; libm is dlopen()ed by procmail's weighted size conditions
# only (filters/common/lazy_pow.h).  The sanitizer build links the shared
# C++ runtime on purpose and is skipped.
. "$MAILROOM_SRC/tests/lib.sh"

if [ "${MAILROOM_SANITIZE:-0}" = 1 ]; then
    echo "skipped: the sanitizer build links the shared C++ runtime"
    exit 0
fi
command -v readelf > /dev/null || fail "readelf (binutils) is missing"
for p in procmail formail lockfile; do
    bin="$MAILROOM_BUILD/filters/$p/$p"
    [ -x "$bin" ] || fail "$bin is missing"
    needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
    case "$needed" in
        "libc.so.6 " | "ld-linux-x86-64.so.2 libc.so.6 ") ok ;;
        *) fail "$p loads more than the C library: $needed" ;;
    esac
done
# The weighted size condition still scores through libm's pow, loaded late.
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
