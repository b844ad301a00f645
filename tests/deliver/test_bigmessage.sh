#!/bin/bash
# test_bigmessage.sh — a 50 MB message is delivered with small, constant
# memory: by plain mail.local, and by LMTP both as ordinary lines and as one
# single 50 MB line.  Max RSS (GNU time) must stay far below the size.
. "$(dirname "$0")/lib.sh"

limit_kb=20000   # 20 MB for a 50 MB message
size=$((50 * 1024 * 1024))
{
    printf 'Subject: msg big\n\n'
    yes 'From the body of a big message, a line that gets quoted in the mailbox....' | head -c "$size"
    printf 'end of message\n'
} >"$tmp/big"

rss() { sed -n 's/^rss=//p' "$1"; }

/usr/bin/time -f 'rss=%M' -o "$tmp/time1" "$ML" -f big@example.org john <"$tmp/big"
expect_eq "plain: exit" "$?" 0
r=$(rss "$tmp/time1")
if [ "${MAILROOM_SANITIZE:-0}" = 1 ]; then pass "plain: max RSS ${r} KB (not checked under sanitizers)"
elif [ "$r" -lt "$limit_kb" ]; then pass "plain: max RSS ${r} KB"; else fail "plain: max RSS ${r} KB >= ${limit_kb} KB"; fi
if reader_check "$SPOOL/john" 1; then pass "plain: one intact message"; else fail "plain: $(cat "$tmp/reader.out")"; fi
lines=$(($(grep -c '^From the body' "$tmp/big")))
expect_eq "plain: every From line quoted" "$(grep -c '^>From the body' "$SPOOL/john")" "$lines"
# Size: From_ line + Return-Path + Delivered-To + message + one '>' per
# quoted line + the final separator.
want=$(($(stat -c %s "$tmp/big") + lines + 1 + $(head -n 3 "$SPOOL/john" | wc -c)))
expect_eq "plain: mailbox size" "$(stat -c %s "$SPOOL/john")" "$want"

{
    printf 'LHLO c\r\nMAIL FROM:<big@example.org>\r\nRCPT TO:<mary>\r\nDATA\r\n'
    sed 's/$/\r/' "$tmp/big"
    printf '.\r\nMAIL FROM:<big@example.org>\r\nRCPT TO:<peter>\r\nDATA\r\nSubject: msg one line\r\n\r\n'
    head -c "$size" /dev/zero | tr '\0' 'y'
    printf 'end of message\r\n.\r\nQUIT\r\n'
} >"$tmp/lmtp.in"
/usr/bin/time -f 'rss=%M' -o "$tmp/time2" "$ML" -l <"$tmp/lmtp.in" | tr -d '\r' | grep '^250 2.0.0' >"$tmp/got"
printf '250 2.0.0 <mary> delivered\n250 2.0.0 <peter> delivered\n' >"$tmp/want"
expect_file "LMTP: both delivered" "$tmp/got"
r=$(rss "$tmp/time2")
if [ "${MAILROOM_SANITIZE:-0}" = 1 ]; then pass "LMTP: max RSS ${r} KB (not checked under sanitizers)"
elif [ "$r" -lt "$limit_kb" ]; then pass "LMTP: max RSS ${r} KB"; else fail "LMTP: max RSS ${r} KB >= ${limit_kb} KB"; fi
if reader_check "$SPOOL/mary" 1; then pass "LMTP lines: one intact message"; else fail "LMTP: $(cat "$tmp/reader.out")"; fi
expect_eq "LMTP lines: same body as plain" "$(tail -n +4 "$SPOOL/mary" | md5sum)" "$(tail -n +4 "$SPOOL/john" | md5sum)"
if reader_check "$SPOOL/peter" 1; then pass "LMTP one line: intact"; else fail "LMTP one line: $(cat "$tmp/reader.out")"; fi
n=$(awk -v n=$((size + 14)) 'length($0) == n && /^y+end of message$/' "$SPOOL/peter" | wc -l)
expect_eq "LMTP one line: the line kept whole" "$n" 1

finish
