# bench_procmail.sh — Debian's procmail and ours on the same messages and the
# same 50-recipe rcfile, one process per message as an MTA runs it, beside a
# `cat` baseline, in one run (issue 5, done-when 6; reference procmail.md
# §5.3).  Inputs from gen_procmail.py (seed 42): N messages of ~2.4 KB.
# The folders are pre-seeded (and their atime pushed into the past) so
# procmail's NFS-atime sleep(1) does not fire.
#
# Two measures:
#  - Throughput: a shell loop over every message per program, REPEAT rounds
#    with the programs interleaved, median wall time (throughput = N / wall).
#  - CPU per message: bench/interleave_cpu.py runs every program on each
#    message in turn (message by message, not loop by loop) and takes the
#    CPU the kernel accounts to each process; median of CPU_ROUNDS rounds
#    (BENCH_CPU_ROUNDS, 10), and the ratio of each round.  On a
#    shared VM whole-loop CPU figures drift with the machine's load between
#    loops; interleaving message by message puts any slow spell on every
#    program alike.  The loops' CPU is printed too, for comparison.
#   filter    (cpu - cat's cpu): what filtering costs per message
# Targets: ours/procmail wall < 1 (throughput ahead); ours/procmail filter
# cost <= 0.2.
# Each program also runs with an rcfile of only MAILDIR and DEFAULT (the
# "-deliver" rows): the same process start and the same locked, fsync'd
# delivery without the 50 recipes.  That splits the cost above cat into
# delivery (shared by both programs) and the recipes proper.
# Last, when valgrind is installed (make bench installs it), the
# instructions each program runs for one message with the 50-recipe rcfile
# (callgrind): unlike CPU time on a shared VM, they do not vary run to run.
set -eu
: "${MAILROOM_BUILD:?}" "${MAILROOM_SRC:?}"
N=${BENCH_PROCMAIL_MESSAGES:-2000}
REPEAT=${BENCH_REPEAT:-3}
CPU_ROUNDS=${BENCH_CPU_ROUNDS:-10}
PEERS=$MAILROOM_SRC/var/peers
[ -x "$PEERS/procmail/usr/bin/procmail" ] || "$MAILROOM_SRC/scripts/fetch-peers.sh"
T=$(mktemp -d /tmp/mailroom-bench-procmail.XXXXXX)
trap 'rm -rf "$T"' EXIT
python3 "$MAILROOM_SRC/bench/gen_procmail.py" msgs "$T/msgs" "$N"
echo "messages: $N, $(cat "$T"/msgs/* | wc -c) bytes"

# run NAME: one loop over every message; prints "wall cpu"
# boxes DIR: fresh folders in DIR, and DIR/rc, DIR/rc-deliver filing there.
boxes() {
    rm -rf "$1"
    mkdir -p "$1"
    for b in inbox box0 box1 box2 box3 box4 box5 box6 box7 box8 box9; do
        printf 'From seed  Mon Jan  6 10:00:00 2025\n\nseed\n\n' > "$1/$b"
        touch -a -d '2000-01-01' "$1/$b"
    done
    python3 "$MAILROOM_SRC/bench/gen_procmail.py" rc "$1/rc" "$1"
    grep -E '^(MAILDIR|DEFAULT)=' "$1/rc" > "$1/rc-deliver"
}

# delivered DIR: messages filed in DIR's folders, the 11 seed messages not
# counted.
delivered() {
    local n
    n=$(cat "$1"/inbox "$1"/box[0-9] | grep -c '^From ' || true)
    echo $((n - 11))
}

run() {
    boxes "$T/boxes"
    cp "$T/boxes/rc" "$T/rc"
    cp "$T/boxes/rc-deliver" "$T/rc-deliver"
    case $1 in
        cat) cmd="cat" ;;
        procmail) cmd="$PEERS/procmail/usr/bin/procmail $T/rc" ;;
        ours) cmd="$MAILROOM_BUILD/filters/procmail/procmail $T/rc" ;;
        procmail-deliver) cmd="$PEERS/procmail/usr/bin/procmail $T/rc-deliver" ;;
        ours-deliver) cmd="$MAILROOM_BUILD/filters/procmail/procmail $T/rc-deliver" ;;
    esac
    /usr/bin/time -f '%e %U %S' -o "$T/time" \
        bash -c "for f in $T/msgs/*; do $cmd < \$f > /dev/null || exit 1; done" ||
        { echo "$1 failed" >&2; exit 1; }
    awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$T/time"
    if [ "$1" != cat ]; then
        n=$(delivered "$T/boxes")
        [ "$n" -eq "$N" ] || { echo "$1 delivered $n of $N messages" >&2; exit 1; }
    fi
}

