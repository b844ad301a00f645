#!/bin/bash
# test_system.sh — system mode (no instance) run as root: the mailbox is
# written as the recipient (seteuid) with group mail, created user:mail 0660
# in a root:mail 2775 spool, like Debian's /var/mail.  Needs root: it is
# about privilege (style.md §11), so it skips cleanly otherwise.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then echo "skip: needs root"; exit 0; fi
getent passwd nobody >/dev/null || { echo "skip: no user nobody"; exit 0; }
getent group mail >/dev/null || { echo "skip: no group mail"; exit 0; }

chmod 755 "$tmp"
sys="$tmp/sys"
mkdir -p "$sys/spool"
chgrp mail "$sys/spool"
chmod 2775 "$sys/spool"
cat >"$sys/sendmail.mc" <<MC
define(\`confDOMAIN_NAME', \`test.example')dnl
define(\`MAILROOM_SPOOL_DIR', \`$sys/spool')dnl
define(\`MAILROOM_LOG_FILE', \`$sys/maillog')dnl
define(\`MAILROOM_SYSLOG', \`false')dnl
MC
export MAILROOM_CONFIG="$sys/sendmail.mc"

printf 'Subject: s\n\nbody\n' | "$ML" -f a@b nobody
expect_eq "exit" "$?" 0
expect_eq "owner, group, mode" "$(stat -c '%U:%G %a' "$sys/spool/nobody")" "nobody:mail 660"
expect_eq "delivered" "$(grep -c '^From a@b  ' "$sys/spool/nobody")" 1
printf 'Subject: s\n\nbody\n' | "$ML" -f a@b nobody
expect_eq "second delivery" "$(grep -c '^From a@b  ' "$sys/spool/nobody")" 2

# A mailbox of the right name that root owns is refused: delivery runs as
# the recipient and the owner must be the recipient.
touch "$sys/spool/daemon"
chmod 600 "$sys/spool/daemon"
set +e
printf 'x\n' | "$ML" -f a@b daemon 2>"$tmp/err"
rc=$?
set -e
expect_eq "root-owned mailbox: exit" "$rc" 77
expect_eq "root-owned mailbox: error" "$(cat "$tmp/err")" \
    "mail.local: daemon: $sys/spool/daemon: owned by uid 0, not the recipient (uid $(id -u daemon)), refusing"

# System users come from the password database; unknown ones are 67.
set +e
printf 'x\n' | "$ML" -f a@b no-such-user-here 2>/dev/null
rc=$?
set -e
expect_eq "unknown system user" "$rc" 67
finish
