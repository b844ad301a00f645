"""test_verp.py — what listman needs from the MTA, with the real binaries in
an instance: VERP in one invocation (sendmail -XV, Postfix's flag), the
+detail rule (sendmail 8's user+detail → user+* → user), and a fan-out of
20,000 recipients in one sendmail run.

VERP: one queued message; each mailbox, program and file delivery gets the
return path L-bounces+user=dom@H (From_ line, Return-Path:, SENDER), and a
target that fails bounces to that address, where the +detail rule hands the
bounce to the L-bounces alias with RECIPIENT/ORIGINAL_RECIPIENT/EXTENSION set.
"""
import glob
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smtp_testlib import Checks, Instance  # noqa: E402

H = "test.example"
BOUNCES = f"team-bounces@{H}"
N_FANOUT = 20_000
N_RETURN = 5_000

CAPTURE = """#!/bin/sh
# Saves one delivery: the environment listman reads, a blank line, the message.
n=$(mktemp "$1/msg.XXXXXX")
{ echo "SENDER=$SENDER"; echo "RECIPIENT=$RECIPIENT"; echo "ORIGINAL_RECIPIENT=$ORIGINAL_RECIPIENT"
  echo "EXTENSION=$EXTENSION"; echo; cat; } > "$n.tmp" && mv "$n.tmp" "$n.txt" && rm -f "$n"
"""


def msg(subject, body="body\n"):
    return f"Subject: {subject}\n\n{body}".encode()


def first_line(data):
    return data.split(b"\n", 1)[0].decode()


def messages_in(box_bytes, subject):
    """The mbox messages (From_ line first) whose text holds the subject."""
    parts = [p for p in box_bytes.split(b"\nFrom ") if p]
    out = []
    for i, p in enumerate(parts):
        p = p if i == 0 and p.startswith(b"From ") else b"From " + p
        if f"Subject: {subject}".encode() in p:
            out.append(p.decode(errors="replace"))
    return out


