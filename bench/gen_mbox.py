"""gen_mbox.py N SIZE OUT — an mbox of N messages of about SIZE bytes each,
shaped like a real spool: Return-Path, Received, From, To, Subject, Date,
Message-ID; a third with Status: RO, a third Status: O, a third new; bodies
with quoted >From lines.  Deterministic (seeded)."""
import random
import sys

n, size, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rnd = random.Random(42)
words = ("mail list quarterly report lunch meeting build server deploy review patch "
         "coffee budget travel schedule question answer draft final").split()
days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
with open(out, "w") as f:
    for i in range(n):
        sender = f"user{rnd.randrange(500)}@example.org"
        day = days[i % 7]
        date = f"{day} May {1 + i % 28:2d} {i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d} 2024"
        subject = " ".join(rnd.choice(words) for _ in range(rnd.randrange(2, 8)))
        head = (f"From {sender}  {date}\n"
                f"Return-Path: <{sender}>\n"
                f"Received: from mx.example.org (mx.example.org [192.0.2.1])\n\tby host.example with ESMTP id {i:08X}\n"
                f"From: User {i} <{sender}>\nTo: tony@host.example\nSubject: {subject}\n"
                f"Date: {day}, {1 + i % 28} May 2024 10:00:00 +0000\nMessage-ID: <{i}.bench@example.org>\n")
        if i % 3 == 0:
            head += "Status: RO\n"
        elif i % 3 == 1:
            head += "Status: O\n"
        body = []
        length = len(head)
        while length < size:
            line = " ".join(rnd.choice(words) for _ in range(rnd.randrange(5, 12)))
            if rnd.random() < 0.02:
                line = ">From " + line
            body.append(line)
            length += len(line) + 1
        f.write(head + "\n" + "\n".join(body) + "\n\n")
