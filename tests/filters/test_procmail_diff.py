"""test_procmail_diff.py — issue 5, done-when 1: Debian's procmail 3.22 /
formail and ours on the same 300+ (rcfile, message, command line) cases
must give the same folders, exit codes, logs and forwarded messages; the
deliberate differences are in tests/filters/pmdiff/allowlist.txt.  The suite
itself is tests/filters/pmdiff/pmdiff.py (see its README.md)."""
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
build = os.environ["MAILROOM_BUILD"]
r = subprocess.run([sys.executable, os.path.join(here, "pmdiff", "pmdiff.py"), "-j", "4",
                    "--ours", os.path.join(build, "filters/procmail/procmail"),
                    "--ours-formail", os.path.join(build, "filters/formail/formail")])
sys.exit(r.returncode)
