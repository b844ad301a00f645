#!/bin/bash
# test_lockfile.sh — differential test of lockfile(1) against Debian's
# (var/peers/procmail): the same command line in two identical directories
# must give the same exit status, the same stderr and the same files
# (names, modes, contents).  Sleep times are 0 or 1 s, so it runs in seconds.
#
# Debian's lockfile is never run with -ml/-mu (they touch /var/mail); ours
# is, against a spool directory of the test's own.
. "$MAILROOM_SRC/tests/lib.sh"

PEER="$MAILROOM_PEERS/procmail/usr/bin/lockfile"
OURS="$MAILROOM_BUILD/filters/lockfile/lockfile"
[ -x "$PEER" ] || fail "Debian's lockfile is missing ($PEER): run scripts/fetch-peers.sh"
[ -x "$OURS" ] || fail "our lockfile is missing ($OURS): build target lockfile"

chmod 755 "$T"
mkdir "$T/bin"
cp "$PEER" "$T/bin/peer"  # a copy: no set-group-id mail
cp "$OURS" "$T/bin/ours"
ROOT=0
if [ "$(id -u)" = 0 ]; then
    ROOT=1
    AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    own() { chown -R 65534:65534 "$@"; }
else
    AS=()
    own() { :; }
fi

# files DIR: "name mode content" of everything in DIR, sorted.
files() {
    (cd "$1" && find . -mindepth 1 ! -name .err -printf '%p\t%M\n' | sort | while IFS=$'\t' read -r p m; do
        if [ -f "$p" ]; then echo "$p $m $(od -An -c "$p" | tr -s ' ')"; else echo "$p $m"; fi
    done)
}

# lcase NAME "SETUP" [UMASK=nnn] [TIMEOUT=s] [--] ARGS...: runs both lockfiles
# in fresh directories after SETUP; compares status, stderr, files.
lcase() {
    local name=$1 setup=$2
    shift 2
    local um=022 to=20
    while :; do
        case ${1:-} in
            UMASK=*) um=${1#UMASK=}; shift ;;
            TIMEOUT=*) to=${1#TIMEOUT=}; shift ;;
            --) shift; break ;;
            *) break ;;
        esac
    done
    local which st=() d
    for which in peer ours; do
        d="$T/$name.$which"
        mkdir "$d"
        (cd "$d" && eval "$setup")
        own "$d"
        (cd "$d" && umask "$um" && exec timeout "$to" "${AS[@]}" "$T/bin/$which" "$@" 2> "$d/.err")
        st+=($?)
    done
    local p="$T/$name.peer" o="$T/$name.ours"
    expect_eq "${st[1]}" "${st[0]}" "$name: exit status (lockfile $*)"
    [ "$(cat "$o/.err")" = "$(cat "$p/.err")" ] ||
        { diff "$p/.err" "$o/.err" >&2; fail "$name: stderr differs (< Debian, > ours)"; }
    [ "$(files "$o")" = "$(files "$p")" ] ||
        { diff <(files "$p") <(files "$o") >&2; fail "$name: files differ (< Debian, > ours)"; }
}

held='echo 0 > a.lock; chmod 444 a.lock'
old='echo 0 > a.lock; chmod 444 a.lock; touch -d "1 hour ago" a.lock'

# A lock, its content and mode.
lcase one '' a.lock
lcase one_umask077 '' UMASK=077 -- a.lock
lcase two '' a.lock b.lock
lcase in_subdir 'mkdir d' d/a.lock
# Taken: retries, -r counts down, sleeps between.
lcase taken_r0 "$held" -r0 a.lock
lcase taken_r0_separate "$held" -r 0 a.lock
lcase taken_sleep0_r3 "$held" -0 -r3 a.lock
start=$(date +%s)
lcase taken_sleep1_r1 "$held" -1 -r1 a.lock
[ $(($(date +%s) - start)) -ge 2 ] || fail "taken_sleep1_r1: neither lockfile slept a second"
ok
# All or none: a failure removes what this command locked before it.
lcase all_or_none "$held" -r0 c.lock d.lock a.lock e.lock
lcase all_or_none_sleep "$held" -0 -r2 c.lock a.lock
# -! inverts 0 and 73 only; an -! after the failing file does not count.
lcase invert_taken "$held" -! -r0 a.lock
lcase invert_free '' -! b.lock
lcase invert_twice '' -! -! b.lock
lcase invert_after_failure "$held" -r0 a.lock -!
lcase invert_bundled '' -r1! b.lock
lcase invert_first_bundled '' -!r1 b.lock
lcase invert_usage '' -! -x
lcase invert_praying '' -! nodir/a.lock
# -l forces an old lock, then -s suspends; a young one is waited for.
lcase force_old "$old" -l5 -s0 a.lock
lcase force_old_separate "$old" -l 5 -s 0 a.lock
lcase force_young "$held" -l 100000 -r0 a.lock
lcase force_negative "$held" -l -1 -s0 a.lock
lcase force_then_more "$old" -l5 -s0 a.lock b.lock
# Locks that cannot be made at all.
lcase praying_nodir '' nodir/a.lock
lcase praying_empty '' ''
lcase praying_notdir 'touch f' f/a.lock
lcase praying_after_one '' b.lock nodir/a.lock
# (as nobody when we are root: nobody owns ro/ then, and 0555 stops the owner too)
lcase praying_readonly 'mkdir ro; chmod 555 ro' ro/a.lock
lcase long_name '' "$(printf 'x%.0s' $(seq 1 260))"
# The command line: usage errors, bundles, help.
lcase no_args ''
lcase dash '' -
lcase dashdash '' -- a.lock
lcase unknown '' -x
lcase r_without_value '' -r
lcase r_bad_value '' -r 5x
lcase r_bad_value_after_lock '' a.lock -r 5x
lcase r_letters '' -rx a.lock
lcase s_negative '' -s -1 a.lock
lcase sleep_only '' -5
lcase options_only '' -s5 -l5
lcase bundle_sleep_r '' -5r1 a.lock
lcase m_alone '' -m
lcase m_unknown '' -mx
lcase m_long '' -mlx
lcase help '' -h
lcase help_after_lock '' a.lock -h
lcase help_q '' '-?'
# -v: the text differs (ours names mailroom), the rest must not.
for which in peer ours; do
    mkdir "$T/version.$which"
    (cd "$T/version.$which" && "$T/bin/$which" a.lock -v 2> .err; echo $? > .status)
