"""Open psycopg connections with errors a person can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from alembic_baseline.errors import DatabaseError
from alembic_baseline.pg.url import DatabaseURL, redact

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_S = 10


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
    kwargs.setdefault("connect_timeout", str(CONNECT_TIMEOUT_S))
    kwargs.setdefault("application_name", "alembic-baseline")
    try:
        return psycopg.connect(autocommit=autocommit, **kwargs)  # type: ignore[arg-type]
    except psycopg.OperationalError as exc:
        raise explain_connect_error(url, str(exc)) from None


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
