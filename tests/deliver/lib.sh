# lib.sh — shared setup for tests/deliver/test_*.sh (sourced, not a test).
#
# Creates a fresh instance under a temp dir and defines helpers.  Needs
# MAILROOM_BUILD and MAILROOM_SRC (set by ctest; defaults for a manual run
# from the source tree).
set -eu
: "${MAILROOM_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${MAILROOM_BUILD:=$MAILROOM_SRC/build}"
: "${MAILROOM_PEERS:=$MAILROOM_SRC/var/peers}"
tmp=$(mktemp -d /tmp/mailroom-deliver.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$MAILROOM_SRC/mta/mailroom-instance" --bin "$MAILROOM_BUILD" --domain test.example "$tmp/inst" >/dev/null
export MAILROOM_CONFIG="$tmp/inst/sendmail.mc"
export TMPDIR="$tmp"
ML="$MAILROOM_BUILD/deliver/mail.local"
SPOOL="$tmp/inst/spool"
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# expect_eq WHAT GOT WANT
expect_eq() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got [$2], want [$3]"; fi
}

# expect_file WHAT FILE: FILE must equal $tmp/want byte for byte.
expect_file() {
    if cmp -s "$2" "$tmp/want"; then pass "$1"; else fail "$1: got [$(cat -A "$2")], want [$(cat -A "$tmp/want")]"; fi
}

# The number of messages our reader finds; also checks every one is intact
# (see the "check an mbox file named in the environment" unit test).
reader_check() {
    MAILROOM_CHECK_MBOX=$1 MAILROOM_CHECK_COUNT=$2 \
        "$MAILROOM_BUILD/libmail/libmail_tests" -ts=mailbox-reader -tc='check an mbox file*' >"$tmp/reader.out" 2>&1
}

finish() {
    if [ "$failures" -ne 0 ]; then echo "$failures failure(s)" >&2; exit 1; fi
    echo "all passed"
}
