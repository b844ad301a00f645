# test_concurrent_submit.sh — 8 concurrent senders × 500 messages through
# the whole path (sendmail → queue → background delivery → mail.local) into
# one mailbox: exactly 4,000 intact messages, as Debian's formail and
# bsd-mailx count them (issue 2, done-when 5).
. "$MAILROOM_SRC/tests/lib.sh"
formail="$MAILROOM_PEERS/procmail/usr/bin/formail"
mailx="$MAILROOM_PEERS/bsd-mailx/usr/bin/bsd-mailx"
for p in "$formail" "$mailx"; do
    [ -x "$p" ] || fail "$p missing (make test runs scripts/fetch-peers.sh)"
done
I=$T/inst
make_instance "$I"
use_instance "$I" john
PER=${SENDER_MESSAGES:-500}

sender() {
    local w=$1 i
    for i in $(seq 1 "$PER"); do
        printf 'Subject: m %s-%s\n\nFrom the start of a line\n.\n..\nend\n' "$w" "$i" \
            | sendmail -i john || echo "sender $w message $i: exit $?" >> "$T/errors"
    done
}
start=$(date +%s)
for w in 1 2 3 4 5 6 7 8; do sender $w & done
wait
# Background deliveries finish on their own; a queue run picks up anything
# whose delivery lost a race for the message.
# On a slow machine, repeat: a run skips messages leased by live deliveries.
for round in 1 2 3 4 5; do
    wait_for "[ \$(grep -c '^Subject: m ' $I/spool/john) -ge $((8 * PER)) ]" 60 && break
    sendmail -q
done
echo "8 senders x $PER: $(( $(date +%s) - start )) s"
expect_eq "$(cat "$T/errors" 2>/dev/null)" "" "failed submissions"
box=$I/spool/john
expect_eq "$(grep -c '^From john@test.example  ' "$box")" $((8 * PER)) "From_ lines"
expect_eq "$("$formail" -s "$formail" -xSubject: < "$box" | sort -u | wc -l)" $((8 * PER)) "formail: distinct messages"
n=$(echo x | "$mailx" -N -f "$box" | sed -n 's/^"[^"]*": \([0-9]*\) messages.*/\1/p')
expect_eq "$n" $((8 * PER)) "bsd-mailx: messages"
expect_eq "$(grep -c '^>From the start of a line$' "$box")" $((8 * PER)) "quoted From lines"
mailq > "$T/q"
expect_contains "$T/q" "Total requests: 0"
finish
