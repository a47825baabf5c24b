"""``rollback --restore`` is all-or-nothing, bounded by the lock timeout, and tells the truth.

The restore is stopped for real while it is inside its transaction: a test session holds a lock
on a table (as an application's long query would), the restore waits on it, and the tool is
then interrupted (SIGINT) or killed (SIGKILL), or its lock timeout runs out. Each time the
database must be exactly as before: tables, rows, columns and the version table.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from test_deploy_support import Env, make_env

from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.connect import connect, connection
from alembic_baseline.pg.scratch import ScratchServer

RESTORE_APP = "alembic-baseline restore %"


@pytest.fixture
def env(pg: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    e = make_env(pg, tmp_path)
    yield e
    pg.drop_database(e.db.database)


def _applied(env: Env) -> str:
    """Apply d2000002 and d3000003 (backup at d1000001), then write rows after the backup."""
    code, _, err = env.cli("apply")
    assert code == ExitCode.OK, err
    with connection(env.db) as conn:
        conn.execute("INSERT INTO items (name) VALUES ('gear')")
        conn.execute("INSERT INTO orders (item_id) VALUES (1), (4)")
    return str(env.records()[-1]["id"])


def _state(env: Env) -> dict[str, Any]:
    """Everything a restore could change: tables, their columns and rows, the version table."""
    with connection(env.db) as conn:
        tables = [
            str(r[0])
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            ).fetchall()
        ]
        rows = {
            t: sorted(map(str, conn.execute(f'SELECT t::text FROM "{t}" t'.encode()).fetchall()))
            for t in tables
        }
    return {"tables": tables, "rows": rows, "items": env.columns("items"), "at": env.current()}


@pytest.fixture
def app_lock(env: Env) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A session in a transaction that has read the version table (ACCESS SHARE held): the
    restore's drops of the new tables go through, its DROP of the version table waits."""
    conn = connect(env.db, autocommit=False)
    yield conn
    conn.close()


