"""Open psycopg connections with errors a person can act on."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from alembic_baseline import compat, settings
from alembic_baseline.errors import DatabaseError
from alembic_baseline.pg.url import DatabaseURL, redact

if TYPE_CHECKING:
    import psycopg

    from alembic_baseline.pg.waits import Waits

CONNECT_TIMEOUT_S = 10
UNBOUNDED_CONNECT_S = 130

T = TypeVar("T")


def explain_connect_error(url: DatabaseURL, detail: str) -> DatabaseError:
    """Turn a driver's connection failure text into one paragraph with the way out."""
    text = redact(detail).strip().splitlines()
    first = text[0] if text else "unknown error"
    low = detail.lower()
    where = url.redacted
    if "password authentication failed" in low or "no password supplied" in low:
        return DatabaseError(
            f"The server rejected the credentials for {where}: {first}",
            hint="Check the user and password in --url (or DATABASE_URL / sqlalchemy.url).",
        )
    if "does not exist" in low and "database" in low:
        return DatabaseError(
            f"The database {url.database!r} does not exist on the server of {where}.",
            hint=f"Create it first (createdb {url.database}) or point --url at an existing one.",
        )
    if any(s in low for s in ("could not translate host", "name or service not known")):
        return DatabaseError(
            f"The host of {where} cannot be resolved: {first}",
            hint="Check the host name in --url; inside docker compose use the service name.",
        )
    if any(
        s in low for s in ("connection refused", "timeout expired", "no such file", "timed out")
    ):
        return DatabaseError(
            f"No PostgreSQL server answers at {where}: {first}",
            hint="Start the server, or check host and port in --url (is the container up?).",
        )
    return DatabaseError(
        f"Could not connect to {where}: {first}",
        hint="Check --url and that the server accepts connections from here.",
    )


def connect(
    url: DatabaseURL,
    *,
    autocommit: bool = True,
    waits: Waits | None = None,
    watch: bool = True,
) -> psycopg.Connection[tuple[object, ...]]:
    """Connect with psycopg 3; raise :class:`DatabaseError` with a hint on failure.

    The session gets ``lock_timeout`` / ``statement_timeout`` (``waits``, default: the
    process's read waits, see :mod:`alembic_baseline.pg.waits`); with ``watch`` its statements
    are watched for lock waits and a timeout becomes an error that names the blocker.
    """
    compat.seed_psycopg_versions()  # before psycopg's first import: no importlib.metadata
    import psycopg

    # lazy: start-up (psycopg, imported by watched) and the waits cycle (pyproject TODO(layers))
    from alembic_baseline.pg import waits as w
    from alembic_baseline.pg.watched import ToolConnection, WatchedCursor

    session = waits or w.current()
    kwargs = url.libpq_kwargs()
    given = kwargs.get("connect_timeout") or settings.env("PGCONNECT_TIMEOUT")
    kwargs.setdefault("application_name", "alembic-baseline")
    # Ours first: a -c the user gave (URL ``options`` or PGOPTIONS) comes later and wins.
    theirs = kwargs.get("options") or settings.env("PGOPTIONS")
    kwargs["options"] = f"{session.startup_options()} {theirs}".strip()
    try:
        timeout = float(given) if given else CONNECT_TIMEOUT_S
    except ValueError:
        timeout = CONNECT_TIMEOUT_S
    if timeout <= 0:  # libpq: wait indefinitely; psycopg caps that at 130 s
        timeout = UNBOUNDED_CONNECT_S

    def attempt(remaining: float) -> ToolConnection:
        params = {**kwargs, "connect_timeout": str(max(2, math.ceil(remaining)))}
        try:
            return ToolConnection.connect(autocommit=autocommit, **params)  # type: ignore[arg-type]
        except psycopg.OperationalError as exc:
            if "unsupported startup parameter" not in str(exc):
                raise
        # A pooler (PgBouncer) that refuses startup options: set the waits after connecting.
        params["options"] = theirs
        conn = ToolConnection.connect(autocommit=True, **params)  # type: ignore[arg-type]
        conn.execute(
            "SELECT set_config('lock_timeout', %s, false), "
            "set_config('statement_timeout', %s, false)",
            (session.lock_timeout, session.statement_timeout),
        )
        conn.autocommit = autocommit
        return conn

    try:
        conn = until_timeout(attempt, timeout, psycopg.errors.ConnectionTimeout)
    except psycopg.OperationalError as exc:
        raise explain_connect_error(url, str(exc)) from None
    conn.ab_url, conn.ab_waits = url, session
    if watch:
        conn.cursor_factory = WatchedCursor
    return conn


def until_timeout(
    attempt: Callable[[float], T],
    timeout: float,
    early: type[Exception],
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call ``attempt(seconds left)``; when it raises ``early`` before ``timeout`` seconds have
    passed, call it again with the time that is left, until the time is up.

    psycopg 3 sometimes reports "connection timeout expired" at once, long before
    ``connect_timeout`` (psycopg issues #1089, #1238, #1338: its own wait loop, not the
    server). A server that really does not answer still fails after ``timeout`` seconds.
    """
    deadline = clock() + max(timeout, 0.0)
    while True:
        try:
            return attempt(deadline - clock())
        except early:
            if deadline - clock() < 0.5:
                raise


@contextmanager
def connection(
    url: DatabaseURL, *, autocommit: bool = True, waits: Waits | None = None
) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    conn = connect(url, autocommit=autocommit, waits=waits)
    try:
        yield conn
    finally:
        conn.close()
