"""test_large.py — a 50 MB message goes through sendmail, the queue and
mail.local with memory that does not grow with its size (issue 2,
done-when 8).  Peak RSS of every process involved (sendmail and the
mail.local it starts) is read from getrusage(RUSAGE_CHILDREN)."""
import os
import resource
import subprocess
import sys
import tempfile

BUILD = os.environ["MAILROOM_BUILD"]
SRC = os.environ["MAILROOM_SRC"]
SIZE = 50 * 1024 * 1024
LIMIT_KB = 40 * 1024  # far below the message size; about 10 MB is typical


def main():
    with tempfile.TemporaryDirectory(prefix="mailroom-large.") as tmp:
        inst = os.path.join(tmp, "inst")
        subprocess.run([os.path.join(SRC, "mta/mailroom-instance"), "--bin", BUILD, "--domain",
                        "test.example", inst], check=True, stdout=subprocess.DEVNULL)
        msg = os.path.join(tmp, "big.eml")
        line = b"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\n"
        with open(msg, "wb") as f:
            f.write(b"Subject: big\n\n")
            written = 0
            while written < SIZE:
                f.write(line)
                written += len(line)
            f.write(b"From the end\nlast line\n")
        env = dict(os.environ, MAILROOM_CONFIG=os.path.join(inst, "sendmail.mc"), USER="john",
                   LOGNAME="john", HOME=os.path.join(inst, "home/john"))
        with open(msg, "rb") as stdin:
            r = subprocess.run([os.path.join(inst, "bin/sendmail"), "-odi", "john"], stdin=stdin, env=env)
        if r.returncode != 0:
            sys.exit(f"FAIL: sendmail exit {r.returncode}, want 0")
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        box = os.path.join(inst, "spool/john")
        size = os.path.getsize(box)
        if size < SIZE:
            sys.exit(f"FAIL: mailbox holds {size} bytes, want more than {SIZE}")
        with open(box, "rb") as f:
            f.seek(-40, os.SEEK_END)
            tail = f.read()
        if b">From the end\nlast line\n" not in tail:
            sys.exit(f"FAIL: end of the message not intact: {tail!r}")
        print(f"50 MB message delivered; peak RSS {peak_kb} KiB (limit {LIMIT_KB} KiB)")
        if os.environ.get("MAILROOM_SANITIZE") == "1":
            print("peak RSS not checked under sanitizers (shadow memory, quarantine)")
        elif peak_kb > LIMIT_KB:
            sys.exit(f"FAIL: peak RSS {peak_kb} KiB, want at most {LIMIT_KB} KiB")
        print("2 passed, 0 failed")


main()
