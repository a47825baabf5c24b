"""The end of the console process without tearing its objects down one by one.

A ``snapshot`` of a big schema ends holding some 100,000 objects (the snapshot) and a few
hundred imported modules; the interpreter's normal shutdown frees each of them before the
process exits, tens of milliseconds of CPU for memory the kernel takes back at once. A command
whose work is complete when it returns (its files closed and renamed, its output written) hands
what it holds to :func:`keep` instead; :func:`end` then runs the ``atexit`` handlers (scratch
servers stopped, logging flushed), flushes stdout and stderr and ends the process with
``os._exit``. Only in the console process (:func:`arm`, called by ``cli.run``): ``main()`` run
in-process (tests, the pytest plugin) keeps nothing and ends nothing. A process with another
live non-daemon thread (a background ``DROP DATABASE``) ends normally, which waits for it.
"""

from __future__ import annotations

import contextlib
import os
import sys

from alembic_baseline import compat

_kept: list[object] | None = None


def arm() -> None:
    """This process is the console script: commands may :func:`keep`."""
    global _kept
    _kept = []


def keep(obj: object) -> None:
    """Hold ``obj`` until the process ends (no-op unless :func:`arm` was called): the command
    that calls this has finished its work, and its process may end without a normal shutdown."""
    if _kept is not None:
        _kept.append(obj)


def end(code: int) -> None:
    """End the process with ``code`` now when a command kept something and nothing else runs;
    otherwise return (the caller then exits normally)."""
    if not _kept:
        return
    threading = sys.modules.get("threading")
    if threading is not None and any(
        t.is_alive() and not t.daemon and t is not threading.main_thread()
        for t in threading.enumerate()
    ):
        return
    compat.run_exit_handlers()  # what a normal exit runs first (scratch servers, logging)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to deliver
            stream.flush()
    os._exit(code)
