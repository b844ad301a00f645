"""smtp_testlib.py — shared helpers for the SMTP daemon tests (not a test).

    inst = Instance(tmpdir, mc_lines=[...])   # an instance on a free port
    with inst.daemon():                       # sendmail -bD running
        c = Client(inst.port); c.reply(); c.cmd("EHLO x")
"""
import contextlib
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checks import Checks  # noqa: E402,F401  (re-exported for the tests)
from ports import free_port  # noqa: E402

SRC = os.environ["MAILROOM_SRC"]
BUILD = os.environ["MAILROOM_BUILD"]


class Instance:
    def __init__(self, tmp, mc_lines=(), user="john"):
        self.port = free_port()
        self.dir = os.path.join(tmp, "inst")
        subprocess.run([os.path.join(SRC, "mta/mailroom-instance"), "--bin", BUILD, "--domain", "test.example",
                        "--port", str(self.port), self.dir], check=True, capture_output=True)
        if mc_lines:
            with open(os.path.join(self.dir, "sendmail.mc"), "a") as mc:
                for line in mc_lines:
                    mc.write(line.replace("$I", self.dir) + "\n")
        self.env = dict(os.environ, MAILROOM_CONFIG=f"{self.dir}/sendmail.mc", USER=user, LOGNAME=user,
                        HOME=f"{self.dir}/home/{user}")

    def bin(self, name):
        return os.path.join(self.dir, "bin", name)

    def run(self, *args, **kw):
        return subprocess.run([self.bin(args[0])] + list(args[1:]), env=self.env, capture_output=True, **kw)

    def mailbox(self, user):
        p = os.path.join(self.dir, "spool", user)
        return open(p, "rb").read() if os.path.exists(p) else b""

    def log(self):
        p = os.path.join(self.dir, "log", "maillog")
        return open(p, encoding="utf-8", errors="replace").read() if os.path.exists(p) else ""

    def wait_mail(self, user, text, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text.encode() in self.mailbox(user):
                return True
            time.sleep(0.05)
        return False

    @contextlib.contextmanager
    def daemon(self, *extra, nofile=4096):
        cmd = f"ulimit -n {nofile} 2>/dev/null; exec {self.bin('sendmail')} -bD -q1m {' '.join(extra)}"
        p = subprocess.Popen(["bash", "-c", cmd], env=self.env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 30  # a slow machine may take a while
            while True:
                try:
                    socket.create_connection(("127.0.0.1", self.port), 1).close()
                    break
                except OSError:
                    if p.poll() is not None:
                        tail = "\n".join(self.log().splitlines()[-10:])
                        raise RuntimeError(f"the daemon exited with {p.returncode}; the log ends:\n{tail}")
                    if time.time() > deadline:
                        tail = "\n".join(self.log().splitlines()[-10:])
                        raise RuntimeError(f"the daemon is not listening on port {self.port} after 30 s; "
                                           f"the log ends:\n{tail}")
                    time.sleep(0.05)
            yield p
        finally:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


class Client:
    def __init__(self, port, source=None):
        self.s = socket.create_connection(("127.0.0.1", port), 10, source_address=source)
        self.s.settimeout(10)
        self.buf = b""

    def reply(self):
        """One complete (possibly multi-line) reply, lines joined by \\n."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                try:
                    chunk = self.s.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    chunk = b""
                if not chunk:
                    return "\n".join(lines + ([self.buf.decode("latin-1")] if self.buf else []))
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode("latin-1"))
            if len(line) < 4 or line[3:4] != b"-":
                return "\n".join(lines)

    def cmd(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        return self.reply()

    def send(self, data):
        self.s.sendall(data)

    def close(self):
        self.s.close()
