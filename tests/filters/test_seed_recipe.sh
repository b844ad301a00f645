#!/bin/bash
# test_seed_recipe.sh — the seed's whitelist + auto-reply recipe, end to end
# in an instance (issue 5, done-when 2), with nothing faked: mail goes in
# through the real sendmail, the queue and mail.local, which hands it to our
# procmail because tony has a ~/.procmailrc; the auto-reply is made by our
# formail and sent back through our sendmail.
#   - a whitelisted sender (john) is delivered to tony's mailbox;
#   - a stranger (mary) gets one reply ("Re: …", X-Loop: tony@…) and the
#     original goes to /dev/null;
#   - mail from a daemon (MAILER-DAEMON) or carrying tony's X-Loop: is not
#     answered (and not delivered either: it is not whitelisted).
. "$MAILROOM_SRC/tests/lib.sh"

I=$T/inst
make_instance "$I"
H=$I/home/tony
mkdir -p "$H/Mail"
echo 'john@test.example' > "$H/white.lst"
cat > "$H/.procmailrc" <<EOF2
PATH=$I/bin:/usr/bin:/bin
SHELL=/bin/sh
MAILDIR=\$HOME/Mail
LOGFILE=\$MAILDIR/procmail.log
MYADDR=tony@test.example

# Whitelisted senders go to the mailbox.
:0
* ? formail -x"From:" | egrep -is -f \$HOME/white.lst
\$DEFAULT

# Everyone else gets a note, unless it is a daemon or a loop.
:0
* !^FROM_DAEMON
* !^X-Loop: tony@test\.example
{
  :0 c
  | (formail -rt -A "X-Loop: \$MYADDR"; echo "Your mail is held for review.") | \$SENDMAIL -t

  :0
  /dev/null
}

:0
/dev/null
EOF2
chmod 644 "$H/.procmailrc"

send() {  # send AS RAW-MESSAGE
    ( use_instance "$I" "$1"; printf '%s' "$2" | sendmail -oi -odi -t ) || fail "sendmail as $1 failed"
}
spool() { cat "$I/spool/$1" 2>/dev/null; }

send john $'From: john@test.example\nTo: tony@test.example\nSubject: from a friend\n\nhello tony\n'
wait_for 'spool tony | grep -q "hello tony"' 20 || fail "the whitelisted message did not reach tony's mailbox"
ok
expect_contains "$H/Mail/procmail.log" "Folder: $I/spool/tony"

send mary $'From: mary@test.example\nTo: tony@test.example\nSubject: buy now\nMessage-ID: <m1@test.example>\n\nspam spam\n'
wait_for 'spool mary | grep -q "Re: buy now"' 20 || { cat "$H/Mail/procmail.log" >&2; fail "mary got no auto-reply"; }
ok
spool mary > "$T/mary"
expect_contains "$T/mary" "X-Loop: tony@test.example"
expect_contains "$T/mary" "In-Reply-To: <m1@test.example>"
expect_contains "$T/mary" "Your mail is held for review."
expect_not_contains <(spool tony) "spam spam"
expect_eq "$(grep -c '^Subject: Re: buy now' "$T/mary")" 1 "one reply to the stranger"

send peter $'From: MAILER-DAEMON@test.example\nTo: tony@test.example\nSubject: Undelivered Mail\n\nbounce\n'
send peter $'From: peter@test.example\nTo: tony@test.example\nSubject: looped\nX-Loop: tony@test.example\n\nloop\n'
wait_for '[ "$(grep -c "Folder: /dev/null" "$H/Mail/procmail.log")" -ge 3 ]' 20 ||
    { cat "$H/Mail/procmail.log" >&2; fail "the daemon and loop messages were not filed"; }
ok
expect_eq "$(spool peter | grep -c '^Subject: Re:')" 0 "no reply to a daemon or to a looping message"
expect_eq "$(spool mary | grep -c '^Subject: Re:')" 1 "still one reply to mary"
expect_not_contains <(spool tony) "bounce"
expect_eq "$(count_from_lines "$I/spool/tony")" 1 "tony's mailbox holds only the whitelisted message"
finish
