"""How fast this machine is running right now, to read the other figures against.

Virtual machines share their cores: the same code has been seen to run 40 % slower from one
quarter of an hour to the next. Each benchmark prints this reference first and last.
"""

from __future__ import annotations

import os
import timeit

QUIET_MS = 5.1  # the development machine when nothing else was running (2026-11-21)


def reference_ms() -> float:
    """Best of 5: a fixed pure-Python loop, in milliseconds."""
    return min(timeit.repeat("sum(i * i for i in range(10**5))", number=20, repeat=5)) / 20 * 1000


def describe() -> str:
    ms = reference_ms()
    return f"machine reference loop: {ms:.1f} ms ({ms / QUIET_MS:.2f}× the quiet development machine's {QUIET_MS} ms)"


def process_cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by the processes on this machine, by who they are:
    gunicorn (the server), PostgreSQL, and everything else. Linux /proc only."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"gunicorn": 0.0, "postgresql": 0.0, "other": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        seconds = (int(fields[11]) + int(fields[12])) / tick
        who = "gunicorn" if "gunicorn" in command else "postgresql" if command.startswith("postgres") else "other"
        used[who] += seconds
    return used
