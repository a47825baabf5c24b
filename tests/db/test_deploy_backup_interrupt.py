"""Ctrl-C while pg_dump runs, for real: the CLI as a subprocess in its own process group, pg_dump
held on a lock by a second session, SIGINT sent to the group (what a terminal's Ctrl-C does) or to
pg_dump alone (it dies first and says "terminated by user"). Either way: exit 130, the record
says interrupted, no partial backup, and the next pre-patch check sees no unfinished run."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_deploy_support import Env, make_env

from alembic_baseline.cli import main
from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.connect import connect, connection
from alembic_baseline.pg.scratch import ScratchServer


@pytest.fixture
def env(pg: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    e = make_env(pg, tmp_path)
    yield e
    pg.drop_database(e.db.database)


def _pg_dump_waits(env: Env) -> bool:
    with connection(env.server.admin_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND application_name = 'pg_dump' AND wait_event_type = 'Lock'",
            (env.db.database,),
        ).fetchone()
    return bool(row and row[0])


def _pg_dump_pid(parent: int) -> int:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"pg_dump" in cmdline.split(b"\0")[0]:
            return int(entry.name)
    raise AssertionError("pg_dump is not a child of the CLI")


@pytest.mark.parametrize(
    ("target", "signum"),
    [("group", signal.SIGINT), ("pg_dump", signal.SIGINT), ("group", signal.SIGTERM)],
    ids=["ctrl-c", "pg_dump-first", "sigterm"],
)
def test_ctrl_c_during_the_backup(env: Env, target: str, signum: signal.Signals) -> None:
    # pg_dump locks partitioned tables; the size estimate before it does not look at them.
    with connection(env.db) as conn:
        conn.execute("CREATE TABLE held (id int) PARTITION BY RANGE (id)")
    holder = connect(env.db, autocommit=False)
    holder.execute("LOCK TABLE held IN ACCESS EXCLUSIVE MODE")
    argv = env.argv("apply", "--no-schema-check")
    proc = subprocess.Popen(
        [sys.executable, "-m", "alembic_baseline", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a job in a terminal
    )
    try:
        deadline = time.monotonic() + 60
        while not _pg_dump_waits(env):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "pg_dump never started"
            time.sleep(0.1)
        if target == "group":
            os.killpg(proc.pid, signum)
        else:
            os.kill(_pg_dump_pid(proc.pid), signum)
        out, err = proc.communicate(timeout=60)
    finally:
        holder.rollback()
        holder.close()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == ExitCode.INTERRUPTED, out + err
    assert "Interrupted before any revision ran" in err and "pg_dump" not in err.split("error:")[1]
    record = env.records()[-1]
    assert record["outcome"] == "interrupted" and record["error"]["type"] == "Interrupted"
    assert record["backup"] is None and record["steps"] == []
    assert env.backups() == []  # the partial dump was removed
    assert env.current() == ("d1000001",)
    check = env.argv("check", json=True)
    check.insert(check.index("check") + 1, "pre-patch")
    stdout = io.StringIO()
    main(check, stdout, io.StringIO())
    items = {i["name"]: i for i in json.loads(stdout.getvalue())["items"]}
    assert items["no-unfinished-run"]["status"] == "pass"
