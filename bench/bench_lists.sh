# bench_lists.sh — listman beside mlmmj on the same machine in one run
# (issue 6, done-when 6; product.md §8; reference lists.md §5.3, §5.5).
# One 2.5 KB post to lists of 1,000 / 10,000 / 100,000 members (addresses
# like u000042@example17.com over 50 domains), with and without VERP.
#   listman accept    `listman post L` (the fan-out continues detached):
#                     what the MTA waits for
#   listman hand-off  `listman -F post L`: until every member is handed to
#                     our sendmail and queued (durable) — sendmail runs
#                     queue-only (-odq), as a big list's MTA would
#   mlmmj hand-off    `mlmmj-receive -F -L L` until Postfix's smtp-sink has
#                     taken every recipient: batched (control/verp empty,
#                     maxverprecips 1000, mlmmj's fastest) and, without
#                     control/verp, one SMTP transaction per member (mlmmj's
#                     own VERP; only at 1,000 members: it stalls on the
#                     sink's delayed ACKs, ~44 ms a member)
# Every figure is the median of BENCH_REPEAT runs (default 3; the
# per-recipient mlmmj runs once).  Target: listman's hand-off at most half of
# mlmmj's batched one at 10,000 and 100,000 members.
set -eu
: "${MAILROOM_BUILD:?}" "${MAILROOM_SRC:?}"
REPEAT=${BENCH_REPEAT:-3}
SIZES=${BENCH_LIST_SIZES:-1000 10000 100000}
PEERS=$MAILROOM_SRC/var/peers
[ -x "$PEERS/mlmmj/usr/bin/mlmmj-receive" ] || "$MAILROOM_SRC/scripts/fetch-peers.sh" mlmmj
[ -x "$PEERS/postfix/usr/sbin/smtp-sink" ] || "$MAILROOM_SRC/scripts/fetch-peers.sh" postfix
T=$(mktemp -d /tmp/mailroom-bench-lists.XXXXXX)
cleanup() {
    if [ -n "${SINK:-}" ]; then kill "$SINK" 2>/dev/null; wait "$SINK" 2>/dev/null || true; fi
    rm -rf "$T"
}
trap cleanup EXIT
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$0} END {print a[int((NR + 1) / 2)]}'; }
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

members() {  # members N: N addresses, one per line
    awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "u%06d@example%d.com\n", i, i % 50 }'
}
python3 - "$T/post.eml" <<'PY'
import sys
body = "".join(f"Line {i:03d} of the benchmark post, long enough to make it about 2.5 KB.\n" for i in range(32))
open(sys.argv[1], "w").write(
    "Return-Path: <u000001@example1.com>\nFrom: Bench Poster <u000001@example1.com>\n"
    "To: bench@test.example\nSubject: benchmark post\nMessage-ID: <bench-1@example1.com>\n"
    "Date: Sat, 28 Nov 2026 03:00:00 +0000\n\n" + body)
PY

# --- listman: an instance whose sendmail only queues ---------------------------
I=$T/inst
"$MAILROOM_SRC/mta/mailroom-instance" --bin "$MAILROOM_BUILD" --domain test.example "$I" >/dev/null
echo "define(\`confDELIVERY_MODE', \`q')dnl" >> "$I/sendmail.mc"
lm() { ( . "$I/env.sh" john; SENDER=u000001@example1.com RECIPIENT=bench@test.example exec listman "$@" ); }
queued() { ( . "$I/env.sh" john; exec sqlite3 "$I/mqueue/queue.db" 'select count(*) from target' ) 2>/dev/null || echo "?"; }

# --- mlmmj: a list in a spool, sending to smtp-sink ------------------------------
ML=$T/mlmmj
SINKPORT=$(port)
SINKUSER=
[ "$(id -u)" = 0 ] && SINKUSER="-u nobody"  # smtp-sink refuses to run as root
# shellcheck disable=SC2086
LD_LIBRARY_PATH=$PEERS/postfix/usr/lib/postfix "$PEERS/postfix/usr/sbin/smtp-sink" $SINKUSER -c "127.0.0.1:$SINKPORT" 256 \
    > "$T/sink.log" 2>&1 &
