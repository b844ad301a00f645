# test_posix_vars.sh — every variable of mailx/vars.cpp's table shows its
# effect (POSIX XCU mailx "Internal Variables in mailx", reference
# mailx.md §1.8), and every command-line option does what POSIX (or the
# extension's reference) says.  Variables that only act on a terminal
# (ask/asksub, askcc, askbcc, crt with PAGER, ignore, ignoreeof, dot,
# prompt) are in test_tmux_posix.py; dot and prompt are also checked here
# with -I.  The last section fails if the table has a variable that no
# test names.
. "$MAILROOM_SRC/tests/lib.sh"
I=$T/inst
make_instance "$I"
use_instance "$I" tony
H=$I/home/tony
S=$I/spool
export MAILRC=$T/mailrc

fake_sendmail
printf 'set sendmail=%s\n' "$T/fakesm" > "$MAILRC"
sent_body() { sed '1,/^$/d' "$(last msg)"; }
argv() { tr '\n' ' ' < "$(last args)"; }

box() {  # box FILE N
    : > "$1"
    for i in $(seq 1 "$2"); do
        printf 'From c%d@x.org  Sat May 11 16:28:00 2024\nFrom: c%d@x.org\nTo: tony@test.example, z%d@y.org\nSubject: s%d\nMessage-ID: <m%d@x>\n\nb%d\nl2\nl3\n\n' \
            "$i" "$i" "$i" "$i" "$i" "$i" >> "$1"
    done
}
mx() { mail -n -N "$@" 2>&1; }
subjects() { grep '^Subject' "$1" | sed 's/Subject: //' | tr '\n' ' '; }
cd "$T"

