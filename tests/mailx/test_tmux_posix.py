"""test_tmux_posix.py — the POSIX variables and escapes that only act on a
terminal (issue 3, done-when 3), typed in a real terminal (tmux):
ask/asksub, askcc, askbcc, dot, ~h, ignore (SIGINT echoes @), ignoreeof
(send and receive mode), crt with PAGER, prompt, and Enter as `next`.
What is sent is captured by a fake sendmail.  Each variable's section
starts with a "# variable:" comment, which test_posix_vars.sh checks so
that every variable of the table has a test."""
import glob
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checks import Checks  # noqa: E402
from tmuxlib import Term, instance_env, make_instance  # noqa: E402

SRC = os.environ["MAILROOM_SRC"]
BUILD = os.environ["MAILROOM_BUILD"]
check = Checks()


def sent(out):
    """The messages the fake sendmail got, oldest first."""
    files = sorted(glob.glob(os.path.join(out, "*.msg")), key=lambda p: int(os.path.basename(p).split(".")[0]))
    return [open(p, "rb").read().decode() for p in files]


def body(msg):
    return msg.split("\n\n", 1)[1] if "\n\n" in msg else ""


def header(msg):
    return msg.split("\n\n", 1)[0]


def box(path, n):
    with open(path, "w") as f:
        for i in range(1, n + 1):
            f.write(f"From c{i}@x.org  Sat May 11 16:28:00 2024\nFrom: c{i}@x.org\nSubject: s{i}\n\n"
                    + "".join(f"b{i} line {k}\n" for k in range(1, 9)) + "\n")


