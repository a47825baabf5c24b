"""Ctrl-C / kill during apply, for real: a subprocess interrupted while a revision runs."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_deploy_support import Env, make_env

from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer


@pytest.fixture
def env(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    e = make_env(pg_default, tmp_path)
    yield e
    pg_default.drop_database(e.db.database)


def _sleeping(env: Env) -> bool:
    with connection(env.server.admin_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND query LIKE %s",
            (env.db.database, "SELECT pg_sleep%"),
        ).fetchone()
    return bool(row and row[0])


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_a_revision_leaves_the_last_good_revision(
    env: Env, signum: signal.Signals
) -> None:
    argv = env.argv("apply", x=("sleep=60",))
    proc = subprocess.Popen(
        [sys.executable, "-m", "alembic_baseline", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _sleeping(env):  # revision d2000002 is now inside its transaction
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the revision never started"
            time.sleep(0.1)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == ExitCode.INTERRUPTED, out + err
    assert "Interrupted during revision d2000002" in err and "d1000001" in err
    assert env.current() == ("d1000001",)  # the running revision rolled back as a whole
    assert env.columns("items") == ["id", "name"]
    assert not _sleeping(env)  # the statement was cancelled, not left running on the server
    record = env.records()[-1]
    assert record["outcome"] == "interrupted" and record["stopped_at"] == ["d1000001"]
    assert [s["status"] for s in record["steps"]] == ["interrupted", "pending"]
    assert Path(record["backup"]["path"]).is_file()  # the backup taken before is kept