# --- allnet: tony@anywhere is "me" (removed from replies, TO in summaries with showto)
box "$S/tony" 1
printf 'From x@x  Sat May 11 16:28:00 2024\nFrom: tony@other.org\nTo: pal@x.org, tony@else.org\nSubject: own\n\nb\n\n' >> "$S/tony"
mx -~ > "$T/o" <<'C'
reply 1
~.
set allnet
reply 1
~.
set showto
from 2
unset allnet
from 2
x
C
m=$(ls "$OUT"/*.msg | sort -V | tail -2 | head -1)
expect_contains "$m" "To: c1@x.org, z1@y.org"
expect_contains "$(last msg)" "To: c1@x.org, z1@y.org"
printf 'r 2\n~.\nset allnet\nr 2\n~.\nx\n' | mx -~ > /dev/null
m=$(ls "$OUT"/*.msg | sort -V | tail -2 | head -1)
expect_contains "$m" "To: tony@other.org, pal@x.org, tony@else.org"
expect_contains "$(last msg)" "To: pal@x.org"
expect_not_contains "$(last msg)" "tony@"
expect_contains "$T/o" " N  2 TO pal@x.org       "
expect_contains "$T/o" ">N  2 tony@other.org     "

# --- append: MBOX gets new messages at the end; without it at the start
box "$S/tony" 2
box "$H/mbox" 1
printf 'p 2\nq\n' | mx -S append > /dev/null
expect_eq "$(subjects "$H/mbox")" "s1 s2 " "append"
box "$S/tony" 2
box "$H/mbox" 1
printf 'p 2\nq\n' | mx > /dev/null
expect_eq "$(subjects "$H/mbox")" "s2 s1 " "noappend prepends"
rm -f "$H/mbox"

# --- autoprint: delete and undelete print the new current message
box "$S/tony" 3
mx -S autoprint > "$T/o" <<'C'
d 1
u 1
x
C
expect_eq "$(grep -o '^Message [0-9]*:' "$T/o" | tr '\n' ' ')" "Message 2: Message 1: " "autoprint"
printf 'd 1\nx\n' | mx > "$T/o"
expect_not_contains "$T/o" "Message 2:"

# --- bang: ! in a shell command is the previous command
mx > "$T/o" <<'C'
!echo one
!echo two !
set bang
!echo three !
!echo four \!
x
C
expect_contains "$T/o" "two !"
expect_contains "$T/o" "three echo two !"
expect_contains "$T/o" "four !"

# --- cmd: the default command of pipe; page: form feeds (more in test_posix_commands)
box "$S/tony" 2
printf 'set cmd="grep -c ^Subject"\npipe 1-2\nx\n' | mx > "$T/o"
expect_eq "$(tail -1 "$T/o")" "2" "cmd"
printf 'set cmd="od -c" page\npipe 1\nx\n' | mx > "$T/o"
expect_contains "$T/o" '\f'

# --- debug (and -d): the message is shown, nothing is sent
n0=$(nsent)
echo dbg | mail -n -S debug -s dbg alice > "$T/o" 2>&1
expect_contains "$T/o" "Sendmail arguments: $T/fakesm -i -t"
expect_contains "$T/o" "Subject: dbg"
echo dbg | mail -n -d -s dbg alice > "$T/o" 2>&1
expect_contains "$T/o" "To: alice"
expect_eq "$(nsent)" "$n0" "debug sends nothing"

# --- dot: a lone . ends the message (input counted as interactive: -I)
printf 'one\n.\ntwo\n' | mail -n -I -S dot -s s alice > /dev/null 2>&1
expect_eq "$(sent_body)" "one" "dot"
printf 'one\n.\ntwo\n' | mail -n -I -s s alice > /dev/null 2>&1
expect_eq "$(sent_body)" "$(printf 'one\n.\ntwo')" "nodot"

# --- escape: another escape character; empty: no escapes
mail -n -~ -S escape=! -s s alice > /dev/null 2>&1 <<'M'
!s bang subject
~s not an escape
!!doubled
M
expect_contains "$(last msg)" "Subject: bang subject"
expect_eq "$(sent_body)" "$(printf '~s not an escape\n!doubled')" "escape=!"
mail -n -~ -S escape= -s s alice > /dev/null 2>&1 <<'M'
~s text
M
expect_eq "$(sent_body)" "~s text" "empty escape"

# --- flipr: reply and Reply swap
box "$S/tony" 1
printf 'reply\n~.\nReply\n~.\nx\n' | mx -~ -S flipr > /dev/null
m=$(ls "$OUT"/*.msg | sort -V | tail -2 | head -1)
expect_contains "$m" "To: c1@x.org"
expect_not_contains "$m" "z1@y.org"
expect_contains "$(last msg)" "To: c1@x.org, z1@y.org"

# --- folder: +name is under it (relative to HOME or absolute); outfolder: record there too
mkdir -p "$H/Mail" "$T/abs"
box "$S/tony" 2
rm -f "$H/Mail/kept" "$T/abs/kept2"
printf 's 1 +kept\nset folder=%s\ns 2 +kept2\nx\n' "$T/abs" | mx -S folder=Mail > "$T/o"
expect_contains "$H/Mail/kept" "Subject: s1"
expect_contains "$T/abs/kept2" "Subject: s2"
echo rec | mail -n -S folder=Mail -S record=sent -S outfolder -s out1 alice
expect_contains "$H/Mail/sent" "Subject: out1"
rm -f "$H/Mail/c1" "$T/c2" "$H/Mail/c2"
printf 'Save 1\nset nooutfolder\nCopy 2\nset outfolder\nfollowup 2\n~.\nx\n' | mx -~ -S folder=Mail -S outfolder > "$T/o"
expect_contains "$T/o" '"+c1" [New file]'
expect_contains "$H/Mail/c1" "Subject: s1"
expect_contains "$T/c2" "Subject: s2"
expect_contains "$H/Mail/c2" "Subject: Re: s2"
echo rec | mail -n -S folder=Mail -S record=sent2 -s out2 alice
expect_contains "$T/sent2" "Subject: out2"
[ ! -e "$H/Mail/sent2" ] || fail "record went under folder without outfolder"
ok

# --- from: the From: header and sendmail -f; -r wins
echo x | mail -n -S from="Me Self <me@here.org>" -s s alice
expect_contains "$(last msg)" "From: Me Self <me@here.org>"
expect_eq "$(argv)" "-i -t -f me@here.org " "from gives -f"
echo x | mail -n -S from=me@here.org -r other@there.org -s s alice
expect_contains "$(last msg)" "From: other@there.org"

# --- header: the summary at start; noheader (and -N) leave it out
box "$S/tony" 2
printf 'x\n' | mail -n > "$T/o" 2>&1
expect_eq "$(wc -l < "$T/o")" 4 "header: banner, status, 2 summaries"
printf 'x\n' | mail -n -S noheader > "$T/o" 2>&1
expect_eq "$(wc -l < "$T/o")" 2 "noheader"
printf 'set noheader\n' > "$T/rc2"
printf 'x\n' | MAILRC=$T/rc2 mail -n > "$T/o" 2>&1
expect_eq "$(wc -l < "$T/o")" 2 "noheader in the start-up file"

# --- hold: read messages stay in the system mailbox
box "$S/tony" 2
rm -f "$H/mbox"
printf 'p 1\nq\n' | mx -S hold > "$T/o"
expect_contains "$T/o" "Held 2 messages in $S/tony"
[ ! -e "$H/mbox" ] || fail "hold: read message went to mbox"
ok
expect_contains "$S/tony" "Status: RO"

# --- ignore (and -i): set; interrupts themselves are tested on a terminal
printf 'set\n' | mx -i > "$T/o"
expect_eq "$(grep -cx 'ignore' "$T/o")" 1 "-i sets ignore"

# --- indentprefix: ~m and quote
box "$S/tony" 1
printf 'set indentprefix=">> " quote\nr\n~.\nx\n' | mx -~ > /dev/null
expect_eq "$(sent_body)" "$(printf 'c1@x.org wrote:\n>> b1\n>> l2\n>> l3')" "quote with indentprefix"
printf 'r\n~.\nx\n' | mx -~ > /dev/null
expect_eq "$(sent_body)" "" "noquote: an empty reply"

# --- keep: an emptied -f file is truncated; unset keep removes it (POSIX)
box "$T/f1" 2
printf 'd *\nq\n' | mx -f "$T/f1" > "$T/o"
expect_contains "$T/o" "\"$T/f1\" truncated"
[ -e "$T/f1" ] && [ ! -s "$T/f1" ] || fail "keep: truncated file"
ok
box "$T/f1" 2
printf 'd *\nq\n' | mx -S nokeep -f "$T/f1" > "$T/o"
expect_contains "$T/o" "\"$T/f1\" removed"
[ ! -e "$T/f1" ] || fail "nokeep: the emptied file stays"
ok
box "$S/tony" 1
printf 'd 1\nq\n' | mx -S nokeep > /dev/null
[ -e "$S/tony" ] || fail "the system mailbox was removed"
ok

# --- keepsave: saved messages go to MBOX too
box "$S/tony" 2
rm -f "$H/mbox" "$T/sv"
printf 's 1 sv\nq\n' | mx -S keepsave > /dev/null
expect_contains "$H/mbox" "Subject: s1"
expect_contains "$T/sv" "Subject: s1"
rm -f "$H/mbox"

# --- metoo: -m for sendmail, and the user stays in replies
box "$S/tony" 1
printf 'r\n~.\nx\n' | mx -~ -S metoo > /dev/null
expect_eq "$(argv)" "-i -t -m " "metoo argv"
expect_contains "$(last msg)" "To: c1@x.org, tony@test.example, z1@y.org"

# --- onehop: accepted, changes nothing
echo x | mail -n -S onehop -s s alice
expect_eq "$(argv)" "-i -t " "onehop argv"
printf 'set onehop\nset\nx\n' | mx > "$T/o"
expect_contains "$T/o" "onehop"
expect_not_contains "$T/o" "Unknown"

# --- prompt: the command prompt (shown with -I; on a terminal in test_tmux_posix.py)
box "$S/tony" 1
printf 'set prompt="mx> "\n=\nx\n' | mx -I > "$T/o"
expect_contains "$T/o" "mx> 1"
printf '=\nx\n' | mx -I > "$T/o"
expect_contains "$T/o" "& 1"

# --- quiet: no banner
printf 'x\n' | mail -n -N -S quiet > "$T/o" 2>&1
expect_eq "$(cat "$T/o")" "\"$S/tony\": 1 message 1 new" "quiet"

# --- record: a copy of every message sent (an mbox entry)
rm -f "$T/rec"
echo kept | mail -n -S record="$T/rec" -s r1 alice
echo kept | mail -n -S record="$T/rec" -s r2 alice
expect_eq "$(grep -c '^From tony ' "$T/rec")" 2 "record: two entries"
expect_eq "$(subjects "$T/rec")" "r1 r2 " "record order"

# --- save: DEAD keeps a message sendmail refused; nosave does not
rm -f "$H/dead.letter"
echo lost | FAKESM_EXIT=75 mail -n -s s alice 2> "$T/e"
expect_eq "$?" 1 "failed send exit"
expect_eq "$(cat "$H/dead.letter")" "lost" "save: DEAD"
rm -f "$H/dead.letter"
echo lost | FAKESM_EXIT=75 mail -n -S nosave -s s alice 2> "$T/e"
[ ! -e "$H/dead.letter" ] || fail "nosave wrote DEAD"
ok

# --- screen: lines of a summary page
box "$S/tony" 7
printf 'h\nx\n' | mx -S screen=3 > "$T/o"
expect_eq "$(grep -c 'c[0-9]@x.org' "$T/o")" 3 "screen=3"

# --- sendmail: the program used
echo x | mail -n -S sendmail=/nonexistent/sm -s s alice 2> "$T/e"
expect_eq "$?" 1 "missing sendmail"
expect_contains "$T/e" "/nonexistent/sm"

# --- sendwait (default set): mailx waits for sendmail and reports its status
cat > "$T/slowsm" <<'SH'
#!/bin/sh
cat > /dev/null
sleep 0.3
echo done > "$T/slow.done"
exit 1
SH
chmod +x "$T/slowsm"
rm -f "$T/slow.done"
echo x | T=$T mail -n -S sendmail="$T/slowsm" -s s alice 2> "$T/e"
expect_eq "$?" 1 "sendwait: status seen"
[ -e "$T/slow.done" ] || fail "sendwait: mailx returned before sendmail finished"
ok
expect_contains "$T/e" "error code 1"

# --- showto: own messages show the recipient
box "$S/tony" 1
printf 'From tony  Sat May 11 16:28:00 2024\nFrom: tony\nTo: friend@x.org\nSubject: mine\n\nb\n\n' >> "$S/tony"
printf 'f 2\nset showto\nf 2\nx\n' | mx > "$T/o"
expect_contains "$T/o" " N  2 tony        "
expect_contains "$T/o" ">N  2 TO friend@x.org   "

# --- sign / Sign: ~a and ~A
mail -n -~ -S sign=s1 -S Sign=S2 -s s alice > /dev/null 2>&1 <<'M'
~a
~A
M
expect_eq "$(sent_body)" "$(printf 's1\nS2')" "sign Sign"

# --- toplines
box "$S/tony" 1
printf 'set toplines=1\ntop\nx\n' | mx > "$T/o"
expect_eq "$(sed -n '/^Message 1:/,$p' "$T/o" | wc -l)" 3 "toplines=1"

# --- verbose (and -v): sendmail -v
echo x | mail -n -S verbose -s s alice
expect_eq "$(argv)" "-i -t -v " "verbose"
echo x | mail -n -v -s s alice
expect_eq "$(argv)" "-i -t -v " "-v"

# --- DEAD: where ~q and failures keep the text
rm -f "$T/mydead"
echo lost | DEAD=$T/mydead FAKESM_EXIT=1 mail -n -s s alice 2> /dev/null
expect_eq "$(cat "$T/mydead")" "lost" "DEAD from the environment"
printf 'lost2\n~q\n' | mail -n -~ -S DEAD="$T/mydead2" -s s alice 2> /dev/null
expect_eq "$(cat "$T/mydead2")" "lost2" "DEAD set"

# --- EDITOR, VISUAL, SHELL, LISTER from the environment, `set` wins; the
# editors and LISTER run through SHELL
cat > "$T/prog" <<'SH'
#!/bin/sh
echo "$(basename "$0") $*" | sed "s|$T/||g; s|mailx\.edit\.[A-Za-z0-9]*|TMP|" >> "$T/prog.log"
case $0 in */sh?) exec /bin/sh "$@" ;; esac
SH
chmod +x "$T/prog"
for p in e1 e2 v1 v2 sh1 sh2 l1 l2; do ln -sf "$T/prog" "$T/$p"; done
mkdir -p "$H/Mail"
box "$S/tony" 1
: > "$T/prog.log"
T=$T EDITOR=$T/e1 VISUAL=$T/v1 SHELL=$T/sh1 LISTER=$T/l1 mx -S folder=Mail > /dev/null <<C
e
v
!true x
folders
set EDITOR=$T/e2 VISUAL=$T/v2 SHELL=$T/sh2 LISTER=$T/l2
e
v
!true y
folders
x
C
cat > "$T/want" <<'W'
sh1 -c -- e1 /tmp/TMP
e1 /tmp/TMP
sh1 -c -- v1 /tmp/TMP
v1 /tmp/TMP
sh1 -c -- true x
sh1 -c -- l1 'inst/home/tony/Mail'
l1 inst/home/tony/Mail
sh2 -c -- e2 /tmp/TMP
e2 /tmp/TMP
sh2 -c -- v2 /tmp/TMP
v2 /tmp/TMP
sh2 -c -- true y
sh2 -c -- l2 'inst/home/tony/Mail'
l2 inst/home/tony/Mail
W
expect_eq "$(cat "$T/prog.log")" "$(cat "$T/want")" "EDITOR VISUAL SHELL LISTER"

