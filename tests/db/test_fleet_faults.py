"""kill -9 during ``fleet apply``, with real signals: of one worker, then of the whole runner.

Each target's pending revision sleeps (``-x sleep``) so the kill lands inside it. Afterwards
every target records exactly one revision, its old or its new one (per-revision transactions),
and a rerun finishes the fleet without running a finished target again.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fleet_support import F2, HEAD, Fleet, make_fleet

from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.versions import signals_need_sqlalchemy_2

WAIT_S = 60


@pytest.fixture
def fleet(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Fleet]:
    f = make_fleet(pg_default, tmp_path, f"fk{secrets.token_hex(3)}")
    yield f
    f.drop()


def _start(fleet: Fleet, sleep: str, workers: int) -> subprocess.Popen[str]:
    argv = fleet.argv(
        "apply",
        *fleet.server_args(),
        "--workers",
        str(workers),
        "--no-backup",
        "--no-schema-check",
        x=(f"sleep={sleep}",),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "alembic_baseline", "--json", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the runner and its workers
        # the server notices a killed client within 0.2 s even inside pg_sleep (PostgreSQL 14+),
        # as an operator would configure it; otherwise its sessions end when the sleep does
        env={**os.environ, "PGOPTIONS": "-c client_connection_check_interval=200"},
    )


def _sleepers(fleet: Fleet, proc: subprocess.Popen[str]) -> dict[str, int]:
    """Database → pid of the worker whose revision sleeps in it (from the lock session's
    application_name, "alembic-baseline fleet apply pid N on HOST") — only processes of the run
    under test (its own process group): the test never signals a process it did not start."""
    with connection(fleet.server.admin_url) as conn:
        rows = conn.execute(
            "SELECT datname, application_name FROM pg_stat_activity "
            "WHERE datname LIKE %s AND application_name LIKE 'alembic-baseline fleet apply pid %%'"
            "  AND datname IN (SELECT datname FROM pg_stat_activity WHERE query LIKE "
            "  'SELECT pg_sleep%%' AND state = 'active')",
            (f"{fleet.prefix}\\_%",),
        ).fetchall()
    found = {str(d): int(str(app).split(" pid ")[1].split()[0]) for d, app in rows}
    return {d: pid for d, pid in found.items() if _in_group(pid, proc.pid)}


def _in_group(pid: int, group: int) -> bool:
    try:
        return os.getpgid(pid) == group
    except ProcessLookupError:
        return False


def _started(pid: int) -> tuple[int, int]:
    """When a process started (clock ticks since boot, from /proc/PID/stat), then its pid."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[19]), pid


def _wait(condition: object, what: str, proc: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():  # type: ignore[operator]
        if proc is not None:
            assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _settled(fleet: Fleet) -> bool:
    """No session of a killed run is left (the server ends them at their next client read)."""
    with connection(fleet.server.admin_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname LIKE %s AND pid <> pg_backend_pid()",
            (f"{fleet.prefix}\\_%",),
        ).fetchone()
    return row is not None and row[0] == 0


def _revisions(fleet: Fleet, urls: list) -> list[list[str]]:  # type: ignore[type-arg]
    return [fleet.rows(u) for u in urls]


@signals_need_sqlalchemy_2
def test_kill_9_of_a_worker_then_of_the_runner_then_a_rerun_finishes(fleet: Fleet) -> None:
    urls = fleet.databases(F2, F2)

    # 1. kill -9 of one worker: the runner reports it and ends; nothing is half-applied
    proc = _start(fleet, "60", workers=2)
    _wait(lambda: len(_sleepers(fleet, proc)) == 2, "both workers inside the revision", proc)
    # the worker started last: CPython's pool once missed its death until the other target ended
    victim_db, victim = max(_sleepers(fleet, proc).items(), key=lambda item: _started(item[1]))
    os.kill(victim, signal.SIGKILL)
    out, err = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == 1, err
    run = json.loads(out)
    lost = {t["name"]: t for t in run["targets"]}[victim_db]
    assert lost["outcome"] == "failed" and "worker process died" in lost["error"]
    assert lost["from"] == F2
    _wait(lambda: _settled(fleet), "the killed sessions to end")
    assert all(r in ([F2], [HEAD]) for r in _revisions(fleet, urls))

    # 2. kill -9 of the runner (migrating in its own process: --workers 1) in a revision
    proc = _start(fleet, "60", workers=1)
    _wait(lambda: len(_sleepers(fleet, proc)) == 1, "the runner inside the revision", proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=WAIT_S)
    _wait(lambda: _settled(fleet), "the killed sessions to end")
    assert all(r in ([F2], [HEAD]) for r in _revisions(fleet, urls))

    # 3. the rerun finishes every target
    code, run, err = fleet.json("apply", *fleet.server_args(), "--no-backup", "--no-schema-check")
    assert code == 0, err
    assert all(r == [HEAD] for r in _revisions(fleet, urls))
    assert {t["outcome"] for t in run["targets"]} == {"ok"}
    records = [r for u in urls for r in fleet.records(u.database)]
    # every killed run's record is closed as interrupted by the rerun that found it
    assert not [r for r in records if r["outcome"] == "running"]
