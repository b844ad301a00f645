"""test_smtp_crash.py — SIGKILL of the daemon under load (issue 4, done-when
6).  Postfix's smtp-source keeps 20 sessions busy while four tracked
clients send numbered messages and record each one that got "250 … Message
accepted for delivery".  The daemon's process group (the event loop and its
delivery worker) is killed with SIGKILL mid-run; after a restart and a
queue run every tracked message that got 250 is in the mailbox — once, or
more often and then counted as a duplicate; none is lost."""
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from smtp_testlib import SRC, Checks, Client, Instance  # noqa: E402

check = Checks()
PEERS = os.environ.get("MAILROOM_PEERS", os.path.join(SRC, "var/peers"))
SOURCE = os.path.join(PEERS, "postfix/usr/sbin/smtp-source")
if not os.path.exists(SOURCE):
    subprocess.run([os.path.join(SRC, "scripts/fetch-peers.sh")], check=True)
LIBS = os.path.join(PEERS, "postfix/usr/lib/postfix")


def tracked_sender(port, tag, acked, stop):
    n = 0
    while not stop.is_set():
        try:
            c = Client(port)
            if not c.reply().startswith("220"):
                raise OSError("no greeting")
            c.cmd("EHLO tracker.example")
            while not stop.is_set():
                n += 1
                subject = f"track-{tag}-{n:05d}"
                if not c.cmd("MAIL FROM:<tracker@example.org>").startswith("250"):
                    break
                if not c.cmd("RCPT TO:<john@test.example>").startswith("250"):
                    break
                if not c.cmd("DATA").startswith("354"):
                    break
                c.send(f"Subject: {subject}\r\n\r\nbody of {subject}\r\n.\r\n".encode())
                r = c.reply()
                if r.startswith("250 2.0.0") and "Message accepted" in r:
                    acked.append(subject)
                else:
                    break
        except OSError:
            time.sleep(0.05)  # the daemon is down: try again


with tempfile.TemporaryDirectory(prefix="mailroom-crash.") as tmp:
    inst = Instance(tmp)
    acked = []
    stop = threading.Event()
    daemon_cm = inst.daemon()
    daemon = daemon_cm.__enter__()
    load = subprocess.Popen([SOURCE, "-s", "20", "-l", "2048", "-m", "100000", "-f", "load@example.org",
                             "-t", "mary@test.example", f"127.0.0.1:{inst.port}"],
                            env=dict(os.environ, LD_LIBRARY_PATH=LIBS),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    threads = [threading.Thread(target=tracked_sender, args=(inst.port, t, acked, stop)) for t in range(4)]
    for t in threads:
        t.start()
    # Kill mid-run: once more than 20 tracked messages got 250 (at least
    # 3 s, longer on a slow machine).
    time.sleep(3)
    deadline = time.time() + 60
    while len(acked) <= 20 and time.time() < deadline:
        time.sleep(0.1)
    before_kill = len(acked)
    # SIGKILL the event loop and its delivery worker (every sendmail of
    # this instance).
    subprocess.run(["pkill", "-9", "-f", f"{inst.dir}/bin/sendmail"], capture_output=True)
    daemon.kill()
    daemon.wait()
    time.sleep(1)
    stop.set()
    for t in threads:
        t.join(15)
    load.kill()
    load.wait()
    check(before_kill > 20, f"messages were acknowledged before the kill ({before_kill})")
    # Restart, run the queue, wait for the tracked messages.
    with inst.daemon():
        r = inst.run("sendmail", "-q")
        check(r.returncode == 0, f"sendmail -q: {r.stderr!r}")
        deadline = time.time() + 120
        while time.time() < deadline:
            box = inst.mailbox("john").decode("latin-1")
            if all(f"Subject: {s}\n" in box for s in acked):
                break
            time.sleep(0.5)
    box = inst.mailbox("john").decode("latin-1")
    missing = [s for s in acked if f"Subject: {s}\n" not in box]
    dups = sum(box.count(f"Subject: {s}\n") - 1 for s in acked if box.count(f"Subject: {s}\n") > 1)
    check(not missing, f"acknowledged but lost: {missing[:10]} ({len(missing)} of {len(acked)})")
    print(f"tracked messages acknowledged: {len(acked)}, duplicates after the crash: {dups}")

check.done()
