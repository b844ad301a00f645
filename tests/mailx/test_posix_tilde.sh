# test_posix_tilde.sh — every POSIX tilde escape (XCU mailx "Command
# Escapes in mailx", reference mailx.md §1.7), with `mail -~` so that
# escapes work without a terminal; ~f ~F ~m ~M from a receive-mode `m`
# command.  What sendmail gets is captured byte for byte by a fake
# sendmail.  ~h prompts on a terminal: it is in test_tmux_posix.py.
. "$MAILROOM_SRC/tests/lib.sh"
I=$T/inst
make_instance "$I"
use_instance "$I" tony
H=$I/home/tony
S=$I/spool
export MAILRC=$T/mailrc

fake_sendmail
printf 'set sendmail=%s\n' "$T/fakesm" > "$MAILRC"
# The body sendmail got: everything after the first empty line.
sent_body() { sed '1,/^$/d' "$(last msg)"; }
# The header sendmail got, without the Date: and Message-ID: lines that change.
sent_head() { sed '/^$/q' "$(last msg)" | grep -v '^Date: \|^Message-ID: \|^$'; }
cd "$T"

# --- ~s ~t ~c ~b: the header; ~~ a literal tilde; ~. ends input
mail -n -~ -s orig alice > "$T/o" 2>&1 <<'M'
~s the subject
~t bob, carol
~c dave
~b eve
~~ starts with a tilde
~~~ two
line
~.
after the end
M
expect_eq "$?" 0 "send exit"
expect_eq "$(sent_head)" "$(printf 'To: alice, bob, carol\nCc: dave\nBcc: eve\nSubject: the subject')" "header from ~s ~t ~c ~b"
expect_eq "$(sent_body)" "$(printf '~ starts with a tilde\n~~ two\nline')" "~~ and ~. body"

# --- ~! runs a shell command (SHELL) and prints "!"; ~: and ~_ run mailx commands
cat > "$T/fakeshell" <<'SH'
#!/bin/sh
echo "fakeshell $*" >> "$T/shell.log"
/bin/sh "$@"
SH
chmod +x "$T/fakeshell"
: > "$T/shell.log"
T=$T SHELL=$T/fakeshell mail -n -~ -s s alice > "$T/o" 2>&1 <<'M'
~!echo shell-output
~: echo colon-command
~_ set ask
~: set
body
M
expect_contains "$T/o" "shell-output"
expect_eq "$(sed -n 2p "$T/o")" "!" "~! prints ! after the command"
expect_contains "$T/o" "colon-command"
expect_contains "$T/o" "asksub"
expect_eq "$(cat "$T/shell.log")" "fakeshell -c -- echo shell-output" "~! runs \$SHELL -c -- command"
expect_eq "$(sent_body)" "body" "escapes leave no text"

# with bang, '!' in ~! is the previous ! or ~! command (shared with receive mode's !)
box_one() { printf 'From a@x  Sat May 11 16:28:00 2024\nFrom: a@x\nSubject: s\n\nb\n\n' > "$S/tony"; }
box_one
mail -n -N -~ -S bang > "$T/o" 2>&1 <<'M'
!echo one
m bob
~!echo ! two
~!echo \! three
~.
!echo ! four
x
M
expect_eq "$(grep -v '^!$\|^Null message' "$T/o" | sed 1,2d)" "$(printf 'one\necho one two\n! three\necho ! three four')" "bang in ~! and !"

# --- ~? lists the escapes
mail -n -~ -s s alice > "$T/o" 2>&1 <<'M'
~?
M
for e in '~~' '~a, ~A' '~b' '~c' '~d' '~e' '~f' '~F' '~h' '~i' '~m' '~M' '~p' '~q' '~x' '~r' '~s' '~t' '~v' '~w' '~!' '~|' '~:' '~.'; do
    grep -q -- "^$e " "$T/o" || fail "~? lacks $e"
    ok
done

# --- ~a ~A (sign, Sign, \n and \t expanded), ~i var
mail -n -~ -S 'sign=-- \nSig\tX' -S Sign=BIG -S v=value -s s alice > /dev/null 2>&1 <<'M'
text
~a
~A
~i v
~i unsetvar
M
expect_eq "$(sent_body)" "$(printf 'text\n-- \nSig\tX\nBIG\nvalue')" "~a ~A ~i"

# --- ~d reads DEAD; ~r / ~< a file; ~r !cmd and ~<!cmd
printf 'dead line\n' > "$T/dead"
printf 'file line 1\nfile line 2\n' > "$T/file"
DEAD=$T/dead mail -n -~ -s s alice > "$T/o" 2>&1 <<M
~d
~r $T/file
~< $T/file
~r !echo cmd-out
~<!printf 'no newline'
~r /nonexistent/file
end
M
expect_eq "$(sent_body)" "$(printf 'dead line\nfile line 1\nfile line 2\nfile line 1\nfile line 2\ncmd-out\nno newline\nend')" "~d ~r ~< bodies"
expect_contains "$T/o" "\"$T/file\" 2/24"
expect_contains "$T/o" "/nonexistent/file: No such file or directory"

