"""test_smtp_privilege.py — nothing parses network input as root
(design-direction "Privilege", docs/trust.md).

Started as root with confRUN_AS_USER naming a throwaway user, the daemon
binds its port and prepares the queue as root, then its session loop runs
as that user (real, effective, saved and filesystem ids; no supplementary
groups) while the delivery worker stays root to deliver.  Mail still flows;
a killed session loop or worker is restarted by the supervisor; stopping the
supervisor stops both.  RunAsUser root or an unknown user is refused at
start with EX_CONFIG / EX_NOUSER.  Needs root (to start as root and to make
the user); without it the test says so and checks nothing."""
import os
import pwd
import signal
import smtplib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from smtp_testlib import Checks, Instance  # noqa: E402

check = Checks()

if os.geteuid() != 0:
    print("SKIP: needs root (starts the daemon as root and creates a user)")
    sys.exit(0)

USER = f"mrsmtp{os.getpid() % 100000}"


def status_ids(pid):
    """(uids, gids, groups) from /proc/PID/status, or None if it is gone."""
    try:
        text = open(f"/proc/{pid}/status").read()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return (fields["Uid"].split(), fields["Gid"].split(), fields["Groups"].split(), int(fields["PPid"]))


def daemon_procs(inst):
    out = subprocess.run(["pgrep", "-f", f"{inst.dir}/bin/sendmail -bD"], capture_output=True, text=True).stdout
    procs = {}
    for p in out.split():
        ids = status_ids(int(p))
        if ids:
            procs[int(p)] = ids
    return procs


def roles(inst, uid):
    """{'supervisor': pid, 'worker': pid, 'sessions': pid} (missing ones absent)."""
    procs = daemon_procs(inst)
    found = {}
    for pid, (uids, _, _, ppid) in procs.items():
        if ppid not in procs:
            found["supervisor"] = pid
    for pid, (uids, _, _, ppid) in procs.items():
        if ppid == found.get("supervisor"):
            found["sessions" if uids[0] == str(uid) else "worker"] = pid
    return found, procs


def wait_for(fn, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    return None


def send(inst, tag):
    with smtplib.SMTP("127.0.0.1", inst.port, timeout=10) as s:
        s.sendmail("john@test.example", ["tony@test.example"], f"Subject: {tag}\r\n\r\n{tag}\r\n")


subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER], check=True)
try:
    pw = pwd.getpwnam(USER)
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)  # the session loop must reach the queue below it
        inst = Instance(tmp, mc_lines=[f"define(`confRUN_AS_USER', `{USER}')dnl"])
        with inst.daemon():
            found, procs = wait_for(lambda: (lambda r: r if len(r[0]) == 3 else None)(roles(inst, pw.pw_uid))) or ({}, {})
            check(set(found) == {"supervisor", "worker", "sessions"}, f"supervisor, worker and session loop run ({found})")
            if "sessions" in found:
                uids, gids, groups, _ = procs[found["sessions"]]
                check(uids == [str(pw.pw_uid)] * 4, f"the session loop's real/effective/saved/fs uid are {USER}'s ({uids})")
                check(gids == [str(pw.pw_gid)] * 4, f"the session loop's gids are {USER}'s group ({gids})")
                check(groups in ([], [str(pw.pw_gid)]), f"the session loop has no other groups ({groups})")
            for role in ("supervisor", "worker"):
                if role in found:
                    check(procs[found[role]][0][1] == "0", f"the {role} stays root")
            st = os.stat(os.path.join(inst.dir, "mqueue"))
            check(st.st_uid == pw.pw_uid, "the queue directory was handed to RunAsUser")

            send(inst, "first-message")
            check(inst.wait_mail("tony", "first-message"), "mail accepted by the unprivileged loop is delivered")

            old = found.get("sessions")
            if old:
                os.kill(old, signal.SIGKILL)
                new = wait_for(lambda: (lambda r: r[0].get("sessions") if r[0].get("sessions") not in (None, old) else None)(roles(inst, pw.pw_uid)))
                check(new is not None, "a killed session loop is restarted")
                for _ in range(100):
                    try:
                        send(inst, "second-message")
                        break
                    except OSError:
                        time.sleep(0.05)
                check(inst.wait_mail("tony", "second-message"), "the restarted loop accepts and the mail is delivered")
            oldw = found.get("worker")
            if oldw:
                os.kill(oldw, signal.SIGKILL)
                neww = wait_for(lambda: (lambda r: r[0].get("worker") if r[0].get("worker") not in (None, oldw) else None)(roles(inst, pw.pw_uid)))
                check(neww is not None, "a killed delivery worker is restarted")
                send(inst, "third-message")
                check(inst.wait_mail("tony", "third-message"), "the restarted worker delivers")
        check(wait_for(lambda: not daemon_procs(inst), 10) is not None, "stopping the supervisor stops its children")
        log = inst.log()
        check("session loop exited (signal 9); restarting" in log, "the restart is logged")

        for spec, code, text in ((["root", 78, "will not run its sessions as root"]),
                                 (["nosuchuser-mailroom", 67, "no such user"])):
            with open(os.path.join(inst.dir, "sendmail.mc"), "a") as mc:
                mc.write(f"define(`confRUN_AS_USER', `{spec}')dnl\n")
            r = subprocess.run([inst.bin("sendmail"), "-bD"], env=inst.env, capture_output=True, text=True, timeout=20)
            check(r.returncode == code, f"RunAsUser {spec}: exit {code} (got {r.returncode})")
            check(text in r.stderr, f"RunAsUser {spec}: says '{text}' ({r.stderr.strip()})")
finally:
    subprocess.run(["userdel", USER], capture_output=True)

check.done()
