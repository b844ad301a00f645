#!/bin/sh
# run-all.sh BUILD — run every benchmark in bench/ against the build in BUILD
# and print their reports (copy the figures into docs/benchmarks.md).
set -eu
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
for b in "$here"/bench_*.sh; do
    echo "== $(basename "$b")"
    MAILROOM_BUILD=$build MAILROOM_SRC=$(dirname "$here") bash "$b"
done
