# bench_smtp.sh — SMTP accept rate and end-to-end rate (SMTP in → one mbox)
# of our daemon and of a private Postfix, side by side in one run (issue 4,
# done-when 8; product.md §8).  Load: Postfix's smtp-source, 20 sessions,
# 2 KB messages, one connection per message, all to one local recipient.
#   accept   messages / time until smtp-source has had every 250
#   end2end  messages / time until the last one is in the mailbox
# Postfix needs root (its master); without root only our figures are shown.
set -eu
: "${MAILROOM_BUILD:?}" "${MAILROOM_SRC:?}"
N=${BENCH_SMTP_MESSAGES:-5000}
SESSIONS=${BENCH_SMTP_SESSIONS:-20}
PEERS=$MAILROOM_SRC/var/peers
[ -x "$PEERS/postfix/usr/sbin/smtp-source" ] || "$MAILROOM_SRC/scripts/fetch-peers.sh"
T=$(mktemp -d /tmp/mailroom-bench-smtp.XXXXXX)
chmod 755 "$T"
cleanup() {
    [ -n "${DAEMON:-}" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
    sh "$MAILROOM_SRC/bench/postfix-instance.sh" stop "$T/pf" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
count() { [ -f "$1" ] && grep -c '^From ' "$1" || echo 0; }
source_run() {  # source_run PORT: smtp-source against 127.0.0.1:PORT
    LD_LIBRARY_PATH=$PEERS/postfix/usr/lib/postfix "$PEERS/postfix/usr/sbin/smtp-source" \
        -s "$SESSIONS" -l 2048 -m "$N" -f bench@example.org -t john@test.example "127.0.0.1:$1"
}
measure() {  # measure NAME PORT MBOX
    t0=$(now)
    source_run "$2" || echo "$1: smtp-source failed" >&2
    t1=$(now)
    # Wait for every message, but give up when nothing arrives for 20 s
    # (then the figure says how many arrived).
    last=-1; still=0; got=0
    while :; do
        got=$(count "$3")
        [ "$got" -ge "$N" ] && break
        if [ "$got" = "$last" ]; then still=$((still + 1)); else still=0; last=$got; fi
        [ "$still" -ge 400 ] && { echo "$1: only $got of $N messages arrived" >&2; break; }
        sleep 0.05
    done
    t2=$(now)
    echo "$1 $(echo "$N $got $t0 $t1 $t2" | awk '{printf "%.0f %.0f", $1 / ($4 - $3), $2 / ($5 - $3)}')" >> "$T/results"
}

# Ours.
P1=$(port)
"$MAILROOM_SRC/mta/mailroom-instance" --bin "$MAILROOM_BUILD" --domain test.example --port "$P1" "$T/inst" >/dev/null
( . "$T/inst/env.sh" john; exec sendmail -bD -q30m ) > "$T/daemon.log" 2>&1 &
DAEMON=$!
sleep 1
measure mailroom "$P1" "$T/inst/spool/john"

kill "$DAEMON" 2>/dev/null; wait "$DAEMON" 2>/dev/null; DAEMON=

# Postfix.
P2=$(port)
if sh "$MAILROOM_SRC/bench/postfix-instance.sh" start "$T/pf" "$P2"; then
    sleep 2
    measure postfix "$P2" "$T/pf/mail/box"
fi

echo "SMTP: $N messages of 2 KB, $SESSIONS sessions (smtp-source), one mbox"
printf '%-10s %14s %16s\n' server "accept msg/s" "end-to-end msg/s"
while read -r name acc e2e; do printf '%-10s %14s %16s\n' "$name" "$acc" "$e2e"; done < "$T/results"
awk '{a[$1] = $2; e[$1] = $3}
     END { if (a["postfix"] > 0) printf "ratio mailroom/postfix: accept %.2f, end-to-end %.2f\n",
           a["mailroom"] / a["postfix"], e["mailroom"] / e["postfix"] }' "$T/results"
