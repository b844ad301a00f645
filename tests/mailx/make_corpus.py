"""make_corpus.py OUT — writes an mbox of real-world-shaped messages for the
summary comparison with bsd-mailx: multipart mail, encoded words in several
charsets, missing headers, long and folded subjects, Status variants, From_
lines with one and two spaces, MAILER-DAEMON bounces, display names with
commas, and a message without a final newline."""
import sys

msgs = []


def add(from_line, headers, body):
    msgs.append((from_line, headers, body))


add("From alice@example.org  Fri May 10 09:15:02 2024",
    "From: Alice Example <alice@example.org>\nTo: tony@test.example\nSubject: Plain ASCII subject\n"
    "Date: Fri, 10 May 2024 09:15:02 +0000\nStatus: RO\n", "Hello.\n")
add("From bob@example.org Sat May 11 16:28:00 2024",
    "From: \"Bob, the builder\" <bob@example.org>\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\n"
    "Status: O\n", "Unread but seen.\n")
add("From carol@example.org  Sun May 12 08:00:00 2024",
    "From: carol@example.org (Carol C.)\nSubject: =?ISO-8859-1?Q?Caf=E9_au_lait?= and more\n",
    "Body with\n>From quoted\n")
add("From dave@example.org  Mon May 13 10:10:00 2024",
    "From: =?utf-8?B?RMOkdmUgw5xiZXI=?= <dave@example.org>\nMIME-Version: 1.0\n"
    "Subject: =?utf-8?B?TXVsdGlwYXJ0IG1pdCBBbmhhbmc=?=\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\n",
    "--b1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
    "Gr=C3=BC=C3=9Fe\n--b1\nContent-Type: application/octet-stream; name=a.bin\n"
    "Content-Transfer-Encoding: base64\n\nAAECAwQFBgcICQ==\n--b1--\n")
add("From MAILER-DAEMON  Tue May 14 12:00:00 2024",
    "Subject: Returned mail: see transcript for details\nAuto-Submitted: auto-replied\n",
    "The original message was received.\n")
add("From nobody  Wed May 15 01:02:03 2024", "", "No header at all.\n")
add("From longsubject@example.org  Thu May 16 23:59:59 2024",
    "From: longsubject@example.org\nSubject: This subject is long enough that it will be cut at the\n"
    " right edge of an eighty column screen, folded over two lines\n", "x\n")
add("From a.very.long.local.part.indeed@subdomain.example.org  Fri May 17 07:07:07 2024",
    "From: a.very.long.local.part.indeed@subdomain.example.org\nSubject: long sender\n", "y\n")
add("From sender@example.org  Sat May 18 11:11:11 2024",
    "Sender: list-bounces@example.org\nSubject: only a Sender header\n", "z\n")
add("From root@test.example  Sun May 19 00:00:00 2024",
    "From: root@test.example\nSubject: =?us-ascii?Q?encoded_ascii?=\nStatus: R\n", "read, not old\n")
add("From eve@example.org  Mon May 20 13:14:15 2024",
    "FROM: EVE@EXAMPLE.ORG\nsubject: lower-case field names\n", "case\n" * 30)
add("From frank@example.org  Tue May 21 14:15:16 2024",
    "From: frank@example.org\nSubject: \n", "empty subject\n")
add("From grace@example.org  Wed May 22 15:16:17 2024",
    "From: <grace@example.org>\nSubject: =?UTF-8?Q?emoji_=F0=9F=98=80_and_more?=\n", "")
add("From heidi@example.org  Thu May 23 16:17:18 2024",
    "From: Heidi <heidi@example.org>\nSubject: last message, no final newline\n", "no newline at the end")

with open(sys.argv[1], "w", encoding="utf-8", newline="\n") as out:
    for i, (fl, hdr, body) in enumerate(msgs):
        if i:
            out.write("\n")
        out.write(fl + "\n" + hdr + "\n" + body)
