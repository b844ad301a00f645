# test_posix_commands.sh — every POSIX mailx command in receive mode, with
# commands piped on standard input (issue 3, done-when 3).  One section per
# command (POSIX XCU mailx "Commands in mailx", reference mailx.md §1.6);
# what reply/mail/followup send is captured by a fake sendmail.  Compose
# commands use -~ so that "~." ends each message without a terminal.
. "$MAILROOM_SRC/tests/lib.sh"
I=$T/inst
make_instance "$I"
use_instance "$I" tony
H=$I/home/tony
S=$I/spool
export MAILRC=$T/mailrc

fake_sendmail
printf 'set sendmail=%s\n' "$T/fakesm" > "$MAILRC"

box() {  # box FILE N: messages 1..N from cK@x.org, To tony and zK, Cc wK, 8 body lines
    : > "$1"
    for i in $(seq 1 "$2"); do
        printf 'From c%d@x.org  Sat May 11 16:28:00 2024\nFrom: c%d@x.org\nTo: tony@test.example, z%d@y.org\nCc: w%d@y.org\nSubject: s%d\nMessage-ID: <m%d@x>\n\nb%d\nl2\nl3\nl4\nl5\nl6\nl7\nl8\n\n' \
            "$i" "$i" "$i" "$i" "$i" "$i" "$i" >> "$1"
    done
}
# mx [options] < commands: a session without /etc/mail.rc and without the
# start-up summary, output and errors together.
mx() { mail -n -N "$@" 2>&1; }
# body_of FILE: the output without the banner and status line.
body_of() { sed 1,2d "$1"; }
cd "$T"

