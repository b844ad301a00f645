#!/bin/bash
# test_procmail_explain.sh — the explain mode and the linter show their
# exact output (issue 5, done-when 4): `procmail --explain` on the seed's
# whitelist + auto-reply recipe for a whitelisted sender (with
# --run-conditions, our formail on PATH), a stranger and a daemon; and
# `procmail --lint` on a file with each of procmail's silent traps.
# Nothing may be delivered, run or logged by the explain mode.
. "$MAILROOM_SRC/tests/lib.sh"

PM="$MAILROOM_BUILD/filters/procmail/procmail"
FM_DIR="$MAILROOM_BUILD/filters/formail"
W=$T/w
mkdir -p "$W/Mail"
echo 'alice@example.com' > "$W/white.lst"
cat > "$W/rc" <<EOF2
PATH=$FM_DIR:/usr/bin:/bin
MAILDIR=$W/Mail
LOGFILE=\$MAILDIR/log
MYADDR=tony@test.example

:0
* ? formail -x"From:" | grep -iqF -f $W/white.lst
\$DEFAULT

:0
* !^FROM_DAEMON
* !^X-Loop: tony@test\.example
{
  :0 c
  | (formail -rt -A "X-Loop: \$MYADDR"; echo "Your mail is held.") | \$SENDMAIL -t

  :0
  /dev/null
}

:0
/dev/null
EOF2

explain() {  # NAME MESSAGE [OPTIONS]
    printf '%s' "$2" > "$T/$1.msg"
    "$PM" --explain ${3:-} DEFAULT="$W/inbox" "$W/rc" < "$T/$1.msg" | sed "s|$W|@W@|g; s|$FM_DIR|@FM@|g" > "$T/$1.out"
}

explain friend $'From: Alice <alice@example.com>\nTo: tony@test.example\nSubject: lunch\n\nhi\n' --run-conditions
cat > "$T/friend.want" <<'EOF2'
(start-up): DEFAULT=@W@/inbox
(start-up): MAILDIR=/root
@W@/rc:1: PATH=@FM@:/usr/bin:/bin
@W@/rc:2: MAILDIR=@W@/Mail
@W@/rc:3: LOGFILE=@W@/Mail/log
@W@/rc:4: MYADDR=tony@test.example
@W@/rc:6: recipe :0
    * ? formail -x"From:" | grep -iqF -f @W@/white.lst  → true (ran it, exit 0)
    matched
    → would write the message to "@W@/inbox" (mbox)
result: delivered by a recipe to "@W@/inbox"
exit status would be 0
EOF2
sed -i "s|MAILDIR=/root|MAILDIR=$(getent passwd "$(id -u)" | cut -d: -f6)|" "$T/friend.want"
diff -u "$T/friend.want" "$T/friend.out" || fail "explain: whitelisted sender"
ok

explain stranger $'From: Mallory <mallory@evil.test>\nTo: tony@test.example\nSubject: buy now\n\nspam\n'
cat > "$T/stranger.want" <<'EOF2'
@W@/rc:6: recipe :0
    * ? formail -x"From:" | grep -iqF -f @W@/white.lst  → false (not run, counts as failed; use --run-conditions)
    no match
@W@/rc:10: recipe :0
    * !^FROM_DAEMON  → true
    * !^X-Loop: tony@test\.example  → true
    matched → entering the block
@W@/rc:14: recipe :0 c
    matched
    → would pipe the message to ` (formail -rt -A "X-Loop: $MYADDR"; echo "Your mail is held.") | $SENDMAIL -t`
@W@/rc:17: recipe :0
    matched
    → would write the message to "/dev/null" (discarded)
result: delivered by a recipe to "/dev/null"
exit status would be 0
EOF2
diff -u "$T/stranger.want" <(sed -n '/rc:6: recipe/,$p' "$T/stranger.out") || fail "explain: stranger"
ok

explain daemon $'From: MAILER-DAEMON@mx.example.net\nTo: tony@test.example\nSubject: Undelivered Mail\n\nbounce\n'
cat > "$T/daemon.want" <<'EOF2'
@W@/rc:10: recipe :0
    * !^FROM_DAEMON  → false
    no match
@W@/rc:21: recipe :0
    matched
    → would write the message to "/dev/null" (discarded)
result: delivered by a recipe to "/dev/null"
exit status would be 0
EOF2
diff -u "$T/daemon.want" <(sed -n '/rc:10: recipe/,$p' "$T/daemon.out") || fail "explain: daemon"
ok
[ ! -e "$W/Mail/log" ] && [ ! -e "$W/inbox" ] || fail "the explain mode wrote a file"
ok

# The linter on procmail's silent traps.
printf '%s\n' \
    'B=two words' \
    'this is garbage' \
    ':0 Xq' \
    'box1' \
    ':0' \
    '| cat > /dev/null' \
    ':0 h' \
    'header-only' \
    ':0 Ee' \
    'conflict' \
    ':0:' \
    '| cat' \
    ':0' \
    '* ^Subject:.*(unbalanced' \
    'box2' \
    ':0' \
    '}' \
    '}' \
    ':0' \
    '{' \
    ':0' \
    'inner' > "$T/traps.rc"
set +e
"$PM" --lint "$T/traps.rc" > "$T/lint.out"
rc=$?
set -e
expect_eq "$rc" 1 "lint: exit status with findings"
sed -i "s|$T/||" "$T/lint.out"
cat "$T/lint.out" > "$T/lint.got"
cat > "$T/lint.want" <<'EOF2'
traps.rc:1: warning: the value of B is one word, "two"; `words` after it unsets the variable of that name (quote the value: B="two words")
traps.rc:2: warning: bare words `this`, `is` and `garbage` unset variables of those names
traps.rc:3: warning: unknown flag `X` in ":0 Xq": procmail skips "Xq" and any flag or lock in it (procmail: "Skipped")
traps.rc:6: warning: delivering pipe without w: procmail takes the mail as delivered even when the program fails, so the mail can be lost (add w)
traps.rc:8: warning: h without b on a delivering recipe: only the header is delivered and the body is lost
traps.rc:9: warning: flags E and e conflict: procmail ignores E ("Conflicting else-if-flag suppressed")
traps.rc:12: warning: `:0:` on a pipe needs `>>` in the command to name the lock file (procmail: "Couldn't determine implicit lockfile"); name one: `:0:file.lock`
traps.rc:14: error: invalid regular expression "^Subject:.*(unbalanced": unbalanced parentheses (procmail: "Invalid regexp")
traps.rc:17: error: the action is a folder named `}`: the `{` of a block is missing
traps.rc:18: error: `}` without an open block (procmail: "Closing brace unexpected")
traps.rc:19: error: this recipe's `{` is never closed (procmail: "Missing closing brace")
EOF2
diff -u "$T/lint.want" "$T/lint.got" || fail "lint: the traps"
ok
printf ':0:\n* ^Subject:.*report\nreports\n' > "$T/clean.rc"
"$PM" --lint "$T/clean.rc" > "$T/clean.out" || fail "lint: a clean file exits non-zero"
ok
expect_eq "$(wc -c < "$T/clean.out")" 0 "lint: nothing to say about a clean file"
finish
