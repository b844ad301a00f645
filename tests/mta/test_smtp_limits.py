"""test_smtp_limits.py — the daemon under many idle connections and hostile
clients (issue 4, done-when 7): 500 concurrent idle connections do not stop
a new client from being served; a client idle past Timeout.command gets 421
and is cut off; an overlong command line gets 500; a message over
MaxMessageSize gets 552 and is not delivered; MaxRecipientsPerMessage is
enforced; memory stays bounded (peak RSS under 64 MB with 500 sessions)."""
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time

SRC = os.environ["MAILROOM_SRC"]
BUILD = os.environ["MAILROOM_BUILD"]
SANITIZE = os.environ.get("MAILROOM_SANITIZE") == "1"
passed = 0


def check(cond, what):
    global passed
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    passed += 1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Client:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), 10)
        self.s.settimeout(10)
        self.buf = b""

    def reply(self):
        """One complete (possibly multi-line) reply."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.s.recv(65536)
                if not chunk:
                    return "\n".join(lines + [self.buf.decode("latin-1")])
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode("latin-1"))
            if len(line) < 4 or line[3:4] != b"-":
                return "\n".join(lines)

    def cmd(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        return self.reply()


soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(soft, 4096), hard), hard))

with tempfile.TemporaryDirectory(prefix="mailroom-limits.") as tmp:
    port = free_port()
    inst = os.path.join(tmp, "inst")
    subprocess.run([os.path.join(SRC, "mta/mailroom-instance"), "--bin", BUILD, "--domain", "test.example",
                    "--port", str(port), inst], check=True, capture_output=True)
    with open(os.path.join(inst, "sendmail.mc"), "a") as mc:
        mc.write("define(`confTO_COMMAND', `3s')dnl\n")
        mc.write("define(`confMAX_MESSAGE_SIZE', `100000')dnl\n")
        mc.write("define(`confMAX_RCPTS_PER_MESSAGE', `3')dnl\n")
    env = dict(os.environ, MAILROOM_CONFIG=f"{inst}/sendmail.mc", USER="john", LOGNAME="john",
               HOME=f"{inst}/home/john")
    daemon = subprocess.Popen(["bash", "-c", f"ulimit -n 4096; exec {inst}/bin/sendmail -bD -q1m"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                time.sleep(0.1)

        # 500 idle sessions, each greeted.
        idle = []
        for i in range(500):
            c = Client(port)
            g = c.reply()
            check(g.startswith("220 "), f"idle session {i} greeted ({g!r})")
            idle.append(c)
        passed_before = passed
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

        box = os.path.join(inst, "spool", "john")
        for _ in range(200):
            if os.path.exists(box) and b"served while busy" in open(box, "rb").read():
                break
            time.sleep(0.1)
        data = open(box, "rb").read()
        check(b"served while busy" in data, "the message sent while 500 sessions were idle arrived")
        check(b"too big" not in data, "the oversized message was not delivered")
    finally:
        daemon.terminate()
        daemon.wait(10)

print(f"{passed} passed, 0 failed")