# --- alias / group, unalias
box "$S/tony" 3
mx > "$T/o" <<'C'
alias team x@a.org y@a.org
alias team z@a.org
group crew team w@a.org
alias team
alias
unalias team
alias team
unalias nosuch
x
C
expect_contains "$T/o" "team	 x@a.org y@a.org z@a.org"
expect_contains "$T/o" "crew	 team w@a.org"
expect_contains "$T/o" '"team": not a group'
expect_contains "$T/o" '"nosuch": no such alias'
mx -~ > "$T/o" <<'C'
alias team x@a.org y@a.org
group crew team w@a.org
mail crew
~s to the crew
hi
~.
unalias crew
mail crew
~.
x
C
expect_contains "$(last msg)" "To: crew"
m=$(ls "$OUT"/*.msg | sort -V | tail -2 | head -1)
expect_contains "$m" "To: x@a.org, y@a.org, w@a.org"

# --- alternates: listed, and removed from reply recipients
box "$S/tony" 3
mx -~ > "$T/o" <<'C'
alternates z1@y.org me@b.org
alternates
reply 1
~.
x
C
expect_contains "$T/o" "z1@y.org me@b.org"
expect_contains "$(last msg)" "To: c1@x.org"
expect_not_contains "$(last msg)" "z1@y.org"

# --- cd / chdir (no argument: HOME); ! runs in the new directory
mkdir -p "$T/d1"
mx > "$T/o" <<C
cd $T/d1
!pwd
chdir
!pwd
cd /nonexistent-dir
x
C
expect_contains "$T/o" "$T/d1"
expect_contains "$T/o" "$H"
expect_contains "$T/o" "/nonexistent-dir: No such file or directory"

# --- copy / Copy: not marked saved, Status R in the copy; Copy names the
# file after the author's login part
box "$S/tony" 3
rm -f "$T/cp" "$T/c2"
mx > "$T/o" <<'C'
copy 1 cp
Copy 2
f 1-2
q
C
expect_contains "$T/o" '"cp" [New file]'
expect_contains "$T/o" '"c2" [New file]'
expect_contains "$T/o" "    1 c1@x.org"
expect_eq "$(grep -c '^From ' "$T/cp")" 1 "copy wrote one entry"
expect_contains "$T/cp" "Status: R"
expect_contains "$T/c2" "Subject: s2"
expect_contains "$T/c2" "Status: R"
# not saved: copied messages are read and go to MBOX; the third stays
expect_eq "$(grep -c '^From ' "$S/tony")" 1 "spool after copy"
expect_eq "$(grep -c '^From ' "$H/mbox")" 2 "mbox after copy"
rm -f "$H/mbox"

# --- delete (current moves to the next), :d lists deleted ones
box "$S/tony" 4
mx > "$T/o" <<'C'
delete 2
=
f *
d 3-4
=
f :d
x
C
body_of "$T/o" > "$T/b"
expect_eq "$(sed -n 1p "$T/b")" "3" "current after d 2"
expect_eq "$(sed -n 2,4p "$T/b" | cut -c1-5 | tr '\n' '|')" " N  1|>N  3| N  4|" "f * without the deleted one"
expect_eq "$(sed -n 5p "$T/b")" "1" "current after deleting up to the last"
expect_eq "$(tail -3 "$T/b" | cut -c4-5 | tr -d ' \n')" "234" "f :d lists the deleted"

# --- discard / ignore, retain: print honours them, Print/Type do not
box "$S/tony" 2
mx > "$T/o" <<'C'
ignore Message-ID cc
discard To
ignore
p 1
Print 1
C
expect_contains "$T/o" "message-id"
sed -n '/^Message 1:/,/^b1/p' "$T/o" | head -8 > "$T/p1"
expect_not_contains "$T/p1" "Message-ID:"
expect_not_contains "$T/p1" "Cc:"
expect_not_contains "$T/p1" "To:"
expect_contains "$T/p1" "Subject: s1"
expect_eq "$(grep -c '^Message-ID: <m1@x>' "$T/o")" 1 "Print shows ignored fields"
box "$S/tony" 2
mx > "$T/o" <<'C'
retain subject
retain
ignore subject from
t 1
T 2
x
C
sed -n '/^Message 1:/,/^b1/p' "$T/o" > "$T/p1"
expect_eq "$(sed -n 3p "$T/p1")" "Subject: s1" "retain wins over ignore"
expect_not_contains "$T/p1" "From: c1"
expect_contains "$T/o" "From: c2@x.org"
expect_contains "$T/o" "Cc: w2@y.org"

# --- dp / dt: delete, then print the next message; At EOF at the end
box "$S/tony" 3
mx > "$T/o" <<'C'
dp 1
=
dt
=
dp
x
C
expect_contains "$T/o" "Message 2:"
expect_contains "$T/o" "Message 3:"
expect_contains "$T/o" "At EOF"
expect_eq "$(body_of "$T/o" | grep -c '^[0-9]$')" 2 "= after dp/dt"
expect_eq "$(body_of "$T/o" | grep '^[0-9]$' | tr '\n' ' ')" "2 3 " "current follows dp/dt"

# --- echo, with file-name expansion as in bsd-mailx
mx > "$T/o" <<'C'
echo hello   world
echo & %
x
C
expect_contains "$T/o" "hello world"
expect_contains "$T/o" "$H/mbox $S/tony"

# --- edit / visual: EDITOR / VISUAL get a temporary copy of the message
cat > "$T/ed" <<'SH'
#!/bin/sh
{ echo "$(basename "$0") $#"; sed -n 2p "$1"; } >> "$T/ed.log"
echo edited >> "$1"
SH
chmod +x "$T/ed"
ln -sf "$T/ed" "$T/vi"
box "$S/tony" 2
: > "$T/ed.log"
T=$T EDITOR=$T/ed VISUAL=$T/vi mx > "$T/o" <<'C'
edit 1
visual 2
x
C
expect_eq "$(cat "$T/ed.log")" "$(printf 'ed 1\nFrom: c1@x.org\nvi 1\nFrom: c2@x.org')" "EDITOR and VISUAL runs"
expect_not_contains "$S/tony" "edited"

# --- exit / xit leave the mailbox untouched
box "$S/tony" 2
cp "$S/tony" "$T/before"
for cmd in exit xit ex x; do
    printf 'd 1\np 2\n%s\n' "$cmd" | mx > /dev/null
    cmp -s "$S/tony" "$T/before" || fail "$cmd changed the mailbox"
    ok
done

# --- file / folder: show, switch (%, #, &, +name), quit the old one
box "$S/tony" 2
mkdir -p "$H/Mail"
box "$H/Mail/fbox" 3
box "$H/mbox" 1
mx > "$T/o" <<'C'
set folder=Mail
file
folder +fbox
d 1
fi
fold #
file &
file %
x
C
body_of "$T/o" > "$T/b"
expect_contains "$T/b" "\"$S/tony\": 2 messages 2 new"
expect_contains "$T/b" "Held 2 messages in $S/tony"
expect_contains "$T/b" '"+fbox": 3 messages 3 new'
expect_contains "$T/b" '"+fbox": 3 messages 3 new 1 deleted'
expect_contains "$T/b" "\"$H/Mail/fbox\" complete"
expect_contains "$T/b" "\"$S/tony\": 2 messages 2 unread"
expect_contains "$T/b" "\"$H/mbox\": 1 message 1 new"
expect_eq "$(grep -c '^From ' "$H/Mail/fbox")" 2 "folder switch applied d 1"
rm -f "$H/mbox"

# --- folders: LISTER on the folder directory
touch "$H/Mail/other"
LISTER="ls -1" mx > "$T/o" <<'C'
folders
set folder=Mail
folders
set LISTER="echo LISTED"
folders
x
C
expect_contains "$T/o" 'No value set for "folder"'
expect_contains "$T/o" "fbox"
expect_contains "$T/o" "other"
expect_contains "$T/o" "LISTED $H/Mail"

# --- reply / respond (all recipients), Reply / Respond (authors)
box "$S/tony" 3
n0=$(nsent)
mx -~ > "$T/o" <<'C'
reply 1
first reply
~.
respond 2
~.
Reply 2 3
~.
Respond 1
~.
x
C
expect_eq "$(( $(nsent) - n0 ))" 4 "four replies sent"
m=$(ls "$OUT"/*.msg | sort -V | tail -4 | head -1)
expect_contains "$m" "To: c1@x.org, z1@y.org"
expect_contains "$m" "Cc: w1@y.org"
expect_contains "$m" "Subject: Re: s1"
expect_contains "$m" "In-Reply-To: <m1@x>"
expect_contains "$m" "first reply"
expect_not_contains "$m" "tony@test.example"
m=$(ls "$OUT"/*.msg | sort -V | tail -3 | head -1)
expect_contains "$m" "To: c2@x.org, z2@y.org"
m=$(ls "$OUT"/*.msg | sort -V | tail -2 | head -1)
expect_contains "$m" "To: c2@x.org, c3@x.org"
expect_not_contains "$m" "Cc:"
expect_contains "$m" "Subject: Re: s2"
expect_contains "$(last msg)" "To: c1@x.org"
expect_not_contains "$(last msg)" "z1@y.org"
# Re: is not doubled
printf 'From a@x  Sat May 11 16:28:00 2024\nFrom: a@x\nSubject: Re: old\n\nb\n' > "$T/re.mbox"
printf 'r\n~.\nx\n' | mx -~ -f "$T/re.mbox" > /dev/null
expect_contains "$(last msg)" "Subject: Re: old"
expect_not_contains "$(last msg)" "Re: Re:"

# --- followup / Followup: reply and record in a file named after the author
box "$S/tony" 3
rm -f "$T/c1" "$T/c2" "$T/c3"
mx -~ > "$T/o" <<'C'
followup 3
fu body
~.
Followup 1 2
~.
x
C
m=$(ls "$OUT"/*.msg | sort -V | tail -2 | head -1)
expect_contains "$m" "To: c3@x.org"
expect_contains "$m" "Subject: Re: s3"
expect_contains "$T/c3" "fu body"
head -1 "$T/c3" | grep -q '^From tony ' || fail "followup record From_ line: $(head -1 "$T/c3")"
ok
expect_contains "$(last msg)" "To: c1@x.org, c2@x.org"
expect_contains "$T/c1" "Subject: Re: s1"
[ ! -e "$T/c2" ] || fail "Followup recorded under the second author too"
ok

# --- from, headers (the page holding a message), z / z-
box "$S/tony" 12
mx > "$T/o" <<'C'
from 2 4
set screen=5
headers
z
z
z
z -
headers 12
z -
z -
z -
x
C
body_of "$T/o" > "$T/b"
expect_eq "$(sed -n 1p "$T/b" | cut -c1-14)" " N  2 c2@x.org" "from 2"
expect_eq "$(sed -n 2p "$T/b" | cut -c1-14)" " N  4 c4@x.org" "from 4"
expect_eq "$(sed -n 3,7p "$T/b" | cut -c4-5 | tr -d ' \n')" "12345" "headers: the first page"
expect_eq "$(sed -n 8,12p "$T/b" | cut -c4-5 | tr -d ' \n')" "678910" "z: the next page"
expect_eq "$(sed -n 13,14p "$T/b" | cut -c4-5 | tr -d ' \n')" "1112" "z: the last page"
expect_eq "$(sed -n 15p "$T/b")" "On last screenful of messages" "z past the end"
expect_eq "$(sed -n 16,20p "$T/b" | cut -c4-5 | tr -d ' \n')" "678910" "z -"
expect_eq "$(sed -n 21,22p "$T/b" | cut -c1-5 | tr '\n' '|')" " N 11|>N 12|" "headers 12"
expect_eq "$(sed -n 33p "$T/b")" "On first screenful of messages" "z - at the top"

# --- help / ?, list
mx > "$T/o" <<'C'
help
?
help reply
list
x
C
expect_eq "$(grep -c '^reply  *\[message\]' "$T/o")" 3 "help, ? and help reply"
for c in alias alternates cd chdir copy Copy delete discard dp dt echo edit exit file folder folders \
         followup Followup from headers help hold if else endif ignore list mail mbox next pipe \
         preserve Print print quit reply Reply respond Respond retain save Save set shell size source \
         top touch type Type unalias undelete unset visual write xit z inc unread; do
    tr ',' '\n' < "$T/o" | sed 's/^ *//' | grep -qx -- "$c" || fail "list lacks $c"
    ok
done

# --- hold / preserve keep read messages in the system mailbox; mbox
# moves one even with hold; touch moves an unread one
box "$S/tony" 5
rm -f "$H/mbox"
mx > "$T/o" <<'C'
p 1
hold 1
p 2
preserve 2
mbox 3
p 4
touch 5
f *
q
C
expect_contains "$T/o" " P  1 c1@x.org"
expect_contains "$T/o" " M  3 c3@x.org"
expect_contains "$T/o" ">N  5 c5@x.org"
expect_contains "$T/o" "Saved 3 messages in $H/mbox"
expect_contains "$T/o" "Held 2 messages in $S/tony"
expect_eq "$(grep '^Subject' "$H/mbox" | tr '\n' ' ')" "Subject: s3 Subject: s4 Subject: s5 " "mbox contents"
expect_eq "$(grep '^Subject' "$S/tony" | tr '\n' ' ')" "Subject: s1 Subject: s2 " "held messages"
expect_eq "$(grep -c '^Status: RO$' "$S/tony")" 2 "held read messages are RO"
mx -f "$H/mbox" > "$T/o" <<'C'
hold 1
x
C
expect_contains "$T/o" "hold and preserve are only for the system mailbox"
rm -f "$H/mbox"

# --- if / else / endif in receive mode
mx > "$T/o" <<'C'
if r
echo receive-branch
else
echo send-branch
endif
if s
echo not-here
endif
else
x
C
expect_contains "$T/o" "receive-branch"
expect_not_contains "$T/o" "send-branch"
expect_not_contains "$T/o" "not-here"
expect_contains "$T/o" '"Else" without matching "if"'

# --- mail: compose from receive mode (Subject from ~s)
box "$S/tony" 1
mx -~ > "$T/o" <<'C'
mail pal@x.org bud@y.org
~s hello
mail body
~.
x
C
expect_contains "$(last msg)" "To: pal@x.org, bud@y.org"
expect_contains "$(last msg)" "Subject: hello"
expect_contains "$(last msg)" "mail body"

# --- next: the current message if not yet printed, else the next one;
# + and - move; an empty line is next only on a terminal (-I here)
box "$S/tony" 3
mx > "$T/o" <<'C'
next
next
n
n
-
x
C
expect_eq "$(grep '^Message [0-9]*:' "$T/o" | tr '\n' ' ')" "Message 1: Message 2: Message 3: Message 2: " "next sequence"
expect_contains "$T/o" "At EOF"
printf '\n\nx\n' | mx -I > "$T/o"
expect_eq "$(grep -o 'Message [0-9]*:' "$T/o" | tr '\n' ' ')" "Message 1: Message 2: " "Enter is next with -I"
printf '\n\nx\n' | mx > "$T/o"
expect_not_contains "$T/o" "Message 1:"

# --- pipe / |, and the cmd variable; page adds a form feed
box "$S/tony" 3
mx > "$T/o" <<'C'
pipe 1 wc -l
| 2 3 grep -c ^Subject
pipe
set cmd="grep -c ^Message-ID"
pipe 1-3
set page
pipe 1 2 od -c
x
C
expect_contains "$T/o" "No command specified"
body_of "$T/o" | grep -v '^Message [0-9]*:' > "$T/b"
expect_eq "$(sed -n 1p "$T/b" | tr -d ' ')" "16" "pipe 1 wc -l: the whole entry"
expect_eq "$(sed -n 2p "$T/b")" "2" "| with a list"
expect_eq "$(sed -n 4p "$T/b")" "3" "pipe with cmd"
expect_eq "$(grep -c '\\f' "$T/o")" 2 "page: a form feed after each message"

# --- print / type, Print / Type, top (toplines), size
box "$S/tony" 2
mx > "$T/o" <<'C'
print 1
type 2
top 1
set toplines=2
top 2
size 1
size *
x
C
expect_eq "$(grep -c '^b1$' "$T/o")" 1 "print 1 body (top shows headers only)"
expect_contains "$T/o" "l8"
awk '/^Message [0-9]*:/{n++} n==3' "$T/o" > "$T/top1"
expect_eq "$(wc -l < "$T/top1")" 7 "top: Message line, From_ line and 5 lines"
expect_eq "$(sed -n 7p "$T/top1")" "Message-ID: <m1@x>" "top's fifth line"
awk '/^Message [0-9]*:/{n++} n==4' "$T/o" | head -4 > "$T/top2"
expect_eq "$(sed -n 4p "$T/top2")" "To: tony@test.example, z2@y.org" "toplines=2"
expect_contains "$T/o" "1: 16/157"
expect_contains "$T/o" "2: 16/157"

# --- quit: read → MBOX, new → kept with Status: O; q as abbreviation
box "$S/tony" 2
rm -f "$H/mbox"
printf 'p 1\nq\n' | mx > "$T/o"
expect_contains "$T/o" "Saved 1 message in $H/mbox"
expect_contains "$S/tony" "Status: O"
rm -f "$H/mbox"

# --- save / Save: marked saved (*), removed from the system mailbox on quit
box "$S/tony" 3
rm -f "$T/sv" "$T/c2"
mx > "$T/o" <<'C'
save 1 sv
Save 2
s 3 sv
f *
q
C
expect_contains "$T/o" '"sv" [New file]'
expect_contains "$T/o" '"sv" [Appended]'
expect_contains "$T/o" '"c2" [New file]'
expect_contains "$T/o" "*  1 c1@x.org"
expect_eq "$(grep -c '^From ' "$T/sv")" 2 "save appended two"
expect_contains "$T/sv" "Status: R"
expect_contains "$T/c2" "Subject: s2"
[ ! -s "$S/tony" ] || fail "saved messages left the spool: $(cat "$S/tony")"
ok
[ ! -e "$H/mbox" ] || fail "saved messages went to mbox"
ok
# one word is the file ("s 2" writes ./2); no word is MBOX (POSIX)
box "$S/tony" 3
rm -f "$T/2" "$T/3"
printf 's 2\nw 3\ns\nx\n' | mx > "$T/o"
expect_contains "$T/2" "Subject: s1"
expect_eq "$(cat "$T/3")" "$(printf 'b1\nl2\nl3\nl4\nl5\nl6\nl7\nl8')" "w 3 wrote a file named 3"
expect_contains "$T/o" "\"$H/mbox\" [New file]"
expect_contains "$H/mbox" "Subject: s1"
rm -f "$H/mbox"

# --- set / unset, noname, listing
box "$S/tony" 1
mx > "$T/o" <<'C'
set foo=bar baz
set
unset foo
set noasksub
set nosuchbool
set
x
C
expect_contains "$T/o" 'foo	"bar"'
expect_eq "$(grep -c '^baz$' "$T/o")" 2 "set name, listed twice"
expect_eq "$(grep -c '^asksub$' "$T/o")" 1 "noasksub unset the default"
expect_eq "$(grep -c '^foo' "$T/o")" 1 "unset foo"
expect_contains "$T/o" "nosuchbool"

# --- shell / ! (SHELL); sh with no command
box "$S/tony" 1
cat > "$T/fakeshell" <<'SH'
#!/bin/sh
echo "fakeshell $*"
SH
chmod +x "$T/fakeshell"
SHELL=$T/fakeshell mx > "$T/o" <<'C'
!echo hi
shell
x
C
expect_contains "$T/o" "fakeshell -c -- echo hi"
expect_contains "$T/o" "fakeshell "
expect_eq "$(grep -c '^fakeshell' "$T/o")" 2 "two shell runs"
expect_eq "$(grep -c '^!$' "$T/o")" 1 "! after a shell escape"

# --- source: commands from a file; an error ends that file
printf 'echo sourced-1\nset srcvar\nbogus\necho never\n' > "$T/cmds"
box "$S/tony" 1
printf 'source %s\nset\nx\n' "$T/cmds" | mx > "$T/o"
expect_contains "$T/o" "sourced-1"
expect_contains "$T/o" "srcvar"
expect_contains "$T/o" "$T/cmds:3: Unknown command: \"bogus\""
expect_not_contains "$T/o" "never"

# --- undelete: deleted → read; with no argument the current (deleted) one
box "$S/tony" 3
rm -f "$H/mbox"
mx > "$T/o" <<'C'
d 1 2
undelete 2
f *
q
C
expect_contains "$T/o" ">   2 c2@x.org"
expect_not_contains "$T/o" "c1@x.org"
expect_contains "$T/o" "Saved 1 message in $H/mbox"
expect_contains "$H/mbox" "Subject: s2"
rm -f "$H/mbox"

# --- write: the body only, marked saved
box "$S/tony" 2
rm -f "$T/w"
mx > "$T/o" <<'C'
write 2 w
write
f 2
x
C
expect_contains "$T/o" '"w" [New file]'
expect_contains "$T/o" "No file specified."
expect_contains "$T/o" "*  2 c2@x.org"
expect_eq "$(cat "$T/w")" "$(printf 'b2\nl2\nl3\nl4\nl5\nl6\nl7\nl8')" "write: body only"

# --- # (comment), = (current number)
mx > "$T/o" <<'C'
# a comment; p 1
2
=
x
C
expect_not_contains "$T/o" "Message 1:"
expect_contains "$T/o" "Message 2:"
expect_eq "$(tail -1 "$T/o")" "2" "= prints the current message"

# --- inc: new mail arrives during the session
box "$S/tony" 1
mx > "$T/o" <<'C'
inc
!printf 'Subject: late\n\nlate body\n' | sendmail -odi tony
inc
f 2
x
C
expect_contains "$T/o" "No new mail."
expect_contains "$T/o" "\"$S/tony\": 2 messages 2 new"
expect_contains "$T/o" "late"

# --- unread / Unread: read → unread (U)
box "$S/tony" 2
mx > "$T/o" <<'C'
p 1
p 2
unread 1
Unread 2
f *
x
C
expect_contains "$T/o" " N  1 c1@x.org"
expect_contains "$T/o" ">N  2 c2@x.org"

# --- abbreviations POSIX fixes (the shortest form of each command)
box "$S/tony" 2
mx > "$T/o" <<'C'
a ab x@y
alt alt@x
ec echo-ok
f 1
h
hel
l
ret subject
p
se abbrvar
si 1
to 1
uns abbrvar
x
C
expect_contains "$T/o" "echo-ok"
expect_contains "$T/o" "1: 16/157"
expect_not_contains "$T/o" "Unknown command"
finish
