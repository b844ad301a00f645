#!/usr/bin/env python3
"""pmdiff.py — the differential test of procmail and formail (issue 5, done-when 1).
Debian's procmail 3.22-27 / formail (the reference) and ours run on the same
(rcfile, message, command line) cases; the results must be identical after
normalising, or the case must be named in allowlist.txt ("case-name: reason",
each a deliberate difference also listed in docs/procmail.md).  README.md
says how to run it and how to write a case.

Usage:  pmdiff.py [--ref BIN] [--ours BIN] [--case SUBSTR] [--self-check] [-v]
                  [--show] [--keep] [-j N] [--ref-formail BIN] [--ours-formail BIN]
  --ref BIN      reference procmail (default $MAILROOM_PEERS/procmail/usr/bin/procmail)
  --ours BIN     our procmail (default $MAILROOM_BUILD/filters/procmail/procmail)
  --*-formail    the formail that goes with each procmail (default: a `formail`
                 beside it, else ../formail/formail); prog: formail cases run it,
                 and `formail` in an rcfile finds it through the sandbox's bin/
  --case SUBSTR  only the cases whose name contains SUBSTR
  --self-check   the reference against itself: every case must give the same
                 transcript twice (deterministic after normalising)
  --show         print each selected case's reference transcript (writing cases)
  -j N           cases run in parallel (default 12; most of the time is
                 procmail's sleep(1) after creating an mbox, not CPU)
Exit: 0 no failures; 1 failures (or a write outside the sandbox); 2 setup
error (a binary missing, a bad case file or allow-list line).

WHAT IS COMPARED, per case: the exit code (or TIMEOUT, or -signal), stdout,
stderr, and every file, directory and symlink created, changed or removed in
the sandbox — bytes, permission bits, and which new paths are hard links of
each other.  That includes the LOGFILE (by convention BOX/log; a case may
compare only lines matching a regex, or skip it with a reason, e.g. for
VERBOSE output), the folders, and the fake sendmail's records of each
forward (argv and the message it got).  For user: cases also the user's
/var/mail file.  Owners, times and inode numbers are not compared.

SANDBOX.  Each case gets a directory BOX ($T/<n>/box, T a fresh temp dir).
The two binaries run one after the other in the *same* BOX path, wiped and
re-installed in between, so absolute paths in logs compare equal.  BOX holds
rc (the rcfile), Mail/ (MAILDIR), bin/sendmail (the fake sendmail),
bin/formail (a symlink to the formail under test), sent/ (the fake
sendmail's records: sent/<k>/argv, one argument a line, and sent/<k>/stdin)
and the case's own files.  The program runs with argv[0] "procmail" or
"formail" (so $0 compares equal), cwd BOX, umask 022, stdin the message, a
new session, and the environment TZ=UTC PATH=/usr/bin:/bin LC_ALL=C plus the
case's env: lines (procmail wipes it anyway unless -p).  Both sides run from
private copies in the sandbox, mode 0755: without set-id bits (ours is never
set-uid, and a set-uid-root procmail creates /var/mail/<invoker> whatever the
rcfile says), and reachable by the throwaway users wherever the checkout is.

HERMETIC.  Cases use absolute rcfile paths and command-line assignments:
@STD@ points MAILDIR, DEFAULT, ORGMAIL, SENDMAIL, SHELL, PATH and LOGFILE
into BOX.  The loader refuses a procmail case that never assigns MAILDIR,
DEFAULT, ORGMAIL and SENDMAIL (in args or any of its files) unless it says
why ("hermetic: …", e.g. -v delivers nothing).  procmail takes HOME and
LOGNAME from the password entry of its uid, so, when the runner is root:
  - every ordinary case runs as a throwaway user whose home is an empty
    root-owned directory and whose /var/mail file is pre-created (empty, its
    own, 0600 — as mail.local makes it): it cannot write to /var/mail, /root
    or any real home, and the run fails if that spool file changed;
  - the cases about HOME and LOGNAME (the default rcfile, $HOME-relative
    rcfiles, ORGMAIL's default, -d, rcfile permission checks) say "user:" and
    use a second throwaway user whose home is their BOX ($T/userhome, so they
    run one at a time); its /var/mail file is pre-created before each run and
    collected as part of the result.  "user: run" runs as that user, "user:
    exists" as root (root's procmail -d USER).
Both users, their groups, spool files and .lock files are removed at exit
(also on SIGTERM/SIGHUP).  Without root the user: cases are SKIPPED with a
visible note, the others run as the invoker, and the run fails if
/var/mail/<invoker>, the invoker's home (procmail's fallback when MAILDIR
cannot be entered) or /tmp/dead.letter gained an entry.

NORMALISED (and nothing else):
  1. generated unique names: files created in a Maildir's new/ cur/ tmp/ and
     in the directories a case lists under "uniq:" (procmail's plain-directory
     folders, msg.<inode>) become {U1}, {U2}, … numbered by (directory,
     content, first mention in the outputs, name), and every occurrence of the
     old name in any output is replaced too (the log's Folder: line,
     LASTFOLDER); in an abstract's Folder: line holding such a name the TABs
     before the size (their count depends on the name's length) → {TABS}.
  2. the sandbox path BOX → @BOX@ (cosmetic: both runs used the same path);
     names of lock temp files ("_<pid><serial><time>.<host>", seen only in
     VERBOSE logs and error messages; the files are gone) → {LOCKTMP}.
  3. ctime(3) texts ("Fri Nov 27 23:07:31 2026") within 15 hours of the run
     → {NOW}: generated From_ and >From lines, formail's From_ lines, VERBOSE
     time stamps.  The fixed dates in the messages stay as they are.
  4. the program's pid only in "[pid]" (VERBOSE time stamps) and "pid=<pid>"
     (how cases print $$) → {PID}; another number in "[n] {NOW}" → {CHILD}.
     No other number is touched (pids are small, a blind replace would hit
     sizes and scores).
  5. the fake sendmail's calls (sent/<k>/) are renumbered in the order of
     their (argv, stdin): procmail may run several at once (c, no w).
Host and user names are not normalised: both binaries run on the same host
as the same users.

CASE FILES (cases/<name>.case).  Header lines "key: value" ("#" lines are
comments) up to the first "--- " line, then sections.
  desc: one line (required)
  msg: NAME            a file in msgs/, or "large" (generated here, 300 KB),
                       or "none" (stdin is /dev/null)          [default msg1]
  args: WORDS          shell-style words after the program name
                       [procmail: "@STD@ @RC@", formail: none]
  prog: procmail|formail                                        [procmail]
  env: NAME=VALUE      extra environment (repeatable)
  log: compare | skip REASON | filter REGEX   how the LOGFILE is compared
                       [compare]; filter keeps the lines matching REGEX
  logfile: PATH        where the LOGFILE is, relative to BOX     [log]
  stderr: compare | skip REASON | filter REGEX                  [compare]
  dirs: P…             directories to create in BOX before the run
  uniq: P…             directories whose new files have generated names
  user: run | exists   see HERMETIC
  spool: absent        in user: cases, no /var/mail/<user> before the run
  hermetic: REASON     the case need not assign the @STD@ variables
  timeout: SECONDS                                              [20]
Sections: "--- rc" (BOX/rc); "--- file PATH [mode=0644] [nonl] [age=S]
[nul=C] [root|group=root]" (nonl: without its last newline; age: mtime S
seconds ago; nul=C: each C becomes a NUL byte; in user: cases all files
belong to the user except those marked root or group=root); "--- symlink
PATH TARGET".  In args, env and all texts: @STD@ = MAILDIR=@BOX@/Mail
DEFAULT=@BOX@/Mail/default ORGMAIL=@BOX@/Mail/orgmail SENDMAIL=@BOX@/bin/sendmail
SHELL=/bin/sh PATH=@BOX@/bin:/usr/bin:/bin LOGFILE=@BOX@/log; @RC@ =
@BOX@/rc; @BOX@; @USER@ (the login name the program runs for); @MSGS@.
"""
import argparse
import concurrent.futures
import datetime
import difflib
import hashlib
import os
import pwd
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("MAILROOM_SRC") or os.path.abspath(os.path.join(HERE, "../../.."))
PEERS = os.environ.get("MAILROOM_PEERS") or os.path.join(SRC, "var/peers")
BUILD = os.environ.get("MAILROOM_BUILD") or os.path.join(SRC, "build")
STD = ("MAILDIR=@BOX@/Mail DEFAULT=@BOX@/Mail/default ORGMAIL=@BOX@/Mail/orgmail "
       "SENDMAIL=@BOX@/bin/sendmail SHELL=/bin/sh PATH=@BOX@/bin:/usr/bin:/bin LOGFILE=@BOX@/log")
