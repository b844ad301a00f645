# tests/lib.sh — shared helpers for mailroom's integration tests (bash).
#
# Source it first thing:  . "$MAILROOM_SRC/tests/lib.sh"
# It makes a temporary directory ($T, removed on exit), and offers:
#   make_instance DIR [opt]  an instance in DIR (domain test.example; opt: --port N)
#   free_port                a free TCP port on 127.0.0.1
#   fake_sendmail            $T/fakesm: keeps each call's argv ($OUT/N.args) and
#                            input ($OUT/N.msg), exits $FAKESM_EXIT (default 0);
#                            then `last args|msg` is the newest, `nsent` counts
#   use_instance DIR [user]  source DIR/env.sh for that user
#   in_instance DIR USER CMD…  run CMD in a subshell set up by use_instance
#   expect_eq GOT WANT WHAT  fail with "WHAT: got …, want …"
#   expect_contains FILE TEXT, expect_not_contains FILE TEXT
#   count_from_lines MBOX    messages in an mbox (From_ lines after blank lines)
#   finish                   print the plain "N passed, 0 failed" line
set -u
: "${MAILROOM_BUILD:?run through ctest (MAILROOM_BUILD unset)}"
: "${MAILROOM_SRC:?run through ctest (MAILROOM_SRC unset)}"
: "${MAILROOM_PEERS:=$MAILROOM_SRC/var/peers}"
export TZ=UTC
T=$(mktemp -d /tmp/mailroom-test.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
PASSED=0

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { PASSED=$((PASSED + 1)); }

expect_eq() {
    [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
    ok
}

expect_contains() {
    grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; head -c 3000 "$1" >&2; fail "$1 lacks '$2'"; }
    ok
}

expect_not_contains() {
    if grep -qF -- "$2" "$1"; then echo "--- $1:" >&2; head -c 3000 "$1" >&2; fail "$1 contains '$2'"; fi
    ok
}

make_instance() {
    "$MAILROOM_SRC/mta/mailroom-instance" --bin "$MAILROOM_BUILD" --domain test.example "${@:2}" "$1" >/dev/null
}

# A TCP port on 127.0.0.1 that nobody listens on now.
free_port() { python3 "$MAILROOM_SRC/tests/ports.py"; }  # below the ephemeral range

use_instance() {
    # shellcheck disable=SC1090
    . "$1/env.sh" "${2:-john}"
}

in_instance() {
    local dir=$1 who=$2
    shift 2
    ( use_instance "$dir" "$who"; "$@" )
}

# Messages in an mbox: From_ lines at the start or after an empty line.
count_from_lines() {
    [ -f "$1" ] || { echo 0; return; }
    awk 'BEGIN{n=0; blank=1} /^From / && blank {n++} {blank = ($0 == "")} END{print n}' "$1"
}

# Waits up to $2 seconds (default 10) for a command to succeed.
wait_for() {
    local cmd=$1 limit=${2:-30} i=0
    while ! eval "$cmd"; do
        i=$((i + 1))
        [ $i -ge $((limit * 10)) ] && return 1
        sleep 0.1
    done
}

finish() { echo "$PASSED passed, 0 failed"; }

fake_sendmail() {
    cat > "$T/fakesm" <<'SH'
#!/bin/sh
n=$(ls "$OUT" | wc -l)
printf '%s\n' "$@" > "$OUT/$n.args"
cat > "$OUT/$n.msg"
exit "${FAKESM_EXIT:-0}"
SH
    chmod +x "$T/fakesm"
    export OUT=$T/out
    mkdir -p "$OUT"
}
last() { ls "$OUT"/*."$1" | sort -V | tail -1; }
nsent() { ls "$OUT" | grep -c '\.msg$'; }
