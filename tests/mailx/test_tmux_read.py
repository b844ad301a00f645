"""test_tmux_read.py — a reading session as tony in a real terminal (issue
3, done-when 2): the header screen, p, n, d, u, r (the reply goes out
through sendmail with the right To:, Subject: Re: and In-Reply-To:),
s file, h, z, q.  Afterwards read messages are in ~/mbox, unread ones stay
in the spool, and a message delivered during the session is still there."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checks import Checks  # noqa: E402
from tmuxlib import Term, instance_env, make_instance, wait_file  # noqa: E402

SRC = os.environ["MAILROOM_SRC"]
BUILD = os.environ["MAILROOM_BUILD"]
check = Checks()


def send(inst, sender, rcpt, subject, msgid, body):
    env = dict(instance_env(inst, sender))
    msg = f"From: {sender}@test.example\nTo: {rcpt}@test.example\nSubject: {subject}\n" \
          f"Message-ID: <{msgid}>\n\n{body}\n"
    subprocess.run([f"{inst}/bin/sendmail", "-odi", rcpt], input=msg.encode(), env=env, check=True)


with tempfile.TemporaryDirectory(prefix="mailroom-mailx.") as tmp:
    os.environ["TMPDIR"] = tmp
    inst = os.path.join(tmp, "inst")
    make_instance(SRC, BUILD, inst)
    spool = os.path.join(inst, "spool")
    home = os.path.join(inst, "home", "tony")
    send(inst, "john", "tony", "Lunch plans", "m1@test.example", "Lunch at noon?")
    send(inst, "mary", "tony", "Quarterly report", "m2@test.example", "The report is attached.")
    send(inst, "peter", "tony", "Unread memo", "m3@test.example", "Nobody reads memos.")

    term = Term(instance_env(inst, "tony"), home)
    try:
        term.type("mail")
        s = term.wait_prompt("&")
        check(f'"{spool}/tony": 3 messages 3 new' in s, "status line")
        check(re.search(r">N  1 john@test\.example\s+\w{3} \w{3} [ \d]\d \d\d:\d\d\s+\d+/\d+\s+Lunch plans", s),
              "summary line of message 1")
        check(re.search(r" N  2 mary@test\.example .* Quarterly report", s), "summary line of message 2")
        check(re.search(r" N  3 peter@test\.exampl  .* Unread memo", s), f"summary line of message 3:\n{s}")

        m = term.mark()
        term.type("p")
        s = term.wait_prompt("&", after=m + 2)
        check("Message 1:" in s[m:] and "Lunch at noon?" in s[m:], "p prints message 1")
        check("Received:" not in s[m:], "the instance's ignore list hides Received:")

        m = term.mark()
        term.type("n")
        s = term.wait_prompt("&", after=m + 2)
        check("Message 2:" in s[m:] and "The report is attached." in s[m:], "n prints message 2")

        m = term.mark()
        term.type("d")
        term.type("f *")
        s = term.wait_for("Unread memo", after=m)
        s = term.wait_prompt("&", after=m)
        check("Quarterly report" not in s[m:], "d hides message 2 from f *")

        m = term.mark()
        term.type("u")
        term.wait_prompt("&", after=m + 2)
        m = term.mark()
        term.type("=")
        s = term.wait_for("\n2\n", after=m)
        check(True, "u makes message 2 current again")

        # Deliver a message while the session is open.
        send(inst, "john", "tony", "Arrived meanwhile", "m4@test.example", "New while reading.")

        m = term.mark()
        term.type("r")
        s = term.wait_for("Subject: Re: Quarterly report", after=m)
        term.type("Thanks, got it.")
        term.type(".")
        term.wait_prompt("Cc:", after=m)
        term.type("")
        term.wait_for("EOT", after=m)
        term.wait_prompt("&", after=m)
        mary = os.path.join(spool, "mary")
        check(wait_file(mary, "Subject: Re: Quarterly report"), "the reply reached mary")
        reply = open(mary, "rb").read().decode()
        check("In-Reply-To: <m2@test.example>" in reply, "In-Reply-To names the original")
        check(re.search(r"^To: mary@test\.example", reply, re.M), "To: is the original sender")
        check("Thanks, got it." in reply, "reply body")

        m = term.mark()
        term.type("s 1 saved.mbox")
        s = term.wait_for('"saved.mbox" [New file]', after=m)

        m = term.mark()
        term.type("h")
        s = term.wait_prompt("&", after=m + 2)
        check(re.search(r"\*  1 john@test\.example", s[m:]), "h shows message 1 saved (*)")

        m = term.mark()
        term.type("z")
        s = term.wait_prompt("&", after=m + 2)
        check("On last screenful of messages" in s[m:], "z on a one-page mailbox")

        m = term.mark()
        term.type("q")
        s = term.wait_prompt("$", after=m + 2)
        out = s[m:]
        check("New mail has arrived." in out, "new mail noticed at quit")
        check(f"Saved 1 message in {home}/mbox" in out, "read message moved to ~/mbox")
        check(f"Held 1 message in {spool}/tony" in out, "unread message held")
    finally:
        term.close()

    mbox = open(os.path.join(home, "mbox"), "rb").read().decode()
    check("Subject: Quarterly report" in mbox and "Status: RO" in mbox, "~/mbox has the read message, Status RO")
    check("Lunch plans" not in mbox, "the saved message did not go to ~/mbox")
    box = open(os.path.join(spool, "tony"), "rb").read().decode()
    check("Subject: Unread memo" in box, "the unread message stays in the spool")
    check(re.search(r"Subject: Unread memo\n(?:.*\n)*?Status: O\n", box), "it is marked Status: O")
    check("Subject: Arrived meanwhile" in box, "the message delivered during the session is kept")
    check("Quarterly report" not in box and "Lunch plans" not in box, "read and saved messages left the spool")
    saved = open(os.path.join(home, "saved.mbox"), "rb").read().decode()
    check(saved.startswith("From john@test.example") and "Lunch at noon?" in saved, "s wrote message 1")

check.done()