# --- MBOX: where read messages go, and -f's default
box "$S/tony" 1
printf 'p\nq\n' | MBOX=$T/mymbox mx > "$T/o"
expect_contains "$T/o" "Saved 1 message in $T/mymbox"
expect_contains "$T/mymbox" "Subject: s1"
printf 'x\n' | MBOX=$T/mymbox mail -n -f > "$T/o" 2>&1
expect_contains "$T/o" "\"$T/mymbox\": 1 message"

# ============================ options ============================
box "$S/tony" 2
# -e: status only
mail -e > "$T/o" 2>&1
expect_eq "$?:$(wc -c < "$T/o")" "0:0" "-e with mail"
: > "$S/tony"
mail -e
expect_eq "$?" 1 "-e without mail"
# -H: summaries only, no session
box "$S/tony" 2
printf 'p 1\n' | mail -n -H > "$T/o" 2>&1
expect_eq "$(cut -c1-6 "$T/o" | tr '\n' '|')" ">N  1 | N  2 |" "-H"
# -f file, -f with +folder, -u user
box "$T/other" 1
printf 'x\n' | mail -n -N -f "$T/other" > "$T/o" 2>&1
expect_contains "$T/o" "\"$T/other\": 1 message 1 new"
box "$H/Mail/fold" 1
printf 'x\n' | mail -n -N -S folder=Mail -f +fold > "$T/o" 2>&1
expect_contains "$T/o" "\"+fold\": 1 message 1 new"
box "$S/john" 3
printf 'x\n' | mail -n -N -u john > "$T/o" 2>&1
expect_contains "$T/o" "\"$S/john\": 3 messages 3 new"
mail -n -u nosuch < /dev/null > "$T/o" 2>&1
expect_eq "$?" 67 "-u unknown user"
# -s -c -b
echo x | mail -n -s "the subject" -c "c1@x, c2@x" -b b1@x alice
expect_contains "$(last msg)" "Subject: the subject"
expect_contains "$(last msg)" "Cc: c1@x, c2@x"
expect_contains "$(last msg)" "Bcc: b1@x"
# -n: the system start-up file (the instance's mail.rc sets ask askcc dot ...) is skipped
printf 'set\n' | mail -N > "$T/o" 2>&1
expect_contains "$T/o" "askcc"
printf 'set\n' | mail -n -N > "$T/o" 2>&1
expect_not_contains "$T/o" "askcc"
# -N: no summary
printf 'x\n' | mail -n -N > "$T/o" 2>&1
expect_eq "$(wc -l < "$T/o")" 2 "-N"
# -E: an empty message is not sent
n0=$(nsent)
mail -n -E -s empty alice < /dev/null
expect_eq "$?:$(nsent)" "0:$n0" "-E"
# -F: record in a file named after the first recipient
rm -f "$T/alice"
echo x | mail -n -F -s f alice@example.org bob
expect_contains "$T/alice" "Subject: f"
box "$S/tony" 1
rm -f "$T/c1"
printf 'r\nreplied\n~.\nx\n' | mail -n -N -~ -F > /dev/null 2>&1
expect_contains "$T/c1" "replied"
# -r: From: and -f
echo x | mail -n -r "R <r@x.org>" -s s alice
expect_eq "$(argv)" "-i -t -f r@x.org " "-r argv"
# -S: after the start-up files; -S noname unsets
printf 'set toplines=9\n' > "$T/rc3"
printf 'set\n' | MAILRC=$T/rc3 mail -n -N -S toplines=3 -S noasksub > "$T/o" 2>&1
expect_contains "$T/o" 'toplines	"3"'
expect_not_contains "$T/o" "asksub"
# -I: interactive without a terminal (prompt, Enter = next); -~: escapes
printf '\nx\n' | mail -n -N -I > "$T/o" 2>&1
expect_contains "$T/o" "& Message 1:"
echo '~s tilde' | mail -n -~ alice > /dev/null
expect_contains "$(last msg)" "Subject: tilde"
# -i -v -d: above (ignore, verbose, debug)

# ============== every table variable is named by some test ==============
tests_dir=$MAILROOM_SRC/tests/mailx
for v in $(grep -o '^    {"[A-Za-z]*", K::' "$MAILROOM_SRC/mailx/vars.cpp" | sed 's/.*{"\([A-Za-z]*\)".*/\1/'); do
    case $v in asksub) v2=ask ;; *) v2=$v ;; esac
    if ! grep -q -- "--- .*\b$v\b" "$tests_dir/test_posix_vars.sh" && \
       ! grep -q -- "# variable: .*\b$v2\b" "$tests_dir/test_tmux_posix.py"; then
        fail "variable $v has no test section"
    fi
    ok
done
finish