median() { sort -n | awk '{a[NR]=$0} END {print a[int((NR + 1) / 2)]}'; }

# Rounds interleave the programs, so a slow spell of this shared machine
# falls on all of them rather than on one.
PROGRAMS="cat procmail-deliver ours-deliver procmail ours"
for p in $PROGRAMS; do : > "$T/runs.$p"; done
for _ in $(seq 1 "$REPEAT"); do
    for p in $PROGRAMS; do run "$p" >> "$T/runs.$p"; done
done
printf '%-16s %8s %8s\n' program wall cpu
for p in $PROGRAMS; do
    wall=$(cut -d' ' -f1 "$T/runs.$p" | median)
    cpu=$(cut -d' ' -f2 "$T/runs.$p" | median)
    printf '%-16s %8s %8s\n' "$p" "$wall" "$cpu"
    echo "$p $wall $cpu" >> "$T/all"
done
awk -v n="$N" '{ w[$1] = $2; c[$1] = $3 }
     END {
       fp = (c["procmail"] - c["cat"]) / n * 1e6; fo = (c["ours"] - c["cat"]) / n * 1e6;
       printf "throughput: procmail %.0f msg/s, ours %.0f msg/s (ours/procmail wall %.2f)\n",
         n / w["procmail"], n / w["ours"], w["ours"] / w["procmail"];
       printf "whole-loop CPU above cat: procmail %.0f us/msg, ours %.0f us/msg (ratio %.2f)\n",
         fp, fo, (fp > 0 ? fo / fp : 0) }' "$T/all"

# CPU per message, interleaved message by message (see the header).
for p in procmail ours; do boxes "$T/ib-$p"; done
PM="$PEERS/procmail/usr/bin/procmail"
OURS="$MAILROOM_BUILD/filters/procmail/procmail"
python3 "$MAILROOM_SRC/bench/interleave_cpu.py" "$CPU_ROUNDS" "$T/msgs" "cat=$(command -v cat)" \
    "procmail=$PM $T/ib-procmail/rc" "ours=$OURS $T/ib-ours/rc" \
    "procmail-deliver=$PM $T/ib-procmail/rc-deliver" "ours-deliver=$OURS $T/ib-ours/rc-deliver" > "$T/inter"
echo "CPU per message, interleaved (us, median of $CPU_ROUNDS rounds; then each round):"
sed 's/^/  /' "$T/inter"
for p in procmail ours; do
    n=$(delivered "$T/ib-$p")
    [ "$n" -eq $((2 * N * CPU_ROUNDS)) ] || { echo "$p delivered $n of $((2 * N * CPU_ROUNDS)) messages" >&2; exit 1; }
done
awk '{ c[$1] = $2; for (i = 3; i <= NF; i++) r[$1, i] = $i; nf = NF }
     END {
       fp = c["procmail"] - c["cat"]; fo = c["ours"] - c["cat"];
       printf "filtering cost above cat: procmail %.0f us/msg, ours %.0f us/msg (ratio %.2f)\n",
         fp, fo, (fp > 0 ? fo / fp : 0);
       printf "  the ratio in each round:";
       for (i = 3; i <= nf; i++)
         printf " %.2f", (r["ours", i] - r["cat", i]) / (r["procmail", i] - r["cat", i]);
       printf "\n";
       dp = c["procmail-deliver"] - c["cat"]; do_ = c["ours-deliver"] - c["cat"];
       printf "of which start-up and delivery alone: procmail %.0f us/msg, ours %.0f us/msg\n", dp, do_;
       printf "the 50 recipes alone: procmail %.0f us/msg, ours %.0f us/msg (ratio %.2f)\n",
         fp - dp, fo - do_, (fp - dp > 0 ? (fo - do_) / (fp - dp) : 0) }' "$T/inter"

# instructions PROGRAM ARGS…: user-space instructions for one message.
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" < "$first" > /dev/null 2> "$T/cg.err" ||
        { cat "$T/cg.err" >&2; return 1; }
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$T/cg.err"
}
if command -v valgrind > /dev/null; then
    first=$(ls "$T"/msgs/* | head -1)
    i_cat=$(instructions cat)
    i_pm=$(instructions "$PEERS/procmail/usr/bin/procmail" "$T/rc")
    i_ours=$(instructions "$MAILROOM_BUILD/filters/procmail/procmail" "$T/rc")
    awk -v c="$i_cat" -v p="$i_pm" -v o="$i_ours" 'BEGIN {
        printf "instructions for one message: cat %dk, procmail %dk, ours %dk; above cat ours/procmail %.2f\n",
            c / 1000, p / 1000, o / 1000, (p > c ? (o - c) / (p - c) : 0) }'
else
    echo "instructions: valgrind is not installed (make bench installs it)"
fi
