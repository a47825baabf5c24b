"""Bounded waits: with an application session holding a lock, every command ends in bounded time
and says whom it waited for; apply retries a revision that hit lock_timeout (real locks, held by
a real second session)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_deploy_support import Env, make_env

from alembic_baseline import settings
from alembic_baseline.errors import ExitCode, ToolError
from alembic_baseline.pg import binaries, tools, waits
from alembic_baseline.pg.connect import connect, connection
from alembic_baseline.pg.scratch import ScratchServer

APP = "lot-app"


@pytest.fixture
def env(pg: ScratchServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    monkeypatch.setenv("ALEMBIC_BASELINE_READ_LOCK_TIMEOUT", "2s")
    e = make_env(pg, tmp_path)
    yield e
    pg.drop_database(e.db.database)


class Holder:
    """The application: a transaction holding a lock until released."""

    def __init__(self, env: Env, lock: str) -> None:
        self.conn = connect(env.db, autocommit=False)
        self.conn.execute(f"SET application_name = '{APP}'".encode())
        self.conn.execute(lock.encode())
        self.pid = self.conn.info.backend_pid

    def release(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()


@pytest.fixture
def hold(env: Env) -> Iterator[Any]:
    holders: list[Holder] = []

    def take(lock: str) -> Holder:
        holders.append(Holder(env, lock))
        return holders[-1]

    yield take
    for h in holders:
        h.release()


def timed(env: Env, *args: str, **kw: Any) -> tuple[float, int, str, str]:
    start = time.monotonic()
    code, out, err = env.cli(*args, **kw)
    return time.monotonic() - start, code, out, err


@pytest.mark.parametrize(
    "command",
    [
        ("status",),
        ("doctor", "--no-identify"),
        ("plan", "--no-schema-check"),
        ("apply", "--no-backup", "--lock-timeout", "1s"),
    ],
    ids=lambda c: c[0],
)
def test_commands_end_when_the_version_table_is_locked(
    env: Env, hold: Any, command: tuple[str, ...], tmp_path: Path
) -> None:
    holder = hold("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
    args = [*command, *(["--out", str(tmp_path / "p.sql")] if command[0] == "plan" else [])]
    seconds, code, out, err = timed(env, *args)
    assert seconds < 15, seconds  # read_lock_timeout 2s per read, a few reads at most
    assert code == ExitCode.USAGE, out + err
    assert "gave up after lock_timeout (2s)" in err
    assert "AccessShareLock on alembic_version" in err
    assert f"pid {holder.pid}" in err and APP in err and "idle in transaction" in err
    assert "waiting:" in err  # the progress line after about a second blocked
    assert "Traceback" not in out + err


def test_plan_and_apply_end_when_a_table_is_locked(env: Env, hold: Any, tmp_path: Path) -> None:
    holder = hold("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
    seconds, code, out, err = timed(env, "plan", "--no-schema-check", "--out", str(tmp_path / "p"))
    assert seconds < 15 and code == ExitCode.FINDINGS, out + err
    assert "gave up after lock_timeout" in out and f"pid {holder.pid}" in out  # backup item
    seconds, code, out, err = timed(env, "apply", "--lock-timeout", "1s", "--no-schema-check")
    # The backup check could not estimate the size: refused before anything was done.
    assert seconds < 15 and code == ExitCode.UNSAFE, out + err
    assert "AccessShareLock on items" in err and f"pid {holder.pid}" in err
    assert env.records()[-1]["outcome"] == "refused"


def test_apply_without_retries_names_the_blocker(env: Env, hold: Any) -> None:
    # SHARE: the tool's reads pass, the revision's ALTER TABLE (ACCESS EXCLUSIVE) must wait.
    holder = hold("LOCK TABLE items IN SHARE MODE")
    seconds, code, _, err = timed(
        env, "apply", "--no-backup", "--lock-timeout", "1s", "--lock-retries", "0"
    )
    assert seconds < 20 and code == ExitCode.USAGE
    assert "lock timeout" in err and "AccessExclusiveLock on items" in err
    assert f"pid {holder.pid}" in err and "--lock-retries" in err
    assert env.current() == ("d1000001",)


def test_apply_gives_up_cleanly_after_its_retries(env: Env, hold: Any) -> None:
    # lock_timeout 1.5 s: the blocker is named from what the wait watcher sees, and each try's
    # watcher opens its own session first; under a loaded CI that took most of a 500 ms wait
    # (the last try's message then lacked "AccessExclusiveLock on items")
    hold("LOCK TABLE items IN SHARE MODE")
    seconds, code, out, err = timed(
        env,
        "apply",
        "--no-backup",
        "--lock-timeout",
        "1500ms",
        "--lock-retries",
        "2",
        "--lock-retry-wait",
        "100ms",
    )
    assert code == ExitCode.USAGE and seconds < 25
    assert "try 3 of 3" in err and "AccessExclusiveLock on items" in err, err
    assert out.count("lock timeout (1500ms) on try") == 2  # two pauses, then the last try
    assert env.current() == ("d1000001",)
    record = env.records()[-1]
    assert record["outcome"] == "failed" and record["stopped_at"] == ["d1000001"]


def _release_after_first_timeout(env: Env, holder: Holder, seen: list[float]) -> None:
    """Wait until a session queues behind the holder, then until it gave up; release."""
    with connection(env.db) as conn:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                (holder.pid,),
            ).fetchone()
            waiting = bool(row and int(str(row[0])))
            if waiting and not seen:
                seen.append(time.monotonic())
            elif seen and not waiting:
                break
            time.sleep(0.02)
    holder.release()


def test_apply_succeeds_when_the_lock_is_released_between_tries(env: Env, hold: Any) -> None:
    holder = hold("LOCK TABLE items IN SHARE MODE")
    seen: list[float] = []
    releaser = threading.Thread(target=_release_after_first_timeout, args=(env, holder, seen))
    releaser.start()
    try:
        code, out, err = env.cli(
            "apply",
            "--no-backup",
            "--lock-timeout",
            "500ms",
            "--lock-retries",
            "3",
            "--lock-retry-wait",
            "1s",
        )
    finally:
        releaser.join(90)
    assert seen, "the first try never waited for the lock"
    assert code == ExitCode.OK, out + err
    assert "lock timeout (500ms) on try 1 of 4" in out and f"pid {holder.pid}" in out
    assert env.current() == ("d3000003",)
    assert env.columns("items") == ["id", "name", "note"]


def test_pg_dump_gives_up_on_a_locked_table(env: Env, hold: Any, tmp_path: Path) -> None:
    hold("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
    major = env.server.major
    waits.configure(waits.Waits(lock_timeout="1s"))
    try:
        start = time.monotonic()
        with pytest.raises(ToolError) as info:
            tools.pg_dump(
                binaries.find_client(major).bindir,
                env.db,
                ["--format=custom"],
                out=tmp_path / "x.dump",
                timeout=60,
            )
    finally:
        waits.configure()
    assert time.monotonic() - start < 15
    text = f"{info.value.message} {info.value.hint}"
    assert "items" in text and "pg_stat_activity" in text


def test_tool_sessions_carry_the_read_waits(env: Env) -> None:
    with connection(env.db) as conn:
        row = conn.execute(
            "SELECT current_setting('lock_timeout'), current_setting('statement_timeout')"
        ).fetchone()
    assert row == (settings.DEFAULT_READ_LOCK_TIMEOUT, settings.DEFAULT_READ_STATEMENT_TIMEOUT)


def test_pg_restore_gives_up_on_a_table_in_use(env: Env, hold: Any, tmp_path: Path) -> None:
    bindir = binaries.find_client(env.server.major).bindir
    dump = tmp_path / "x.dump"
    tools.pg_dump(bindir, env.db, ["--format=custom"], out=dump)
    holder = hold("SELECT count(*) FROM items")  # an open transaction reading it: ACCESS SHARE
    waits.configure(waits.Waits(lock_timeout="1s"))
    args = ["--clean", "--single-transaction", "--exit-on-error", f"--dbname={env.db.database}"]
    try:
        start = time.monotonic()
        with pytest.raises(ToolError) as info:  # the archive says SET lock_timeout = 0 itself
            tools.pg_restore(bindir, env.db, [*args, str(dump)], timeout=60)
    finally:
        waits.configure()
    assert time.monotonic() - start < 15
    assert "gave up after lock_timeout (1s)" in info.value.message
    assert f"pid {holder.pid}" in info.value.message and "on items" in info.value.message
    assert env.columns("items") == ["id", "name"]  # one transaction: nothing was dropped


def _learn_status(env: Env) -> str:
    """``status`` once without a lock: the revision headers learnt and the expected schema
    cached, so the next ``status`` takes the quick path (no env.py, one connection)."""
    from test_status_headers import _age

    _age(env.project_dir)
    url = env.db.render("psycopg")
    code, out, err = env.cli("status")
    assert code == ExitCode.OK, out + err
    return url


def test_status_quick_path_reports_a_locked_version_table_itself(
    env: Env, hold: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quick path gives up after one lock_timeout with the full path's error (whom it
    waited for, the progress line); it does not hand over to the full path, which would wait
    the whole lock_timeout a second time."""
    from alembic_baseline.commands import status as status_command
    from alembic_baseline.errors import DatabaseError

    url = _learn_status(env)
    settings_ = env.project().settings
    holder = hold("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
    lines: list[str] = []
    waits.configure(waits.Waits("2s"), notify=lines.append)
    try:
        with pytest.raises(DatabaseError) as full:
            status_command.status(settings_, url=url, server=env.server, header_cache=False)

        def no_full_path(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("the quick path handed a lock timeout to the full path")

        monkeypatch.setattr(status_command, "AlembicProject", no_full_path)
        lines.clear()
        with pytest.raises(DatabaseError) as quick:
            status_command.status(settings_, url=url, server=env.server)
    finally:
        waits.configure()
    assert quick.value.message == full.value.message
    assert quick.value.message.startswith("Reading the version table on ")
    assert "gave up after lock_timeout (2s)" in quick.value.message
    assert f"pid {holder.pid}" in quick.value.message
    assert any("waiting" in line and "reading the version table" in line for line in lines), lines


@pytest.mark.parametrize("quick", [False, True], ids=["full", "quick"])
def test_status_with_the_applied_table_locked_says_it_waited(
    env: Env, hold: Any, quick: bool
) -> None:
    """A lock on the applied-revisions table is a lock wait, reported as one — not "cannot be
    read" with advice to switch the table off."""
    from alembic_baseline.deploy.applied import APPLIED_TABLE

    url = _learn_status(env)
    with connection(env.db) as conn:  # the table as apply creates it on first use
        code, out, err = env.cli("apply", "--no-backup")
        assert code == ExitCode.OK, out + err
        assert conn.execute("SELECT to_regclass(%s)", (APPLIED_TABLE,)).fetchone() != (None,)
    _learn_status(env)
    holder = hold(f"LOCK TABLE {APPLIED_TABLE} IN ACCESS EXCLUSIVE MODE")
    from alembic_baseline.commands.status import status as run_status
    from alembic_baseline.errors import DatabaseError

    settings_ = env.project().settings
    waits.configure(waits.Waits("2s"))
    try:
        with pytest.raises(DatabaseError) as raised:
            run_status(settings_, url=url, server=env.server, header_cache=quick)
    finally:
        waits.configure()
    message = raised.value.message
    assert "gave up after lock_timeout (2s)" in message, message
    assert f"pid {holder.pid}" in message
    assert "cannot be read" not in message and "record_applied" not in (raised.value.hint or "")
