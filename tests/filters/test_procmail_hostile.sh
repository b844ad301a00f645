#!/bin/bash
# test_procmail_hostile.sh — hostile rcfiles and messages (issue 5,
# done-when 5): each ends with a clear log line, exit 0, and the message in
# a mailbox — never lost, never a crash or a hang.
#   - an unterminated block          → "Missing closing brace", delivered
#   - a 1 MB condition line          → "Exceeded LINEBUF", to $DEFAULT
#   - a 1 MB assignment              → "Exceeded LINEBUF", the file goes on
#   - a regex bomb on a long body    → answered in bounded time
#   - a backquote with endless output→ "Excessive output quenched", goes on
#   - INCLUDERC of itself, SWITCHRC ping-pong → a log line, delivered
#   - a 100 MB message               → delivered whole (bytes compared)
#   - NUL bytes in the rcfile and the message
. "$MAILROOM_SRC/tests/lib.sh"

PM="$MAILROOM_BUILD/filters/procmail/procmail"
M=$T/Mail
mkdir -p "$M"
msg=$'From alice@example.com  Mon Jan  6 10:00:00 2025\nFrom: alice@example.com\nSubject: hostile\n\nbody line\n'

# run NAME RCTEXT [MESSAGE-FILE]: procmail with a time limit; $T/NAME.log
run() {
    local name=$1
    printf '%s' "$2" > "$T/$name.rc"
    local input=${3:-}
    if [ -z "$input" ]; then printf '%s' "$msg" > "$T/in.msg"; input=$T/in.msg; fi
    rm -f "$M/default"
    set +e
    timeout 60 "$PM" MAILDIR="$M" DEFAULT="$M/default" ORGMAIL="$M/orgmail" LOGFILE="$T/$name.log" \
        "$T/$name.rc" < "$input"
    rc=$?
    set -e
    expect_eq "$rc" 0 "$name: exit status"
}
delivered() {  # FILE: the message is in it
    grep -q "^Subject: hostile" "$1" || fail "$1 lacks the message"
    ok
}

run unterminated $':0\n* ^Subject\n{\n  :0\n  inner\n'
expect_contains "$T/unterminated.log" "procmail: Missing closing brace"
delivered "$M/inner"

big=$(head -c 1048576 /dev/zero | tr '\0' 'x')
run longcond ":0
* ^Subject:.*$big
never
"
expect_contains "$T/longcond.log" "procmail: Exceeded LINEBUF"
delivered "$M/default"

run longassign "X=$big
:0
* X ?? ^^^^
empty-x
"
expect_contains "$T/longassign.log" "procmail: Exceeded LINEBUF"
delivered "$M/empty-x"

{ printf 'From: b@example.com\nSubject: hostile\n\n'; head -c 200000 /dev/zero | tr '\0' 'a'; printf '\n'; } > "$T/bomb.msg"
start=$(date +%s)
run bomb $':0 B\n* (a*)*(a|aa)*(a*)*b\nnever\n:0 B\n* ^(a|a?)+$\nmatched\n' "$T/bomb.msg"
end=$(date +%s)
[ $((end - start)) -lt 30 ] || fail "the regex bomb took $((end - start)) s"
ok
[ ! -e "$M/never" ] || fail "the bomb pattern matched"
ok
grep -q "^Subject: hostile" "$M/matched" "$M/default" 2>/dev/null || fail "the bomb message was lost"
ok

run yes $'X=`yes`\nLOG="after yes\n"\n:0\nafter-yes\n'
expect_contains "$T/yes.log" "procmail: Excessive output quenched from \"yes\""
expect_contains "$T/yes.log" "after yes"
delivered "$M/after-yes"

printf 'INCLUDERC=%s\n' "$T/self.rc" > "$T/self.rc"
run include "INCLUDERC=$T/self.rc
:0
after-include
"
expect_contains "$T/include.log" "INCLUDERC nested too deeply"
delivered "$M/after-include"

printf 'SWITCHRC=%s\n' "$T/pong.rc" > "$T/ping.rc"
printf 'SWITCHRC=%s\n' "$T/ping.rc" > "$T/pong.rc"
run switch "SWITCHRC=$T/ping.rc
"
expect_contains "$T/switch.log" "Too many SWITCHRC changes"
delivered "$M/default"

{ printf 'From: big@example.com\nSubject: hostile\n\n'; head -c 104857600 /dev/zero | tr '\0' 'y' | fold -w 999; } > "$T/huge.msg"
run huge $':0\n* ^Subject: hostile\nhuge-box\n' "$T/huge.msg"
want=$(( $(stat -c %s "$T/huge.msg") + 1 ))  # procmail adds the empty line that ends an mbox entry
expect_eq "$(stat -c %s "$M/huge-box")" "$want" "100 MB message: bytes in the mailbox"
cmp -s <(head -c "$(stat -c %s "$T/huge.msg")" "$M/huge-box") "$T/huge.msg" || fail "100 MB message: bytes differ"
ok
rm -f "$T/huge.msg" "$M/huge-box"

printf 'X=a\0b\n:0\n* ^Subject\nnul-box\n' > "$T/nul.rc"
printf 'From: n@example.com\nSubject: hostile\0x\n\nbody\0\n' > "$T/nul.msg"
set +e
timeout 60 "$PM" MAILDIR="$M" DEFAULT="$M/default" ORGMAIL="$M/orgmail" LOGFILE="$T/nul.log" "$T/nul.rc" < "$T/nul.msg"
rc=$?
set -e
expect_eq "$rc" 0 "NUL bytes: exit status"
grep -q "hostile" "$M/nul-box" || fail "a message with NUL bytes was not delivered"
ok
finish
