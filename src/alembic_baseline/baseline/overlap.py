"""The interpreter's thread switch interval while ``baseline create`` overlaps its steps.

``create`` runs Python work on threads beside a thread that talks to PostgreSQL: the snapshot
and SQL-parser imports beside the history's replay, the seed rows beside the schema's reader.
A thread whose query has returned must take the interpreter lock back from a thread that
computes, and by default waits up to ``sys.getswitchinterval()`` (5 ms) for it, once per round
trip. The replay makes hundreds of round trips: measured on 2 cores, 200 round trips beside
0.3 s of computation took 0.97 s at 5 ms, 0.60 s at 0.5 ms (0.41 s alone). A shorter interval
while the steps overlap hands the lock back sooner; the computing thread then runs in the
time the other one waits for the server, which is the point of overlapping them.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator

SWITCH_INTERVAL_S = 0.0005
"""The switch interval while steps overlap (CPython's default: 0.005)."""

_lock = threading.Lock()
_depth = 0
_saved = 0.0


@contextlib.contextmanager
def responsive() -> Iterator[None]:
    """Within this context (nested or from several threads at once), the switch interval is at
    most :data:`SWITCH_INTERVAL_S`; the previous one is restored when the last context exits."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = sys.getswitchinterval()
            sys.setswitchinterval(min(_saved, SWITCH_INTERVAL_S))
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                sys.setswitchinterval(_saved)