done
expect_eq "$(cat "$T/version.ours/.status")" "$(cat "$T/version.peer/.status")" "-v: exit status"
expect_eq "$(ls -A "$T/version.ours")" ".err
.status" "-v: a.lock removed"
expect_contains "$T/version.ours/.err" "Your system mailbox's lockfile:"
# A signal while waiting: give up, remove what was locked.
for which in peer ours; do
    d="$T/signal.$which"
    mkdir "$d"
    (cd "$d" && eval "$held")
    (cd "$d" && exec "$T/bin/$which" -1 b.lock a.lock 2> .err) &
    pid=$!
    # b.lock made means it is on to a.lock, which is held: it waits there.
    wait_for "[ -e '$d/b.lock' ]" 30 || fail "$which: b.lock was never made"
    sleep 0.3
    kill -TERM "$pid"
    wait "$pid"
    echo $? > "$d/.status"
done
expect_eq "$(cat "$T/signal.ours/.status")" "$(cat "$T/signal.peer/.status")" "signal: exit status"
expect_eq "$(cat "$T/signal.ours/.err")" "$(cat "$T/signal.peer/.err")" "signal: stderr"
expect_eq "$(cat "$T/signal.ours/.err")" 'lockfile: Signal received, giving up on "a.lock"' "signal: message"
expect_eq "$(ls "$T/signal.ours")" "a.lock" "signal: b.lock removed"
# Somebody else's old lock in a sticky directory: the forced unlock is
# denied (and tried again for ever: both are stopped after 2 s).
if [ "$ROOT" = 1 ]; then
    for which in peer ours; do
        d="$T/denied.$which"
        mkdir -m 1777 "$d"
        chmod 1777 "$d"
        (cd "$d" && eval "$old")
        (cd "$d" && timeout 2 "${AS[@]}" "$T/bin/$which" -l5 -s1 a.lock 2> "$T/denied.$which.err"; echo $? > "$T/denied.$which.status")
    done
    expect_eq "$(cat "$T/denied.ours.status")" "$(cat "$T/denied.peer.status")" "denied: status"
    expect_eq "$(head -1 "$T/denied.ours.err")" "$(head -1 "$T/denied.peer.err")" "denied: message"
    expect_eq "$(head -1 "$T/denied.ours.err")" 'lockfile: Forced unlock denied on "a.lock"' "denied: text"
fi

# -ml / -mu: ours only, with a spool directory of our own.
mkdir "$T/spool"
printf "define(\`MAILROOM_SPOOL_DIR', \`%s')dnl\n" "$T/spool" > "$T/sendmail.mc"
export MAILROOM_CONFIG="$T/sendmail.mc"
me=$(id -un)
"$T/bin/ours" -ml 2> "$T/ml.err" || fail "-ml: $(cat "$T/ml.err")"
expect_eq "$(cat "$T/spool/$me.lock")" "0" "-ml: lock content"
"$T/bin/ours" -r0 -ml 2> "$T/ml2.err" && fail "-ml: a second lock succeeded"
expect_eq "$(cat "$T/ml2.err")" "lockfile: Sorry, giving up on \"$T/spool/$me.lock\"" "-ml twice"
"$T/bin/ours" -mu 2> "$T/mu.err" || fail "-mu: $(cat "$T/mu.err")"
[ -e "$T/spool/$me.lock" ] && fail "-mu: the lock is still there"
"$T/bin/ours" -mu 2> "$T/mu2.err"
expect_eq "$?" 64 "-mu without a lock: status"
expect_contains "$T/mu2.err" "lockfile: Can't unlock \"$T/spool/$me.lock\""
"$T/bin/ours" -ml -mu 2> "$T/mlmu.err"
expect_eq "$?" 64 "-ml -mu: status"
[ -e "$T/spool/$me.lock" ] && fail "-ml -mu: the lock is still there"
chmod 555 "$T/spool"
if [ "$ROOT" = 1 ]; then
    chmod 755 "$T/spool"
    (cd / && "${AS[@]}" "$T/bin/ours" -ml 2> "$T/ro.err"; echo $? > "$T/ro.status")
    me=nobody
else
    ("$T/bin/ours" -ml 2> "$T/ro.err"; echo $? > "$T/ro.status")
fi
expect_eq "$(cat "$T/ro.status")" 69 "-ml, spool not writable: status"
expect_contains "$T/ro.err" "lockfile: Try praying, giving up on \"$T/spool/$me.lock\""
expect_contains "$T/ro.err" "is not set-group-id mail"

finish
