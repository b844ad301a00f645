# test_crash.sh — nothing is lost (issue 2, done-when 6).
#
# 1. Submissions stream in (DeliveryMode background, so each sendmail forks
#    a delivering child that talks LMTP to mail.local) while a killer sends
#    SIGKILL to the delivering processes at random moments.  Afterwards
#    `sendmail -q` runs; every message whose sendmail exited 0 must be in the
#    mailbox.  Duplicates (an attempt repeated after a kill) are counted and
#    reported, not failed.
# 2. A full disk (RLIMIT_FSIZE, so EFBIG — no root needed): submission exits
#    75 and queues nothing; delivery defers; nothing already queued is lost.
. "$MAILROOM_SRC/tests/lib.sh"
I=$T/inst
make_instance "$I"
use_instance "$I" john
N=${CRASH_MESSAGES:-200}

# --- 1: kill -9 at random moments
: > "$T/accepted"
(
    for i in $(seq 1 "$N"); do
        printf 'Subject: crash-%d\n\nbody of %d\n' "$i" "$i" | "$I/bin/sendmail" john 2>/dev/null
        [ $? -eq 0 ] && echo "crash-$i" >> "$T/accepted"
    done
) 2>/dev/null &
submitter=$!
kills=0
while kill -0 "$submitter" 2>/dev/null; do
    # The delivering processes of this instance: background deliveries (a
    # sendmail that made itself a session leader with setsid) and the
    # mail.local they talk LMTP to.
    victim=$(ps -eo pid=,sid=,args= | awk -v i="$I/bin/" '
        index($3, i) == 1 && ($3 ~ /mail\.local$/ || ($1 == $2 && $3 ~ /sendmail$/)) {print $1}' | shuf -n 1)
    if [ -n "$victim" ] && kill -9 "$victim" 2>/dev/null; then kills=$((kills + 1)); fi
    sleep "0.0$((RANDOM % 9 + 1))"
done
wait "$submitter"
# Let surviving background deliveries finish, then recover with queue runs
# (a run skips messages leased by live processes, so repeat until empty).
sleep 1
for round in $(seq 1 30); do
    sendmail -q
    [ "$(mailq | tail -1 | tr -dc 0-9)" = 0 ] && break
    sleep 1
done
mailq > "$T/mailq.out"
expect_contains "$T/mailq.out" "Total requests: 0"

accepted=$(wc -l < "$T/accepted")
[ "$accepted" -gt 0 ] || fail "no submission succeeded"
lost=0
dups=0
while read -r subj; do
    c=$(grep -c "^Subject: $subj\$" "$I/spool/john")
    [ "$c" -eq 0 ] && { lost=$((lost + 1)); echo "lost: $subj" >&2; }
    [ "$c" -gt 1 ] && dups=$((dups + c - 1))
done < "$T/accepted"
echo "crash test: $N submitted, $accepted accepted (exit 0), $kills processes killed, $lost lost, $dups duplicates"
expect_eq "$lost" 0 "messages lost after SIGKILL"
# The mailbox still parses: every From_ line starts a message with headers.
expect_eq "$(count_from_lines "$I/spool/john")" "$(grep -c '^Subject: crash-' "$I/spool/john")" "From_ lines vs messages"

# --- 2: full disk
before=$(grep -c '^Subject: ' "$I/spool/john")
printf 'Subject: queued-before\n\nx\n' | sendmail -odq john
expect_eq "$?" 0 "queue-only submission"
big=$T/big.eml
{ printf 'Subject: too big\n\n'; head -c 3000000 /dev/zero | tr '\0' 'x' | fold -w 70; } > "$big"
limit=$(( $(du -k "$I/mqueue" | tail -1 | cut -f1) + 600 ))   # bash counts KiB: ~600 KiB of room
( ulimit -f "$limit"; sendmail -odq john < "$big" ) 2> "$T/full.err"
expect_eq "$?" 75 "submission on a full disk"
mailq > "$T/mailq2.out"
expect_contains "$T/mailq2.out" "Total requests: 1"          # only queued-before
# Delivery into a full disk defers and keeps the message.
mbox_kb=$(( $(stat -c %s "$I/spool/john") / 1024 ))   # no room for one more byte
( ulimit -f "$mbox_kb"; sendmail -q ) 2>/dev/null
mailq > "$T/mailq3.out"
expect_contains "$T/mailq3.out" "Total requests: 1"
expect_eq "$(grep -c '^Subject: ' "$I/spool/john")" "$before" "mailbox unchanged by the failed delivery"
sendmail -q
expect_contains "$I/spool/john" "Subject: queued-before"
mailq > "$T/mailq4.out"
expect_contains "$T/mailq4.out" "Total requests: 0"
finish
