"""test_formail.py — differential test of our formail against Debian's
formail (procmail 3.22-27, unpacked by scripts/fetch-peers.sh under
$MAILROOM_PEERS/procmail).

Every case runs both programs in their own empty directory with the same
arguments, environment and input (a message of tests/filters/formail/),
and compares stdout bytes, stderr bytes, the exit status and every file the
run left in its directory (-D caches, -s outputs).  A case may be a
sequence of runs in the same directory (a -D cache filled by one run and
read by the next).

Normalised, and only these: a ctime(3) date that falls within the run
(formail's generated From_ lines) becomes <NOW>, and in a generated
Message-ID <hash.serial.pid.time@host> the pid and the time (the hash of
the input and the serial are compared).  Nothing else is rewritten.

Deliberate differences are in ALLOWED, with the reason; for those we check
our own behaviour instead (see docs/formail.md)."""
import calendar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checks import Checks  # noqa: E402

SRC = os.environ["MAILROOM_SRC"]
BUILD = os.environ["MAILROOM_BUILD"]
PEERS = os.environ.get("MAILROOM_PEERS", os.path.join(SRC, "var/peers"))
THEIRS = os.path.join(PEERS, "procmail/usr/bin/formail")
OURS = os.path.join(BUILD, "filters/formail/formail")
CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "formail")
HOST = socket.gethostname().encode()
check = Checks()

if not os.access(THEIRS, os.X_OK):
    print(f"FAIL: Debian's formail is missing ({THEIRS}); run scripts/fetch-peers.sh "
          "(make test does) to unpack procmail 3.22 under var/peers", file=sys.stderr)
    sys.exit(1)
check(os.access(OURS, os.X_OK), f"our formail is built ({OURS})")


class Case:
    def __init__(self, name, args, msg=None, env=None, runs=None, stderr=True, sort_stdout=False, big=None):
        self.name = name
        # runs: [(args, message file or None or bytes)], all in one directory
        self.runs = runs if runs is not None else [(args, msg)]
        self.env = env or {}
        self.stderr = stderr          # compare stderr too
        self.sort_stdout = sort_stdout  # -n: the order of parallel programs is not defined
        self.big = big