KEYS = {"desc", "msg", "args", "prog", "env", "log", "stderr", "dirs", "uniq", "user", "hermetic",
        "timeout", "logfile", "spool"}
SENDMAIL = """#!/bin/sh
# pmdiff's fake sendmail: keeps argv (one argument a line) and stdin of each call.
d=@BOX@/sent
i=0
while ! mkdir "$d/$i" 2>/dev/null; do i=$((i + 1)); done
for a in "$@"; do printf '%s\\n' "$a"; done > "$d/$i/argv"
cat > "$d/$i/stdin"
exit "${FAKESM_EXIT:-0}"
"""
CTIME = re.compile(rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                   rb"[ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}")
BIG = 64 * 1024
HOSTNAME = os.uname().nodename.split(".")[0].encode()


class CaseError(Exception):
    pass


class Case:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)[:-len(".case")]
        self.desc = ""
        self.msg = "msg1"
        self.args = None
        self.prog = "procmail"
        self.env = []
        self.log = ("compare", "")
        self.stderr = ("compare", "")
        self.logfile = "log"
        self.dirs = []
        self.uniq = []
        self.user = ""
        self.spool = ""
        self.hermetic = ""
        self.timeout = 20.0
        self.files = []   # (kind, path, data or target, mode, owner)
        self.parse()

    def parse(self):
        with open(self.path, "rb") as f:
            text = f.read().decode("utf-8")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        i = 0
        while i < len(lines) and not lines[i].startswith("--- "):
            line = lines[i]
            i += 1
            if not line.strip() or line.startswith("#"):
                continue
            key, sep, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if not sep or key not in KEYS:
                raise CaseError(f"{self.path}:{i}: unknown header line {line!r}")
            if key == "env":
                self.env.append(value)
            elif key in ("dirs", "uniq"):
                getattr(self, key).extend(value.split())
            elif key in ("log", "stderr"):
                mode, _, arg = value.partition(" ")
                if mode not in ("compare", "skip", "filter") or (mode != "compare" and not arg.strip()):
                    raise CaseError(f"{self.path}:{i}: {key}: compare | skip REASON | filter REGEX")
                if mode == "filter":
                    re.compile(arg.strip())
                setattr(self, key, (mode, arg.strip()))
            elif key == "timeout":
                self.timeout = float(value)
            else:
                setattr(self, key, value)
        while i < len(lines):
            head = lines[i][4:].split()
            i += 1
            body = []
            while i < len(lines) and not lines[i].startswith("--- "):
                body.append(lines[i])
                i += 1
            data = "".join(b + "\n" for b in body).encode("utf-8")
            if not head:
                raise CaseError(f"{self.path}: empty section header")
            if head[0] == "rc":
                self.files.append(("file", "rc", data, 0o644, ("", 0)))
            elif head[0] == "file" and len(head) >= 2:
                mode, owner, owner_age = 0o644, "", 0
                for opt in head[2:]:
                    if opt in ("root", "group=root"):
                        owner = opt
                    elif opt == "nonl":
                        data = data[:-1] if data.endswith(b"\n") else data
                    elif opt.startswith("mode="):
                        mode = int(opt[5:], 8)
                    elif opt.startswith("nul="):
                        data = data.replace(opt[4:].encode(), b"\0")
                    elif opt.startswith("age="):
                        owner_age = int(opt[4:])
                    else:
                        raise CaseError(f"{self.path}: bad option {opt!r} in --- file")
                self.files.append(("file", head[1], data, mode, (owner, owner_age)))
            elif head[0] == "symlink" and len(head) == 3:
                self.files.append(("symlink", head[1], head[2], 0, ("", 0)))
            else:
                raise CaseError(f"{self.path}: bad section header {' '.join(head)!r}")
        if not self.desc:
            raise CaseError(f"{self.path}: no desc:")
        if self.args is None:
            self.args = "@STD@ @RC@" if self.prog == "procmail" else ""
        if self.prog not in ("procmail", "formail"):
            raise CaseError(f"{self.path}: prog must be procmail or formail")
        if self.user not in ("", "run", "exists"):
            raise CaseError(f"{self.path}: user: run | exists")
        if self.prog == "procmail" and not self.hermetic:
            text = self.args.replace("@STD@", STD) + "\n" + "\n".join(
                d.decode("utf-8", "replace") for k, _, d, _, _ in self.files if k == "file")
            # A user: case's HOME is the sandbox and its /var/mail file is collected.
            for var in ("SENDMAIL",) if self.user else ("MAILDIR", "DEFAULT", "ORGMAIL", "SENDMAIL"):
                if not re.search(r"(^|[\s\"'])" + var + r"\s*=", text, re.M):
                    raise CaseError(f"{self.path}: not hermetic: {var} is never assigned "
                                    "(use @STD@ or say why with hermetic:)")


