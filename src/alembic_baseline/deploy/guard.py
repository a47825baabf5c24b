"""One guarded run per database at a time: a session-level advisory lock on its own connection.

``apply``, ``rollback`` and ``repair`` hold it for their whole duration, from before they read
the database's revision (a second run would otherwise plan from a revision about to change, take
another backup and race the first) until their record is final. The second run is refused at
once (exit 3) with the holder's pid, application name, client address and since when it holds
the lock — it never waits.

The key is two 32-bit numbers: a fixed namespace for this tool and a CRC of the database name
(advisory locks are per database already; the name in the key also keeps the lock apart from a
same-numbered lock the application might take). The lock lives as long as the connection does:
a run killed with SIGKILL releases it when the server notices the connection is gone.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass

from alembic_baseline import lockkey
from alembic_baseline.errors import DatabaseError, UnsafeError
from alembic_baseline.lockkey import key as target_key
from alembic_baseline.pg.connect import connect
from alembic_baseline.pg.server import server_version
from alembic_baseline.pg.url import DatabaseURL

_HOLDERS = """
SELECT a.pid, a.application_name, coalesce(host(a.client_addr), 'local socket'),
       a.backend_start, a.usename
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid = %s::bigint::oid AND l.objid = %s::bigint::oid
"""


def key(database: str, schema: str | None = None) -> tuple[int, int]:
    """The target's key (``alembic_baseline.lockkey``: a database or a tenant schema)."""
    return target_key(database, schema)


@dataclass(frozen=True)
class Holder:
    """The session holding the lock, as pg_stat_activity shows it."""

    pid: int | None
    application_name: str
    client: str
    since: str
    user: str

    def describe(self) -> str:
        return (
            f"server pid {self.pid}, application_name {self.application_name!r}, "
            f"client {self.client}, user {self.user}, since {self.since}"
        )


class RunInProgress(UnsafeError):
    """Another guarded run holds the database."""


@contextlib.contextmanager
def held(url: DatabaseURL, command: str, schema: str | None = None) -> Iterator[None]:
    """Hold the target's run lock meanwhile (the database's, or a tenant ``schema``'s in it);
    refuse (exit 3) when another run holds it."""
    import psycopg
    from psycopg import sql

    k1, k2 = key(url.database, schema)
    conn = connect(url)  # autocommit: a session-level lock, outside any transaction
    try:
        try:
            # application_name holds 63 bytes: the process first, the host may be cut
            label = f"alembic-baseline {command} pid {os.getpid()} on {socket.gethostname()}"
            conn.execute(sql.SQL("SET application_name = {}").format(sql.Literal(label[:63])))
            if server_version(conn).major >= 14:  # an idle lock session must not time out
                conn.execute("SET idle_session_timeout = 0")
            row = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (k1, k2)).fetchone()
            found = [] if row and row[0] else holders(conn, url.database, schema)
        except psycopg.Error as exc:
            raise DatabaseError(
                f"Could not take the run lock of {url.redacted}: {exc}",
                hint="Check that the user may connect and run pg_try_advisory_lock.",
            ) from None
        if not (row and row[0]):
            raise _refusal(url, command, found, schema)
        try:
            with lockkey.holding((k1, k2)):  # env.py's start-up helper must not wait for us
                yield
        finally:
            _unlock(conn, k1, k2)
    finally:
        conn.close()  # releases the lock (also when the server already lost the session)


def _unlock(conn: object, k1: int, k2: int) -> None:
    """Release the run lock before the session closes: closing alone lets the server end the
    backend after the client has gone, so a run started right after could still find the lock
    held ("a session that has just ended"). When the session is already lost, closing it is
    the release."""
    import psycopg

    assert isinstance(conn, psycopg.Connection)
    with contextlib.suppress(psycopg.Error):
        conn.execute("SELECT pg_advisory_unlock(%s, %s)", (k1, k2))


def holders(conn: object, database: str, schema: str | None = None) -> list[Holder]:
    """Who holds the run lock of ``database`` (or of its tenant ``schema``), seen through
    ``conn``, a psycopg connection."""
    import psycopg

    assert isinstance(conn, psycopg.Connection)
    k1, k2 = key(database, schema)
    rows = conn.execute(_HOLDERS, (k1, k2)).fetchall()
    return [
        Holder(
            int(str(pid)) if pid is not None else None,
            str(app or "(not visible)"),
            str(client or "(not visible)"),
            f"{since:%Y-%m-%d %H:%M:%S %Z}".strip() if since is not None else "(not visible)",
            str(user or "(not visible)"),
        )
        for pid, app, client, since, user in rows
    ]


def _refusal(
    url: DatabaseURL, command: str, found: list[Holder], schema: str | None = None
) -> RunInProgress:
    who = "; ".join(h.describe() for h in found) or "a session that has just ended"
    first = found[0] if found else None
    where = url.redacted + (f" (tenant schema {schema})" if schema else "")
    return RunInProgress(
        f"Refused: another guarded run (apply, rollback, repair or a migration at start-up) "
        f"is in progress on {where}: {who}. Nothing was done.",
        hint="Wait for it to finish (its run record says how far it got), then check with "
        f"`alembic-baseline status` and run the {command} again. Only if that run's process "
        "is gone while its session stays (the pid in application_name no longer exists) end "
        "the session"
        + (f" with SELECT pg_terminate_backend({first.pid})" if first and first.pid else "")
        + ".",
        context={"holder": who},
    )