with tempfile.TemporaryDirectory(prefix="mailroom-mailx.") as tmp:
    os.environ["TMPDIR"] = tmp
    inst = os.path.join(tmp, "inst")
    make_instance(SRC, BUILD, inst)
    spool = os.path.join(inst, "spool")
    home = os.path.join(inst, "home", "tony")
    out = os.path.join(tmp, "out")
    os.mkdir(out)
    fakesm = os.path.join(tmp, "fakesm")
    with open(fakesm, "w") as f:
        f.write('#!/bin/sh\nn=$(ls "$OUT" | wc -l)\ncat > "$OUT/$n.msg"\n')
    os.chmod(fakesm, 0o755)
    pager = os.path.join(tmp, "pager")
    with open(pager, "w") as f:
        f.write(f'#!/bin/sh\ncat > {tmp}/paged\necho PAGER-RAN\n')
    os.chmod(pager, 0o755)
    rc = os.path.join(tmp, "mailrc")
    with open(rc, "w") as f:
        f.write(f"set sendmail={fakesm}\n")
    env = instance_env(inst, "tony", {"OUT": out, "MAILRC": rc, "PAGER": pager})
    term = Term(env, home)
    try:
        # variable: ask (asksub), askcc, askbcc, dot
        # Subject: before the body, Cc: and Bcc: after it, '.' ends it.
        m = term.mark()
        term.type("mail -n -S ask -S askcc -S askbcc -S dot alice")
        term.wait_prompt("Subject:", after=m)
        term.type("typed subject")
        term.type("body line")
        term.type(".")
        term.wait_prompt("Cc:", after=m)
        term.type("carol")
        term.wait_prompt("Bcc:", after=m)
        term.type("eve")
        term.wait_prompt("$", after=m)
        msg = sent(out)[-1]
        check("Subject: typed subject\n" in header(msg), f"asksub: Subject: from the prompt\n{msg}")
        check("Cc: carol\n" in header(msg), "askcc: Cc: from the prompt")
        check("Bcc: eve\n" in header(msg), "askbcc: Bcc: from the prompt")
        check(body(msg) == "body line\n", f"dot ends the body: {body(msg)!r}")

        # noask: no Subject: prompt; nodot: '.' is text, ^D ends the body.
        m = term.mark()
        term.type("mail -n -S noask alice")
        term.wait_for("mail -n -S noask alice", after=m)
        term.type("first line")
        term.type(".")
        term.key("C-d")
        term.wait_prompt("$", after=m)
        s = term.screen()[m:]
        check("Subject:" not in s, "noask: no Subject: prompt")
        msg = sent(out)[-1]
        check(body(msg) == "first line\n.\n", f"nodot: '.' is text: {body(msg)!r}")
        check("Subject:" not in header(msg), "no subject given, none sent")

        # ~h: prompts for To, Subject, Cc and Bcc; an empty answer keeps the value.
        m = term.mark()
        term.type("mail -n -s orig alice")
        term.wait_for("mail -n -s orig alice", after=m)
        term.type("~h")
        term.wait_prompt("To: [alice]", after=m)
        term.type("bob")
        term.wait_prompt("Subject: [orig]", after=m)
        term.type("")
        term.wait_prompt("Cc:", after=m)
        term.type("carol")
        term.wait_prompt("Bcc:", after=m)
        term.type("")
        term.wait_for("(continue)", after=m)
        term.type("after h")
        term.key("C-d")
        term.wait_prompt("$", after=m)
        msg = sent(out)[-1]
        check("To: bob\n" in header(msg), f"~h: To replaced\n{msg}")
        check("Subject: orig\n" in header(msg), "~h: empty answer keeps the subject")
        check("Cc: carol\n" in header(msg), "~h: Cc added")
        check("Bcc:" not in header(msg), "~h: no Bcc")

        # variable: ignore
        # SIGINT while typing echoes '@' and drops the partial line.
        n0 = len(sent(out))
        m = term.mark()
        term.type("mail -n -S ignore -s s alice")
        term.wait_for("mail -n -S ignore -s s alice", after=m)
        term.type("kept 1")
        # ~p shows that mailx has read the line: a ^C before that would make
        # the terminal flush it from its input queue.
        term.type("~p")
        term.wait_for("(continue)", after=m)
        term.type("partial", enter=False)
        term.key("C-c")
        term.wait_for("@", after=m + 40)
        term.type("kept 2")
        term.key("C-d")
        term.wait_prompt("$", after=m)
        check(len(sent(out)) == n0 + 1, "ignore: the message was still sent")
        check(body(sent(out)[-1]) == "kept 1\nkept 2\n", f"ignore: body {body(sent(out)[-1])!r}")
        # Without ignore, two interrupts abort the message (and keep it in DEAD).
        m = term.mark()
        term.type("mail -n -s s alice")
        term.wait_for("mail -n -s s alice", after=m)
        term.type("will be dead")
        term.type("~p")
        term.wait_for("(continue)", after=m)
        term.key("C-c")
        term.wait_for("(Interrupt -- one more to kill letter)", after=m)
        term.key("C-c")
        term.wait_for("^C$", after=m)  # mailx ends silently; the shell prompt follows
        term.type("")
        term.wait_prompt("$", after=m)
        check(len(sent(out)) == n0 + 1, "noignore: ^C ^C sent nothing")
        check(open(os.path.join(home, "dead.letter")).read() == "will be dead\n", "save: DEAD after ^C ^C")

        # variable: ignoreeof
        # Send mode: ^D does not end the message, '.' does.
        m = term.mark()
        term.type("mail -n -S ignoreeof -s s alice")
        term.wait_for("mail -n -S ignoreeof -s s alice", after=m)
        term.type("eof body")
        term.key("C-d")
        term.wait_for('Use "." to terminate letter', after=m)
        term.type(".")
        term.wait_prompt("$", after=m)
        check(body(sent(out)[-1]) == "eof body\n", "ignoreeof: '.' ended the message")
        # Receive mode: ^D at the prompt does not quit.
        box(os.path.join(spool, "tony"), 3)
        m = term.mark()
        term.type("mail -n -N -S ignoreeof")
        term.wait_prompt("&", after=m)
        term.key("C-d")
        term.wait_for('Use "quit" to quit.', after=m)

        # variable: prompt
        m = term.mark()
        term.type('set prompt="mx> "')
        term.wait_prompt("mx>", after=m)

        # Enter on an empty line is `next`.
        m = term.mark()
        term.type("")
        s = term.wait_for("Message 1:", after=m)
        term.wait_prompt("mx>", after=m)
        m = term.mark()
        term.type("")
        term.wait_for("Message 2:", after=m)
        term.wait_prompt("mx>", after=m)

        # variable: crt, PAGER
        # A message longer than crt lines goes through PAGER; a shorter one does not.
        m = term.mark()
        term.type("set crt=5")
        term.type("p 3")
        term.wait_for("PAGER-RAN", after=m)
        term.wait_prompt("mx>", after=m)
        paged = open(os.path.join(tmp, "paged")).read()
        check(paged.startswith("Message 3:\n") and "b3 line 8" in paged, f"PAGER got message 3: {paged!r}")
        os.unlink(os.path.join(tmp, "paged"))
        m = term.mark()
        term.type("set crt=100")
        term.type("p 1")
        s = term.wait_for("b1 line 8", after=m)
        term.wait_prompt("mx>", after=m)
        check("PAGER-RAN" not in s[m:] and not os.path.exists(os.path.join(tmp, "paged")),
              "crt=100: not paged")
        m = term.mark()
        term.type("unset crt")
        term.type("p 2")
        s = term.wait_for("b2 line 8", after=m)
        term.wait_prompt("mx>", after=m)
        check("PAGER-RAN" not in s[m:], "nocrt: not paged")
        m = term.mark()
        term.type("x")
        term.wait_prompt("$", after=m)
    finally:
        term.close()

check.done()