def subst(text, box, user, msgs):
    return (text.replace("@STD@", STD).replace("@RC@", "@BOX@/rc").replace("@BOX@", box)
            .replace("@USER@", user or "nobody-pmdiff").replace("@MSGS@", msgs))


def subst_bytes(data, box, user, msgs):
    return subst(data.decode("utf-8"), box, user, msgs).encode("utf-8")


# ---------------------------------------------------------------- snapshots

def snapshot(root, extra=()):
    """path → (type, mode, data, (dev, ino), nlink); data = bytes / link target."""
    out = {}

    def add(full, rel):
        st = os.lstat(full)
        if stat.S_ISLNK(st.st_mode):
            out[rel] = ("symlink", 0, os.readlink(full).encode(), None, 1)
        elif stat.S_ISDIR(st.st_mode):
            out[rel] = ("dir", stat.S_IMODE(st.st_mode), b"", None, 1)
        elif stat.S_ISREG(st.st_mode):
            try:
                with open(full, "rb") as f:
                    data = f.read()
            except OSError as e:
                data = f"<unreadable: {e.strerror}>".encode()
            out[rel] = ("file", stat.S_IMODE(st.st_mode), data, (st.st_dev, st.st_ino), st.st_nlink)
        else:
            out[rel] = ("other", stat.S_IMODE(st.st_mode), b"", None, 1)

    for dirpath, dirnames, filenames in os.walk(root) if root else ():
        for n in dirnames + filenames:
            full = os.path.join(dirpath, n)
            add(full, os.path.relpath(full, root))
    for p in extra:
        if os.path.lexists(p):
            add(p, p)
    return out