SH_SAVE = ["sh", "-c", "cat > msg.$FILENO"]
SH_ECHO = ["sh", "-c", 'echo "[$FILENO]"; cat']
CASES = [
    # --- no options: mbox format, From_ generation, escaping ---------------
    *[Case(f"plain {m}", [], m) for m in [
        "fm1.eml", "msg1.eml", "msg1-nofrom.eml", "multi-from.eml", "uucp.eml", "rp-empty.eml", "folded.eml",
        "cl-big.eml", "cl-small.eml", "cl-exact.mbox", "box.mbox", "postmark.mbox", "digest.txt", "article.txt",
        "nonl.eml", "empty.eml", "blank-lines.eml", "header-only.eml", "nul.eml", "reply-re.eml",
        "reply-bare.eml", "nosender.eml", "resent.eml", "weights.eml", "addresses.eml", "dates.eml",
        "loops.eml", "babyl.txt"]],
    Case("-f keeps any format", ["-f"], "msg1-nofrom.eml"),
    Case("-f on a From_ message", ["-f"], "box.mbox"),
    Case("-b: no escaping", ["-b"], "box.mbox"),
    Case("-p prefix", ["-p", "| "], "msg1.eml"),
    Case("-Y: no Content-Length", ["-Y"], "cl-big.eml"),
    Case("-Y small", ["-Y"], "cl-small.eml"),
    Case("-c joins continuations", ["-c"], "folded.eml"),
    Case("-z zaps", ["-z"], "folded.eml"),
    Case("-cz", ["-cz"], "folded.eml"),
    # --- replies -----------------------------------------------------------
    Case("-r (E6)", ["-r"], "fm1.eml"),
    Case("-rt -A X-Loop (E6)", ["-rt", "-A", "X-Loop: bob@example.org"], "fm1.eml"),
    Case("-rt", ["-rt"], "fm1.eml"),
    Case("-rtk", ["-rtk"], "fm1.eml"),
    Case("-rk quotes", ["-rk"], "msg1.eml"),
    Case("-rkb", ["-rkb"], "msg1.eml"),
    Case("-rk -p", ["-rk", "-p", "| "], "loops.eml"),
    Case("-r Re: Re:", ["-r"], "reply-re.eml"),
    Case("-rt Re: bare", ["-rt"], "reply-bare.eml"),
    Case("-r envelope weights", ["-r"], "reply-bare.eml"),
    Case("-r no sender: 67", ["-r"], "nosender.eml"),
    Case("-r Return-Path <>", ["-r"], "rp-empty.eml"),
    Case("-rt Return-Path <>", ["-rt"], "rp-empty.eml"),
    Case("-r multiple From_", ["-r"], "multi-from.eml"),
    Case("-r uucp path", ["-r"], "uucp.eml"),
    Case("-r penalties", ["-r"], "weights.eml"),
    Case("-rt penalties", ["-rt"], "weights.eml"),
    Case("-rt address forms", ["-rt"], "addresses.eml"),
    Case("-rt trailing backslash", ["-rt"], "backslash.eml"),
    Case("-r resent", ["-r"], "resent.eml"),
    Case("-rt resent", ["-rt"], "resent.eml"),
    Case("-rt -a Resent-", ["-rt", "-a", "Resent-"], "resent.eml"),
    Case("-r -i Date:", ["-r", "-i", "Date:"], "reply-re.eml"),
    Case("-r field order", ["-r", "-a", "X-Loop: me@example.org", "-I", "Precedence: junk", "-A", "X-Foo: bar"],
         "loops.eml"),
    Case("-r -I Subject:", ["-r", "-I", "Subject:"], "fm1.eml"),
    Case("-r -I Subject: text", ["-r", "-I", "Subject: replaced"], "fm1.eml"),
    Case("-r -i Subject: text", ["-r", "-i", "Subject: mine"], "fm1.eml"),
    Case("-r -u Subject:", ["-r", "-u", "Subject:"], "fm1.eml"),
    Case("-r -c folded", ["-r", "-c"], "folded.eml"),
    Case("-rtk on nul", ["-rtk"], "nul.eml"),
    # --- adding, renaming, deleting ----------------------------------------
    Case("-a Message-ID:", ["-a", "Message-ID:"], "msg1-nofrom.eml"),
    Case("-a Message-ID: present", ["-a", "Message-ID:"], "msg1.eml"),
    Case("-a Resent-Message-ID:", ["-a", "Resent-Message-ID:", "-a", "Message-ID:"], "nosender.eml"),
    Case("-a Date: From_ from Date", ["-a", "Date:"], "dates.eml"),
    Case("-a From_ forced", ["-a", "From ", "-f"], "dates.eml"),
    Case("-a X-New", ["-a", "X-New: value", "-a", "Subject: not added"], "msg1.eml"),
    Case("-A always", ["-A", "Subject: again", "-A", "X-Empty:"], "msg1.eml"),
    Case("-i renames", ["-i", "Subject: new subject"], "msg1.eml"),
    Case("-i bare name", ["-i", "Cc:"], "msg1.eml"),
    Case("-I deletes", ["-I", "Received:"], "msg1.eml"),
    Case("-I inserts", ["-I", "Subject: replaced"], "msg1.eml"),
    Case("-I \"\": body only", ["-I", ""], "msg1.eml"),
    Case("-I F: no From_", ["-I", "F"], "msg1-nofrom.eml"),
    Case("-u first", ["-u", "X-Multi:"], "folded.eml"),
    Case("-U last", ["-U", "X-Multi:"], "folded.eml"),
    Case("-u partial", ["-u", "X-"], "folded.eml"),
    Case("-U partial", ["-U", "X-"], "folded.eml"),
    Case("-R rename", ["-R", "Subject:", "X-Old-Subject:"], "msg1.eml"),
    Case("-R partial", ["-R", "X-", "Y-"], "folded.eml"),
    Case("-R to From_", ["-R", "Return-Path:", "From "], "msg1-nofrom.eml"),
    Case("-R From_ away", ["-R", "From ", "X-From_:"], "multi-from.eml"),
    Case("-R attached", ["-RSubject: Topic:"], "msg1.eml"),
    # --- extracting --------------------------------------------------------
    Case("-x From:", ["-x", "From:"], "msg1.eml"),
    Case("-x Received:", ["-x", "Received:"], "msg1.eml"),
    Case("-cx Received:", ["-c", "-x", "Received:"], "msg1.eml"),
    Case("-zx", ["-z", "-x", "X-Trailing:", "-x", "X-Tab:"], "folded.eml"),
    Case("-X Subject partial", ["-X", "Subject"], "folded.eml"),
    Case("-X \"\" header", ["-X", ""], "msg1.eml"),
    Case("-k -X From: -X Subject:", ["-k", "-X", "From:", "-X", "Subject:"], "msg1.eml"),
    Case("-k -X Content-Length", ["-k", "-X", "Subject:"], "cl-small.eml"),
    Case("-x -A", ["-x", "Subject:", "-A", "Subject: added"], "msg1.eml"),
    # --- log abstract ------------------------------------------------------
    Case("-l inbox (E6)", ["-l", "inbox"], "msg1.eml"),
    Case("-l no From_", ["-l", "box"], "msg1-nofrom.eml"),
    Case("-l long folder", ["-l", "f" * 70], "fm1.eml"),
    Case("-l tab folder", ["-l", "a\tb"], "folded.eml"),
    Case("-l Content-Length", ["-l", "x"], "cl-exact.mbox"),
    Case("-l -r", ["-r", "-l", "replies"], "fm1.eml"),
    Case("-l nul", ["-l", "n"], "nul.eml"),
    Case("-l empty", ["-l", "e"], "empty.eml"),
    # --- duplicates --------------------------------------------------------
    Case("-D new then duplicate (E6)", None, runs=[(["-D", "1000", "cache"], "fm1.eml"),
                                                    (["-D", "1000", "cache"], "fm1.eml"),
                                                    (["-D", "1000", "cache"], "msg1.eml"),
                                                    (["-D", "1000", "cache"], "fm1.eml")]),
    Case("-D wraps", None, runs=[(["-D", "40", "cache"], m) for m in
                                 ["fm1.eml", "msg1.eml", "rp-empty.eml", "folded.eml", "fm1.eml", "msg1.eml"]]),
    Case("-rD sender key", None, runs=[(["-r", "-D", "1000", "cache"], "fm1.eml"),
                                       (["-rt", "-D", "1000", "cache"], "fm1.eml"),
                                       (["-r", "-D", "1000", "cache"], "fm1.eml")]),
    Case("-D no Message-ID", None, runs=[(["-D", "100", "cache"], "nosender.eml")] * 2),
    Case("-D -q- talks", None, runs=[(["-q-", "-D", "100", "cache"], "fm1.eml")] * 2),
    Case("-D -s drops duplicates", ["-D", "1000", "cache", "-s"], "box.mbox"),
    # --- splitting ---------------------------------------------------------
    Case("-s to stdout", ["-s"], "box.mbox"),
    Case("-s cat", ["-s", "cat"], "box.mbox"),
    Case("-s FILENO files (E6)", ["-s", *SH_SAVE], "box.mbox"),
    Case("-s FILENO=007", ["-s", *SH_SAVE], "box.mbox", env={"FILENO": "007"}),
    Case("-s FILENO=5", ["-s", *SH_ECHO], "box.mbox", env={"FILENO": "5"}),
    Case("-s FILENO=-2", ["-s", *SH_ECHO], "box.mbox", env={"FILENO": "-2"}),
    Case("-s FILENO=abc", ["-s", *SH_ECHO], "box.mbox", env={"FILENO": "abc"}),
    Case("-s FILENO empty", ["-s", *SH_ECHO], "box.mbox", env={"FILENO": ""}),
    Case("+1 -s", ["+1", "-s", *SH_SAVE], "box.mbox"),
    Case("-2 -s", ["-2", "-s"], "box.mbox"),
    Case("+1 -1 -s", ["+1", "-1", "-s"], "box.mbox"),
    Case("-0 -s", ["-0", "-s"], "box.mbox"),
    Case("-s postmark quirk", ["-s"], "postmark.mbox"),
    Case("-es", ["-es"], "postmark.mbox"),
    Case("-m 3 -s", ["-m", "3", "-s"], "postmark.mbox"),
    Case("-m1 -s", ["-m1", "-s"], "box.mbox"),
    Case("-s Content-Length", ["-s"], "cl-exact.mbox"),
    Case("-s Content-Length big", ["-s"], "cl-big.eml"),
    Case("-Ys", ["-Ys"], "cl-exact.mbox"),
    Case("-ds digest", ["-ds"], "digest.txt"),
    Case("+1 -ds digest", ["+1", "-ds", *SH_SAVE], "digest.txt"),
    Case("-ds article", ["-ds"], "article.txt"),
    Case("-Bs babyl", ["-Bs"], "babyl.txt"),
    Case("-s -r per message", ["-r", "-s"], "box.mbox"),
    Case("-s -rk", ["-rk", "-s", "cat"], "box.mbox"),
    Case("-s -x", ["-x", "Subject:", "-s"], "box.mbox"),
    Case("-s -l", ["-l", "split", "-s"], "box.mbox"),
    Case("-s program exit 3", ["-s", "sh", "-c", "cat >/dev/null; exit 3"], "box.mbox"),
    Case("-s missing program", ["-s", "no-such-program-here"], "box.mbox", stderr=False),
    Case("-s empty input", ["-s", "cat"], "empty.eml"),
    Case("-s nonl", ["-s", "cat"], "nonl.eml"),
    Case("-s From line ends the header", ["-s"], "from-in-header.eml"),
    Case("-s From line ends the header, From_ kept", ["-s"], "from-in-header.mbox"),
    Case("-l -s From line ends the header", ["-l", "f", "-s"], "from-in-header.eml"),
    Case("-es From line ends the header", ["-es"], "from-in-header.eml"),
    Case("From line ends the header", [], "from-in-header.eml"),
    Case("-n 2 -s", ["-n", "2", "-s", *SH_SAVE], "box.mbox"),
    Case("-ns", ["-ns", "cat"], "box.mbox", sort_stdout=True),
    # --- usage and errors (stderr: our help is in our own words) ------------
    Case("-k alone: usage", ["-k"], "msg1.eml", stderr=False),
    Case("-x -l: usage", ["-x", "From:", "-l", "f"], "msg1.eml", stderr=False),
    Case("-e without -s: usage", ["-e"], "msg1.eml", stderr=False),
    Case("+1 without -s: usage", ["+1"], "msg1.eml", stderr=False),
    Case("-a invalid field", ["-a", "NoColon"], "msg1.eml", stderr=False),
    Case("-A partial invalid", ["-A", "X-"], "msg1.eml", stderr=False),
    Case("-a Resent- without -t", ["-r", "-a", "Resent-"], "msg1.eml", stderr=False),
    Case("-R complete to partial", ["-R", "Subject:", "X-"], "msg1.eml", stderr=False),
    Case("-Z unknown", ["-Z"], "msg1.eml", stderr=False),
    Case("-p missing", ["-p"], "msg1.eml", stderr=False),
    Case("-n -s: usage", ["-n", "-s", "cat"], "box.mbox", stderr=False),
    Case("-sx: usage", ["-sx"], "box.mbox", stderr=False),
    Case("bare word", ["word"], "msg1.eml", stderr=False),
    Case("-h", ["-h"], "msg1.eml", stderr=False),
    Case("lone dash", ["-"], "msg1.eml"),
    Case("-D unwritable", ["-D", "100", "/nonexistent/dir/cache"], "msg1.eml"),
    # --- hostile input -----------------------------------------------------
    Case("10 MB header line", [], big="longline"),
    Case("10 MB header line -rtk", ["-rtk"], big="longline"),
    Case("10 MB body line", ["-s"], big="bodyline"),
    Case("binary", [], big="binary"),
    Case("many fields -u X-", ["-u", "X-"], big="manyfields"),
    # --- deliberate differences (ALLOWED below) -----------------------------
    Case("-f -l on empty input", ["-f", "-l", "x"], "empty.eml"),
    Case("-Bs without a BABYL separator", ["-Bs"], "msg1.eml"),
    Case("-r -U on a field of the message", ["-r", "-U", "Subject:"], "fm1.eml"),
    Case("-s program killed by a signal", ["-s", "sh", "-c", "cat >/dev/null; kill -9 $$"], "box.mbox"),
    Case("-v text", ["-v"], "msg1.eml"),
    Case("-l -es From line ends the header, memory reused", ["-l", "x", "-es"], "from-in-header-short.eml"),
]

