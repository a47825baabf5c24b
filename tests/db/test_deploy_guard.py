"""One guarded run per database: a second apply / rollback / repair is refused while one runs.

The first run is a real process blocked inside a revision (``pg_sleep``); the second is the CLI
in-process. The refusal names the holder; nothing of the second run touches the database.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_deploy_support import Env, make_env, sleeping

from alembic_baseline.deploy import guard
from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.versions import signals_need_sqlalchemy_2


@pytest.fixture
def env(pg: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    e = make_env(pg, tmp_path)
    yield e
    pg.drop_database(e.db.database)


@pytest.fixture
def first_apply(env: Env) -> Iterator[subprocess.Popen[str]]:
    """An apply in another process, inside revision d2000002 (sleeping 60 s)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "alembic_baseline", *env.argv("apply", x=("sleep=60",))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not sleeping(env):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the first apply never reached its revision"
            time.sleep(0.1)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


@signals_need_sqlalchemy_2
def test_second_run_is_refused_while_one_is_inside_a_revision(
    env: Env, first_apply: subprocess.Popen[str]
) -> None:
    backups = env.backups()
    for argv in (("apply",), ("rollback", "--steps", "1"), ("repair", "--yes")):
        code, out, err = env.cli(*argv)
        assert code == ExitCode.UNSAFE, (argv, out, err)
        assert "another guarded run" in err and "Nothing was done" in err, err
        # the holder: its server pid, the application_name naming the first process, since
        assert f"pid {first_apply.pid} on" in err, err
        assert "server pid " in err and "since 20" in err
        assert "client local socket" in err or "client 127.0.0.1" in err
    assert env.backups() == backups  # the second runs took no backup
    refused = [r for r in env.records() if r["outcome"] == "refused"]
    assert len(refused) == 3
    assert all("another guarded run" in r["error"]["message"] for r in refused)
    assert not [r for r in refused if r["steps"] or r["backup"]]

    first_apply.send_signal(signal.SIGINT)
    _, err = first_apply.communicate(timeout=60)
    assert first_apply.returncode == ExitCode.INTERRUPTED, err
    assert env.current() == ("d1000001",)
    code, _, err = env.cli("apply")  # the lock went with the first run
    assert code == ExitCode.OK, err
    assert env.current() == ("d3000003",)


def test_the_lock_is_released_before_its_session_closes(
    pg: ScratchServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing the session alone lets the server end the backend after the client has gone: a
    run started at once could still be refused by "a session that has just ended" (seen in CI
    under load). The lock is released first — after a run that failed too."""
    real_connect = guard.connect
    held_at_close: list[int] = []

    def connect(url: Any) -> Any:
        conn = real_connect(url)
        close = conn.close

        def checked_close() -> None:
            if not conn.closed:
                row = conn.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND granted"
                ).fetchone()
                held_at_close.append(int(row[0]) if row else -1)
            close()

        conn.close = checked_close  # type: ignore[method-assign]
        return conn

    monkeypatch.setattr(guard, "connect", connect)
    db = pg.create_database()
    try:
        with guard.held(db, "apply"):
            pass
        with pytest.raises(RuntimeError), guard.held(db, "apply"):
            raise RuntimeError("the run failed")
        assert held_at_close == [0, 0]
        with guard.held(db, "rollback"):  # and the next run takes it
            pass
    finally:
        pg.drop_database(db.database)


def test_the_lock_is_per_database(env: Env, pg: ScratchServer) -> None:
    other = pg.create_database()
    try:
        assert guard.key(env.db.database) != guard.key(other.database)
        with (
            guard.held(env.db, "apply"),
            guard.held(other, "repair"),
            pytest.raises(guard.RunInProgress, match="'alembic-baseline apply pid "),
            guard.held(env.db, "rollback"),
        ):
            pass
        with guard.held(env.db, "rollback"):  # released on exit
            pass
    finally:
        pg.drop_database(other.database)