SINK=$!
mlmmj_list() {  # mlmmj_list N MODE: a fresh list with N members (MODE batched|perrcpt)
    rm -rf "$ML"
    mkdir -p "$ML/spool"
    printf 'test.example\nowner@test.example\nen\n' |
        "$PEERS/mlmmj/usr/bin/mlmmj-make-ml" -s "$ML/spool" -L bench >/dev/null 2>&1 || true
    L=$ML/spool/bench
    mkdir -p "$L/control" "$L/text" "$L/subscribers.d" "$L/queue" "$L/archive"
    cp "$PEERS"/mlmmj/usr/share/mlmmj/text.skel/en/* "$L/text/" 2>/dev/null || true
    echo 127.0.0.1 > "$L/control/relayhost"
    echo "$SINKPORT" > "$L/control/smtpport"
    echo bench@test.example > "$L/control/listaddress"
    : > "$L/control/notoccdenymails"; : > "$L/control/tocc" 2>/dev/null || true
    if [ "$2" = batched ]; then
        : > "$L/control/verp"
        echo 1000 > "$L/control/maxverprecips"
    fi
    rm -f "$L"/subscribers.d/*
    members "$1" | awk -v d="$L/subscribers.d" '{ print > (d "/" substr($0, 1, 1)) }'
}
mlmmj_run() {
    t0=$(now)
    "$PEERS/mlmmj/usr/bin/mlmmj-receive" -F -L "$ML/spool/bench" < "$T/post.eml"
    # mlmmj-receive -F runs mlmmj-process and mlmmj-send in the foreground.
    t1=$(now)
    echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}'
}

printf '%-9s %-6s %10s %10s %10s %10s %9s\n' members verp lm_accept lm_handoff ml_batched ml_perrcpt ratio
for n in $SIZES; do
    members "$n" > "$T/members.txt"
    for verp in no yes; do
        : > "$T/acc"; : > "$T/hand"
        for _ in $(seq 1 "$REPEAT"); do
            lm remove bench >/dev/null 2>&1 || true
            rm -f "$I/mqueue/queue.db"*
            lm create bench --owner john@test.example >/dev/null
            lm set bench verp "$verp"
            lm set bench archive no
            lm set bench dmarc none  # no DNS in a benchmark
            lm set bench max_message_size 0
            lm members add bench --file "$T/members.txt" > /dev/null
            lm set bench nonmember_action accept
            t0=$(now); lm post bench < "$T/post.eml"; t1=$(now)
            echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}' >> "$T/acc"
            # let the detached fan-out of the accept run finish before measuring the hand-off
            for _w in $(seq 1 600); do [ "$(pgrep -fc "listman post bench")" -eq 0 ] && break; sleep 0.1; done
            rm -f "$I/mqueue/queue.db"*
            t0=$(now); lm -F post bench < "$T/post.eml"; t1=$(now)
            echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}' >> "$T/hand"
            got=$(queued)
            [ "$got" = "$n" ] || echo "listman queued $got targets for $n members" >&2
        done
        acc=$(median < "$T/acc"); hand=$(median < "$T/hand")
        if [ "$verp" = no ]; then
            : > "$T/ml"
            for _ in $(seq 1 "$REPEAT"); do mlmmj_list "$n" batched; mlmmj_run >> "$T/ml"; done
            mlb=$(median < "$T/ml")
            # One SMTP transaction per member stalls ~44 ms each on the
            # sink's delayed ACK (reference lists.md §5.3): 1,000 members only.
            mlp=-
            if [ "$n" -le 1000 ]; then mlmmj_list "$n" perrcpt; mlp=$(mlmmj_run); fi
        fi
        ratio=$(echo "$hand $mlb" | awk '{ printf "%.2f", $1 / $2 }')
        printf '%-9s %-6s %10s %10s %10s %10s %9s\n' "$n" "$verp" "$acc" "$hand" "$mlb" "$mlp" "$ratio"
    done
done
echo "ratio = listman hand-off / mlmmj batched hand-off (target <= 0.5 at 10,000 and 100,000)"