# Deliberate differences: name → (reason, check of our own run: the list of
# (status, stdout, stderr) per run and the files left).
ALLOWED = {
    "-f -l on empty input": (
        "formail dereferences a NULL header and dies of SIGSEGV; we print the Folder line",
        lambda runs, files: runs[0][0] == 0 and runs[0][1] == b"  Folder: x\t\t\t\t\t\t\t\t      1\n"),
    "-Bs without a BABYL separator": (
        "formail loops for ever looking for \\037\\f at the end of the input; we stop there",
        lambda runs, files: runs[0][0] == 0 and runs[0][1] == b""),
    "-r -U on a field of the message": (
        "formail deletes through a pointer into the freed original header (garbage output, SIGSEGV); "
        "we keep the reply header",
        lambda runs, files: runs[0][0] == 0 and runs[0][1].startswith(b"X-Loop: somebody@else.example\n"
                                                                        b"To: envelope@bounce.example.com\n")),
    "-s program killed by a signal": (
        "formail exits 69 (EX_UNAVAILABLE); we exit 128+signal as mail::proc reports it",
        lambda runs, files: runs[0][0] == 128 + 9),
    "-l -es From line ends the header, memory reused": (
        "formail reads the stale Subject pointer after malloc gave its block to the From line's field "
        "(so it escapes, 105 bytes); we read the Subject text (no escape, 104 bytes)",
        lambda runs, files: runs[0][0] == 0 and runs[0][1].endswith(b"  Folder: x\t\t\t\t\t\t\t\t    104\n")),
    "-v text": (
        "the version banner names mailroom (formail's carries its authors' copyright); both exit 64",
        lambda runs, files: runs[0][0] == 64 and runs[0][2].startswith(b"formail v3.23pre 2001/09/13")),
}


