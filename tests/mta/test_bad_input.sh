# test_bad_input.sh — malformed input gets a clear error and the classic exit
# code, and nothing is queued or half-written (issue 2, done-when 9).
. "$MAILROOM_SRC/tests/lib.sh"
I=$T/inst
make_instance "$I"
use_instance "$I" john

queue_empty() { mailq | grep -q "Total requests: 0"; }

# NUL byte in the body and in a header
printf 'Subject: nul\n\nab\000cd\n' | sendmail -odi john 2> "$T/e1"
expect_eq "$?" 65 "NUL in body"
expect_contains "$T/e1" "NUL"
printf 'Subject: n\000ul\n\nbody\n' | sendmail -odi john 2> "$T/e2"
expect_eq "$?" 65 "NUL in header"
queue_empty || fail "a refused message was queued"
ok
[ ! -s "$I/spool/john" ] || fail "a refused message reached the mailbox"
ok

# A 1 MB header line
python3 -c "import sys; sys.stdout.write('Subject: ' + 'x' * 1048576 + '\n\nbody\n')" | sendmail -odi john 2> "$T/e3"
expect_eq "$?" 65 "1 MB header line"
expect_contains "$T/e3" "header too long"
queue_empty || fail "an oversized header was queued"
ok

# Too many hops
{ for i in $(seq 1 26); do printf 'Received: from h%d by h%d; Sun, 22 Nov 2026 00:00:00 +0000\n' "$i" "$i"; done
  printf 'Subject: loop\n\nbody\n'; } | sendmail -odi john 2> "$T/e4"
expect_eq "$?" 65 "too many hops"
expect_contains "$T/e4" "Too many hops 26 (25 max)"

# Usage errors
sendmail -Z john < /dev/null 2> "$T/e5"
expect_eq "$?" 64 "unknown flag"
expect_contains "$T/e5" "invalid option -- 'Z'"
sendmail < /dev/null 2> "$T/e6"
expect_eq "$?" 64 "no recipients"
expect_contains "$T/e6" "Recipient names must be specified"
printf 'Subject: x\n\nbody\n' | sendmail -t 2> "$T/e7"
expect_eq "$?" 64 "-t without recipients"

# Bad configuration lines: file:line and exit 78
printf 'divert(-1)\ndefine(`confMAX_HOP'"'"', `many'"'"')\n' > "$T/bad.mc"
sendmail -C "$T/bad.mc" john < /dev/null 2> "$T/e8"
expect_eq "$?" 78 "bad config"
expect_contains "$T/e8" "$T/bad.mc:2: confMAX_HOP: not a number: \"many\""
printf 'Cwfuturetg.com\nfuturetg.COM\n' > "$T/bad.cf"
sendmail -C "$T/bad.cf" -bp 2> "$T/e9"
expect_eq "$?" 78 "bad sendmail.cf"
expect_contains "$T/e9" "$T/bad.cf: line 2: unknown configuration line \"futuretg.COM\""
sendmail -C "$T/missing.mc" -bp 2> "$T/e10"
expect_eq "$?" 78 "missing config"

# A hostile mailbox: a symlink where the mailbox should be.  mail.local
# refuses it (as Postfix does, permanently), the target of the link is
# untouched, and the message goes back to its sender: nothing is lost.
echo "precious" > "$T/target"
ln -s "$T/target" "$I/spool/peter"
printf 'Subject: evil\n\nbody\n' | sendmail -odi peter 2> "$T/e11"
expect_eq "$?" 0 "submission to a user with a hostile mailbox"
expect_eq "$(cat "$T/target")" "precious" "symlink target untouched"
expect_contains "$I/log/maillog" "to=peter"
wait_for "grep -q 'Subject: Returned mail' $I/spool/john 2>/dev/null" 30 || fail "no bounce for the hostile mailbox"
ok
expect_contains "$I/spool/john" "Subject: evil"
expect_contains "$I/spool/john" "Final-Recipient: RFC822; peter@test.example"
finish
