#!/bin/bash
# test_procmail_handoff.sh — a recipient with a ~/.procmailrc gets the
# message through MAILROOM_PROCMAIL_PATH (docs/mailbox.md): the program is
# run with `-f SENDER -d USER`, gets the trace headers and the message on
# stdin and the instance's users file, spool and sendmail in its
# environment; its exit status is the delivery's (0 delivered, 75
# deferred); without a .procmailrc, or when the program cannot be run, the
# mailbox is written as usual.  A stand-in program records what it got, so
# this tests mail.local's side alone (tests/filters tests procmail).
. "$(dirname "$0")/lib.sh"

fake="$tmp/fake-procmail"
# mail.local gives the program a clean environment, so the paths are baked in.
cat >"$fake" <<SH
#!/bin/sh
FAKE_OUT=$tmp/out FAKE_EXIT=$tmp/exit
SH
cat >>"$fake" <<'SH'
{ echo "argv: $*"; echo "users: $MAILROOM_USERS_FILE"; echo "spool: $MAILROOM_SPOOL_DIR";
  echo "sendmail: $MAILROOM_SENDMAIL_PATH"; echo "config: ${MAILROOM_CONFIG:+set}"; echo "home: $HOME"; } >"$FAKE_OUT.args"
cat >"$FAKE_OUT.msg"
exit "$(cat "$FAKE_EXIT" 2>/dev/null || echo 0)"
SH
chmod +x "$fake"
echo "define(\`MAILROOM_PROCMAIL_PATH', \`$fake')dnl" >>"$tmp/inst/sendmail.mc"
home="$tmp/inst/home/tony"
mkdir -p "$home"
: >"$home/.procmailrc"

printf 'Subject: hi\n\nbody\n' | "$ML" -f alice@example.org tony
expect_eq "delivered through procmail: exit" "$?" 0
expect_eq "argv" "$(sed -n 1p "$tmp/out.args")" "argv: -f alice@example.org -d tony"
expect_eq "users file passed" "$(sed -n 2p "$tmp/out.args")" "users: $tmp/inst/users"
expect_eq "spool passed" "$(sed -n 3p "$tmp/out.args")" "spool: $SPOOL"
expect_eq "sendmail passed" "$(sed -n 4p "$tmp/out.args")" "sendmail: $tmp/inst/bin/sendmail"
expect_eq "config passed" "$(sed -n 5p "$tmp/out.args")" "config: set"
expect_eq "home" "$(sed -n 6p "$tmp/out.args")" "home: $home"
printf 'Return-Path: <alice@example.org>\nDelivered-To: tony\nSubject: hi\n\nbody\n' >"$tmp/want"
expect_file "procmail got the trace headers and the message" "$tmp/out.msg"
expect_eq "the mailbox was not written" "$([ -s "$SPOOL/tony" ] && echo yes || echo no)" no

echo 75 >"$tmp/exit"
set +e
printf 'Subject: later\n\nbody\n' | "$ML" -f alice@example.org tony 2>"$tmp/err"
rc=$?
set -e
expect_eq "procmail's 75 is a deferral" "$rc" 75

echo 73 >"$tmp/exit"
set +e
printf 'Subject: never\n\nbody\n' | "$ML" -f alice@example.org tony 2>"$tmp/err"
rc=$?
set -e
expect_eq "procmail's 73 is a failure" "$rc" 73
echo 0 >"$tmp/exit"

rm -f "$tmp/out.msg"
printf 'Subject: plain\n\nbody\n' | "$ML" -f alice@example.org mary
expect_eq "no .procmailrc: procmail not run" "$([ -e "$tmp/out.msg" ] && echo yes || echo no)" no
grep -q "Subject: plain" "$SPOOL/mary" && pass "no .procmailrc: the mailbox was written" || fail "mary's mailbox lacks the message"

chmod -x "$fake"
printf 'Subject: fallback\n\nbody\n' | "$ML" -f alice@example.org tony
expect_eq "procmail cannot run: still delivered, exit" "$?" 0
grep -q "Subject: fallback" "$SPOOL/tony" && pass "procmail cannot run: the mailbox was written" || fail "tony's mailbox lacks the fallback message"
grep -q "cannot be run" "$tmp/inst/log/maillog" && pass "the fallback is logged" || fail "no warning in the log"

# Through LMTP too (the queue's path): a deferral is a 4xx for that recipient.
echo 75 >"$tmp/exit"
chmod +x "$fake"
printf 'LHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<tony>\r\nRCPT TO:<mary>\r\nDATA\r\nSubject: lmtp\r\n\r\nbody\r\n.\r\nQUIT\r\n' |
    "$ML" -l >"$tmp/lmtp.out"
tr -d '\r' <"$tmp/lmtp.out" | grep -E '^[245][0-9][0-9] ' | tail -3 >"$tmp/replies"
grep -q "^4.. .*procmail" "$tmp/replies" && pass "LMTP: tony deferred" || fail "LMTP replies: $(cat "$tmp/replies")"
grep -q "^250 " "$tmp/replies" && pass "LMTP: mary delivered" || fail "LMTP replies: $(cat "$tmp/replies")"
finish
