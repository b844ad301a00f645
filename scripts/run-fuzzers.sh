#!/bin/sh
# run-fuzzers.sh — run every built libFuzzer target for a while.
#
#   scripts/run-fuzzers.sh BUILD_DIR SECONDS
#
# BUILD_DIR is a tree configured with -DMAILROOM_FUZZ=ON and clang++; each
# BUILD_DIR/fuzz/fuzz_<name> runs for SECONDS with its corpus in
# var/fuzz/<name>/ (kept between runs, so coverage accumulates) and crash
# files in var/fuzz/<name>-crashes/.  Exits 1 if any fuzzer found a crash,
# leak or timeout, 64 on bad usage, 0 otherwise.
set -eu

usage() { echo "usage: run-fuzzers.sh BUILD_DIR SECONDS" >&2; exit 64; }
[ $# -eq 2 ] || usage
build=$1
secs=$2
case "$secs" in ''|*[!0-9]*) usage ;; esac
[ -d "$build/fuzz" ] || { echo "run-fuzzers.sh: no $build/fuzz (configure with -DMAILROOM_FUZZ=ON)" >&2; exit 64; }

root=$(cd "$(dirname "$0")/.." && pwd)
failed=0
found=0
for bin in "$build"/fuzz/fuzz_*; do
    [ -f "$bin" ] && [ -x "$bin" ] || continue
    found=1
    name=$(basename "$bin" | sed 's/^fuzz_//')
    corpus="$root/var/fuzz/$name"
    crashes="$root/var/fuzz/$name-crashes"
    mkdir -p "$corpus" "$crashes"
    echo "== fuzz_$name for ${secs}s (corpus $corpus)"
    if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" \
            > "$crashes/last-run.log" 2>&1; then
        echo "run-fuzzers.sh: fuzz_$name FAILED; see $crashes/last-run.log" >&2
        tail -n 40 "$crashes/last-run.log" >&2
        failed=1
    else
        grep -E '^stat::number_of_executed_units|^Done' "$crashes/last-run.log" || true
    fi
done
[ "$found" -eq 1 ] || { echo "run-fuzzers.sh: no fuzzers in $build/fuzz" >&2; exit 64; }
exit $failed
