"""Open psycopg connections with errors a person can act on."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from alembic_baseline.errors import DatabaseError
from alembic_baseline.pg.url import DatabaseURL, redact

if TYPE_CHECKING:
    import psycopg

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


def connect(url: DatabaseURL, *, autocommit: bool = True) -> psycopg.Connection[tuple[object, ...]]:
    """Connect with psycopg 3; raise :class:`DatabaseError` with a hint on failure."""
    import psycopg

    kwargs = url.libpq_kwargs()
    given = kwargs.get("connect_timeout") or os.environ.get("PGCONNECT_TIMEOUT")
    kwargs.setdefault("application_name", "alembic-baseline")
    try:
        timeout = float(given) if given else CONNECT_TIMEOUT_S
    except ValueError:
        timeout = CONNECT_TIMEOUT_S
    if timeout <= 0:  # libpq: wait indefinitely; psycopg caps that at 130 s
        timeout = UNBOUNDED_CONNECT_S

    def attempt(remaining: float) -> psycopg.Connection[tuple[object, ...]]:
        params = {**kwargs, "connect_timeout": str(max(2, math.ceil(remaining)))}
        return psycopg.connect(autocommit=autocommit, **params)  # type: ignore[arg-type]

    try:
        return until_timeout(attempt, timeout, psycopg.errors.ConnectionTimeout)
    except psycopg.OperationalError as exc:
        raise explain_connect_error(url, str(exc)) from None


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
    url: DatabaseURL, *, autocommit: bool = True
) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    conn = connect(url, autocommit=autocommit)
    try:
        yield conn
    finally:
        conn.close()


def server_version_num(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    """``server_version_num`` of the connected server (e.g. 150018)."""
    return int(conn.info.server_version)


def server_major(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    return server_version_num(conn) // 10000
