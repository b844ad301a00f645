#!/bin/bash
# test_lmtp.sh — mail.local -l: several transactions in one session, one
# reply per recipient, unknown users, dot-unstuffing, -7, mailbox full.
. "$(dirname "$0")/lib.sh"

MAILROOM_FAKE_TIME=1700000000 TZ=UTC "$ML" -l >"$tmp/out" <<'LMTP'
LHLO client.test.example
MAIL FROM:<alice@example.org>
RCPT TO:<john@test.example>
RCPT TO:<nobody@test.example>
RCPT TO:<mary>
DATA
Subject: first

..dotted
From inside
.
MAIL FROM:<>
RCPT TO:<john>
DATA
Subject: second

bounce
.
RSET
NOOP
QUIT
LMTP
expect_eq "exit" "$?" 0
tr -d '\r' <"$tmp/out" >"$tmp/got"
cat >"$tmp/want" <<'WANT'
220 test.example LMTP ready
250-test.example
250-PIPELINING
250-ENHANCEDSTATUSCODES
250-8BITMIME
250 XSYNC
250 2.1.0 Sender ok
250 2.1.5 OK
550 5.1.1 <nobody@test.example>... User unknown
250 2.1.5 OK
354 Go ahead, end with "." on a line by itself
250 2.0.0 <john> delivered
250 2.0.0 <mary> delivered
250 2.1.0 Sender ok
250 2.1.5 OK
354 Go ahead, end with "." on a line by itself
250 2.0.0 <john> delivered
250 2.0.0 Reset state
250 2.0.0 OK
221 2.0.0 test.example closing connection
WANT
expect_file "session transcript" "$tmp/got"
[ "$(grep -c $'\r$' "$tmp/out")" = "$(wc -l <"$tmp/out")" ] && pass "CRLF replies" || fail "replies without CR"

printf 'From alice@example.org  Tue Nov 14 22:13:20 2023\nReturn-Path: <alice@example.org>\nDelivered-To: john\nSubject: first\n\n.dotted\n>From inside\n\nFrom MAILER-DAEMON  Tue Nov 14 22:13:20 2023\nReturn-Path: <>\nDelivered-To: john\nSubject: second\n\nbounce\n\n' >"$tmp/want"
expect_file "john's mailbox" "$SPOOL/john"
MAILROOM_CHECK_MBOX=$SPOOL/john MAILROOM_CHECK_COUNT=2 "$MAILROOM_BUILD/libmail/libmail_tests" \
    -ts=mailbox-reader -tc='check an mbox file*' >/dev/null 2>&1 && fail "reader check accepts a wrong count" ||
    pass "reader check rejects a wrong count"

# -7: no 8BITMIME; end of input without QUIT is not an error.
printf 'LHLO c\r\n' | "$ML" -l -7 | tr -d '\r' >"$tmp/got"
printf '220 test.example LMTP ready\n250-test.example\n250-PIPELINING\n250-ENHANCEDSTATUSCODES\n250 XSYNC\n' >"$tmp/want"
expect_file "-7 LHLO" "$tmp/got"

# XBATCH / XSYNC: deliveries in a batch are written at once and made
# durable by XSYNC (one fsync per mailbox); the replies say so.
printf 'LHLO c\r\nXBATCH\r\nMAIL FROM:<a@b>\r\nRCPT TO:<peter>\r\nDATA\r\nSubject: batched one\r\n\r\nx\r\n.\r\nMAIL FROM:<a@b>\r\nRCPT TO:<peter>\r\nDATA\r\nSubject: batched two\r\n\r\ny\r\n.\r\nXSYNC\r\nQUIT\r\n' |
    "$ML" -l | tr -d '\r' >"$tmp/got"
grep -q '^250 2.0.0 Batch mode: deliveries are durable after XSYNC$' "$tmp/got" && pass "XBATCH" || fail "XBATCH: $(cat "$tmp/got")"
grep -q '^250 2.0.0 Synced$' "$tmp/got" && pass "XSYNC" || fail "XSYNC: $(cat "$tmp/got")"
[ "$(grep -c 'Subject: batched' "$SPOOL/peter")" = 2 ] && pass "both batched messages written" || fail "batched messages"
printf 'LHLO c\r\nMAIL FROM:<a@b>\r\nXBATCH\r\nRSET\r\nXSYNC\r\nQUIT\r\n' | "$ML" -l | tr -d '\r' >"$tmp/got"
grep -q '^503 ' "$tmp/got" && pass "XBATCH only between transactions" || fail "XBATCH mid-transaction: $(cat "$tmp/got")"
grep -q '^250 2.0.0 Synced$' "$tmp/got" && pass "XSYNC with nothing to sync" || fail "empty XSYNC: $(cat "$tmp/got")"

# Mailbox full: a file size limit makes the append fail; 452 4.2.2 and the
# mailbox is back to its old size.  -b makes it permanent (552 5.2.2).
head -c 200000 /dev/zero | tr '\0' 'x' | fold -w 100 >"$tmp/filler"
{ printf 'Subject: filler\n\n'; cat "$tmp/filler"; } | "$ML" -f a@b tony
size_before=$(stat -c %s "$SPOOL/tony")
for flag in "" -b; do
    {
        printf 'LHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<tony>\r\nRCPT TO:<peter>\r\nDATA\r\nSubject: big\r\n\r\n'
        head -n 990 "$tmp/filler"
        printf '.\r\nQUIT\r\n'
    } >"$tmp/in"
    # tony's mailbox is > 200 KB; a 250 KB limit lets the 100 KB spool file
    # and peter's small mailbox grow but not tony's.
    (ulimit -f 250; "$ML" -l $flag <"$tmp/in" >"$tmp/out")
    tr -d '\r' <"$tmp/out" | grep '<tony>\|<peter>' >"$tmp/got"
    if [ -z "$flag" ]; then
        want1='452 4.2.2 <tony> mailbox full: mailbox full (write: File too large)'
    else
        want1='552 5.2.2 <tony> mailbox full: mailbox full (write: File too large)'
    fi
    printf '%s\n250 2.0.0 <peter> delivered\n' "$want1" >"$tmp/want"
    expect_file "mailbox full ${flag:-(temporary)}" "$tmp/got"
    expect_eq "tony's mailbox restored ${flag}" "$(stat -c %s "$SPOOL/tony")" "$size_before"
done

# Non-LMTP: the same over-quota is exit 75, or 69 with -b.
for pair in ":75" "-b:69"; do
    flag=${pair%%:*} want=${pair##*:}
    set +e
    (ulimit -f 250; head -n 990 "$tmp/filler" | "$ML" $flag -f a@b tony 2>"$tmp/err")
    rc=$?
    set -e
    expect_eq "exit code ${flag:-plain}" "$rc" "$want"
    expect_eq "stderr ${flag:-plain}" "$(cat "$tmp/err")" "mail.local: tony: mailbox full (write: File too large)"
    expect_eq "restored ${flag:-plain}" "$(stat -c %s "$SPOOL/tony")" "$size_before"
done

finish
