#!/bin/bash
# test_hostile.sh — mailboxes planted by an attacker are refused with a clear
# error and exit 77, and nothing is written through them (mta.md §4.5).
. "$(dirname "$0")/lib.sh"

echo "precious" >"$tmp/target"
target_sum=$(md5sum <"$tmp/target")

# try USER WANT_EXIT WANT_STDERR_SUFFIX
try() {
    set +e
    printf 'Subject: attack\n\nbody\n' | "$ML" -f evil@example.org "$1" 2>"$tmp/err"
    local rc=$?
    set -e
    expect_eq "$1: exit" "$rc" "$2"
    expect_eq "$1: stderr" "$(cat "$tmp/err")" "mail.local: $1: $SPOOL/$1: $3"
}

ln -s "$tmp/target" "$SPOOL/john"
try john 77 "is a symbolic link, refusing"

ln "$tmp/target" "$SPOOL/mary"
try mary 77 "has 2 hard links, refusing"

mkfifo "$SPOOL/peter"
try peter 77 "not a regular file, refusing"

mkdir "$SPOOL/tony"
try tony 77 "not a regular file, refusing"

expect_eq "target untouched" "$(md5sum <"$tmp/target")" "$target_sum"

# Wrong owner needs root to make a file someone else owns.
if [ "$(id -u)" = 0 ]; then
    owner=$(id -un)
    touch "$SPOOL/$owner"
    chown 65534 "$SPOOL/$owner"
    try "$owner" 77 "owned by uid 65534, not the recipient (uid 0), refusing"
    expect_eq "foreign mailbox untouched" "$(stat -c %s "$SPOOL/$owner")" 0
else
    echo "skip: wrong-owner case needs root"
fi

# A dangling symlink must not create its target either.
rm -f "$SPOOL/john"
ln -s "$tmp/created-by-attack" "$SPOOL/john"
try john 77 "is a symbolic link, refusing"
[ ! -e "$tmp/created-by-attack" ] && pass "dangling symlink target not created" || fail "symlink target created"

# LMTP gives the per-recipient 550 5.2.0 and carries on.
printf 'LHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<john>\r\nRCPT TO:<mary>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n' |
    "$ML" -l | tr -d '\r' | grep '^5' >"$tmp/got" || true
printf '550 5.2.0 <john> %s\n550 5.2.0 <mary> %s\n' "$SPOOL/john: is a symbolic link, refusing" \
    "$SPOOL/mary: has 2 hard links, refusing" >"$tmp/want"
expect_file "LMTP replies" "$tmp/got"

finish
