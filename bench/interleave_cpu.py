#!/usr/bin/env python3
"""interleave_cpu.py — CPU per message of several programs, run one process
per message and interleaved message by message.

    interleave_cpu.py ROUNDS MSGDIR NAME=COMMAND...

Each message of MSGDIR is given on standard input to every program in turn
(the order rotates with the message, so none always runs first), standard
output to /dev/null.  A program's CPU is the user+system time the kernel
accounts to its process (wait4's rusage), so the driver's own work is not
counted.  A slow spell of a shared machine falls on all programs alike,
which whole-loop timings cannot promise.  Prints, per program, the median
over ROUNDS of the mean CPU per message in microseconds, then each round's
figure.  COMMAND is split on blanks (no shell); the first word is a path.
"""
import glob
import os
import statistics
import sys


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    msgs = sorted(glob.glob(os.path.join(sys.argv[2], "*")))
    progs = []
    for spec in sys.argv[3:]:
        name, _, cmd = spec.partition("=")
        progs.append((name, cmd.split()))
    devnull = os.open("/dev/null", os.O_WRONLY)
    per_round = {name: [] for name, _ in progs}
    for _ in range(rounds):
        cpu = {name: 0.0 for name, _ in progs}
        for i, msg in enumerate(msgs):
            k = i % len(progs)
            for name, argv in progs[k:] + progs[:k]:
                fd = os.open(msg, os.O_RDONLY)
                pid = os.posix_spawn(argv[0], argv, os.environ,
                                     file_actions=[(os.POSIX_SPAWN_DUP2, fd, 0),
                                                   (os.POSIX_SPAWN_DUP2, devnull, 1)])
                os.close(fd)
                _, status, usage = os.wait4(pid, 0)
                if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
                    sys.exit(f"{name}: {' '.join(argv)} < {msg}: status {status}")
                cpu[name] += usage.ru_utime + usage.ru_stime
        for name in cpu:
            per_round[name].append(cpu[name] / len(msgs) * 1e6)
    for name, values in per_round.items():
        print(name, round(statistics.median(values)), " ".join(str(round(v)) for v in values))


if __name__ == "__main__":
    main()
