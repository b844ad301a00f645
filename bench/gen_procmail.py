#!/usr/bin/env python3
"""gen_procmail.py — the procmail benchmark's inputs (deterministic, seed 42).

    gen_procmail.py msgs DIR N        N messages of about 2.4 KB in DIR/NNNNN
    gen_procmail.py rc FILE BOXDIR    the 50-recipe rcfile, folders in BOXDIR

The messages have 9 header fields (one Received folded), 16 body lines, and
about 5% of the body lines start with "From ".  Each Subject carries
keywordNN with NN in 0..66, so about 75% of the messages match one of the 50
recipes (at positions 1..50) and the rest fall through to $DEFAULT.  The
rcfile has 50 locked mbox recipes on `^Subject:.*keywordNN\\>`; every 10th
also has a `B ??` body condition and every 10th (offset 5) a `^TO_` macro
condition.  The recipes spread over 10 folders."""
import os
import random
import sys

WORDS = ("alpha beta gamma delta epsilon report meeting budget status update lunch review "
         "project server deploy ticket invoice schedule quarterly weekly notes").split()


def message(rng, i):
    kw = rng.randrange(67)
    frm = f"user{rng.randrange(500)}@example.{rng.choice(['com', 'org', 'net'])}"
    to = f"member{rng.randrange(50)}@lists.example.org"
    subject = " ".join(rng.choice(WORDS) for _ in range(4)) + f" keyword{kw:02d} " + rng.choice(WORDS)
    head = (f"From {frm}  Mon Jan  6 10:{i % 60:02d}:00 2025\n"
            f"Return-Path: <{frm}>\n"
            f"Received: from mx{i % 7}.example.com (mx.example.com [192.0.2.{i % 250}])\n"
            f"\tby mail.example.org with ESMTP id m{i:06d};\n"
            f"\tMon, 6 Jan 2025 10:{i % 60:02d}:00 +0000\n"
            f"From: Sender {i} <{frm}>\n"
            f"To: {to}\n"
            f"Subject: {subject}\n"
            f"Message-ID: <{i}.{rng.randrange(10**9)}@example.com>\n"
            f"Date: Mon, 6 Jan 2025 10:{i % 60:02d}:00 +0000\n"
            f"MIME-Version: 1.0\n"
            f"Content-Type: text/plain; charset=us-ascii\n\n")
    body = []
    for _ in range(16):
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(14, 22)))
        if rng.random() < 0.05:
            line = "From " + line
        body.append(line[:140])
    return head + "\n".join(body) + "\n"


def rcfile(boxdir):
    out = [f"MAILDIR={boxdir}", f"DEFAULT={boxdir}/inbox", ""]
    for n in range(50):
        out.append(":0:")
        out.append(f"* ^Subject:.*keyword{n:02d}\\>")
        if n % 10 == 0:
            out.append("* B ?? (alpha|gamma|notes)")
        if n % 10 == 5:
            out.append("* ^TO_(member[0-9]+@lists\\.example\\.org|nobody@example\\.com)")
        out.append(f"box{n % 10}")
        out.append("")
    return "\n".join(out)


def main():
    rng = random.Random(42)
    if sys.argv[1] == "msgs":
        d, n = sys.argv[2], int(sys.argv[3])
        os.makedirs(d, exist_ok=True)
        for i in range(n):
            with open(os.path.join(d, f"{i:05d}"), "w") as f:
                f.write(message(rng, i))
    elif sys.argv[1] == "rc":
        with open(sys.argv[2], "w") as f:
            f.write(rcfile(sys.argv[3]))
    else:
        sys.exit("usage: gen_procmail.py msgs DIR N | rc FILE BOXDIR")


if __name__ == "__main__":
    main()