def big_input(kind):
    if kind == "longline":
        return b"From: x@example.org\nSubject: " + b"s" * (10 << 20) + b"\n\nbody\n"
    if kind == "bodyline":
        return b"From a@b  Mon Jan  6 10:00:00 2025\nSubject: big\n\n" + b"b" * (10 << 20) + b"\n"
    if kind == "binary":
        return bytes((i * 7919 + 13) % 256 for i in range(200000))
    if kind == "manyfields":
        return b"".join(b"X-F%d: v\n" % (i % 5000) for i in range(20000)) + b"\nbody\n"
    raise ValueError(kind)


CTIME = re.compile(rb"(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                   rb"([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4})")
MONTHS = [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"]
MSGID = re.compile(rb"<([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)@" + re.escape(HOST) + rb">")
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def normalise(data, t0, t1):
    def date(m):
        t = calendar.timegm((int(m.group(7)), MONTHS.index(m.group(2)) + 1, int(m.group(3)),
                             int(m.group(4)), int(m.group(5)), int(m.group(6))))
        return b"<NOW>" if t0 - 2 <= t <= t1 + 2 else m.group(0)

    def msgid(m):
        t = sum(B64.index(c) << (6 * i) for i, c in enumerate(m.group(4).decode()))
        if not t0 - 2 <= t <= t1 + 2:
            return m.group(0)
        return b"<" + m.group(1) + b"." + m.group(2) + b".<PID>.<TIME>@" + HOST + b">"
    return MSGID.sub(msgid, CTIME.sub(date, data))


def run(prog, case, workdir):
    env = {"PATH": "/usr/bin:/bin", "HOME": workdir, "TZ": "UTC", "LC_ALL": "C"}
    env.update(case.env)
    results = []
    t0 = time.time()
    for args, msg in case.runs:
        if case.big:
            data = big_input(case.big)
        elif msg is None:
            data = b""
        else:
            with open(os.path.join(CORPUS, msg), "rb") as f:
                data = f.read()
        try:
            p = subprocess.run([prog, *args], input=data, capture_output=True, cwd=workdir, env=env, timeout=60)
            results.append((p.returncode, p.stdout, p.stderr))
        except subprocess.TimeoutExpired:
            results.append(("timeout", b"", b""))
    t1 = time.time()
    files = {}
    for name in sorted(os.listdir(workdir)):
        path = os.path.join(workdir, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                files[name] = f.read()
    out = []
    for rc, so, se in results:
        out.append((rc, normalise(so, t0, t1), normalise(se, t0, t1)))
    return out, {k: normalise(v, t0, t1) for k, v in files.items()}


def show(b):
    text = repr(b[:600])
    return text + (f"... ({len(b)} bytes)" if len(b) > 600 else "")


failures = []
compared = 0
for case in CASES:
    if case.name in ALLOWED:  # Debian's formail crashes or hangs on most of these: not run
        reason, ok = ALLOWED[case.name]
        with tempfile.TemporaryDirectory(prefix="fm-ours.") as do:
            ours, ofiles = run(OURS, case, do)
        check(ok(ours, ofiles), f"{case.name}: our behaviour ({reason}): got {ours}")
        continue
    with tempfile.TemporaryDirectory(prefix="fm-theirs.") as dt, tempfile.TemporaryDirectory(prefix="fm-ours.") as do:
        theirs, tfiles = run(THEIRS, case, dt)
        ours, ofiles = run(OURS, case, do)
    compared += 1
    problems = []
    for i, ((trc, tso, tse), (orc, oso, ose)) in enumerate(zip(theirs, ours)):
        where = f"run {i + 1}: " if len(case.runs) > 1 else ""
        if trc != orc:
            problems.append(f"{where}exit status: ours {orc}, Debian's {trc}")
        if case.sort_stdout:
            tso, oso = b"".join(sorted(tso.splitlines(True))), b"".join(sorted(oso.splitlines(True)))
        if tso != oso:
            problems.append(f"{where}stdout:\n    ours    {show(oso)}\n    Debian  {show(tso)}")
        if case.stderr and tse != ose:
            problems.append(f"{where}stderr:\n    ours    {show(ose)}\n    Debian  {show(tse)}")
    if tfiles != ofiles:
        for name in sorted(set(tfiles) | set(ofiles)):
            if tfiles.get(name) != ofiles.get(name):
                problems.append(f"file {name}:\n    ours    {show(ofiles.get(name, b'(missing)'))}\n"
                                f"    Debian  {show(tfiles.get(name, b'(missing)'))}")
    if problems:
        failures.append(f"[{case.name}] formail {' / '.join(' '.join(a) for a, _ in case.runs)}\n  " +
                        "\n  ".join(problems))

for f in failures:
    print("DIFF " + f, file=sys.stderr)
print(f"{compared} cases compared with Debian's formail, {len(failures)} differ, {len(ALLOWED)} allowed",
      file=sys.stderr)
check(compared >= 80, f"at least 80 compared cases ({compared})")
check(not failures, f"{len(failures)} of {compared} cases differ from Debian's formail (listed above)")
check.done()
