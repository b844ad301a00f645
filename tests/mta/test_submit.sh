# test_submit.sh — sendmail submission into local mailboxes (issue 2,
# done-when 2, 3, 4 and 7): -v dialogue, aliases, unknown users, -t/Bcc,
# newaliases, .forward/file/program/:include: targets, mailq.
. "$MAILROOM_SRC/tests/lib.sh"
I=$T/inst
make_instance "$I"
use_instance "$I" john
S=$I/spool

msg() { printf 'Subject: %s\n\n%s\n' "$1" "${2:-body}"; }

# --- 2: sendmail -v john
msg "first" "hello john" | sendmail -v john > "$T/v.out" 2>&1
expect_eq "$?" 0 "sendmail -v exit"
expect_contains "$T/v.out" "john... Connecting to local..."
expect_contains "$T/v.out" "john... Sent"
expect_eq "$(count_from_lines "$S/john")" 1 "john's messages"
head -1 "$S/john" | grep -Eq '^From john@test\.example  (Mon|Tue|Wed|Thu|Fri|Sat|Sun) ' || fail "From_ line: $(head -1 "$S/john")"
ok
for h in "Return-Path: <john@test.example>" "Received: (from john@localhost)" "Date: " "Message-Id: <" \
         "From: john <john@test.example>" "Subject: first" "hello john"; do
    expect_contains "$S/john" "$h"
done

# --- 3: an alias reaches four mailboxes; an unknown name is refused at once
msg "to all" | sendmail allteam
expect_eq "$?" 0 "sendmail allteam exit"
for u in john peter mary tony; do
    wait_for "grep -q 'Subject: to all' $S/$u 2>/dev/null" 30 || fail "allteam did not reach $u"
    ok
done
msg "nobody" | sendmail team1 > "$T/u.out" 2>&1
expect_eq "$?" 67 "unknown user exit"
expect_eq "$(cat "$T/u.out")" "team1... User unknown" "unknown user message"
# The background delivery records its outcome in the queue just after
# the mailbox is written.
wait_for "mailq | grep -q 'is empty'" 30 || { mailq >&2; fail "the queue did not empty"; }
ok
# Valid and invalid together: the valid one is served, the status says 67.
msg "mixed" | sendmail -odi tony team1 > "$T/m.out" 2>&1
expect_eq "$?" 67 "mixed recipients exit"
expect_contains "$S/tony" "Subject: mixed"

# -t with Bcc: the Bcc recipient gets it, nobody sees the Bcc line
printf 'To: peter\nCc: mary\nBcc: tony\nSubject: blind\n\nsecret list\n' | sendmail -t -odi
expect_eq "$?" 0 "sendmail -t exit"
for u in peter mary tony; do expect_contains "$S/$u" "Subject: blind"; done
for u in peter mary tony; do expect_not_contains "$S/$u" "Bcc:"; done

# -i: a lone dot does not end the input; without it, it does
printf 'Subject: dots\n\nbefore\n.\nafter\n' | sendmail -odi -i peter
expect_contains "$S/peter" "after"
printf 'Subject: dots2\n\nbefore2\n.\nafter2\n' | sendmail -odi peter
expect_not_contains "$S/peter" "after2"

# --- 4: newaliases, staleness, targets of every kind, .forward
newaliases > "$T/na.out"
expect_eq "$?" 0 "newaliases exit"
grep -Eq "^$I/aliases: [0-9]+ aliases, longest [0-9]+ bytes, [0-9]+ bytes total$" "$T/na.out" || fail "newaliases: $(cat "$T/na.out")"
ok
mkdir -p "$T/files"
echo "mary" > "$T/files/list.inc"
cat >> "$I/aliases" <<ALIASES
tofile: $T/files/box
toprog: "|/bin/sh -c 'cat > $T/files/prog.out'"
inc: :include:$T/files/list.inc
ALIASES
touch -d '+2 seconds' "$I/aliases"   # newer than the compiled map
msg "to file" | sendmail -odi tofile 2> "$T/stale.err"
expect_eq "$?" 0 "file alias exit"
expect_contains "$T/files/box" "Subject: to file"
msg "to prog" | sendmail -odi toprog
expect_contains "$T/files/prog.out" "Subject: to prog"
msg "included" | sendmail -odi inc
expect_contains "$S/mary" "Subject: included"
# ~/.forward of tony: a copy to the mailbox and one to a program
printf '\\tony, "|/bin/sh -c '"'"'cat >> %s/files/fwd.out'"'"'"\n' "$T" > "$I/home/tony/.forward"
chmod 600 "$I/home/tony/.forward"
msg "forwarded" | sendmail -odi tony
expect_contains "$T/files/fwd.out" "Subject: forwarded"
expect_contains "$S/tony" "Subject: forwarded"

