"""checks.py — the pass/fail counter of the Python integration tests (not a
test): check(cond, what) fails the test with "FAIL: what"; done() prints the
plain "N passed, 0 failed" line."""
import sys


class Checks:
    def __init__(self):
        self.passed = 0

    def __call__(self, cond, what):
        if not cond:
            print(f"FAIL: {what}", file=sys.stderr)
            sys.exit(1)
        self.passed += 1

    def done(self):
        print(f"{self.passed} passed, 0 failed")
