"""test_smtp_dsn.py — DSN parameters given over SMTP are kept and honoured
(issue 4: "DSN (parameters stored and honoured in DSNs)"): a message sent
with RET=HDRS ENVID=… and ORCPT=… that fails after acceptance comes back
to the sender as an RFC 3464 report with Original-Envelope-Id, the
Original-Recipient as given, and only the headers of the original."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from smtp_testlib import Checks, Client, Instance  # noqa: E402

check = Checks()

with tempfile.TemporaryDirectory(prefix="mailroom-dsn.") as tmp:
    inst = Instance(tmp)
    # tony's mail goes to a program that fails permanently (EX_NOUSER).
    prog = os.path.join(inst.dir, "home", "tony", "fail.sh")
    with open(prog, "w") as f:
        f.write("#!/bin/sh\ncat >/dev/null\necho 'no such mailbox here' >&2\nexit 67\n")
    os.chmod(prog, 0o755)
    fwd = os.path.join(inst.dir, "home", "tony", ".forward")
    with open(fwd, "w") as f:
        f.write(f'"|{prog}"\n')
    os.chmod(fwd, 0o644)
    with inst.daemon():
        c = Client(inst.port)
        c.reply()
        r = c.cmd("EHLO client.example")
        check("250-DSN" in r, f"DSN offered: {r!r}")
        check(c.cmd("MAIL FROM:<john@test.example> RET=HDRS ENVID=QQ314159").startswith("250"), "MAIL with RET, ENVID")
        r = c.cmd("RCPT TO:<tony@test.example> NOTIFY=FAILURE ORCPT=rfc822;Tony.Original@test.example")
        check(r.startswith("250"), f"RCPT with NOTIFY, ORCPT: {r!r}")
        check(c.cmd("DATA").startswith("354"), "DATA")
        c.send(b"Subject: will fail\r\nX-Marker: header kept\r\n\r\nSECRET BODY LINE\r\n.\r\n")
        check(c.reply().startswith("250 2.0.0"), "accepted")
        c.cmd("QUIT")
        check(inst.wait_mail("john", "Original-Envelope-Id: QQ314159", 30), "the bounce reached john")
    box = inst.mailbox("john").decode("utf-8", "replace")
    check("Content-Type: multipart/report; report-type=delivery-status" in box, "an RFC 3464 report")
    check("Original-Recipient: rfc822; Tony.Original@test.example" in box, f"ORCPT kept:\n{box}")
    check("Action: failed" in box, "Action: failed")
    check("X-Marker: header kept" in box, "the original headers are returned")
    check("SECRET BODY LINE" not in box, "RET=HDRS: the body is not returned")

check.done()
