# test_read.sh — receive mode with commands on standard input (issue 3,
# done-when 3 and 6): -e -H -f -u -N -n, the status and summary lines,
# message lists, print/top/size/from/=, delete/undelete/save/copy/write/
# hold/mbox/touch/unread, quit and exit semantics (Status: O/RO, ~/mbox,
# held mail, new mail kept), folders, and damaged mailboxes.
. "$MAILROOM_SRC/tests/lib.sh"
I=$T/inst
make_instance "$I"
use_instance "$I" tony
H=$I/home/tony
S=$I/spool
export MAILRC=/dev/null

box() {  # box FILE N: N messages c1..cN
    : > "$1"
    for i in $(seq 1 "$2"); do
        printf 'From c%d@x.org  Sat May 11 16:28:00 2024\nFrom: c%d@x.org\nSubject: s%d\nMessage-ID: <m%d@x>\n\nb%d\n\n' \
            "$i" "$i" "$i" "$i" "$i" >> "$1"
    done
}
run() { printf "$1" | mail -n "${@:2}" 2>&1; }

# --- no mail
rm -f "$S/tony"
run 'q\n' > "$T/o"
expect_eq "$?" 1 "no mail exit"
expect_eq "$(cat "$T/o")" "No mail for tony" "no mail message"
mail -e; expect_eq "$?" 1 "-e without mail"
box "$S/tony" 3
mail -e; expect_eq "$?" 0 "-e with mail"
expect_eq "$(mail -e | wc -c)" 0 "-e prints nothing"

# --- the start screen, exact (80 columns when not a terminal)
run 'x\n' > "$T/o"
head -1 "$T/o" | grep -q '^Mail version .*\.  Type ? for help\.$' || fail "banner: $(head -1 "$T/o")"
ok
sed -i 1d "$T/o"
cat > "$T/want" <<W
"$S/tony": 3 messages 3 new
>N  1 c1@x.org           Sat May 11 16:28    7/91    s1
 N  2 c2@x.org           Sat May 11 16:28    7/91    s2
 N  3 c3@x.org           Sat May 11 16:28    7/91    s3
W
expect_eq "$(cat "$T/o")" "$(cat "$T/want")" "start screen"
run 'x\n' -N > "$T/o"
expect_eq "$(wc -l < "$T/o")" 2 "-N: banner and status line only"
mail -H > "$T/o"
expect_eq "$(wc -l < "$T/o")" 3 "-H: summaries only"
expect_eq "$(head -c 4 "$T/o")" ">N  " "-H first line"

# --- message lists and simple commands
run 'f 2-3\n=\nsize 1\nf /S2\nf c3\nf 9\nf /zzz\nf :n\nx\n' -N > "$T/o"
expect_contains "$T/o" " N  2 c2@x.org"
expect_contains "$T/o" ">N  3 c3@x.org"
expect_contains "$T/o" "1: 7/91"
expect_contains "$T/o" "9: Invalid message number"
expect_contains "$T/o" "No applicable messages from {/zzz}"
expect_eq "$(grep -c 'c2@x.org' "$T/o")" 3 "c2 listed by f 2-3, f /S2 (case-insensitive) and f :n"
run 'p 2\ntop 1\nn\nn\nn\nn\nx\n' -N > "$T/o"
expect_contains "$T/o" "Message 2:"
expect_contains "$T/o" "Status: R"
expect_contains "$T/o" "At EOF"
run 'foo\nx\n' -N > "$T/o"
expect_contains "$T/o" 'Unknown command: "foo"'

# --- quit: read -> ~/mbox (RO), unread stay (O), saved and deleted leave
box "$S/tony" 5
rm -f "$H/mbox"
mkdir -p "$H/Mail"
box "$S/tony" 5
run 'p 1\nd 2\ns 3 +saved\nho 4\nq\n' -N -S folder=Mail > "$T/o"
expect_contains "$T/o" "\"+saved\" [New file]"
expect_contains "$T/o" "Saved 1 message in $H/mbox"
expect_contains "$T/o" "Held 2 messages in $S/tony"
expect_eq "$(grep -c '^From ' "$S/tony")" 2 "spool keeps 2"
expect_contains "$S/tony" "Subject: s4"
expect_contains "$S/tony" "Subject: s5"
expect_eq "$(grep -c '^Status: O$' "$S/tony")" 2 "held messages are Status: O"
expect_contains "$H/mbox" "Subject: s1"
expect_contains "$H/mbox" "Status: RO"
expect_contains "$H/Mail/saved" "Subject: s3"
# exit leaves everything as it was
cp "$S/tony" "$T/before"
run 'd *\nx\n' -N > /dev/null
cmp -s "$S/tony" "$T/before" || fail "exit changed the mailbox"
ok
# a quit without changes writes nothing
touch -d '2001-01-01' "$S/tony"
run 'f *\nq\n' -N > /dev/null
expect_eq "$(stat -c %Y "$S/tony")" "$(date -d 2001-01-01 +%s)" "unchanged mailbox not rewritten"

# --- hold keeps read messages; mbox overrides it; append
box "$S/tony" 3
rm -f "$H/mbox"
run 'p 1\np 2\nmb 2\nq\n' -N -S hold > "$T/o"
expect_contains "$T/o" "Saved 1 message in $H/mbox"
expect_contains "$S/tony" "Subject: s1"
expect_not_contains "$S/tony" "Subject: s2"

# --- new mail arriving during the session is kept
box "$S/tony" 2
# mailx itself runs the delivery (synchronous: -odi), so the new mail
# arrives after mailx read the mailbox and before it quits.
mail -n -N > "$T/o" 2>&1 <<'C'
p 1
!printf 'Subject: late\n\nlate body\n' | sendmail -odi tony
q
C
expect_contains "$T/o" "New mail has arrived."
expect_contains "$S/tony" "Subject: late"
expect_contains "$S/tony" "Subject: s2"

# --- -f and -u
box "$T/other.mbox" 2
run 'd 1\nq\n' -f "$T/other.mbox" > "$T/o"
expect_contains "$T/o" "\"$T/other.mbox\" complete"
expect_eq "$(grep -c '^From ' "$T/other.mbox")" 1 "-f file rewritten without the deleted message"
box "$S/john" 1
run 'x\n' -u john > "$T/o"
expect_contains "$T/o" "\"$S/john\": 1 message 1 new"
run 'x\n' -u nosuchuser > "$T/o"
expect_contains "$T/o" "\"nosuchuser\" is not a user of this system"

# --- damaged mailboxes open and keep what is readable
printf 'garbage before any From line\n\nFrom a@x  Sat May 11 16:28:00 2024\nSubject: ok\n\nbody\n' > "$T/d1"
run 'f *\nq\n' -f "$T/d1" > "$T/o"
expect_contains "$T/o" "ok"
expect_contains "$T/d1" "garbage before any From line"
head -c 3000 /dev/urandom > "$T/d2"
run 'f *\nq\n' -f "$T/d2" > /dev/null; ok
{ printf 'From a@x  Sat May 11 16:28:00 2024\nSubject: long\n\n'; head -c 1048576 /dev/zero | tr '\0' 'x'; printf '\n'; } > "$T/d3"
run 'p 1\nx\n' -f "$T/d3" > "$T/o"
expect_eq "$(grep -c xxxxxxxxxx "$T/o")" 1 "1 MB line printed"
printf 'From a@x  Sat May 11 16:28:00 2024\nSubject: cut' > "$T/d4"
run 'f *\nq\n' -f "$T/d4" > "$T/o"
expect_contains "$T/o" "cut"
finish