def captured(directory, timeout=20):
    """Every capture written so far, after waiting for at least one."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        files = sorted(glob.glob(os.path.join(directory, "*.txt")))
        if files:
            return [open(f, encoding="utf-8", errors="replace").read() for f in files]
        time.sleep(0.05)
    return []


def env_of(capture):
    head = capture.split("\n\n", 1)[0]
    return dict(line.split("=", 1) for line in head.splitlines())


def main():
    check = Checks()
    with tempfile.TemporaryDirectory(prefix="mailroom-verp.") as tmp:
        inst = Instance(tmp)
        I = inst.dir
        capture = os.path.join(tmp, "capture.sh")
        with open(capture, "w") as f:
            f.write(CAPTURE)
        os.chmod(capture, 0o755)
        dirs = {}
        for name in ("bounces", "confirm", "prog", "bounces2"):
            dirs[name] = os.path.join(tmp, name)
            os.mkdir(dirs[name])
        filebox = os.path.join(tmp, "archive.mbox")
        with open(os.path.join(I, "aliases"), "a") as f:
            f.write(f'team-bounces: "|{capture} {dirs["bounces"]}"\n')
            f.write(f'team-confirm: "|{capture} {dirs["confirm"]}"\n')
            f.write(f'prog1: "|{capture} {dirs["prog"]}"\n')
            f.write('fails67: "|/bin/sh -c \'exit 67\'"\n')
            f.write(f"tofile: {filebox}\n")
            f.write("sales+*: mary\n")
            f.write("sales: tony\n")
            f.write(f'other-bounces: "|{capture} {dirs["bounces2"]}"\n')
        # "gone" exists when the message is queued and not when it is delivered.
        with open(os.path.join(I, "users"), "a") as f:
            f.write(f"gone:x:{os.getuid()}:{os.getgid()}:gone:{I}/home/gone:/bin/sh\n")
        os.makedirs(os.path.join(I, "home/gone"), exist_ok=True)
        r = inst.run("newaliases")
        check(r.returncode == 0, f"newaliases exit {r.returncode}: {r.stderr!r}")

        def sendmail(*args, data=msg("x")):
            return inst.run("sendmail", *args, input=data)

        def verp(rcpt, delims="+="):
            local, _, dom = rcpt.partition("@")
            return f"team-bounces{delims[0]}{local}{delims[1]}{dom}@{H}"

        # --- 1. -XV to local mailboxes: one message, each From_ line and
        # Return-Path names the recipient.  Queued only (-odq) first, to see
        # that the body is stored once, then delivered by a queue run.
        r = sendmail("-odq", "-oi", "-f", BOUNCES, "-XV", "--", "john", f"peter@{H}", f"Mary <mary@{H}>",
                     data=msg("verp local", "one body\n" * 100))
        check(r.returncode == 0, f"sendmail -XV exit {r.returncode}: {r.stderr!r}")
        db = sqlite3.connect(os.path.join(I, "mqueue/queue.db"))
        rows = db.execute("SELECT id, sender, verp FROM message").fetchall()
        check(len(rows) == 1, f"one queued message, got {rows}")
        qid, sender, delims = rows[0]
        check(sender == BOUNCES and delims == "+=", f"stored sender/verp {sender!r} {delims!r}")
        chunks = db.execute("SELECT count(*), sum(length(data)) FROM body_chunk WHERE msg = ?", (qid,)).fetchone()
        check(chunks == (1, 900), f"the body is stored once (chunks, bytes) = {chunks}")
        ntargets = db.execute("SELECT count(*) FROM target WHERE msg = ?", (qid,)).fetchone()[0]
        check(ntargets == 3, f"3 targets, got {ntargets}")
        fmt = db.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()[0]
        check(fmt == "2", f"queue format {fmt}")
        db.close()
        r = inst.run("sendmail", "-q")
        check(r.returncode == 0, f"sendmail -q exit {r.returncode}: {r.stderr!r}")
        for user in ("john", "peter", "mary"):
            got = messages_in(inst.mailbox(user), "verp local")
            check(len(got) == 1, f"{user}: one copy, got {len(got)}")
            want = verp(f"{user}@{H}")
            check(first_line(got[0].encode()).startswith(f"From {want}  "), f"{user}: From_ line {first_line(got[0].encode())!r}")
            check(f"\nReturn-Path: <{want}>\n" in got[0], f"{user}: Return-Path <{want}> in {got[0][:300]!r}")
        log = inst.log()
        check(f"from=<{verp('john@' + H)}>" in log, "mail.local logs john's own MAIL FROM")

        # --- 2. Other delimiters, -t, and the default (background) delivery.
        r = sendmail("-t", "-i", "-XV-=", "-f", BOUNCES, data=b"To: tony\nCc: peter\nSubject: verp t\n\nhi\n")
        check(r.returncode == 0, f"sendmail -t -XV-= exit {r.returncode}: {r.stderr!r}")
        for user in ("tony", "peter"):
            check(inst.wait_mail(user, "Subject: verp t"), f"{user}: -t message arrived")
            got = messages_in(inst.mailbox(user), "verp t")
            want = verp(f"{user}@{H}", "-=")
            check(len(got) == 1 and got[0].startswith(f"From {want}  "), f"{user}: -XV-= From_ line {got[:1]!r}")

        # --- 3. Program and file targets get the VERP return path too.
        r = sendmail("-odi", "-XV", "-f", BOUNCES, "prog1", "tofile", data=msg("verp prog"))
        check(r.returncode == 0, f"prog/file exit {r.returncode}: {r.stderr!r}")
        caps = captured(dirs["prog"])
        check(len(caps) == 1, f"one program delivery, got {len(caps)}")
        e = env_of(caps[0])
        check(e["SENDER"] == verp(f"prog1@{H}"), f"program SENDER {e['SENDER']!r}")
        check(e["RECIPIENT"] == "prog1" and e["ORIGINAL_RECIPIENT"] == "prog1" and e["EXTENSION"] == "",
              f"program RECIPIENT/ORIGINAL_RECIPIENT/EXTENSION {e}")
        body = caps[0].split("\n\n", 1)[1]
        check(body.startswith(f"From {verp('prog1@' + H)}  "), f"program's From_ line {body[:80]!r}")
        check(f"\nReturn-Path: <{verp('prog1@' + H)}>\n" in body, "program's Return-Path")
        with open(filebox) as f:
            box = f.read()
        check(box.startswith(f"From {verp('tofile@' + H)}  "), f"file's From_ line {box[:80]!r}")

        # --- 4. A program exiting 67: the bounce goes to that recipient's
        # VERP address, which +detail delivers to team-bounces' program.
        r = sendmail("-odi", "-XV", "-f", BOUNCES, "--", "fails67", "john", data=msg("verp fail"))
        check(r.returncode == 0, f"fails67 exit {r.returncode}: {r.stderr!r}")
        caps = captured(dirs["bounces"])
        check(len(caps) == 1, f"one bounce, got {len(caps)}")
        e = env_of(caps[0])
        want = verp(f"fails67@{H}")
        check(e["RECIPIENT"] == want and e["ORIGINAL_RECIPIENT"] == want, f"bounce RECIPIENT {e}")
        check(e["EXTENSION"] == f"fails67={H}", f"bounce EXTENSION {e['EXTENSION']!r}")
        check(e["SENDER"] == "", f"a bounce has the null sender, SENDER={e['SENDER']!r}")
        check(f"\nTo: <{want}>\n" in caps[0], "the DSN is addressed to the VERP address")
        check("Status: 5.3.0" in caps[0] and "Subject: verp fail" in caps[0], "the DSN reports 5.3.0 and returns the message")
        got = messages_in(inst.mailbox("john"), "verp fail")
        check(len(got) == 1 and got[0].startswith(f"From {verp('john@' + H)}  "), "john still gets his VERP copy")

        # --- 5. A user unknown at delivery (mail.local says 5.1.1): the
        # bounce goes to that recipient's VERP address.
        for f in glob.glob(os.path.join(dirs["bounces"], "*")):
            os.unlink(f)
        r = sendmail("-odq", "-XV", "-f", BOUNCES, "--", "gone", "tony", data=msg("verp gone"))
        check(r.returncode == 0, f"gone exit {r.returncode}: {r.stderr!r}")
        users_file = os.path.join(I, "users")
        with open(users_file) as f:
            lines = [ln for ln in f if not ln.startswith("gone:")]
        with open(users_file, "w") as f:
            f.writelines(lines)
        r = inst.run("sendmail", "-q")
        check(r.returncode == 0, f"sendmail -q exit {r.returncode}")
        caps = captured(dirs["bounces"])
        check(len(caps) == 1, f"one bounce for gone, got {len(caps)}")
        e = env_of(caps[0])
        want = verp(f"gone@{H}")
        check(e["RECIPIENT"] == want and e["EXTENSION"] == f"gone={H}", f"bounce for gone {e}")
        check("Status: 5.1.1" in caps[0], "mail.local's 5.1.1 is in the DSN")
        check(len(messages_in(inst.mailbox("tony"), "verp gone")) == 1, "tony got the message")

        # --- 5b. Delay notices (past confTO_QUEUEWARN, 4h): with VERP one per
        # recipient, to its own address; without VERP one to the sender.
        for f in glob.glob(os.path.join(dirs["bounces"], "*")):
            os.unlink(f)
        five_hours_ago = str(int(time.time()) - 5 * 3600)
        old_env = dict(inst.env, MAILROOM_FAKE_TIME=five_hours_ago)
        for args in (("-XV", "-f", BOUNCES, "a@example.org", "b@example.net"), ("c@example.org", "d@example.org")):
            r = subprocess.run([inst.bin("sendmail"), "-odq", *args], env=old_env, input=msg("slow"),
                               capture_output=True)
            check(r.returncode == 0, f"{args}: exit {r.returncode}: {r.stderr!r}")
        r = inst.run("sendmail", "-q")
        check(r.returncode == 0, f"delay run exit {r.returncode}")
        caps = captured(dirs["bounces"])
        got = sorted(env_of(c)["RECIPIENT"] for c in caps)
        check(got == [verp("a@example.org"), verp("b@example.net")], f"VERP delay notices went to {got}")
        for c in caps:
            check("Action: delayed" in c and "Warning: could not send message for past 4 hours" in c,
                  f"a delay notice: {c[:400]!r}")
            check(c.count("Final-Recipient:") == 1, "each VERP notice names only its own recipient")
        warned = messages_in(inst.mailbox("john"), "Warning: could not send message for past 4 hours")
        check(len(warned) == 1, f"one notice to the plain sender john, got {len(warned)}")
        check(warned[0].count("Final-Recipient:") == 2, "it names both recipients")

        # --- 6. Usage errors: nothing to rewrite, bad delimiters, wrong mode.
        for args, text in ((("-XV", "-f", "<>", "john"), "the null sender <> has none"),
                           (("-XV", "-f", "MAILER-DAEMON", "john"), "the null sender <> has none"),
                           (("-XVab", "-f", BOUNCES, "john"), "VERP delimiters must be two characters"),
                           (("-XV", "-bv", "john"), "-XV applies only to a message submitted")):
            r = sendmail(*args)
            err = r.stderr.decode()
            check(r.returncode == 64, f"{args}: exit {r.returncode}, want 64")
            check(text in err and "usage: sendmail" in err, f"{args}: stderr {err!r}")
        check(len(messages_in(inst.mailbox("john"), "x")) == 0, "nothing was delivered by the refused runs")

        # --- 7. +detail: the token reaches team-confirm's program whole.
        r = sendmail("-odi", f"team-confirm+0123abcd@{H}", data=msg("confirm"))
        check(r.returncode == 0, f"+detail alias exit {r.returncode}: {r.stderr!r}")
        caps = captured(dirs["confirm"])
        check(len(caps) == 1, f"one confirm delivery, got {len(caps)}")
        e = env_of(caps[0])
        check(e["RECIPIENT"] == f"team-confirm+0123abcd@{H}", f"RECIPIENT {e['RECIPIENT']!r}")
        check(e["ORIGINAL_RECIPIENT"] == f"team-confirm+0123abcd@{H}", f"ORIGINAL_RECIPIENT {e}")
        check(e["EXTENSION"] == "0123abcd", f"EXTENSION {e['EXTENSION']!r}")
        check(e["SENDER"] == f"john@{H}", f"SENDER {e['SENDER']!r}")
        # A user with a detail lands in the user's mailbox; "sales+x" finds
        # the alias sales+* (mary), plain "sales" the alias sales (tony).
        for rcpt, user, subject in (("john+foo", "john", "plus user"), (f"peter+a+b@{H}", "peter", "plus user2"),
                                    ("sales+x", "mary", "plus star"), ("sales", "tony", "plain sales")):
            r = sendmail("-odi", rcpt, data=msg(subject))
            check(r.returncode == 0, f"{rcpt}: exit {r.returncode}: {r.stderr!r}")
            check(len(messages_in(inst.mailbox(user), subject)) == 1, f"{rcpt} reached {user}")
        r = sendmail("-odi", "nobody+x", data=msg("nobody"))
        check(r.returncode == 67, f"nobody+x: exit {r.returncode}, want 67")
        check(r.stderr.decode().strip() == "nobody+x... User unknown", f"nobody+x: {r.stderr!r}")
        r = inst.run("sendmail", "-bv", "john+foo")
        check(r.stdout.decode().strip() == "john... deliverable: mailer local, user john", f"-bv john+foo: {r.stdout!r}")

        # --- 8. VERP with +detail on the other side: a bounce of a VERP
        # message to another list's bounce address keeps both.
        r = sendmail("-odi", "-XV", "-f", f"other-bounces@{H}", "fails67", data=msg("other"))
        check(r.returncode == 0, f"other-bounces exit {r.returncode}")
        caps = captured(dirs["bounces2"])
        check(len(caps) == 1 and env_of(caps[0])["EXTENSION"] == f"fails67={H}", f"other list's bounce {caps[:1]!r}")

        # --- 9. One invocation with 20,000 remote recipients: it completes and
        # queues exactly N targets (remote delivery waits in the queue).
        rcpts = [f"user{i:05d}@example.org" for i in range(N_FANOUT)]
        for flags in (("-oi", "-f", BOUNCES), ("-oi", "-f", BOUNCES, "-XV")):
            db = sqlite3.connect(os.path.join(I, "mqueue/queue.db"))
            before = {row[0] for row in db.execute("SELECT id FROM message")}
            db.close()
            t0 = time.monotonic()
            r = inst.run("sendmail", "-odq", *flags, "--", *rcpts, input=msg("fan-out", "a post\n" * 40))
            took = time.monotonic() - t0
            check(r.returncode == 0, f"{flags}: fan-out exit {r.returncode}: {r.stderr[:300]!r}")
            db = sqlite3.connect(os.path.join(I, "mqueue/queue.db"))
            new = [row[0] for row in db.execute("SELECT id FROM message") if row[0] not in before]
            check(len(new) == 1, f"{flags}: one new message, got {len(new)}")
            n = db.execute("SELECT count(*), count(DISTINCT value) FROM target WHERE msg = ?", (new[0],)).fetchone()
            check(n == (N_FANOUT, N_FANOUT), f"{flags}: {N_FANOUT} distinct targets, got {n}")
            db.close()
            # The queue run that tries (and defers) every one of them.
            t1 = time.monotonic()
            r = inst.run("sendmail", f"-qI{new[0]}")
            run = time.monotonic() - t1
            check(r.returncode == 0, f"queue run exit {r.returncode}")
            db = sqlite3.connect(os.path.join(I, "mqueue/queue.db"))
            tried = db.execute("SELECT count(*) FROM target WHERE msg = ? AND attempts = 1 AND state = 0",
                               (new[0],)).fetchone()[0]
            db.close()
            check(tried == N_FANOUT, f"{flags}: every target tried once and deferred, got {tried}")
            print(f"{' '.join(flags)}: {N_FANOUT} recipients queued in {took:.2f} s; "
                  f"the queue run deferring them took {run:.2f} s")

        # --- 10. Returning a VERP message's N failed targets is one bounce
        # each, to its own address, in time linear in N (the "is the message
        # finished?" check after each bounce was a count over all targets).
        with open(os.path.join(I, "aliases"), "a") as f:
            f.write("mass-bounces: sink@example.net\n")
        r = inst.run("newaliases")
        check(r.returncode == 0, "newaliases for mass-bounces")
        six_days_ago = str(int(time.time()) - 6 * 86400)
        rcpts = [f"user{i:05d}@example.org" for i in range(N_RETURN)]
        r = subprocess.run([inst.bin("sendmail"), "-odq", "-XV", "-f", f"mass-bounces@{H}", "--", *rcpts],
                           env=dict(inst.env, MAILROOM_FAKE_TIME=six_days_ago), input=msg("expired"),
                           capture_output=True)
        check(r.returncode == 0, f"expired message exit {r.returncode}: {r.stderr[:300]!r}")
        db = sqlite3.connect(os.path.join(I, "mqueue/queue.db"))
        qid = db.execute("SELECT id FROM message WHERE sender = ?", (f"mass-bounces@{H}",)).fetchone()[0]
        db.close()
        t0 = time.monotonic()
        r = inst.run("sendmail", f"-qI{qid}")
        took = time.monotonic() - t0
        check(r.returncode == 0, f"returning run exit {r.returncode}: {r.stderr[:300]!r}")
        db = sqlite3.connect(os.path.join(I, "mqueue/queue.db"))
        left = db.execute("SELECT count(*) FROM message WHERE id = ?", (qid,)).fetchone()[0]
        check(left == 0, "the expired message is gone once every target is returned")
        bounced = db.execute("SELECT t.original FROM message m JOIN target t ON t.msg = m.id"
                             " WHERE m.proto = 'bounce' AND t.value = 'sink@example.net'").fetchall()
        db.close()
        want = {f"mass-bounces+user{i:05d}=example.org@{H}" for i in range(N_RETURN)}
        got = {row[0] for row in bounced}
        check(len(bounced) == N_RETURN and got == want, f"{N_RETURN} bounces, one per VERP address; got {len(bounced)}")
        print(f"-XV: {N_RETURN} expired recipients returned (one bounce each) in {took:.2f} s")
    check.done()


main()
