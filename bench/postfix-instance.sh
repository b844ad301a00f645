#!/bin/sh
# postfix-instance.sh start|stop DIR PORT — a private Postfix from Debian's
# package (unpacked by scripts/fetch-peers.sh, never installed) for the SMTP
# benchmark: listens on 127.0.0.1:PORT and delivers every message for
# test.example into the one mbox DIR/mail/box with virtual(8), fsyncing its
# queue as it always does.  Needs root (Postfix's master runs as root and its
# daemons as the `postfix` user, created here if missing).  Logs to
# DIR/maillog.
set -eu
cmd=${1:?start|stop}; T=${2:?dir}; PORT=${3:-2626}
top=$(cd "$(dirname "$0")/.." && pwd)
P=$top/var/peers/postfix
[ -x "$P/usr/sbin/postfix" ] || "$top/scripts/fetch-peers.sh"
export LD_LIBRARY_PATH=$P/usr/lib/postfix
if [ "$cmd" = stop ]; then
    "$P/usr/sbin/postfix" -c "$T/etc" stop >/dev/null 2>&1 || true
    exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "postfix-instance.sh: needs root" >&2; exit 77; }
getent group postdrop >/dev/null || groupadd -r postdrop
id postfix >/dev/null 2>&1 || useradd -r -M -d /nonexistent -s /usr/sbin/nologin postfix
mkdir -p "$T/etc/dynamicmaps.cf.d" "$T/spool" "$T/data" "$T/mail"
cp "$P/etc/postfix/postfix-files" "$T/etc/"
cp -r "$P/etc/postfix/postfix-files.d" "$T/etc/" 2>/dev/null || true
cp "$P/usr/share/postfix/dynamicmaps.cf" "$T/etc/"
chown postfix "$T/mail"
cat > "$T/etc/main.cf" <<MAIN
compatibility_level = 3.6
queue_directory = $T/spool
data_directory = $T/data
daemon_directory = $P/usr/lib/postfix/sbin
command_directory = $P/usr/sbin
shlib_directory = $P/usr/lib/postfix
meta_directory = $T/etc
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = pf.test.example
mydestination =
virtual_mailbox_domains = test.example
virtual_mailbox_base = $T/mail
virtual_mailbox_maps = static:box
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
virtual_minimum_uid = 1
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C LD_LIBRARY_PATH=$P/usr/lib/postfix
maillog_file = $T/maillog
maillog_file_prefixes = $T
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
biff = no
MAIN
cat > "$T/etc/master.cf" <<MASTER
127.0.0.1:$PORT inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
local     unix  - n n -  - local
virtual   unix  - n n -  - virtual
lmtp      unix  - - n -  - lmtp
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
MASTER
"$P/usr/sbin/postfix" -c "$T/etc" set-permissions >/dev/null 2>&1 || true
"$P/usr/sbin/postfix" -c "$T/etc" start >/dev/null 2>&1
