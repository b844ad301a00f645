"""test_tmux_send.py — `mail myteam` typed in a real terminal (issue 3,
done-when 1): Subject: prompt, body ended by '.', Cc: prompt (askcc from the
instance's mail.rc), EOT; the message reaches john, mary, peter and tony
through the real sendmail and mail.local.  `mail allteam` (a system alias)
reaches the same four; `mail team1` reports the failure and keeps the text
in ~/dead.letter."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checks import Checks  # noqa: E402
from tmuxlib import Term, instance_env, make_instance, wait_file  # noqa: E402

SRC = os.environ["MAILROOM_SRC"]
BUILD = os.environ["MAILROOM_BUILD"]
check = Checks()


with tempfile.TemporaryDirectory(prefix="mailroom-mailx.") as tmp:
    os.environ["TMPDIR"] = tmp
    inst = os.path.join(tmp, "inst")
    make_instance(SRC, BUILD, inst)
    spool = os.path.join(inst, "spool")
    home = os.path.join(inst, "home", "peter")
    with open(os.path.join(home, ".mailrc"), "w") as f:
        f.write("alias myteam john mary peter tony\n")
    term = Term(instance_env(inst, "peter"), home)
    try:
        # 1. mail myteam: Subject, body, '.', Cc, EOT.
        m = term.mark()
        term.type("mail myteam")
        term.wait_prompt("Subject:", after=m)
        term.type("Team meeting")
        term.type("We meet at ten.")
        term.type("Bring coffee.")
        term.type(".")
        term.wait_prompt("Cc:", after=m)
        term.type("")
        term.wait_for("EOT", after=m)
        term.wait_prompt("$", after=m)
        for user in ("john", "mary", "peter", "tony"):
            box = os.path.join(spool, user)
            check(wait_file(box, "Subject: Team meeting"), f"myteam reached {user}")
            data = open(box, "rb").read()
            check(b"We meet at ten.\nBring coffee.\n" in data, f"{user}: body intact")
            check(b"To: john, mary, peter, tony\n" in data, f"{user}: To: lists the expanded alias")
            check(b"Cc:" not in data, f"{user}: an empty Cc answer adds no Cc")

        # 2. mail allteam: the system alias, expanded by sendmail.
        m = term.mark()
        term.type("mail allteam")
        term.wait_prompt("Subject:", after=m)
        term.type("To all")
        term.type("System alias body")
        term.type(".")
        term.wait_prompt("Cc:", after=m)
        term.type("")
        term.wait_for("EOT", after=m)
        term.wait_prompt("$", after=m)
        for user in ("john", "mary", "peter", "tony"):
            check(wait_file(os.path.join(spool, user), "Subject: To all"), f"allteam reached {user}")

        # 3. mail team1: sendmail refuses it; the failure is reported and the
        # text kept in ~/dead.letter.
        m = term.mark()
        term.type("mail team1")
        term.wait_prompt("Subject:", after=m)
        term.type("Lost")
        term.type("Please keep this text.")
        term.type(".")
        term.wait_prompt("Cc:", after=m)
        term.type("")
        s = term.wait_for("sendmail process failed with error code 67", after=m)
        check("team1... User unknown" in s[m:], "sendmail's reason is shown")
        dead = os.path.join(home, "dead.letter")
        check(wait_file(dead, "Please keep this text."), "dead.letter keeps the text")
        term.wait_prompt("$", after=m)
        m = term.mark()
        term.type("echo status=$?")
        s = term.wait_for("status=", after=m + 10)
        check("status=1" in s[m:], "mail exits 1 after a failed send")
    finally:
        term.close()

check.done()
