"""Timeouts and lock-wait watching for the sessions a project's env.py opens (any driver).

The project's env.py makes its own engine, so the tool cannot pass connection options; a
SQLAlchemy pool ``connect`` listener runs ``SET lock_timeout`` / ``SET statement_timeout`` in
autocommit (session level, so Alembic's transactions keep them) on every connection opened
meanwhile, and notes its backend pid so that :mod:`alembic_baseline.pg.waits` can say whom it
waits for.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from alembic_baseline.pg import waits as w
from alembic_baseline.pg.url import DatabaseURL


class EnvSessions:
    """The env.py sessions of one run and what they last waited for."""

    def __init__(self, url: DatabaseURL, label: str) -> None:
        self.url = url
        self.label = label
        self.pids: list[int] = []
        self.blockers: tuple[w.Blocker, ...] = ()

    @property
    def blocked_by(self) -> str:
        return w.describe(self.blockers)


@contextlib.contextmanager
def env_sessions(url: DatabaseURL, waits: w.Waits, label: str) -> Iterator[EnvSessions]:
    """``waits`` on every SQLAlchemy connection opened meanwhile; each one is watched."""
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    # Validated durations (digits + unit), so quoting them into SET is safe; SET cannot take a
    # bind parameter, and each driver would want a different placeholder for set_config().
    statements = (
        f"SET lock_timeout = '{w.duration(waits.lock_timeout, 'lock_timeout')}'",
        f"SET statement_timeout = '{w.duration(waits.statement_timeout, 'statement_timeout')}'",
    )
    sessions = EnvSessions(url, label)

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        previous = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # session level: survives Alembic's ROLLBACK/COMMIT
        cursor = dbapi_connection.cursor()
        try:
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("SELECT pg_backend_pid()")
            row = cursor.fetchone()
        finally:
            cursor.close()
        dbapi_connection.autocommit = previous
        if row:
            sessions.pids.append(int(row[0]))
            w.WATCHER.add(int(row[0]), url, label, waits.lock_timeout)

    event.listen(Pool, "connect", on_connect)
    try:
        yield sessions
    finally:
        event.remove(Pool, "connect", on_connect)
        for pid in sessions.pids:
            sessions.blockers = w.WATCHER.remove(pid) or sessions.blockers


def is_lock_timeout(exc: BaseException) -> bool:
    return "lock timeout" in str(exc).lower()


@contextlib.contextmanager
def bounded_read(url: DatabaseURL, what: str) -> Iterator[None]:
    """env.py only reads meanwhile: the process's read waits; a timeout becomes an error that
    names the blocking session."""
    # lazy: start-up: psycopg, only when env.py reads
    from alembic_baseline.pg.watched import LockWaitTimeout, StatementTimeout

    waits = w.current()
    error: BaseException | None = None
    with env_sessions(url, waits, what) as sessions:
        try:
            yield
        except Exception as exc:
            if not is_lock_timeout(exc) and "statement timeout" not in str(exc).lower():
                raise
            error = exc
    if error is None:
        return
    if is_lock_timeout(error):
        raise w.lock_timeout_error(
            LockWaitTimeout, url, what.capitalize(), waits, sessions.blocked_by
        ) from None
    raise w.statement_timeout_error(StatementTimeout, url, what.capitalize(), waits) from None
