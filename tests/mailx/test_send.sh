# test_send.sh — mailx send mode without a terminal (issue 3, done-when 3):
# what sendmail is given (argv and message), .mailrc aliases, -s -c -b -r
# -E -n, start-up file errors with file:line, failures and dead.letter,
# record, -d; and the real path through sendmail and mail.local.
. "$MAILROOM_SRC/tests/lib.sh"
I=$T/inst
make_instance "$I"
use_instance "$I" peter
H=$I/home/peter
S=$I/spool

fake_sendmail

cat > "$H/.mailrc" <<RC
set sendmail=$T/fakesm
alias myteam john mary peter tony
alias devs myteam alice
alias ops root \\ops bob
alias loop1 loop2 x1
alias loop2 loop1 x2
RC

# --- -s and an alias: argv is -i -t; headers as documented
printf 'line one\nFrom the start\n.\nlast\n' | mail -s "Hello team" myteam
expect_eq "$?" 0 "send exit"
expect_eq "$(tr '\n' ' ' < "$(last args)")" "-i -t " "sendmail argv"
m=$(last msg)
expect_contains "$m" "To: john, mary, peter, tony"
expect_contains "$m" "Subject: Hello team"
grep -q '^Date: [A-Z][a-z][a-z], [ 0-9][0-9] [A-Z][a-z][a-z] 20[0-9][0-9] ' "$m" || fail "Date: header: $(grep ^Date "$m")"
ok
grep -q '^Message-ID: <[0-9]\{14\}\.[0-9a-f]*@test\.example>$' "$m" || fail "Message-ID: $(grep ^Message-ID "$m")"
ok
expect_not_contains "$m" "MIME-Version"
# The body goes through unchanged (a lone dot, From_ lines: -i and the MDA handle them).
expect_eq "$(sed -n '/^$/,$p' "$m" | tail -n +2)" "$(printf 'line one\nFrom the start\n.\nlast')" "body bytes"

# --- nested aliases keep the order and drop duplicates; \name is not expanded
echo body | mail -s x devs carol john
expect_contains "$(last msg)" "To: john, mary, peter, tony, alice, carol"
echo body | mail -s x ops
expect_contains "$(last msg)" "To: root, ops, bob"
echo body | mail -s x loop1 2> "$T/loop.err"
expect_contains "$T/loop.err" "Expanding alias to depth larger than 25"
expect_contains "$(last msg)" "To: x1, x2"
echo body | mail -s x myteam@test.example
expect_contains "$(last msg)" "To: myteam@test.example"

# --- -c, -b, -r, metoo, verbose
echo body | mail -s x -c "carol,dave" -b eve -r "Me <me@example.org>" -S metoo -v alice
m=$(last msg)
expect_contains "$m" "Cc: carol, dave"
expect_contains "$m" "Bcc: eve"
expect_contains "$m" "From: Me <me@example.org>"
expect_eq "$(tr '\n' ' ' < "$(last args)")" "-i -t -m -v -f me@example.org " "argv with metoo, -v, -r"

# --- -E: an empty body sends nothing; without it the message goes anyway
before=$(ls "$OUT" | wc -l)
printf '' | mail -E -s empty alice
expect_eq "$?" 0 "-E exit"
expect_eq "$(ls "$OUT" | wc -l)" "$before" "-E sent nothing"
printf '' | mail -s empty alice > "$T/null.out"
expect_contains "$T/null.out" "Null message body; hope that's ok"

# --- non-ASCII text gets MIME headers
printf 'Gr\303\274\303\237e\n' | mail -s plain alice
expect_contains "$(last msg)" "Content-Type: text/plain; charset=UTF-8"
expect_contains "$(last msg)" "Content-Transfer-Encoding: 8bit"

# --- tilde escapes are text without a terminal, commands with -~
printf '~s changed\nbody\n' | mail -s orig alice
expect_contains "$(last msg)" "~s changed"
printf '~s changed\n~c carol\nbody\n~t bob\n' | mail -~ -s orig alice
m=$(last msg)
expect_contains "$m" "Subject: changed"
expect_contains "$m" "Cc: carol"
expect_contains "$m" "To: alice, bob"
expect_not_contains "$m" "~s"

# --- record keeps an mbox copy
mkdir -p "$H/Mail"
printf 'kept\n' | mail -S record=+sent -S folder=Mail -s rec alice
head -1 "$H/Mail/sent" | grep -q '^From peter ' || fail "record From_ line: $(head -1 "$H/Mail/sent")"
ok
expect_contains "$H/Mail/sent" "Subject: rec"

# --- -d shows and sends nothing
before=$(ls "$OUT" | wc -l)
echo dbg | mail -d -s dbg alice > "$T/d.out"
expect_contains "$T/d.out" "Sendmail arguments:"
expect_eq "$(ls "$OUT" | wc -l)" "$before" "-d sent nothing"

# --- a failing sendmail: reported, exit 1, body kept in DEAD
rm -f "$H/dead.letter"
printf 'precious\n' | FAKESM_EXIT=75 mail -s fail alice 2> "$T/f.err"
expect_eq "$?" 1 "failed send exit"
expect_contains "$T/f.err" "sendmail process failed with error code 75"
expect_contains "$H/dead.letter" "precious"
printf 'x\n' | mail -S sendmail=/nonexistent/sendmail -s x alice 2> "$T/n.err"
expect_eq "$?" 1 "missing sendmail exit"

# --- usage errors
mail -s subject > /dev/null 2> "$T/u.err"
expect_eq "$?" 64 "-s without recipients"
expect_contains "$T/u.err" "You must specify to-addr recipients"
mail -Z 2> /dev/null
expect_eq "$?" 64 "unknown option"

# --- a bad start-up line: file:line, the rest of the file skipped
cat > "$T/bad.rc" <<RC
set sendmail=$T/fakesm
bogus command
alias skipped nobody
RC
echo body | MAILRC=$T/bad.rc mail -n -s x skipped 2> "$T/rc.err"
expect_contains "$T/rc.err" "$T/bad.rc:2: Unknown command: \"bogus\""
expect_contains "$(last msg)" "To: skipped"
printf 'set sendmail=%s\nreply 1\n' "$T/fakesm" > "$T/bad2.rc"
echo body | MAILRC=$T/bad2.rc mail -n -s x alice 2> "$T/rc2.err"
expect_contains "$T/rc2.err" "$T/bad2.rc:2: Can't \"reply\" in start-up files"
printf 'if r\nset sendmail=/nonexistent\nelse\nset sendmail=%s\nendif\n' "$T/fakesm" > "$T/if.rc"
before=$(ls "$OUT" | wc -l)
echo body | MAILRC=$T/if.rc mail -n -s x alice
expect_eq "$(( $(ls "$OUT" | wc -l) - before ))" 2 "if r / else in send mode (one .args, one .msg)"

# --- the real thing: through sendmail and mail.local, Bcc removed
printf 'set ask\n' > "$H/.mailrc"
echo "real body" | mail -s "Real one" -b tony john mary
for u in john mary tony; do
    wait_for "grep -q 'Subject: Real one' $S/$u 2>/dev/null" 20 || fail "real send did not reach $u"
    ok
done
expect_not_contains "$S/tony" "Bcc:"
expect_contains "$S/john" "To: john, mary"
echo "x" | mail -s "unknown" team1 2> "$T/team1.err"
expect_eq "$?" 1 "unknown local user exit"
expect_contains "$T/team1.err" "team1... User unknown"
finish