# ---------------------------------------------------------------- running

class Account:
    def __init__(self, name, uid, gid, home):
        self.name, self.uid, self.gid, self.home = name, uid, gid, home
        self.spool = f"/var/mail/{name}"


class Env:
    """What every run needs: the temp dir, the generated message and, as
    root, the two throwaway users: `general` runs every ordinary case (home
    = an empty root-owned directory), `case` is the user of the user: cases
    (home = their sandbox, which is why those run one at a time)."""

    def __init__(self, args):
        self.tmp = tempfile.mkdtemp(prefix="mailroom-pmdiff.")
        os.chmod(self.tmp, 0o755)
        self.keep = args.keep
        self.root = os.geteuid() == 0
        self.made = []
        self.general = self.case_user = None
        self.user_lock = threading.Lock()
        self.msgs = os.path.join(HERE, "msgs")
        self.gen_large()

    def gen_large(self):
        """A deterministic 300 KB message: folded headers, body lines, some
        starting with "From " (escaped in mbox) — made here, not stored."""
        lines = [b"From bulk@example.com  Tue Jan  7 08:00:00 2025",
                 b"From: Bulk Sender <bulk@example.com>", b"To: bob@example.org",
                 b"Subject: large message", b"Received: from a\n\tby b;\n\tTue, 7 Jan 2025 08:00:00 +0000",
                 b"Message-ID: <large@example.com>", b""]
        n = 0
        while sum(len(x) + 1 for x in lines) < 300 * 1024:
            n += 1
            if n % 97 == 0:
                lines.append(b"From the line %d, which an mbox must escape" % n)
            else:
                lines.append(b"line %06d: the quick brown fox jumps over the lazy dog 0123456789" % n)
        lines.append(b"END-OF-LARGE")
        self.large = os.path.join(self.tmp, "large.msg")
        with open(self.large, "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
        os.chmod(self.large, 0o644)

    def copy_bin(self, path, side, name):
        """A private copy, mode 0755: no set-id bits (ours is never set-uid,
        and a set-uid-root reference would create /var/mail/<invoker>)."""
        d = os.path.join(self.tmp, "bin-" + side)
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o755)
        dst = os.path.join(d, name)
        shutil.copyfile(path, dst)
        os.chmod(dst, 0o755)
        return dst

    def msg_path(self, name):
        if name == "large":
            return self.large
        if name == "none":
            return os.devnull
        p = os.path.join(self.msgs, name)
        if not os.path.isfile(p):
            raise CaseError(f"no message msgs/{name}")
        return p

    def make_users(self):
        self.general = self.add_user("pmdg%d" % os.getpid(), os.path.join(self.tmp, "nohome"))
        os.makedirs(self.general.home)
        os.chmod(self.general.home, 0o755)
        self.case_user = self.add_user("pmdu%d" % os.getpid(), os.path.join(self.tmp, "userhome"))
        self.make_spool(self.general)
        self.general_spool = snapshot(None, [self.general.spool, self.general.spool + ".lock"])

    def add_user(self, name, home):
        subprocess.run(["useradd", "-M", "-U", "-d", home, "-s", "/bin/sh", "-c", "pmdiff throwaway", name],
                       check=True, stdout=subprocess.DEVNULL)
        self.made.append(name)
        pw = pwd.getpwnam(name)
        return Account(name, pw.pw_uid, pw.pw_gid, home)

    @staticmethod
    def make_spool(acct, absent=False):
        """/var/mail/<user>, empty, the user's, 0600 — as mail.local makes it
        (or no such file, with absent)."""
        for p in (acct.spool, acct.spool + ".lock"):
            if os.path.lexists(p):
                os.unlink(p)
        if absent:
            return
        fd = os.open(acct.spool, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.fchown(fd, acct.uid, acct.gid)
        os.fchmod(fd, 0o600)
        os.close(fd)

    def general_spool_changed(self):
        if not self.general:
            return False
        now = snapshot(None, [self.general.spool, self.general.spool + ".lock"])
        return {k: v[:3] for k, v in now.items()} != {k: v[:3] for k, v in self.general_spool.items()}

    def cleanup(self):
        for name in self.made:
            for p in (f"/var/mail/{name}", f"/var/mail/{name}.lock"):
                if os.path.lexists(p):
                    os.unlink(p)
            subprocess.run(["userdel", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.made = []
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            print(f"kept {self.tmp}", file=sys.stderr)


def chown_tree(root, uid, gid):
    for dirpath, dirnames, filenames in os.walk(root):
        os.lchown(dirpath, uid, gid)
        for n in dirnames + filenames:
            os.lchown(os.path.join(dirpath, n), uid, gid)


def account_for(case, env):
    """(who the program runs as or None for the invoker, whose name @USER@ is)."""
    if case.user == "run":
        return env.case_user, env.case_user
    if case.user == "exists":
        return None, env.case_user
    if env.general:
        return env.general, env.general
    return None, None


def install(case, env, box, formail):
    run_as, named = account_for(case, env)
    user = named.name if named else pwd.getpwuid(os.getuid()).pw_name
    if os.path.lexists(box):
        shutil.rmtree(box)
    os.makedirs(box)
    os.chmod(box, 0o755)
    for d in ("Mail", "bin", "sent"):
        os.mkdir(os.path.join(box, d))
        os.chmod(os.path.join(box, d), 0o755)
    with open(os.path.join(box, "bin/sendmail"), "w") as f:
        f.write(SENDMAIL.replace("@BOX@", box))
    os.chmod(os.path.join(box, "bin/sendmail"), 0o755)
    os.symlink(formail, os.path.join(box, "bin/formail"))
    for d in case.dirs:
        os.makedirs(os.path.join(box, d), exist_ok=True)
    for kind, rel, data, mode, extra in case.files:
        full = os.path.join(box, subst(rel, box, user, env.msgs))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        if kind == "symlink":
            os.symlink(subst(data, box, user, env.msgs), full)
        else:
            with open(full, "wb") as f:
                f.write(subst_bytes(data, box, user, env.msgs))
            os.chmod(full, mode)
            if extra[1]:
                t = time.time() - extra[1]
                os.utime(full, (t, t))
    spool = []
    if named:
        chown_tree(box, named.uid, named.gid)
        for kind, rel, data, mode, (owner, _) in case.files:
            if owner:   # "root" or "group=root": made by someone else
                full = os.path.join(box, subst(rel, box, user, env.msgs))
                os.lchown(full, 0 if owner == "root" else named.uid, 0)
        if case.user:
            env.make_spool(named, absent=case.spool == "absent")
            spool = [named.spool, named.spool + ".lock"]
    return spool, run_as, user


class Result:
    def __init__(self):
        self.exit = None
        self.stdout = b""
        self.stderr = b""
        self.changes = []     # (status, path, kind, mode, data, linkgroup)
        self.t0 = self.t1 = 0.0
        self.pid = 0
        self.transcript = ""


def run_once(case, env, box, binary, formail):
    spool, run_as, user = install(case, env, box, formail)
    before = snapshot(box, spool)
    argv = [case.prog] + [subst(w, box, user, env.msgs) for w in shlex.split(case.args.replace("@STD@", STD))]
    penv = {"TZ": "UTC", "PATH": "/usr/bin:/bin", "LC_ALL": "C"}
    for e in case.env:
        k, _, v = e.partition("=")
        penv[k] = subst(v, box, user, env.msgs)
    kw = {}
    if run_as:
        kw = {"user": run_as.uid, "group": run_as.gid, "extra_groups": []}
    r = Result()
    with open(env.msg_path(case.msg), "rb") as stdin:
        r.t0 = time.time()
        p = subprocess.Popen(argv, executable=binary, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=box,
                             env=penv, start_new_session=True, umask=0o022, **kw)
        r.pid = p.pid
        try:
            r.stdout, r.stderr = p.communicate(timeout=case.timeout)
            r.exit = p.returncode
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            r.stdout, r.stderr = p.communicate()
            r.exit = "TIMEOUT"
        r.t1 = time.time()
    # Forked children (c blocks, DELIVERED=yes) may outlive the parent while
    # keeping no pipe open; give the process group a moment to finish.
    for _ in range(100):
        try:
            os.killpg(p.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    after = snapshot(box, spool)
    r.changes = diff_snapshots(before, after)
    r.user = user
    return r


def diff_snapshots(before, after):
    groups = {}
    for path, v in after.items():
        if v[0] == "file" and v[4] > 1:
            groups.setdefault(v[3], []).append(path)
    out = []
    for path in sorted(set(before) | set(after)):
        b, a = before.get(path), after.get(path)
        if a is None:
            out.append(("deleted", path, b[0], b[1], b"", ()))
        elif b is None or b[:3] != a[:3]:
            links = tuple(sorted(x for x in groups.get(a[3], []) if x != path)) if a[0] == "file" else ()
            out.append(("new" if b is None else "changed", path, a[0], a[1], a[2], links))
    return out


# ---------------------------------------------------------------- normalising

def unique_names(case, changes, box, texts):
    """Generated names → {Uk}: files created in Maildir new/cur/tmp and in
    the case's uniq: directories, numbered by (directory, content) and, for
    equal contents, by where the name first shows in the outputs (the log
    names deliveries in the order they happened), then by the name."""
    uniq = {os.path.normpath(subst(u, box, "", "")) for u in case.uniq}
    cand = []
    for st, path, kind, mode, data, links in changes:
        if st != "new" or kind != "file":
            continue
        parent, base = os.path.split(path)
        gp, sub = os.path.split(parent)
        maildir = (sub in ("new", "cur", "tmp") and all(
            os.path.isdir(os.path.join(box, gp, x)) for x in ("new", "cur", "tmp")))
        if maildir or os.path.normpath(parent) in uniq:
            seen = [t.find(base.encode("utf-8", "surrogateescape")) for t in texts]
            first = min([x for x in seen if x >= 0], default=1 << 62)
            cand.append((parent, data, first, base))
    mapping = {}
    for k, (parent, data, first, base) in enumerate(sorted(cand), 1):
        mapping.setdefault(base, "{U%d}" % k)
    return mapping


def norm_bytes(data, ctx):
    for old, new in ctx["names"]:
        data = data.replace(old, new)
    data = data.replace(ctx["box"], b"@BOX@")
    data = re.sub(rb'(?<=[/"])_[^/"\s]+\.' + re.escape(HOSTNAME) + rb'(?=["\s]|$)', b"{LOCKTMP}", data)

    def when(m):
        try:
            t = datetime.datetime.strptime(m.group(0).decode(), "%a %b %d %H:%M:%S %Y")
        except ValueError:
            return m.group(0)
        t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
        if ctx["t0"] - 15 * 3600 <= t <= ctx["t1"] + 15 * 3600:
            return b"{NOW}"
        return m.group(0)
    data = CTIME.sub(when, data)
    pid = ctx["pid"]
    data = data.replace(b"[%d]" % pid, b"[{PID}]")
    data = re.sub(rb"\bpid=%d\b" % pid, b"pid={PID}", data)
    data = re.sub(rb"\[[0-9]+\] \{NOW\}", b"[{CHILD}] {NOW}", data)
    # An abstract's TABs depend on the length of the name before step 1.
    data = re.sub(rb"(?m)^(  Folder: [^\n]*\{U[0-9]+\}[^\t\n]*)\t+( *[0-9]+)$", rb"\1{TABS}\2", data)
    return data


def show(data):
    """Bytes → transcript lines: each line indented, control bytes escaped."""
    if len(data) > BIG:
        h = hashlib.sha256(data).hexdigest()[:16]
        head = data[:4096].rsplit(b"\n", 1)[0] + b"\n"
        tail = data[-4096:].split(b"\n", 1)[-1]
        return [f"  <{len(data)} bytes, sha256 {h}; head and tail:>"] + show(head) + ["  <…>"] + show(tail)
    out = []
    text = data.decode("latin-1")
    parts = text.split("\n")
    last = parts.pop()
    for p in parts:
        out.append("  " + esc(p))
    if last:
        out.append("  " + esc(last))
        out.append("\\ no newline at end")
    return out


def esc(s):
    return "".join(c if (c >= " " and c != "\x7f") or c == "\t" else "\\x%02x" % ord(c) for c in s)


def filtered(data, mode):
    kind, arg = mode
    if kind == "filter":
        rx = re.compile(arg.encode())
        return b"".join(l for l in data.splitlines(True) if rx.search(l))
    return data


def transcript(case, r, box, user):
    texts = [r.stdout, r.stderr] + [c[4] for c in r.changes if c[2] == "file"]
    mapping = unique_names(case, r.changes, box, [b"\0".join(texts)])
    names = sorted(((k.encode(), v.encode()) for k, v in mapping.items()), key=lambda x: -len(x[0]))
    ctx = {"names": names, "box": box.encode(), "t0": r.t0, "t1": r.t1, "pid": r.pid}

    # The fake sendmail numbers its calls in arrival order, and procmail may
    # run several at once (c and non-w actions): renumber them by content.
    calls = {}
    for st, path, kind, mode, data, links in r.changes:
        parts = path.split(os.sep)
        if st == "new" and parts[0] == "sent" and len(parts) == 3:
            calls.setdefault(parts[1], {})[parts[2]] = data
    order = sorted(calls, key=lambda k: (calls[k].get("argv", b""), calls[k].get("stdin", b""), k))
    renum = {k: str(i) for i, k in enumerate(order)}

    def npath(p):
        parts = p.split(os.sep)
        if parts[0] == "sent" and len(parts) >= 2 and parts[1] in renum:
            p = os.path.join("sent", renum[parts[1]], *parts[2:])
        return esc(norm_bytes(p.encode("utf-8", "surrogateescape"), ctx).decode("latin-1"))
    out = [f"== exit {r.exit}"]
    for title, data, mode in (("stdout", r.stdout, ("compare", "")), ("stderr", r.stderr, case.stderr)):
        if mode[0] == "skip":
            out.append(f"== {title} (not compared: {mode[1]})")
            continue
        note = f" (lines matching {mode[1]!r})" if mode[0] == "filter" else ""
        out.append(f"== {title}{note}")
        out += show(norm_bytes(filtered(data, mode), ctx))
    logpath = subst(case.logfile, box, user, "")
    entries = []
    for st, path, kind, mode, data, links in r.changes:
        npth = npath(path)
        head = f"== {st} {kind} {npth}"
        body = []
        if st != "deleted":
            head += " %04o" % mode if kind != "symlink" else ""
            if kind == "symlink":
                head += " -> " + npath(data.decode("latin-1"))
            if links:
                head += " (links: " + " ".join(sorted(npath(x) for x in links)) + ")"
            if kind == "file":
                if path == logpath and case.log[0] == "skip":
                    head += f" (not compared: {case.log[1]})"
                else:
                    if path == logpath and case.log[0] == "filter":
                        head += f" (lines matching {case.log[1]!r})"
                        data = filtered(data, case.log)
                    body = show(norm_bytes(data, ctx))
        entries.append((npth, [head] + body))
    for _, lines in sorted(entries):
        out += lines
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- main

def load_cases(filt):
    cdir = os.path.join(HERE, "cases")
    cases = []
    for n in sorted(os.listdir(cdir)):
        if n.endswith(".case"):
            cases.append(Case(os.path.join(cdir, n)))
    names = [c.name for c in cases]
    if len(set(names)) != len(names):
        raise CaseError("duplicate case names")
    return cases, [c for c in cases if not filt or filt in c.name]


def load_allowlist(names):
    allow = {}
    path = os.path.join(HERE, "allowlist.txt")
    with open(path) as f:
        for i, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, sep, reason = line.partition(":")
            if not sep or not reason.strip():
                raise CaseError(f"{path}:{i}: want 'case-name: reason'")
            if name.strip() not in names:
                raise CaseError(f"{path}:{i}: no case named {name.strip()!r}")
            allow[name.strip()] = reason.strip()
    return allow


def find_formail(procmail, given):
    if given:
        return given
    for cand in (os.path.join(os.path.dirname(procmail), "formail"),
                 os.path.join(os.path.dirname(os.path.dirname(procmail)), "formail", "formail")):
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return None


def outside_state(env):
    """Where a stray delivery by the invoker would land: /var/mail/<invoker>,
    the invoker's home (procmail's fallback when MAILDIR cannot be entered)
    and /tmp/dead.letter.  As root the cases run as throwaway users who
    cannot write to any of these, and other people's root runs may (Debian's
    set-uid procmail makes /var/mail/root), so then only the throwaway
    accounts are checked (Env.general_spool_changed)."""
    if env.root:
        return set()
    pw = pwd.getpwuid(os.getuid())
    out = {p for p in (f"/var/mail/{pw.pw_name}", f"/var/mail/{pw.pw_name}.lock", "/tmp/dead.letter")
           if os.path.lexists(p)}
    if os.path.isdir(pw.pw_dir):
        out |= {os.path.join(pw.pw_dir, n) for n in os.listdir(pw.pw_dir)}
    return out


def main():
    ap = argparse.ArgumentParser(description="procmail differential test (see the header comment)")
    ap.add_argument("--ref", default=os.path.join(PEERS, "procmail/usr/bin/procmail"))
    ap.add_argument("--ours", default=os.path.join(BUILD, "filters/procmail/procmail"))
    ap.add_argument("--ref-formail")
    ap.add_argument("--ours-formail")
    ap.add_argument("--case", default="")
    ap.add_argument("--self-check", action="store_true")
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("-j", type=int, default=12)
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()

    try:
        all_cases, cases = load_cases(args.case)
        allow = load_allowlist({c.name for c in all_cases})
    except (CaseError, re.error, ValueError) as e:
        print(f"pmdiff: {e}", file=sys.stderr)
        return 2
    if not cases:
        print(f"pmdiff: no case matches {args.case!r}", file=sys.stderr)
        return 2
    ours = args.ref if (args.self_check or args.show) else args.ours
    bins = {}
    for side, proc, fm in (("ref", args.ref, args.ref_formail), ("ours", ours, args.ours_formail)):
        if not (os.path.isfile(proc) and os.access(proc, os.X_OK)):
            print(f"pmdiff: FATAL: {side} procmail {proc!r} does not exist or is not executable", file=sys.stderr)
            return 2
        fmb = find_formail(proc, fm if side == "ours" or not args.self_check else None)
        if not fmb or not (os.path.isfile(fmb) and os.access(fmb, os.X_OK)):
            print(f"pmdiff: FATAL: no formail for {side} ({proc}); give --{side}-formail", file=sys.stderr)
            return 2
        bins[side] = (os.path.abspath(proc), os.path.abspath(fmb))
    if args.self_check or args.show:
        bins["ours"] = bins["ref"]

    env = Env(args)
    for side in ("ref", "ours"):
        proc, fm = bins[side]
        # Always a private copy: no set-id bits, and reachable by the
        # throwaway users wherever the checkout lives (a 0700 parent).
        bins[side] = (env.copy_bin(proc, side, "procmail"), env.copy_bin(fm, side, "formail"))
    before_out = outside_state(env)
    results = {}

    def one(idx, case):
        if case.user and not env.root:
            return case, "skip", "needs root to create a throwaway user"
        box = env.case_user.home if case.user else os.path.join(env.tmp, "%03d" % idx, "box")
        texts = []
        try:
            with env.user_lock if case.user else threading.Lock():
                for side in ("ref", "ours"):
                    proc, fm = bins[side]
                    r = run_once(case, env, box, proc if case.prog == "procmail" else fm, fm)
                    texts.append(transcript(case, r, box, r.user))
                    if args.show:
                        break
        except Exception as e:  # a broken case or runner bug: a failure, never a pass
            import traceback
            return case, "error", f"runner error: {e}\n{traceback.format_exc()}"
        finally:   # a user: case's box is the next one's too (wiped by install, Env.cleanup)
            if not env.keep and not case.user:
                shutil.rmtree(os.path.dirname(box), ignore_errors=True)
        if args.show:
            return case, "show", texts[0]
        if texts[0] == texts[1]:
            return case, "same", ""
        diff = "".join(difflib.unified_diff(texts[0].splitlines(True), texts[1].splitlines(True),
                                            "ref (run 1)" if args.self_check else "ref",
                                            "ref (run 2)" if args.self_check else "ours", n=4))
        return case, "diff", diff

    def stop(signum, frame):
        raise SystemExit(f"pmdiff: killed by signal {signum}")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    status = 1
    try:
        if env.root:
            try:
                env.make_users()
            except (subprocess.CalledProcessError, OSError) as e:
                print(f"pmdiff: FATAL: cannot create the throwaway users: {e}", file=sys.stderr)
                return 2
        elif any(c.user for c in cases):
            print("pmdiff: NOTE: not root: the cases marked user: (they need a throwaway user) "
                  "are SKIPPED", file=sys.stderr)
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.j)) as ex:
            futs = [ex.submit(one, i, c) for i, c in enumerate(cases)]
            for f in futs:
                case, kind, text = f.result()
                results[case.name] = (kind, text)
                if args.v:
                    print(f"{kind:5} {case.name}: {case.desc}", flush=True)
        same = allowed = failed = skipped = 0
        for case in cases:
            kind, text = results[case.name]
            if kind == "show":
                print(f"#### {case.name}: {case.desc}\n{text}")
            elif kind == "skip":
                skipped += 1
                print(f"SKIP {case.name}: {text}")
            elif kind == "same":
                same += 1
                if case.name in allow and not args.self_check:
                    print(f"note: {case.name} is identical; its allow-list entry is no longer needed")
            elif kind == "diff" and case.name in allow and not args.self_check:
                allowed += 1
                print(f"ALLOWED {case.name}: {allow[case.name]}")
                if args.v:
                    print(text)
            else:
                failed += 1
                print(f"FAIL {case.name}: {case.desc}")
                print(text)
        stray = sorted(outside_state(env) - before_out)
        hermetic = not stray and not env.general_spool_changed()
        if not hermetic:
            print("FAIL hermetic: written outside the sandbox during the run: "
                  + " ".join(stray + ([env.general.spool] if env.general_spool_changed() else [])))
        if args.show:
            return 0 if hermetic else 1
        print(f"{len(cases) - skipped} cases, {same} identical, {allowed} allowed differences, {failed} failures"
              + (" (self-check: the reference against itself)" if args.self_check else "")
              + ("" if hermetic else "; NOT HERMETIC"))
        if skipped:
            print(f"({skipped} cases SKIPPED: they need root)")
        status = 1 if failed or not hermetic else 0
    finally:
        env.cleanup()
    return status


if __name__ == "__main__":
    sys.exit(main())
