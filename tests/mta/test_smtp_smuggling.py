"""test_smtp_smuggling.py — SMTP smuggling probes against the daemon (issue
4, done-when 5): <LF>.<LF>, <LF>.<CR><LF>, <CR>.<CR>, a bare LF in the
headers, and pipelined commands after a fake end of data are rejected
(421 4.5.0 …) and nothing extra is delivered; NUL too.  A clean message in
the same run is delivered, so the test can tell "refused" from "broken"."""
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from smtp_testlib import Checks, Instance  # noqa: E402

check = Checks()


def talk(port, steps):
    """steps: bytes to send, each followed by reading what the server says
    within a short time.  Returns everything the server said."""
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.settimeout(2)
    said = b""

    def read_some():
        nonlocal said
        time.sleep(0.15)
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                said += chunk
                if not chunk.endswith(b"\r\n"):
                    continue
                s.settimeout(0.2)
        except (socket.timeout, ConnectionResetError):
            pass
        s.settimeout(2)

    read_some()  # greeting
    for data in steps:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            break
        read_some()
    s.close()
    return said.decode("latin-1")


HEAD = [b"EHLO probe.example\r\n", b"MAIL FROM:<attacker@example.org>\r\n",
        b"RCPT TO:<john@test.example>\r\n", b"DATA\r\n"]
SMUGGLED = (b"MAIL FROM:<admin@test.example>\r\nRCPT TO:<tony@test.example>\r\nDATA\r\n"
            b"Subject: SMUGGLED\r\n\r\nforged\r\n.\r\n")

probes = {
    "LF.LF": b"Subject: probe1\r\n\r\nbody\n.\n" + SMUGGLED + b"tail\r\n.\r\n",
    "LF.CRLF": b"Subject: probe2\r\n\r\nbody\n.\r\n" + SMUGGLED + b"tail\r\n.\r\n",
    "CR.CR": b"Subject: probe3\r\n\r\nbody\r.\r" + SMUGGLED + b"tail\r\n.\r\n",
    "bare LF in header": b"Subject: probe4\nX-Bad: yes\r\n\r\nbody\r\n.\r\n",
    "NUL in body": b"Subject: probe5\r\n\r\nbo\x00dy\r\n.\r\n",
}

with tempfile.TemporaryDirectory(prefix="mailroom-smug.") as tmp:
    inst = Instance(tmp)
    port = inst.port
    with inst.daemon():
        for name, data in probes.items():
            said = talk(port, HEAD + [data])
            check("354 " in said, f"{name}: DATA was accepted first ({said!r})")
            check("421 4.5.0" in said, f"{name}: rejected with 421 4.5.0 ({said!r})")
            check("Message accepted" not in said, f"{name}: no message accepted ({said!r})")
        # Commands pipelined right after DATA, before the 354.
        said = talk(port, [b"EHLO probe.example\r\n", b"MAIL FROM:<a@example.org>\r\nRCPT TO:<john@test.example>\r\n"
                           b"DATA\r\nSubject: early\r\n\r\nx\r\n.\r\n"])
        check("Message accepted" not in said, f"pipelining across DATA refused ({said!r})")
        # A clean message still goes through.
        said = talk(port, HEAD + [b"Subject: clean one\r\n\r\nclean\r\n.\r\n", b"QUIT\r\n"])
        check("Message accepted for delivery" in said, f"clean message accepted ({said!r})")
        box = os.path.join(inst.dir, "spool", "john")
        for _ in range(200):
            if os.path.exists(box) and b"clean one" in open(box, "rb").read():
                break
            time.sleep(0.1)
        time.sleep(1)
        data = open(box, "rb").read() if os.path.exists(box) else b""
        check(b"clean one" in data, "the clean message arrived")
        for probe in (b"probe1", b"probe2", b"probe3", b"probe4", b"probe5", b"early"):
            check(probe not in data, f"{probe!r} was not delivered")
        tony = os.path.join(inst.dir, "spool", "tony")
        check(not os.path.exists(tony) or b"SMUGGLED" not in open(tony, "rb").read(), "nothing smuggled to tony")

check.done()
