#!/bin/sh
# install-deps.sh — install the Debian 12 packages mailroom needs to build and test.
#
# Installs only what is missing.  As root it runs apt-get; otherwise it prints
# the one apt-get line a user must run and fails.  Test peers that would drag
# in another MTA (bsd-mailx, procmail) are not installed system-wide: they are
# downloaded and unpacked under var/peers/ by scripts/fetch-peers.sh.
set -eu

BUILD_PKGS="cmake make g++ pkg-config libsqlite3-dev libssl-dev libsasl2-dev \
libsasl2-modules libpcre2-dev libcli11-dev doctest-dev libfmt-dev"
TEST_PKGS="sqlite3 python3 tmux time liblockfile1 libbsd0 swaks tidy dnsmasq-base"
# bench/: valgrind counts instructions (bench_procmail.sh)
BENCH_PKGS="valgrind"

want="$BUILD_PKGS"
case "${1:-}" in
    --test) want="$BUILD_PKGS $TEST_PKGS" ;;
    --bench) want="$BUILD_PKGS $TEST_PKGS $BENCH_PKGS" ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "mailroom: missing packages:$missing" >&2
    echo "run as root: apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# One update per machine is enough; retry once if the lists are stale.
if ! apt-get install -y --no-install-recommends $missing >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y --no-install-recommends $missing
fi