# Loops and bad lines carry file:line
printf 'loopa: loopb\nloopb: loopa\n' >> "$I/aliases"
newaliases > /dev/null 2>&1
msg "loop" | sendmail -odi loopa > "$T/loop.out" 2>&1
[ "$?" -ne 0 ] || fail "alias loop accepted"
ok
printf 'this line has no colon\n' >> "$I/aliases"
newaliases > "$T/bad.out" 2>&1
[ "$?" -ne 0 ] || fail "newaliases accepted a bad line"
grep -q "$I/aliases:[0-9]*:" "$T/bad.out" || fail "bad alias line not reported with file:line: $(cat "$T/bad.out")"
ok

# --- 7: mailq lists a deferred message in sendmail's layout
msg "far away" | sendmail -odq someone@remote.example
mailq > "$T/q2.out"
expect_contains "$T/q2.out" "-----Q-ID----- --Size-- -----Q-Time----- ------------Sender/Recipient-----------"
expect_contains "$T/q2.out" "<john@test.example>"
expect_contains "$T/q2.out" "<someone@remote.example>"
expect_contains "$T/q2.out" "Total requests: 1"
grep -Eq '^		.*/mqueue \(1 request\)$' "$T/q2.out" || fail "mailq header: $(head -1 "$T/q2.out")"
ok
sendmail -q
mailq > "$T/q3.out"
expect_contains "$T/q3.out" "(Deferred: "
expect_contains "$I/log/maillog" "stat=Deferred: "
# --- bounces: a failing program target returns the message to its sender
printf 'failing: "|/bin/sh -c '"'"'echo no such thing; exit 1'"'"'"\n' >> "$I/aliases"
sed -i '/^this line has no colon$/d; /^loopa:/d; /^loopb:/d' "$I/aliases"
newaliases > /dev/null
expect_eq "$?" 0 "newaliases after cleanup"
msg "will fail" | sendmail -odi failing
expect_eq "$?" 0 "accepted for a failing program"
wait_for "grep -q 'Subject: Returned mail: see transcript for details' $S/john" 30 || fail "no bounce to john"
ok
for h in "From: Mail Delivery Subsystem <MAILER-DAEMON@test.example>" "Return-Path: <>" \
         "Content-Type: multipart/report; report-type=delivery-status;" "Content-Type: message/delivery-status" \
         "Original-Recipient: rfc822; failing" "Action: failed" "Status: 5.3.0" \
         "unknown mailer error 1: no such thing" "Content-Type: message/rfc822" "Subject: will fail"; do
    expect_contains "$S/john" "$h"
done
# A bounce that fails (null sender) goes to the postmaster; a failing
# double bounce is dropped and logged, never looped.
msg "null sender" | sendmail -odi -f '<>' failing
expect_eq "$?" 0 "null-sender submission"
owner=$(id -un)
wait_for "grep -q 'Subject: null sender' $S/$owner 2>/dev/null" 30 || fail "no double bounce to the postmaster ($owner)"
ok
expect_contains "$S/$owner" "Subject: Returned mail: see transcript for details"
mailq > "$T/q4.out"
expect_not_contains "$T/q4.out" "MAILER-DAEMON"

# --- -bv: resolution without delivery
sendmail -bv allteam tofile toprog team1 > "$T/bv.out"
expect_eq "$?" 67 "-bv with an unknown name"
expect_contains "$T/bv.out" "john... deliverable: mailer local, user john"
expect_contains "$T/bv.out" "$T/files/box... deliverable: mailer *file*, user $T/files/box"
expect_contains "$T/bv.out" "deliverable: mailer prog, user |/bin/sh -c"
expect_contains "$T/bv.out" "team1... User unknown"

# --- -X: a transcript of the mailer dialogue
msg "transcript" | sendmail -odi -X "$T/x.log" mary
expect_contains "$T/x.log" ">>> MAIL FROM:<john@test.example>"
expect_contains "$T/x.log" ">>> RCPT TO:<mary>"
expect_contains "$T/x.log" "<<< 250 2.1.5"
finish
