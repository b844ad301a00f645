"""test_smtp_limits.py — the daemon under many idle connections and hostile
clients (issue 4, done-when 7): 500 concurrent idle connections do not stop
a new client from being served; a client idle past Timeout.command gets 421
and is cut off; an overlong command line gets 500; a message over
MaxMessageSize gets 552 and is not delivered; MaxRecipientsPerMessage is
enforced; memory stays bounded (peak RSS under 64 MB with 500 sessions)."""
import os
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from smtp_testlib import Checks, Client, Instance  # noqa: E402

SANITIZE = os.environ.get("MAILROOM_SANITIZE") == "1"
check = Checks()

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(soft, 4096), hard), hard))

with tempfile.TemporaryDirectory(prefix="mailroom-limits.") as tmp:
    inst = Instance(tmp, ["define(`confTO_COMMAND', `3s')dnl", "define(`confMAX_MESSAGE_SIZE', `100000')dnl",
                          "define(`confMAX_RCPTS_PER_MESSAGE', `3')dnl"])
    port = inst.port
    with inst.daemon() as daemon:
        # 500 idle sessions, each greeted.
        idle = []
        for i in range(500):
            c = Client(port)
            g = c.reply()
            check(g.startswith("220 "), f"idle session {i} greeted ({g!r})")
            idle.append(c)
        # A new client is served completely meanwhile.
        c = Client(port)
        check(c.reply().startswith("220 "), "new client greeted")
        check(c.cmd("EHLO new.example").startswith("250-"), "EHLO")
        check("SIZE 100000" in c.cmd("EHLO new.example"), "SIZE advertises MaxMessageSize")
        check(c.cmd("MAIL FROM:<a@example.org>").startswith("250"), "MAIL")
        check(c.cmd("RCPT TO:<john@test.example>").startswith("250"), "RCPT")
        check(c.cmd("DATA").startswith("354"), "DATA")
        c.s.sendall(b"Subject: served while busy\r\n\r\nhello\r\n.\r\n")
        r = c.reply()
        check(r.startswith("250 2.0.0") and "Message accepted for delivery" in r, f"accepted ({r!r})")

        # Recipient limit.
        check(c.cmd("MAIL FROM:<a@example.org>").startswith("250"), "MAIL 2")
        for u in ("john", "mary", "peter"):
            check(c.cmd(f"RCPT TO:<{u}@test.example>").startswith("250"), f"RCPT {u}")
        r = c.cmd("RCPT TO:<tony@test.example>")
        check(r.startswith("452 4.5.3"), f"4th recipient refused ({r!r})")
        check(c.cmd("RSET").startswith("250"), "RSET")

        # Size limit: SIZE= parameter, then an actual oversized body.
        r = c.cmd("MAIL FROM:<a@example.org> SIZE=200000")
        check(r.startswith("552 5.2.3"), f"SIZE over the limit refused at MAIL ({r!r})")
        check(c.cmd("MAIL FROM:<a@example.org>").startswith("250"), "MAIL 3")
        check(c.cmd("RCPT TO:<john@test.example>").startswith("250"), "RCPT 3")
        check(c.cmd("DATA").startswith("354"), "DATA 3")
        c.s.sendall(b"Subject: too big\r\n\r\n" + (b"x" * 998 + b"\r\n") * 150 + b".\r\n")
        r = c.reply()
        check(r.startswith("552 5.2.3"), f"oversized message refused ({r!r})")

        # An overlong command line.
        r = c.cmd("NOOP " + "x" * 5000)
        check(r.startswith("500 5.5.0") or r.startswith("500 5.5.2"), f"overlong line refused ({r!r})")
        check(c.cmd("NOOP").startswith("250"), "the session goes on")
        c.cmd("QUIT")

        if not SANITIZE:
            rss = int(open(f"/proc/{daemon.pid}/status").read().split("VmHWM:")[1].split()[0]) \
                if os.path.exists(f"/proc/{daemon.pid}/status") else 0
            # bash exec'd the daemon, so the pid is the daemon's.
            check(0 < rss < 64 * 1024, f"peak RSS with 500 sessions: {rss} KiB")

        # The idle sessions time out with 421 after Timeout.command (3 s).
        time.sleep(4.5)
        r = idle[0].reply()
        check(r.startswith("421 4.4.2"), f"idle session cut off with 421 ({r!r})")
        for c2 in idle:
            c2.s.close()

        box = os.path.join(inst.dir, "spool", "john")
        for _ in range(200):
            if os.path.exists(box) and b"served while busy" in open(box, "rb").read():
                break
            time.sleep(0.1)
        data = open(box, "rb").read()
        check(b"served while busy" in data, "the message sent while 500 sessions were idle arrived")
        check(b"too big" not in data, "the oversized message was not delivered")


# MaxDaemonChildren caps concurrent sessions; a session over the cap gets
# 421 and the ones inside it go on.
with tempfile.TemporaryDirectory(prefix="mailroom-limits.") as tmp:
    inst = Instance(tmp, ["define(`confMAX_DAEMON_CHILDREN', `2')dnl"])
    with inst.daemon():
        # The readiness probe's session must be gone first: on a slow
        # machine the daemon may take a moment to notice its close.
        deadline = time.time() + 10
        while True:
            a, b = Client(inst.port), Client(inst.port)
            ra, rb = a.reply(), b.reply()
            if (ra.startswith("220") and rb.startswith("220")) or time.time() > deadline:
                break
            a.close()
            b.close()
            time.sleep(0.2)
        check(ra.startswith("220") and rb.startswith("220"), f"two sessions greeted: {ra!r} {rb!r}")
        c = Client(inst.port)
        r = c.reply()
        check(r.startswith("421 4.3.2"), f"third session refused: {r!r}")
        check(a.cmd("NOOP").startswith("250"), "the first session goes on")
        a.cmd("QUIT")
        a.close()
        deadline = time.time() + 10
        while True:
            d = Client(inst.port)
            rd = d.reply()
            if rd.startswith("220") or time.time() > deadline:
                break
            d.close()
            time.sleep(0.2)
        check(rd.startswith("220"), f"a place freed by QUIT is taken again: {rd!r}")
        for x in (b, c, d):
            x.close()


# FEATURE(greet_pause): a client that talks before the greeting is refused;
# one that waits is served.
with tempfile.TemporaryDirectory(prefix="mailroom-limits.") as tmp:
    inst = Instance(tmp, ["FEATURE(`greet_pause', `400')dnl"])
    with inst.daemon():
        time.sleep(0.5)
        early = Client(inst.port)
        early.send(b"EHLO early.example\r\n")
        r = early.reply()
        check(r.startswith("554 5.5.0") and "220" not in r, f"early talker refused: {r!r}")
        early.close()
        polite = Client(inst.port)
        r = polite.reply()
        check(r.startswith("220 "), f"a client that waits is greeted: {r!r}")
        check(polite.cmd("EHLO polite.example").startswith("250-"), "and served")
        polite.cmd("QUIT")
        polite.close()
        check("due to pre-greeting traffic" in inst.log(), "the early talker is logged")

check.done()
