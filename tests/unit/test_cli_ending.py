"""The console process's quick end (cli._ending): atexit handlers run, output flushed, exit
code kept, kept objects never torn down; a normal exit when not armed or another thread runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROGRAM = """
import atexit, sys, threading, time
from alembic_baseline.cli import _ending

class Noisy:
    def __del__(self):
        sys.stdout.write("torn down\\n")

def later():
    sys.stdout.write("atexit ran\\n")

atexit.register(later)
if "armed" in sys.argv:
    _ending.arm()
_ending.keep(Noisy())
held = Noisy()  # a module global: a normal shutdown frees it
if "thread" in sys.argv:
    threading.Thread(target=time.sleep, args=(0.2,)).start()
sys.stdout.write("unflushed")  # no newline: still in the buffer of a pipe
_ending.end(3)
sys.stdout.write(" returned")
sys.exit(4)
"""


def _run(*flags: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", PROGRAM, *flags]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def test_armed_and_kept_ends_at_once_with_exit_functions_and_output() -> None:
    done = _run("armed")
    assert done.returncode == 3
    assert done.stdout == "unflushedatexit ran\n"  # flushed after the atexit handler's line…
    assert "torn down" not in done.stdout  # …and nothing torn down


@pytest.mark.parametrize("flags", [(), ("armed", "thread")], ids=["not armed", "thread alive"])
def test_otherwise_a_normal_exit(flags: tuple[str, ...]) -> None:
    done = _run(*flags)
    assert done.returncode == 4
    assert "unflushed returned" in done.stdout
    assert "atexit ran" in done.stdout and "torn down" in done.stdout