def _hold(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    conn.execute("SELECT count(*) FROM alembic_version").fetchone()


def _restore_waiting(env: Env) -> bool:
    with connection(env.server.admin_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name LIKE %s "
            "AND wait_event_type = 'Lock'",
            (env.db.database, RESTORE_APP),
        ).fetchone()
    return bool(row and row[0])


def _restore_sessions(env: Env) -> int:
    with connection(env.server.admin_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name LIKE %s",
            (env.db.database, RESTORE_APP),
        ).fetchone()
    return int(str(row[0])) if row else 0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_a_stopped_restore_leaves_the_database_exactly_as_before(
    env: Env, app_lock: psycopg.Connection[tuple[object, ...]], signum: signal.Signals
) -> None:
    apply_id = _applied(env)
    before = _state(env)
    assert "orders" in before["tables"] and len(before["rows"]["orders"]) == 2
    _hold(app_lock)
    argv = env.argv(
        "rollback", "--restore", apply_id, "--yes", "--discard-new-rows", "--lock-timeout", "2min"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "alembic_baseline", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not _restore_waiting(env):  # inside its transaction, orders dropped there
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the restore never started"
            time.sleep(0.1)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    app_lock.rollback()  # the application's query ends
    deadline = time.monotonic() + 30
    while _restore_sessions(env):  # a killed client's session ends with it
        assert time.monotonic() < deadline, "the restore's session outlived its process"
        time.sleep(0.1)
    assert _state(env) == before
    record = env.records()[-1]
    assert record["command"] == "rollback" and record["backup"]  # the safety backup was taken
    assert record["steps"][0]["direction"] == "restore"
    if signum == signal.SIGINT:
        assert proc.returncode == ExitCode.INTERRUPTED, out + err
        assert "rolled back as a whole" in err and "d3000003" in err, err
        assert "Nothing was changed" not in err
        assert record["outcome"] == "interrupted" and record["stopped_at"] == ["d3000003"]
        assert record["steps"][0]["status"] == "interrupted"
        assert record["error"]["context"]["restore_transaction"] == "aborted"
    else:
        assert proc.returncode == -signal.SIGKILL
        assert record["outcome"] == "running"  # the next run closes it; it says what to expect
        assert "either as before (d3000003) or fully restored" in record["next_steps"][0]
    # and it can be done afterwards
    code, out, err = env.cli("rollback", "--restore", apply_id, "--yes", "--discard-new-rows")
    assert code == ExitCode.OK, out + err
    assert env.current() == ("d1000001",) and "orders" not in _state(env)["tables"]


def test_lock_timeout_gives_up_and_rolls_back(
    env: Env, app_lock: psycopg.Connection[tuple[object, ...]]
) -> None:
    apply_id = _applied(env)
    before = _state(env)
    _hold(app_lock)
    start = time.monotonic()
    code, out, err = env.cli(
        "rollback", "--restore", apply_id, "--yes", "--discard-new-rows", "--lock-timeout", "1s"
    )
    assert time.monotonic() - start < 60
    assert code == ExitCode.USAGE, out + err
    assert "lock timeout" in err and "rolled back as a whole" in err and "--lock-timeout" in err
    assert app_lock.execute("SELECT count(*) FROM items").fetchone() == (4,)  # not blocked
    app_lock.rollback()
    assert _state(env) == before
    record = env.records()[-1]
    assert record["outcome"] == "failed" and record["stopped_at"] == ["d3000003"]
    assert record["steps"][0]["status"] == "failed"


def test_rows_written_after_the_backup_are_listed_before_anything_is_done(env: Env) -> None:
    apply_id = _applied(env)
    before = _state(env)
    code, out, err = env.cli("rollback", "--restore", apply_id, "--yes")
    assert code == ExitCode.UNSAFE, out + err
    assert "public.items: 4 row(s) now, 3 in the backup" in err
    assert "public.orders: 2 row(s) now, table not in the backup (dropped)" in err
    assert "deploy_session" in err and "--discard-new-rows" in err
    assert _state(env) == before
    record = env.records()[-1]
    assert record["outcome"] == "refused" and not record["backup"] and not record["steps"]
    assert len(record["settings"]["row_changes"]) == 3


def test_a_damaged_archive_never_commits_a_partial_restore(env: Env, tmp_path: Path) -> None:
    """pg_restore fails half-way (a truncated archive): psql got the drops and part of the SQL,
    but never COMMIT — the transaction is rolled back."""
    from alembic_baseline.deploy import restore_tx as rtx
    from alembic_baseline.deploy import rollback as rb
    from alembic_baseline.errors import ToolError
    from alembic_baseline.pg import pipes
    from alembic_baseline.runbook.backup import client_for

    _applied(env)
    backup = Path(env.records()[0]["backup"]["path"])
    data = backup.read_bytes()
    damaged = tmp_path / "damaged.dump"
    pg_restore = client_for(env.server.major).bindir / "pg_restore"
    for cut in range(len(data) - 1, 0, -16):  # the longest prefix pg_restore fails half-way on
        damaged.write_bytes(data[:cut])
        sql = subprocess.run([pg_restore, "--clean", "-f", "-", damaged], capture_output=True)
        if sql.returncode != 0 and b"DROP TABLE public.items;" in sql.stdout:
            break
    else:
        pytest.fail("no truncation makes pg_restore fail after some output")
    before = _state(env)
    drops = [rb.CatalogName("TABLE", "public", "orders")]
    tx = rtx.Transaction(pipes.Piped())
    with pytest.raises(ToolError, match="pg_restore"):
        rtx.restore(env.db, damaged, env.server.major, drops, "5s", tx)
    fate = rtx.settle(env.db, tx)
    assert _state(env) == before
    assert not tx.piped.commit_sent and fate == "aborted"
