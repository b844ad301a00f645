"""test_resolver.py — the library's StubResolver against a real name server.

Starts Debian's dnsmasq (package dnsmasq-base, scripts/install-deps.sh
--test) on 127.0.0.1 at a free high port, as the current user, with a fixed
zone given on its command line and nothing else (no resolv.conf, no hosts
file, no upstream: hermetic), and asks it through build/tools/mailroom-dnsq:
MX, A, AAAA, TXT, PTR, a CNAME, NXDOMAIN, a TXT too big for UDP (TCP
fallback, with and without EDNS), DMARC policies (docs/dns.md), servers from
MAILROOM_RESOLVER in a sendmail.mc, and the failures (nobody listening,
a name that cannot be asked).  dnsmasq is killed at the end."""
import grp
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from checks import Checks  # noqa: E402

check = Checks()
BUILD = os.environ.get("MAILROOM_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
DNSQ = os.path.join(BUILD, "tools", "mailroom-dnsq")
DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"

check(os.access(DNSQ, os.X_OK), f"{DNSQ} is built")
check(os.access(DNSMASQ, os.X_OK), "dnsmasq is installed (scripts/install-deps.sh --test: dnsmasq-base)")

BIG = ["%s%s" % (c, c * 199) for c in "abcdefg"]  # 7 strings of 200 octets: 1400 > 1232


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (dnsmasq serves both)."""
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    raise RuntimeError("no free port")


def start_dnsmasq(tmp):
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    for _ in range(3):
        port = free_port()
        args = [DNSMASQ, "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                f"--port={port}", "--listen-address=127.0.0.1", "--bind-interfaces",
                f"--pid-file={tmp}/dnsmasq.pid", f"--user={user}", f"--group={group}",
                "--log-queries", f"--log-facility={tmp}/dnsmasq.log", "--edns-packet-max=1232",
                "--local=/example.org/", "--local=/quar.example/", "--local=/test/",
                "--mx-host=example.org,mx1.example.org,10", "--mx-host=example.org,mx2.example.org,20",
                "--host-record=mx1.example.org,192.0.2.1,2001:db8::1",
                "--address=/mx2.example.org/192.0.2.2",
                "--ptr-record=1.2.0.192.in-addr.arpa,mx1.example.org",
                "--cname=www.example.org,mx1.example.org",
                # argv, no shell: dnsmasq would keep quotes as part of the text
                "--txt-record=_dmarc.example.org,v=DMARC1; p=reject",
                "--txt-record=_dmarc.quar.example,v=DMARC1; p=quarantine; sp=none",
                "--txt-record=big.example.org," + ",".join(BIG)]  # one string per comma
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return proc, port
            except OSError:
                time.sleep(0.05)
        out = proc.stdout.read().decode(errors="replace") if proc.poll() is not None else ""
        proc.kill()
        proc.wait()
        print(f"dnsmasq did not start on port {port}: {out}", file=sys.stderr)
    raise RuntimeError("dnsmasq would not start")


def dnsq(*args, env=None):
    return subprocess.run([DNSQ, *args], capture_output=True, text=True, timeout=30, env=env)


with tempfile.TemporaryDirectory(prefix="mailroom-dns.") as tmp:
    proc, port = start_dnsmasq(tmp)
    srv = f"127.0.0.1:{port}"
    try:
        def ask(name, qtype, *extra):
            r = dnsq("-t", "2000", *extra, "-s", srv, name, qtype)
            check(r.returncode == 0, f"{name} {qtype}: exit {r.returncode}, stderr {r.stderr!r}")
            lines = r.stdout.splitlines()
            return lines[0], lines[1], sorted(lines[2:])

        got = ask("example.org", "MX")
        check(got == ("rcode NOERROR", "canonical example.org", ["MX 10 mx1.example.org", "MX 20 mx2.example.org"]),
              f"MX example.org: got {got}")
        got = ask("mx1.example.org", "A")
        check(got[2] == ["A 192.0.2.1"], f"A mx1: got {got}")
        got = ask("MX1.Example.ORG.", "AAAA")
        check(got[2] == ["AAAA 2001:db8::1"], f"AAAA mx1 (any case, trailing dot): got {got}")
        got = ask("_dmarc.example.org", "TXT")
        check(got[2] == ["TXT v=DMARC1; p=reject"], f"TXT _dmarc.example.org: got {got}")
        got = ask("192.0.2.1", "PTR")
        check(got[1:] == ("canonical 1.2.0.192.in-addr.arpa", ["PTR mx1.example.org"]), f"PTR 192.0.2.1: got {got}")
        got = ask("www.example.org", "A")
        check(got[1:] == ("canonical mx1.example.org", ["A 192.0.2.1"]), f"CNAME www → mx1: got {got}")
        got = ask("nx.example.org", "A")
        check(got == ("rcode NXDOMAIN", "canonical nx.example.org", []), f"NXDOMAIN: got {got}")
        got = ask("mx1.example.org", "MX")
        check(got[0] == "rcode NOERROR" and got[2] == [], f"no such data: got {got}")

        # Too big for a 1232-octet (EDNS) and a 512-octet reply: TC, then TCP.
        for extra in ([], ["--no-edns"]):
            got = ask("big.example.org", "TXT", *extra)
            check(got[2] == ["TXT " + "".join(BIG)], f"big TXT over TCP {extra}: got {len(str(got))} chars")

        for domain, want in [("example.org", "reject"), ("mail.example.org", "reject"),
                             ("quar.example", "quarantine"), ("a.quar.example", "none"),
                             ("nothing.test", "absent"), ("x.nothing.test", "absent")]:
            r = dnsq("-s", srv, "--dmarc", domain)
            check(r.returncode == 0 and r.stdout == want + "\n",
                  f"DMARC {domain}: got {r.stdout!r} exit {r.returncode}, want {want}")

        # Servers from the configuration: MAILROOM_RESOLVER in a sendmail.mc.
        mc = os.path.join(tmp, "sendmail.mc")
        with open(mc, "w") as f:
            f.write(f"define(`MAILROOM_RESOLVER', `{srv}')dnl\n")
        r = dnsq("mx1.example.org", "A", env={**os.environ, "MAILROOM_CONFIG": mc})
        check(r.returncode == 0 and "A 192.0.2.1" in r.stdout.splitlines(),
              f"MAILROOM_RESOLVER from the config: {r.stdout!r} {r.stderr!r}")
        with open(mc, "w") as f:
            f.write("define(`MAILROOM_RESOLVER', `dns.example.org')dnl\n")
        r = dnsq("mx1.example.org", "A", env={**os.environ, "MAILROOM_CONFIG": mc})
        check(r.returncode == 78 and "MAILROOM_RESOLVER: bad name server \"dns.example.org\"" in r.stderr,
              f"bad MAILROOM_RESOLVER: exit {r.returncode} {r.stderr!r}")

        # Failures: nobody on the port (ICMP refused) and a name that cannot be asked.
        dead = free_port()
        start = time.monotonic()
        r = dnsq("-s", f"127.0.0.1:{dead}", "-t", "3000", "example.org", "A")
        check(r.returncode == 75 and "Connection refused" in r.stderr, f"dead server: exit {r.returncode} {r.stderr!r}")
        check(time.monotonic() - start < 5, "a refused server does not wait for the timeout")
        r = dnsq("-s", f"127.0.0.1:{dead}", "--dmarc", "example.org")
        check(r.returncode == 75 and r.stdout == "temperror\n", f"DMARC with no server: {r.stdout!r} {r.returncode}")
        r = dnsq("-s", srv, "a..example.org", "A")
        check(r.returncode == 65 and "empty label" in r.stderr, f"bad name: exit {r.returncode} {r.stderr!r}")
        r = dnsq("-s", srv, "example.org", "SOA")
        check(r.returncode == 64, f"unknown type: exit {r.returncode}")

        check(proc.poll() is None, "dnsmasq still running")
        with open(os.path.join(tmp, "dnsmasq.pid")) as f:
            check(int(f.read().strip()) == proc.pid, "dnsmasq's pid file names the process we started")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

check.done()
