"""psycopg classes of the tool's own sessions: every statement is watched for lock waits, and a
lock or statement timeout becomes a :class:`DatabaseError` that says what it waited for.

Imported only when a connection is opened (psycopg is a heavy import for ``--help``).
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import errors as pgerrors

from alembic_baseline.errors import DatabaseError
from alembic_baseline.pg import waits as w
from alembic_baseline.pg.url import DatabaseURL


class ToolConnection(psycopg.Connection[tuple[Any, ...]]):
    """A connection that knows its URL and its waits (for the watcher and the errors)."""

    ab_url: DatabaseURL
    ab_waits: w.Waits
    ab_label: str = "a catalog read"
    """What its statements do, in the progress line and the timeout errors (a caller may name
    its reads as another path names the same ones: "reading the version table")."""


class LockWaitTimeout(DatabaseError, pgerrors.LockNotAvailable):
    """A tool session gave up waiting for a lock (still a psycopg ``LockNotAvailable``)."""


class StatementTimeout(DatabaseError, pgerrors.QueryCanceled):
    """A tool statement ran longer than its statement_timeout."""


class WatchedCursor(psycopg.Cursor[Any]):
    def execute(
        self,
        query: Any,
        params: Any = None,
        *,
        prepare: bool | None = None,
        binary: bool | None = None,
    ) -> WatchedCursor:
        conn = self.connection
        if not isinstance(conn, ToolConnection):
            return super().execute(query, params, prepare=prepare, binary=binary)
        url, waits, label = conn.ab_url, conn.ab_waits, conn.ab_label
        with w.watching(conn.info.backend_pid, url, label, waits.lock_timeout) as watch:
            try:
                return super().execute(query, params, prepare=prepare, binary=binary)
            except pgerrors.LockNotAvailable as exc:
                error: Exception = exc
            except pgerrors.QueryCanceled as exc:
                if "statement timeout" not in str(exc):
                    raise
                error = exc
        if isinstance(error, pgerrors.LockNotAvailable):
            raise w.lock_timeout_error(
                LockWaitTimeout, url, label.capitalize(), waits, watch.blocked_by
            ) from None
        raise w.statement_timeout_error(StatementTimeout, url, label.capitalize(), waits) from None
