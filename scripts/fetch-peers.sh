#!/bin/sh
# fetch-peers.sh — unpack Debian's own mail programs under var/peers/ so the
# tests and benchmarks can compare against them (bsd-mailx, s-nail,
# procmail/formail, Postfix's smtp-source and smtp-sink) without installing
# them: their packages depend on an MTA, or are one, which would replace
# ours.  Each package is fetched once with `apt-get download` and unpacked
# with `dpkg -x`; var/peers/<pkg>/usr/bin/… then holds the programs (Postfix's
# tools need LD_LIBRARY_PATH=var/peers/postfix/usr/lib/postfix).
# `fetch-peers.sh PKG...` fetches only those (bench_lists.sh asks for mlmmj,
# which no test needs).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
peers="$top/var/peers"
mkdir -p "$peers/debs"
cd "$peers/debs"
for pkg in ${*:-bsd-mailx procmail s-nail postfix}; do
    [ -d "$peers/$pkg" ] && continue
    if ! ls ${pkg}_*.deb >/dev/null 2>&1; then
        apt-get download "$pkg" >/dev/null 2>&1 || { apt-get update -qq && apt-get download "$pkg" >/dev/null; }
    fi
    dpkg -x ${pkg}_*.deb "$peers/$pkg.tmp" && mv "$peers/$pkg.tmp" "$peers/$pkg"
done
# dpkg -x run as root keeps set-id bits (procmail is set-uid root, lockfile
# set-gid mail): the reference programs run as whoever runs the tests.
find "$peers" -type f -perm /6000 -exec chmod ug-s {} +
