#!/bin/bash
# test_concurrent.sh — 8 writers × 500 messages into one mailbox at once:
# 4 long LMTP sessions and 4 loops of one mail.local per message.  The
# mailbox must hold exactly 4,000 intact messages, counted by our reader,
# by Debian's formail and by bsd-mailx (var/peers, scripts/fetch-peers.sh).
. "$(dirname "$0")/lib.sh"

formail="$MAILROOM_PEERS/procmail/usr/bin/formail"
mailx="$MAILROOM_PEERS/bsd-mailx/usr/bin/bsd-mailx"
for p in "$formail" "$mailx"; do
    # `make test` fetches them; a missing peer is a broken setup, not a skip.
    [ -x "$p" ] || { echo "FAIL: $p missing (run scripts/fetch-peers.sh)" >&2; exit 1; }
done

per_writer=500
message() {  # message WRITER N
    printf 'Subject: msg %s-%s\n\nFrom the start of a line\nline two\n\nFrom after a blank line\nend of message\n' "$1" "$2"
}

lmtp_writer() {
    local w=$1 i
    {
        printf 'LHLO w%s\r\n' "$w"
        for i in $(seq 1 $per_writer); do
            printf 'MAIL FROM:<w%s@example.org>\r\nRCPT TO:<john>\r\nDATA\r\n' "$w"
            message "$w" "$i" | sed 's/$/\r/'
            printf '.\r\n'
        done
        printf 'QUIT\r\n'
    } | "$ML" -l >"$tmp/lmtp.$w.out"
}

plain_writer() {
    local w=$1 i
    for i in $(seq 1 $per_writer); do
        message "$w" "$i" | "$ML" -f "w$w@example.org" john || echo "writer $w message $i: exit $?" >>"$tmp/errors"
    done
}

start=$(date +%s)
pids=()
for w in 1 2 3 4; do lmtp_writer $w & pids+=($!); done
for w in 5 6 7 8; do plain_writer $w & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
echo "8 writers done in $(($(date +%s) - start)) s"

box="$SPOOL/john"
expect_eq "no plain writer failed" "$(cat "$tmp/errors" 2>/dev/null)" ""
expect_eq "LMTP: 2000 delivered" "$(cat "$tmp"/lmtp.*.out | grep -c '^250 2.0.0 <john> delivered')" 2000
expect_eq "From_ lines" "$(grep -c '^From w[0-9]@example.org  ' "$box")" 4000
expect_eq "quoted body lines" "$(grep -c '^>From ' "$box")" 8000

if reader_check "$box" 4000; then pass "our reader: 4000 intact"; else fail "our reader: $(cat "$tmp/reader.out")"; fi

n=$("$formail" -s "$formail" -xSubject: <"$box" | sort -u | wc -l)
expect_eq "formail: distinct messages" "$n" 4000

n=$(echo x | "$mailx" -N -f "$box" | sed -n 's/^"[^"]*": \([0-9]*\) messages.*/\1/p')
expect_eq "bsd-mailx: messages" "$n" 4000

[ ! -e "$box.lock" ] && pass "no dotlock left" || fail "dotlock left behind"
finish
