"""A worker of the fleet's process pool that dies is noticed at once, whichever worker it is.

Real processes and real signals: the pool is the one ``fleet apply`` uses (forkserver), its
workers sleep, and one is killed with SIGKILL. Without ``start_all_workers`` CPython's pool,
which starts forkserver workers on demand after waking its manager thread, missed most kills of
the worker it started last until the other job ended.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from alembic_baseline.compat import start_all_workers
from alembic_baseline.fleet.rollout import Policy, Runner

SLEEP_S = 20.0


def test_the_pool_has_the_method_that_starts_its_workers() -> None:
    # start_all_workers uses the pool's own method; a Python without it must fail here, loudly
    for name in ("_launch_processes", "_start_executor_manager_thread"):
        assert callable(getattr(ProcessPoolExecutor, name, None)), name


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time in clock ticks) of a live process, from /proc/PID/stat (None for
    one gone or a zombie)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # after "(comm)", which may hold spaces
    return None if fields[0] == "Z" else (int(fields[1]), int(fields[19]))


def _workers() -> list[int]:
    """The pool's workers — children of this process's forkserver — oldest first."""
    stats = {int(d): _stat(int(d)) for d in os.listdir("/proc") if d.isdigit()}
    servers = {
        pid
        for pid, st in stats.items()
        if st and st[0] == os.getpid() and b"forkserver" in _cmdline(pid)
    }
    found = [(st[1], pid) for pid, st in stats.items() if st and st[0] in servers]
    return [pid for _, pid in sorted(found)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.parametrize("attempt", range(3))
def test_a_killed_last_started_worker_fails_the_jobs_in_flight_at_once(attempt: int) -> None:
    pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver"))
    try:
        start_all_workers(pool)
        futures = [pool.submit(time.sleep, SLEEP_S) for _ in range(2)]
        deadline = time.monotonic() + SLEEP_S / 2
        while len(pids := _workers()) < 2:
            assert time.monotonic() < deadline, f"the pool's workers did not start: {pids}"
            time.sleep(0.01)
        started = time.monotonic()
        os.kill(pids[-1], signal.SIGKILL)
        done, _ = wait(futures, timeout=SLEEP_S / 2, return_when=FIRST_COMPLETED)
        assert done, "the killed worker went unnoticed while the other job ran"
        assert time.monotonic() - started < SLEEP_S / 2
        assert all(isinstance(f.exception(), BrokenProcessPool) for f in done)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def test_a_later_stage_gets_a_pool_as_wide_as_it_needs() -> None:
    # a one-target canary stage sizes the pool to one worker; the next stage's 3 targets must
    # not then run one at a time
    with Runner(Policy(workers=3, canary=1), lambda _: None) as runner:
        runner.pool(1)
        assert len(_workers()) == 1
        wider = runner.pool(3)
        # the one-worker pool was shut down: its worker ends (the forkserver reaps it soon after)
        deadline = time.monotonic() + SLEEP_S / 2
        while len(_workers()) != 3:
            assert time.monotonic() < deadline, f"workers: {_workers()}"
            time.sleep(0.01)
        assert runner.pool(2) is wider  # a narrower need keeps the pool
