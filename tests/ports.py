"""ports.py — a free TCP port for a test daemon (not a test).

    from ports import free_port        # Python tests
    python3 tests/ports.py             # tests/lib.sh's free_port
"""
import random
import socket


def free_port():
    """A port that is free now, below the kernel's ephemeral range (Linux:
    32768 and up), so the outgoing connections of tests running alongside
    cannot take it before the daemon binds it."""
    for _ in range(1000):
        port = random.randrange(20000, 32000)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port between 20000 and 32000")


if __name__ == "__main__":
    print(free_port())
