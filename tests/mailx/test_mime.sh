# test_mime.sh — MIME in mailx (issue 3, done-when 5): text + attachment,
# quoted-printable, base64, ISO-8859-1 and UTF-8, encoded subjects display
# readably; -a attachments and non-ASCII subjects round-trip through the
# real sendmail and mail.local.
. "$MAILROOM_SRC/tests/lib.sh"
I=$T/inst
make_instance "$I"
use_instance "$I" tony
S=$I/spool
export MAILRC=/dev/null LANG=C.UTF-8

# --- reading: a hand-made box with the usual shapes
cat > "$T/in.mbox" <<'M'
From alice@example.org  Fri May 10 09:15:02 2024
From: =?ISO-8859-1?Q?Andr=E9?= <alice@example.org>
Subject: =?ISO-8859-1?Q?Caf=E9?=
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable

Caf=E9 cr=E8me, soft=
 break.

From bob@example.org  Sat May 11 16:28:00 2024
From: bob@example.org
Subject: =?UTF-8?B?R3LDvMOfZQ==?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XX"

preamble is not shown
--XX
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: base64

SGFsbG8gV2VsdCDinJMK
--XX
Content-Type: application/pdf; name="r.pdf"
Content-Disposition: attachment; filename="report.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--XX--

M
printf 'p 1\np 2\nx\n' | mail -n -f "$T/in.mbox" > "$T/o"
expect_contains "$T/o" "Café"                  # summary: decoded subject
expect_contains "$T/o" "Grüße"
expect_contains "$T/o" "Café crème, soft break."  # QP + ISO-8859-1 body
expect_contains "$T/o" "From: André <alice@example.org>"
expect_contains "$T/o" "Hallo Welt ✓"          # base64 UTF-8 part
expect_contains "$T/o" '[-- #2 application/pdf, base64, 9 bytes, "report.pdf" --]'
expect_not_contains "$T/o" "SGFsbG8g"
expect_not_contains "$T/o" "preamble is not shown"
# Print shows the raw structure's headers too, decoded.
printf 'P 2\nx\n' | mail -n -f "$T/in.mbox" > "$T/o"
expect_contains "$T/o" "Content-Type: multipart/mixed"

# --- a terminal escape in a subject never reaches the terminal
printf 'From e@x  Sat May 11 16:28:00 2024\nSubject: =?UTF-8?Q?evil=1B]0;x=07?=\n\n\033[2Jbody\n' > "$T/esc.mbox"
printf 'f *\np 1\nx\n' | mail -n -f "$T/esc.mbox" > "$T/o"
if grep -q "$(printf '\033')" "$T/o"; then fail "an ESC byte reached the output"; fi
ok

# --- sending: -a attachments and a non-ASCII subject, through the real MTA
head -c 3000 /dev/urandom > "$T/blob.bin"
printf 'plain text attachment\n' > "$T/notes.txt"
printf 'Grüße, see the files.\n' | mail -s "Übersicht für Q3" -a "$T/blob.bin" -a "$T/notes.txt" tony
wait_for "grep -q 'Content-Disposition: attachment' $S/tony 2>/dev/null" 20 || fail "the message did not arrive"
ok
expect_contains "$S/tony" "Subject: =?UTF-8?"
expect_contains "$S/tony" "Content-Type: multipart/mixed"
python3 - "$S/tony" "$T/blob.bin" "$T/notes.txt" <<'PY' || fail "attachments did not round-trip"
import mailbox, sys
msg = list(mailbox.mbox(sys.argv[1]))[-1]
import email.header
subj = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
assert subj == "Übersicht für Q3", subj
parts = [p for p in msg.walk() if not p.is_multipart()]
text = parts[0].get_payload(decode=True).decode(parts[0].get_content_charset())
assert text == "Grüße, see the files.\n", repr(text)
assert parts[1].get_filename() == "blob.bin"
assert parts[1].get_payload(decode=True) == open(sys.argv[2], "rb").read()
assert parts[2].get_filename() == "notes.txt"
assert parts[2].get_payload(decode=True) == open(sys.argv[3], "rb").read()
PY
ok
printf 'p $\nx\n' | mail -n > "$T/o"
expect_contains "$T/o" "Übersicht für Q3"
expect_contains "$T/o" "Grüße, see the files."
expect_contains "$T/o" '"blob.bin" --]'
# A missing attachment: nothing is sent, the text is kept.
printf 'keep me\n' | mail -s x -a "$T/missing" tony 2> "$T/e"
expect_eq "$?" 1 "missing attachment exit"
expect_contains "$T/e" "missing"
expect_contains "$I/home/tony/dead.letter" "keep me"
finish
