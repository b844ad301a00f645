"""test_vs_bsdmailx.py — our header summary against Debian's bsd-mailx on
the same mbox (issue 3, done-when 4): for every message the sender, the
date, the line and byte counts and the subject must agree.  The deliberate
difference — we decode RFC 2047 words, bsd-mailx shows them raw — is
handled by decoding bsd-mailx's subject before comparing (docs/mailx.md)."""
import email.header
import mailbox
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checks import Checks  # noqa: E402

SRC = os.environ["MAILROOM_SRC"]
BUILD = os.environ["MAILROOM_BUILD"]
PEERS = os.environ.get("MAILROOM_PEERS", os.path.join(SRC, "var/peers"))
BSD = os.path.join(PEERS, "bsd-mailx/usr/bin/bsd-mailx")
OURS = os.path.join(BUILD, "mailx/mailx")
LINE = re.compile(r"^(.)(.)\s*(\d+) (.{17})  (.{16}) +(\d+)/(\d+)\s+(.*)$")
check = Checks()


def summaries(prog, box, home):
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "MAIL": box, "USER": "tony", "LOGNAME": "tony",
           "TZ": "UTC", "LANG": "C.UTF-8", "MAILRC": "/dev/null"}
    p = subprocess.run([prog, "-n", "-N", "-f", box], input=b"f *\nx\n", capture_output=True, env=env)
    lines = p.stdout.decode("utf-8", "replace").splitlines()
    return [LINE.match(l) for l in lines if LINE.match(l)]


def decode(raw):
    try:
        return str(email.header.make_header(email.header.decode_header(raw)))
    except Exception:
        return raw


if not os.path.exists(BSD):
    subprocess.run([os.path.join(SRC, "scripts/fetch-peers.sh")], check=True)

with tempfile.TemporaryDirectory(prefix="mailroom-vs.") as tmp:
    box = os.path.join(tmp, "corpus.mbox")
    subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "make_corpus.py"), box], check=True)
    subjects = [m.get("Subject", "") or "" for m in mailbox.mbox(box)]
    theirs = summaries(BSD, box, tmp)
    ours = summaries(OURS, box, tmp)
    check(len(theirs) >= 14, f"bsd-mailx listed {len(theirs)} messages")
    check(len(ours) == len(theirs), f"same number of summary lines ({len(ours)} vs {len(theirs)})")
    for t, o in zip(theirs, ours):
        n = t.group(3)
        check(o.group(3) == n, f"message number {n}")
        check(o.group(2) == t.group(2), f"{n}: state letter {o.group(2)!r} vs {t.group(2)!r}")
        check(o.group(4) == t.group(4), f"{n}: sender {o.group(4)!r} vs {t.group(4)!r}")
        check(o.group(5) == t.group(5), f"{n}: date {o.group(5)!r} vs {t.group(5)!r}")
        check(o.group(6) == t.group(6) and o.group(7) == t.group(7),
              f"{n}: lines/bytes {o.group(6)}/{o.group(7)} vs {t.group(6)}/{t.group(7)}")
        # Both cut the line at column 80, bsd-mailx in the raw text: each
        # shows a prefix of the subject, ours decoded, theirs raw.
        raw = " ".join(subjects[int(n) - 1].split())
        theirs_subj = t.group(8).rstrip()
        ours_subj = o.group(8).rstrip()
        check(raw.startswith(theirs_subj), f"{n}: bsd-mailx subject {theirs_subj!r} is a prefix of {raw!r}")
        check(decode(raw).startswith(ours_subj), f"{n}: our subject {ours_subj!r} is a prefix of {decode(raw)!r}")
        check(len(ours_subj) >= min(len(decode(raw)), 20), f"{n}: our subject is not cut short: {ours_subj!r}")

check.done()
