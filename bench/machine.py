"""How fast this machine is running right now, to read the other figures against.

Virtual machines share their cores: the same code has been seen to run 40 % slower from one
quarter of an hour to the next. Each benchmark prints this reference first and last.
"""

from __future__ import annotations

import timeit

QUIET_MS = 5.1  # the development machine when nothing else was running (2026-11-21)


def reference_ms() -> float:
    """Best of 5: a fixed pure-Python loop, in milliseconds."""
    return min(timeit.repeat("sum(i * i for i in range(10**5))", number=20, repeat=5)) / 20 * 1000


def describe() -> str:
    ms = reference_ms()
    return f"machine reference loop: {ms:.1f} ms ({ms / QUIET_MS:.2f}× the quiet development machine's {QUIET_MS} ms)"
