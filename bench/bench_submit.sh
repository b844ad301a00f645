# bench_submit.sh — submissions per second through `sendmail` into mailboxes,
# and messages per second through `mail.local -l` alone (one LMTP session).
#
# Three figures, each on a fresh instance, 2 KB messages:
#   A. sendmail -odi, sequential: submit + queue commit + LMTP delivery per process
#   B. sendmail (background delivery), 8 concurrent submitters, until all delivered
#   C. mail.local -l: one long-lived session, N transactions into one mailbox
set -eu
: "${MAILROOM_BUILD:?}" "${MAILROOM_SRC:?}"
N=${BENCH_MESSAGES:-2000}
T=$(mktemp -d /tmp/mailroom-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
body=$(head -c 2000 /dev/zero | tr '\0' 'x' | fold -w 70)
printf 'Subject: bench\nFrom: bench@test.example\n\n%s\n' "$body" > "$T/msg"

fresh() {
    rm -rf "$T/inst"
    "$MAILROOM_SRC/mta/mailroom-instance" --bin "$MAILROOM_BUILD" --domain test.example "$T/inst" >/dev/null
    export MAILROOM_CONFIG=$T/inst/sendmail.mc USER=john LOGNAME=john HOME=$T/inst/home/john
}
now() { date +%s.%N; }
rate() { echo "$1 $2 $3" | awk '{printf "%.0f", $1 / ($3 - $2)}'; }
count() { awk 'BEGIN{n=0;b=1} /^From / && b {n++} {b=($0=="")} END{print n}' "$1" 2>/dev/null || echo 0; }

fresh
t0=$(now)
i=0
while [ $i -lt "$N" ]; do "$T/inst/bin/sendmail" -odi john < "$T/msg"; i=$((i + 1)); done
t1=$(now)
echo "A. sendmail -odi sequential: $N messages, $(rate "$N" "$t0" "$t1") msg/s (delivered: $(count "$T/inst/spool/john"))"

fresh
per=$((N / 8))
t0=$(now)
for w in 1 2 3 4 5 6 7 8; do
    ( i=0; while [ $i -lt $per ]; do "$T/inst/bin/sendmail" john < "$T/msg"; i=$((i + 1)); done ) &
done
wait
t_accept=$(now)
while [ "$(count "$T/inst/spool/john")" -lt $((per * 8)) ]; do sleep 0.05; done
t1=$(now)
echo "B. sendmail, 8 submitters: $((per * 8)) messages, accepted $(rate $((per * 8)) "$t0" "$t_accept") msg/s, delivered $(rate $((per * 8)) "$t0" "$t1") msg/s"

fresh
python3 - "$T" "$N" <<'PY'
import os, subprocess, sys, time
tmp, n = sys.argv[1], int(sys.argv[2])
body = open(os.path.join(tmp, "msg"), "rb").read().replace(b"\n", b"\r\n")
p = subprocess.Popen([os.path.join(tmp, "inst/bin/mail.local"), "-l"], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE)
def reply():
    while True:
        line = p.stdout.readline()
        if not line or line[3:4] != b"-":
            return line
reply()  # greeting
p.stdin.write(b"LHLO bench\r\n"); p.stdin.flush(); reply()
t0 = time.time()
for _ in range(n):
    p.stdin.write(b"MAIL FROM:<bench@test.example>\r\nRCPT TO:<john>\r\nDATA\r\n")
    p.stdin.flush()
    reply(); reply(); reply()
    p.stdin.write(body + b".\r\n"); p.stdin.flush()
    r = reply()
    assert r.startswith(b"250"), r
t1 = time.time()
p.stdin.write(b"QUIT\r\n"); p.stdin.close(); p.wait()
print(f"C. mail.local -l, one session: {n} messages, {n / (t1 - t0):.0f} msg/s")
PY
