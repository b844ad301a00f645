"""tmuxlib.py — drive programs in a real terminal (tmux) for mailx tests.

A Term runs an interactive bash in a private tmux server (its own socket in
the test's temporary directory) with exactly the environment given, so
what the program sees is a terminal, as when a person types.  Helpers type
text, wait for text on the screen, and capture the screen.
"""
import os
import shutil
import subprocess
import tempfile
import time


class Term:
    def __init__(self, env, cwd, width=100, height=40):
        if not shutil.which("tmux"):
            raise RuntimeError("tmux is not installed (scripts/install-deps.sh --test)")
        self.dir = tempfile.mkdtemp(prefix="tmux.", dir=env.get("TMPDIR", "/tmp"))
        self.sock = os.path.join(self.dir, "sock")
        envargs = [f"{k}={v}" for k, v in env.items()]
        # --noediting: no readline, so the terminal stays in canonical mode
        # between commands and text typed while a program starts is neither
        # lost nor left unechoed by the mode switches.
        shell = ["env", "-i"] + envargs + ["bash", "--norc", "--noprofile", "--noediting", "-i"]
        self.tmux("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
                  "-c", cwd, " ".join(quote(a) for a in shell))
        self.wait_prompt("$")

    def tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-S", self.sock] + list(args), check=check,
                              capture_output=True, text=True)

    def type(self, text, enter=True):
        """Types text literally, then Enter."""
        if text:
            self.tmux("send-keys", "-t", "t", "-l", text)
        if enter:
            self.tmux("send-keys", "-t", "t", "Enter")

    def key(self, name):
        """Sends one key by tmux name: C-c, C-d, Enter."""
        self.tmux("send-keys", "-t", "t", name)

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "t", "-S", "-2000").stdout

    def wait_for(self, text, timeout=15, after=0):
        """Waits until `text` appears on the screen (at or after character
        offset `after` of the captured history); returns the screen.
        Trailing blanks of `text` are ignored: tmux drops them."""
        text = text.rstrip(" ")
        deadline = time.time() + timeout
        while True:
            s = self.screen()
            if text in s[after:]:
                return s
            if time.time() > deadline:
                raise AssertionError(f"timed out waiting for {text!r}; screen:\n{s}")
            time.sleep(0.05)

    def wait_prompt(self, prompt, timeout=15, after=0):
        """Waits until the cursor's line (the last non-empty one) is
        exactly `prompt` (trailing blanks ignored), after offset `after`."""
        prompt = prompt.rstrip(" ")
        deadline = time.time() + timeout
        while True:
            s = self.screen()
            tail = s[after:].rstrip("\n ")
            last = tail[tail.rfind("\n") + 1:]
            if tail and last.rstrip(" ") == prompt:
                return s
            if time.time() > deadline:
                raise AssertionError(f"timed out waiting for the prompt {prompt!r}; screen:\n{s}")
            time.sleep(0.05)

    def mark(self):
        """The current length of the history, for wait_for(after=...)."""
        return len(self.screen().rstrip("\n"))

    def close(self):
        self.tmux("kill-server", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def quote(s):
    if s and all(c.isalnum() or c in "@%+=:,./-_" for c in s):
        return s
    return "'" + s.replace("'", "'\\''") + "'"


def instance_env(inst, user, extra=None):
    """The environment env.sh would give `user` in instance `inst`."""
    env = {
        "PATH": f"{inst}/bin:/usr/bin:/bin",
        "MAILROOM_CONFIG": f"{inst}/sendmail.mc",
        "USER": user, "LOGNAME": user,
        "HOME": f"{inst}/home/{user}",
        "MAIL": f"{inst}/spool/{user}",
        "TERM": "xterm", "LANG": "C.UTF-8", "TZ": "UTC",
        "PS1": "$ ", "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
        # No history file: bash writes it when tmux is killed, racing the
        # removal of the test's directory.
        "HISTFILE": "/dev/null",
    }
    env.update(extra or {})
    return env


def make_instance(src, build, path):
    subprocess.run([os.path.join(src, "mta/mailroom-instance"), "--bin", build,
                    "--domain", "test.example", path], check=True, capture_output=True)


def wait_file(path, text, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open(path, "rb") as f:
                if text.encode() in f.read():
                    return True
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    return False
