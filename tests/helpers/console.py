"""A console process as ``alembic-baseline`` runs it (``alembic_baseline.__main__.run``), with
an object of ``__main__`` that reports being freed: a normal interpreter shutdown frees it (and
prints FREED), the quick end of ``cli._ending`` does not; the exit handlers print ATEXIT."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_CONSOLE = """
import atexit, sys
class Freed:
    def __del__(self):
        sys.__stderr__.write("FREED\\n")
marker = Freed()
atexit.register(lambda: sys.__stderr__.write("ATEXIT\\n"))
from alembic_baseline.__main__ import run
sys.argv = ["alembic-baseline", *sys.argv[1:]]
run()
"""


def console(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``alembic-baseline ARGS`` in ``cwd`` in a new process (bytecode cached)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return subprocess.run(
        [sys.executable, "-c", _CONSOLE, *args],
        cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
