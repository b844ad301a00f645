# bench_mailx.sh — opening, listing and quitting a big mbox with our mailx,
# Debian's bsd-mailx and s-nail, side by side in one run (issue 3,
# done-when 7; product.md §8).  Each figure is the median of REPEAT runs on
# a fresh copy of the mailbox (warm page cache): wall seconds and peak RSS.
#   open   echo x | mailx -N -f box           (read the mailbox, leave)
#   list   printf 'f *\nx\n' | mailx -N -f box (every summary line)
#   quit   echo q | mailx -N -f box           (rewrite: Status: O on the new third)
# Target: our time at most half of bsd-mailx's, peak memory below s-nail's.
set -eu
: "${MAILROOM_BUILD:?}" "${MAILROOM_SRC:?}"
N=${BENCH_MAILX_MESSAGES:-50000}
REPEAT=${BENCH_REPEAT:-3}
PEERS=$MAILROOM_SRC/var/peers
[ -x "$PEERS/s-nail/usr/bin/s-nail" ] || "$MAILROOM_SRC/scripts/fetch-peers.sh"
T=$(mktemp -d /tmp/mailroom-bench-mailx.XXXXXX)
trap 'rm -rf "$T"' EXIT
python3 "$MAILROOM_SRC/bench/gen_mbox.py" "$N" 2000 "$T/big.mbox"
echo "mailbox: $N messages, $(stat -c %s "$T/big.mbox") bytes"
export HOME=$T TZ=UTC LC_ALL=C.UTF-8 MAILRC=/dev/null MBOX=$T/mbox DEAD=$T/dead

# run NAME TEST: one measurement, prints "seconds kib"
run() {
    cp "$T/big.mbox" "$T/work.mbox"
    case $2 in
        open) input='x\n' ;;
        list) input='f *\nx\n' ;;
        quit) input='q\n' ;;
    esac
    case $1 in
        ours) cmd="$MAILROOM_BUILD/mailx/mailx -n -N -f $T/work.mbox" ;;
        bsd-mailx) cmd="$PEERS/bsd-mailx/usr/bin/bsd-mailx -n -N -f $T/work.mbox" ;;
        s-nail) cmd="$PEERS/s-nail/usr/bin/s-nail -:/ -Sv15-compat -N -f $T/work.mbox" ;;
    esac
    printf "$input" | /usr/bin/time -f '%e %M' -o "$T/time" $cmd > /dev/null 2>&1 || true
    cat "$T/time"
}

median() { sort -n | awk '{a[NR]=$0} END {print a[int((NR + 1) / 2)]}'; }

printf '%-6s %-10s %10s %10s\n' test program seconds "peak KiB"
for t in open list quit; do
    for p in ours bsd-mailx s-nail; do
        : > "$T/runs"
        for _ in $(seq 1 "$REPEAT"); do run "$p" "$t" >> "$T/runs"; done
        secs=$(cut -d' ' -f1 "$T/runs" | median)
        kib=$(cut -d' ' -f2 "$T/runs" | median)
        printf '%-6s %-10s %10s %10s\n' "$t" "$p" "$secs" "$kib"
        echo "$t $p $secs $kib" >> "$T/all"
    done
done
awk '{ s[$1 " " $2] = $3; m[$1 " " $2] = $4 }
     END {
       split("open list quit", ts, " ");
       for (i = 1; i <= 3; i++) { t = ts[i];
         printf "%-6s ours/bsd-mailx time %.2f   ours/s-nail peak memory %.2f\n", t,
           (s[t " bsd-mailx"] > 0 ? s[t " ours"] / s[t " bsd-mailx"] : 0),
           (m[t " s-nail"] > 0 ? m[t " ours"] / m[t " s-nail"] : 0) } }' "$T/all"
