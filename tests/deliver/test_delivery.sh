#!/bin/bash
# test_delivery.sh — mail.local delivery, exit codes, From_ handling, Maildir.
. "$(dirname "$0")/lib.sh"

# 1. A plain delivery: the From_ line of the input is replaced, the sender
#    taken from it, Return-Path/Delivered-To added, body "From " quoted.
printf 'From bob@example.org Mon Jan  1 00:00:00 2024\nSubject: hi\n\nFrom here\nbody\n' |
    MAILROOM_FAKE_TIME=1700000000 TZ=UTC "$ML" john
expect_eq "exit 0" "$?" 0
printf 'From bob@example.org  Tue Nov 14 22:13:20 2023\nReturn-Path: <bob@example.org>\nDelivered-To: john\nSubject: hi\n\n>From here\nbody\n\n' >"$tmp/want"
expect_file "mailbox bytes" "$SPOOL/john"
expect_eq "mode 0600 in an instance" "$(stat -c %a "$SPOOL/john")" 600

# 2. -f wins over the From_ line; null sender is MAILER-DAEMON; no final newline.
printf 'Subject: bounce\n\nno newline' | MAILROOM_FAKE_TIME=1700000000 TZ=UTC "$ML" -f '' mary
expect_eq "null sender exit" "$?" 0
printf 'From MAILER-DAEMON  Tue Nov 14 22:13:20 2023\nReturn-Path: <>\nDelivered-To: mary\nSubject: bounce\n\nno newline\n\n' >"$tmp/want"
expect_file "null sender bytes" "$SPOOL/mary"

# 3. Unknown user: 67 and the classic message; the known user still gets it.
set +e
printf 'Subject: x\n\nb\n' | "$ML" -f a@b nosuchuser peter 2>"$tmp/err"
rc=$?
set -e
expect_eq "unknown user exit" "$rc" 67
expect_eq "unknown user stderr" "$(cat "$tmp/err")" "mail.local: nosuchuser: unknown user"
expect_eq "peter got it" "$(grep -c '^From a@b ' "$SPOOL/peter")" 1

# 4. Usage errors.
set +e
"$ML" </dev/null 2>"$tmp/err"; rc=$?
expect_eq "no user: usage" "$rc" 64
"$ML" -x john </dev/null 2>/dev/null; rc=$?
expect_eq "unknown option: usage" "$rc" 64
"$ML" -l john </dev/null 2>"$tmp/err"; rc=$?
expect_eq "-l with users" "$rc" 64
"$ML" -f a -r b john </dev/null 2>"$tmp/err"; rc=$?
expect_eq "-f and -r" "$rc" 64
printf 'x\n' | "$ML" ../etc 2>"$tmp/err"; rc=$?
set -e
expect_eq "unsafe name" "$rc" 67   # not in the users file, so never a path

# 5. The log line.
grep -q 'mail.local\[[0-9]*\]: john: to=<john>, from=<bob@example.org>, size=[0-9]*, mailer=local, stat=Sent' \
    "$tmp/inst/log/maillog" && pass "log line" || fail "log line: $(cat "$tmp/inst/log/maillog")"

# 6. A stale dotlock (dead pid) is removed and delivery goes on.
sh -c 'exit 0' & deadpid=$!; wait $deadpid
echo "$deadpid" > "$SPOOL/tony.lock"
printf 'Subject: s\n\nb\n' | "$ML" -f a@b tony
expect_eq "stale lock: delivered" "$(grep -c '^From a@b ' "$SPOOL/tony")" 1
[ ! -e "$SPOOL/tony.lock" ] && pass "stale lock removed" || fail "stale lock still there"

# 7. An existing Maildir is delivered to Maildir-style.
mkdir -p "$SPOOL/md/cur" "$SPOOL/md/new" "$SPOOL/md/tmp"
echo "md:x:$(id -u):$(id -g):md:$tmp/inst/home/md:/bin/sh" >> "$tmp/inst/users"
printf 'Subject: m\n\nFrom body\n' | "$ML" -f a@b md
f=$(ls "$SPOOL/md/new")
expect_eq "maildir file" "$(cat "$SPOOL/md/new/$f")" "$(printf 'Return-Path: <a@b>\nDelivered-To: md\nSubject: m\n\nFrom body')"

# 8. MAILROOM_MAILBOX_FORMAT maildir makes new mailboxes Maildirs.
echo "define(\`MAILROOM_MAILBOX_FORMAT', \`maildir')dnl" >> "$tmp/inst/sendmail.mc"
printf 'Subject: m\n\nb\n' | "$ML" -f a@b peter
# peter already has an mbox file: it stays an mbox.
expect_eq "existing mbox kept" "$(grep -c '^From a@b ' "$SPOOL/peter")" 2
printf 'Subject: m\n\nb\n' | "$ML" -f a@b "$(id -un)"
[ -d "$SPOOL/$(id -un)/new" ] && [ "$(ls "$SPOOL/$(id -un)/new" | wc -l)" = 1 ] && pass "new Maildir" || fail "no new Maildir"
sed -i '$d' "$tmp/inst/sendmail.mc"

# 9. A spool directory that does not exist: cannot create, 73.
echo "define(\`MAILROOM_SPOOL_DIR', \`$tmp/no-such-spool')dnl" >> "$tmp/inst/sendmail.mc"
set +e
printf 'x\n' | "$ML" -f a@b john 2>"$tmp/err"
rc=$?
set -e
expect_eq "missing spool: exit" "$rc" 73
expect_eq "missing spool: error" "$(cat "$tmp/err")" \
    "mail.local: john: $tmp/no-such-spool/john: cannot create: No such file or directory"
sed -i '$d' "$tmp/inst/sendmail.mc"

finish