# --- ~e / ~v: EDITOR / VISUAL edit the body in a temporary file
cat > "$T/ed" <<'SH'
#!/bin/sh
echo "$(basename "$0")" >> "$T/ed.log"
sed -i 's/typo/fixed/' "$1"
echo "added by $(basename "$0")" >> "$1"
SH
chmod +x "$T/ed"
ln -sf "$T/ed" "$T/vis"
: > "$T/ed.log"
T=$T EDITOR=$T/ed VISUAL=$T/vis mail -n -~ -s s alice > "$T/o" 2>&1 <<'M'
a typo here
~e
~v
M
expect_eq "$(sent_body)" "$(printf 'a fixed here\nadded by ed\nadded by vis')" "~e ~v edit the body"
expect_eq "$(tr '\n' ' ' < "$T/ed.log")" "ed vis " "EDITOR then VISUAL"

# --- ~p prints the message so far
mail -n -~ -s subj -c cc1 alice > "$T/o" 2>&1 <<'M'
line one
~p
M
expect_eq "$(cat "$T/o")" "$(printf -- '-------\nMessage contains:\nTo: alice\nSubject: subj\nCc: cc1\n\nline one\n(continue)')" "~p screen"

# --- ~q: abort, body kept in DEAD; ~x: abort, nothing kept
n0=$(nsent)
rm -f "$T/dead"
DEAD=$T/dead mail -n -~ -s s alice > /dev/null 2>&1 <<'M'
precious
~q
not reached
M
expect_eq "$?" 1 "~q exit status"
expect_eq "$(cat "$T/dead")" "precious" "~q saves the body in DEAD"
rm -f "$T/dead"
DEAD=$T/dead mail -n -~ -s s alice > /dev/null 2>&1 <<'M'
gone
~x
M
expect_eq "$?" 1 "~x exit status"
[ ! -e "$T/dead" ] || fail "~x wrote DEAD"
ok
DEAD=$T/dead mail -n -~ -S nosave -s s alice > /dev/null 2>&1 <<'M'
unsaved
~q
M
[ ! -e "$T/dead" ] || fail "~q with nosave wrote DEAD"
ok
expect_eq "$(nsent)" "$n0" "nothing sent after ~q/~x"

# --- ~w appends the body to a file (no header)
rm -f "$T/w"
printf 'old\n' > "$T/w"
mail -n -~ -s s alice > "$T/o" 2>&1 <<M
body for w
~w $T/w
more
M
expect_eq "$(cat "$T/w")" "$(printf 'old\nbody for w')" "~w appends the body so far"
expect_eq "$(sent_body)" "$(printf 'body for w\nmore')" "~w leaves the body"

# --- ~| filters the body; a failing command or no output leaves it
mail -n -~ -s s alice > "$T/o" 2>&1 <<'M'
lower case
~| tr a-z A-Z
~| exit 3
~| true
last
M
expect_eq "$(sent_body)" "$(printf 'LOWER CASE\nlast')" "~| result"
expect_contains "$T/o" '"exit 3" exited with status 3'
expect_contains "$T/o" "No bytes from the command; the message is unchanged"

# --- an unknown escape is reported, not sent
mail -n -~ -s s alice > "$T/o" 2>&1 <<'M'
~y what
text
M
expect_contains "$T/o" "Unknown tilde escape: ~y"
expect_eq "$(sent_body)" "text" "unknown escape not in the body"

# --- without -~ and without a terminal, escapes are text (POSIX: unspecified)
mail -n -s s alice > /dev/null 2>&1 <<'M'
~s not a subject
M
expect_eq "$(sent_body)" "~s not a subject" "escape as text"

# --- ~f ~F ~m ~M: messages inserted from receive mode (ignore applies to
# ~f and ~m, indentprefix to ~m and ~M)
printf 'From c1@x.org  Sat May 11 16:28:00 2024\nFrom: c1@x.org\nSubject: s1\nX-Hidden: h\n\nbody one\n\nsecond para\n\nFrom c2@x.org  Sat May 11 16:28:00 2024\nFrom: c2@x.org\nSubject: s2\n\nbody two\n\n' > "$S/tony"
mail -n -N -~ > "$T/o" 2>&1 <<'M'
ignore x-hidden
2
m bob
~f 1
~F 1
~m
~M 1
~.
set indentprefix="> "
m bob
~m 1
~.
x
M
expect_contains "$T/o" "Interpolating: 1"
expect_contains "$T/o" "Interpolating: 2"
m=$(ls "$OUT"/*.msg | sort -V | tail -2 | head -1)
sed '1,/^$/d' "$m" > "$T/b1"
cat > "$T/want" <<'W'
From: c1@x.org
Subject: s1
Status: R

body one

second para
From: c1@x.org
Subject: s1
X-Hidden: h
Status: R

body one

second para
	From: c2@x.org
	Subject: s2
	Status: R

	body two
	From: c1@x.org
	Subject: s1
	X-Hidden: h
	Status: R

	body one

	second para
W
expect_eq "$(cat "$T/b1")" "$(cat "$T/want")" "~f ~F ~m ~M"
expect_eq "$(sent_body)" "$(printf '> From: c1@x.org\n> Subject: s1\n> Status: R\n\n> body one\n\n> second para')" "~m with indentprefix"
# the messages read by ~f/~m count as read: exit leaves them, quit moves them
printf 'm bob\n~f 2\n~.\nq\n' | mail -n -N -~ > "$T/o" 2>&1
expect_contains "$T/o" "Saved 1 message in $H/mbox"
expect_contains "$H/mbox" "Subject: s2"

# --- ~f without a mailbox (send mode)
mail -n -~ -s s alice > "$T/o" 2>&1 <<'M'
~f 1
text
M
expect_contains "$T/o" "No messages to insert from."
finish
