"""The sandbox's checks that need no server: a connection is refused before it is attempted.

``do_connect`` fires before the driver connects, so pointing engines at an address where no
server listens shows the refusal (SandboxViolation) apart from a connection error.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool
from sqlalchemy.ext.asyncio import create_async_engine

from alembic_baseline import settings
from alembic_baseline.compat import sqlalchemy_driver
from alembic_baseline.errors import ExitCode
from alembic_baseline.history.sandbox import (
    Endpoint,
    Sandbox,
    SandboxViolation,
    _connect_params,
    confine,
)
from alembic_baseline.pg.url import DatabaseURL
from tests.helpers.versions import OLD_SQLALCHEMY

PG3 = sqlalchemy_driver("psycopg")  # psycopg2 on SQLAlchemy 1.4 (no psycopg 3 dialect there)

SCRATCH = DatabaseURL.parse("postgresql://ab@127.0.0.1:1/ab_replay_1")
ELSEWHERE = "postgresql+{}://app:s3cret@127.0.0.1:1/myapp"


def box() -> Sandbox:
    return Sandbox(SCRATCH, "scratch", "DATABASE_URL")


def connect(url: str) -> None:
    create_engine(url, poolclass=pool.NullPool).connect()


@pytest.mark.parametrize(
    "driver",
    [
        pytest.param(
            "psycopg",
            marks=pytest.mark.skipif(OLD_SQLALCHEMY, reason="no psycopg 3 dialect on 1.4"),
        ),
        "psycopg2",
    ],
)
def test_an_engine_for_another_database_is_refused_before_connecting(driver: str) -> None:
    with pytest.raises(SandboxViolation) as caught, confine(box()):
        connect(ELSEWHERE.format(driver))
    assert caught.value.exit_code == ExitCode.UNSAFE
    assert "/myapp" in caught.value.message and "s3cret" not in caught.value.message
    assert "url_env" in str(caught.value.hint)


def test_an_async_engine_is_refused_too() -> None:
    async def run() -> None:
        engine = create_async_engine(ELSEWHERE.format("asyncpg"), poolclass=pool.NullPool)
        async with engine.connect():
            pass

    with pytest.raises(SandboxViolation), confine(box()):
        asyncio.run(run())


def test_the_target_itself_is_let_through() -> None:
    """Allowed: the driver then fails to reach the (absent) server, its own error."""
    with pytest.raises(Exception) as caught, confine(box()):
        connect(SCRATCH.render(PG3))
    assert not isinstance(caught.value, SandboxViolation)


def test_other_threads_and_code_outside_are_not_confined() -> None:
    errors: list[BaseException] = []

    def other() -> None:
        try:
            connect(ELSEWHERE.format(PG3))
        except BaseException as exc:
            errors.append(exc)

    with confine(box()):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    with pytest.raises(Exception) as outside:
        connect(ELSEWHERE.format(PG3))
    assert not isinstance(errors[0], SandboxViolation)
    assert not isinstance(outside.value, SandboxViolation)


def test_a_refusal_env_py_swallows_is_raised_when_the_run_ends() -> None:
    # An env.py that falls back on any error:
    with pytest.raises(SandboxViolation), confine(box()), contextlib.suppress(Exception):
        connect(ELSEWHERE.format(PG3))


@pytest.mark.parametrize(
    ("cargs", "cparams", "expected"),
    [
        ([], {"host": "/run/pg", "port": 5433, "dbname": "d"}, Endpoint(("/run/pg",), 5433, "d")),
        (["host=h port=7 dbname=x"], {}, Endpoint(("h",), 7, "x")),
        ([""], {"dsn": "postgresql://u@h:7/x", "dbname": "y"}, Endpoint(("h",), 7, "y")),
        (
            [],
            {"host": "127.0.0.1", "database": "d", "user": "u"},
            Endpoint(("localhost",), 5432, "d"),
        ),
        ([], {"host": "a,b", "dbname": "d"}, Endpoint(("a", "b"), 5432, "d")),
    ],
)
def test_connect_parameters(
    cargs: list[str],
    cparams: dict[str, object],
    expected: Endpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER"):
        monkeypatch.delenv(name, raising=False)
    assert Endpoint.of(_connect_params(cargs, cparams)) == expected


def test_pre_replay_is_read_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic-baseline]\npre_replay = "sql/pre.sql"\n'
    )
    assert settings.load(cwd=tmp_path, environ={}).pre_replay == "sql/pre.sql"
    (tmp_path / "pyproject.toml").write_text("[tool.alembic-baseline]\n")
    assert settings.load(cwd=tmp_path, environ={}).pre_replay is None


@pytest.mark.skipif(OLD_SQLALCHEMY, reason="the early-timeout retry is for psycopg 3 engines")
def test_the_check_runs_before_the_retry_that_was_registered_first() -> None:
    """The early-timeout retry connects by itself, which ends SQLAlchemy's chain of
    ``do_connect`` listeners; entered before the sandbox was ever installed (a fresh process, as
    in the driver's first run), it must still come after the check."""
    import subprocess
    import sys

    script = f"""
from sqlalchemy import create_engine, pool
from alembic_baseline.history.sandbox import Sandbox, SandboxViolation, confine
from alembic_baseline.pg.engine_connect import retrying_engines
from alembic_baseline.pg.url import DatabaseURL
box = Sandbox(DatabaseURL.parse({SCRATCH.render()!r}), "scratch", "DATABASE_URL")
with retrying_engines():
    try:
        with confine(box):
            create_engine({ELSEWHERE.format("psycopg")!r}, poolclass=pool.NullPool).connect()
    except SandboxViolation as exc:
        print("refused before connecting" if "tried to connect to" in exc.message else exc)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == "refused before connecting", done.stdout + done.stderr
