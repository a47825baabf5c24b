"""Helpers for a project's ``env.py``: schema-per-tenant targets and start-up migrations.

Two documented contracts (docs/fleet-env.md), both usable on their own:

* **Schema per tenant.** A runner (``alembic-baseline fleet``, a shell loop, a CI job) passes the
  tenant as ``-x tenant=NAME``. :func:`configure_kwargs` reads it, checks that it is a safe name
  of an existing schema, sets ``search_path`` on env.py's connection to that schema and returns
  the ``context.configure()`` keywords that keep the version table in it::

      with connectable.connect() as connection:
          context.configure(connection=connection, **tenant.configure_kwargs(connection))
          tenant.run_migrations_once()

* **Start-up migrations.** :func:`run_migrations_once` replaces ``with
  context.begin_transaction(): context.run_migrations()``: it returns at once when the target is
  already at head (one query), otherwise takes the target's advisory lock
  (:mod:`alembic_baseline.lockkey`, the key ``apply`` and ``fleet apply`` take too) with a
  bounded wait, checks again and migrates — so N replicas starting together migrate once.

This module is imported by users' env.py files: it imports only Alembic, SQLAlchemy (both
loaded by env.py already) and the project's base modules. Works on SQLAlchemy 1.4.27+ and 2.x,
Alembic 1.8.1+.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import sqlalchemy as sa
from alembic import context
from alembic.util import CommandError
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.engine import Connection

from alembic_baseline import compat, lockkey
from alembic_baseline.errors import ConfigError, DatabaseError, UnsafeError

log = logging.getLogger(__name__)

X_ARGUMENT = "tenant"
"""The ``-x`` key that names the tenant schema: ``alembic upgrade head -x tenant=acme``."""

DEFAULT_TIMEOUT = 60.0
"""Seconds :func:`run_migrations_once` waits for another process's migration to finish."""


class _EnvError(CommandError):
    """Raised inside env.py: the ``alembic`` command prints a CommandError as one ``FAILED:``
    line (no traceback), so the hint goes into the text; alembic-baseline shows it apart."""

    message: str
    hint: str | None

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class TenantError(ConfigError, _EnvError):
    """``-x tenant=NAME`` is missing, unsafe, or names no schema of the database."""

    __str__ = _EnvError.__str__


class LockTimeout(UnsafeError, _EnvError):
    """Another session held the target's migration lock for longer than the wait allowed."""

    __str__ = _EnvError.__str__


# -- schema per tenant ---------------------------------------------------------------------------


def name() -> str | None:
    """The tenant named by ``-x tenant=NAME`` (checked by :func:`check_name`), None without one."""
    value = context.get_x_argument(as_dictionary=True).get(X_ARGUMENT)
    return None if value is None else check_name(value)


def check_name(value: str) -> str:
    """``value`` if it can be a tenant schema's name, else :class:`TenantError`.

    Quoting makes any name safe in SQL; what is refused is what cannot be a tenant: empty,
    longer than PostgreSQL's 63 bytes (it would silently truncate it), control characters, and
    the system schemas (``pg_*``, ``information_schema``).
    """
    problem = None
    if not value:
        problem = "is empty"
    elif len(value.encode()) > 63:
        problem = f"is {len(value.encode())} bytes long (PostgreSQL names hold 63)"
    elif any(ord(c) < 32 or ord(c) == 127 for c in value):
        problem = "contains a control character"
    elif value.startswith("pg_") or value == "information_schema":
        problem = "is a system schema"
    if problem:
        raise TenantError(
            f"The tenant given with -x {X_ARGUMENT}={value!r} {problem}.",
            hint=f"Pass the name of the tenant's schema: alembic upgrade head -x {X_ARGUMENT}=NAME",
        )
    return value


def configure_kwargs(connection: Connection, *, also: Sequence[str] = ()) -> dict[str, Any]:
    """Point ``connection`` at the tenant's schema; return the ``context.configure()`` keywords.

    Reads ``-x tenant=NAME`` (required), checks that the schema exists, sets ``search_path``
    to it (then ``also``, e.g. ``("public",)`` for extension types kept there — an unqualified
    name missing in the tenant then resolves in those schemas, so add them knowingly), and makes
    SQLAlchemy's reflection default to it (autogenerate compares the tenant's tables). Returns
    ``version_table_schema=NAME`` (each tenant records its own revision) and
    ``include_schemas=False`` (autogenerate looks at the tenant's schema only).
    """
    tenant = name()
    if tenant is None:
        raise TenantError(
            f"This env.py migrates one tenant schema; none was given (-x {X_ARGUMENT}=NAME).",
            hint=f"alembic upgrade head -x {X_ARGUMENT}=NAME (alembic-baseline fleet passes it "
            "for every schema it selects).",
        )
    quote = connection.dialect.identifier_preparer.quote_identifier
    path = ", ".join(quote(schema) for schema in (tenant, *also))
    with _own_transaction(connection):
        # one statement: the search_path changes only if the schema exists
        row = connection.execute(
            text(
                "SELECT set_config('search_path', CAST(:path AS text), false) "
                "FROM pg_catalog.pg_namespace WHERE nspname = CAST(:tenant AS text)"
            ),
            {"path": path, "tenant": tenant},
        ).first()
    if row is None:
        raise TenantError(
            f"The tenant {tenant!r} (-x {X_ARGUMENT}={tenant}) is not a schema of database "
            f"{_database(connection)!r}; nothing was migrated.",
            hint="Check the name (schemas are case-sensitive), or create the tenant's schema "
            "first (CREATE SCHEMA) — this env.py never creates one by itself.",
        )
    compat.set_default_schema(connection, tenant)
    return {"version_table_schema": tenant, "include_schemas": False}


# -- start-up migrations ----------------------------------------------------------------------


def run_migrations_once(*, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """Run the pending revisions unless the target is at head; True when this process ran them.

    Call it after ``context.configure(connection=...)``, instead of ``with
    context.begin_transaction(): context.run_migrations()``. At head it returns after one
    query. Otherwise it takes the target's advisory lock (database, or database and tenant
    schema) on a second connection of the same engine, waiting at most ``timeout`` seconds
    (then :class:`LockTimeout`, naming the holder), checks again — another replica may have
    migrated meanwhile — and runs the migrations while holding it. Offline (``--sql``) runs and
    commands without a destination (``current``, ``check``) run as usual, without the lock; so
    do runs whose runner holds the lock already (``alembic-baseline apply``, ``fleet apply``).
    """
    if context.is_offline_mode():
        _run()
        return True
    migration = context.get_context()
    wanted = (
        compat.destination_revisions(migration.environment_context)
        if migration.environment_context is not None
        else None
    )
    if wanted is None:
        _run()
        return True
    connection = context.get_bind()
    schema, table = compat.version_table(migration)
    heads = frozenset(context.get_head_revisions() or ())
    database, recorded = _recorded(connection, schema, table)
    target = _target(database)
    if wanted == heads and recorded == heads:
        log.info("%s is at head; nothing to migrate", target)
        return False
    key = lockkey.key(database, name())
    if lockkey.held_by_runner(key):
        _run()
        return True
    with _held(connection, key, target, timeout):
        _, recorded = _recorded(connection, schema, table)
        if wanted == heads and recorded == heads:
            log.info("%s was migrated meanwhile by another process", target)
            return False
        _run()
    log.info("%s migrated", target)
    return True


def _run() -> None:
    with context.begin_transaction():
        context.run_migrations()


def _recorded(connection: Connection, schema: str | None, table: str) -> tuple[str, frozenset[str]]:
    """The database's name and the revisions its version table records: one statement (an
    aggregate, so one row even for an empty table; names quoted by SQLAlchemy).

    A new database has no version table yet: the statement fails in a transaction (or, inside
    the caller's, a savepoint) of its own, which is rolled back, and the connection is left as
    it came.
    """
    versions = sa.table(table, sa.column("version_num"), schema=schema)
    query = sa.select(sa.func.current_database(), sa.func.array_agg(versions.c.version_num))
    scope = connection.begin_nested() if connection.in_transaction() else connection.begin()
    try:
        with scope:
            row = connection.execute(query).one()
    except sa_exc.ProgrammingError as exc:
        if _sqlstate(exc) != "42P01":  # undefined_table
            raise
        return _database(connection), frozenset()
    return str(row[0]), frozenset(str(rev) for rev in row[1] or ())


def _sqlstate(exc: sa_exc.DBAPIError) -> str | None:
    # psycopg 3 and asyncpg (through SQLAlchemy) name it sqlstate, psycopg2 pgcode
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)


@contextmanager
def _own_transaction(connection: Connection) -> Iterator[None]:
    """Run the statements in a transaction of their own when the caller has none open, so the
    connection is handed back to Alembic as it came (no implicit transaction left open on
    SQLAlchemy 2.0 holding locks). Inside a caller's transaction they simply join it."""
    if connection.in_transaction():
        yield
        return
    with connection.begin():
        yield


# The lock session: named (a waiting replica's error shows who holds the lock), the wait bounded
# by lock_timeout alone, and never ended for idling while the migrations run (the settings a
# server version lacks are skipped: idle_session_timeout is new in PostgreSQL 14).
_SESSION = text(
    "SELECT set_config(s.name, v.setting, false) FROM (VALUES "
    "('application_name', CAST(:label AS text)), ('lock_timeout', CAST(:wait AS text)), "
    "('statement_timeout', '0'), ('idle_session_timeout', '0'), "
    "('idle_in_transaction_session_timeout', '0')) AS v(name, setting) "
    "JOIN pg_catalog.pg_settings s ON s.name = v.name"
)


@contextmanager
def _held(
    connection: Connection, key: tuple[int, int], target: str, timeout: float
) -> Iterator[None]:
    """Hold the target's advisory lock meanwhile, on a connection of its own.

    Its own connection in autocommit: the lock is session-level, so it must not sit in an open
    transaction (``idle_in_transaction_session_timeout`` would end it) and the wait's
    ``lock_timeout`` must not reach the migrations. The connection is closed afterwards, not
    returned to a pool with a lock or settings on it.
    """
    holder = connection.engine.connect()
    try:
        locker = holder.execution_options(isolation_level="AUTOCOMMIT")
        label = f"alembic-baseline startup pid {os.getpid()} on {socket.gethostname()}"
        wait = f"{max(1, round(timeout * 1000))}ms"
        locker.execute(_SESSION, {"label": label[:63], "wait": wait})
        started = time.monotonic()
        try:
            locker.execute(text("SELECT pg_advisory_lock(:k1, :k2)"), {"k1": key[0], "k2": key[1]})
        except sa_exc.DBAPIError as exc:
            raise _lock_failure(locker, key, target, timeout, exc) from None
        log.info("%s: migration lock taken after %.1f s", target, time.monotonic() - started)
        try:
            yield
        finally:
            with suppress(sa_exc.DBAPIError):
                locker.execute(
                    text("SELECT pg_advisory_unlock(:k1, :k2)"), {"k1": key[0], "k2": key[1]}
                )
    finally:
        with suppress(sa_exc.DBAPIError):
            holder.invalidate()  # the physical connection closes: the lock cannot outlive it
        holder.close()


_HOLDERS = text(
    "SELECT a.pid, a.application_name, a.backend_start FROM pg_catalog.pg_locks l "
    "JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
    "AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) "
    "AND l.classid = CAST(CAST(:k1 AS bigint) AS oid) "
    "AND l.objid = CAST(CAST(:k2 AS bigint) AS oid)"
)


def _lock_failure(
    locker: Connection, key: tuple[int, int], target: str, timeout: float, exc: sa_exc.DBAPIError
) -> Exception:
    if _sqlstate(exc) != "55P03":  # lock_not_available: the wait ran out
        return DatabaseError(
            f"Could not take the migration lock of {target}: {str(exc.orig).strip()}",
            hint="Check that the user may connect and run pg_advisory_lock (a statement_timeout "
            "shorter than the wait also ends it).",
        )
    try:
        found = locker.execute(_HOLDERS, {"k1": key[0], "k2": key[1]}).fetchall()
    except sa_exc.DBAPIError:
        found = []
    who = "; ".join(
        f"server pid {pid}, application_name {app!r}, connected since {since:%Y-%m-%d %H:%M:%S}"
        for pid, app, since in found
    )
    return LockTimeout(
        f"Gave up after {timeout:g} s waiting for the migration lock of {target}: another "
        f"session holds it ({who or 'it was released just now'}). Nothing was migrated.",
        hint="Another replica, `alembic-baseline apply` or `fleet apply` is migrating this "
        "target: let it finish, then start again (this process returns at once when the target "
        "is at head). Raise the wait with run_migrations_once(timeout=...) when migrations are "
        "long; if the holder's process is gone while its session stays, end that session with "
        "SELECT pg_terminate_backend(pid).",
        context={"holder": who or "(none now)"},
    )


def _target(database: str) -> str:
    tenant = name()
    return f"database {database!r}" + (f", tenant schema {tenant!r}" if tenant else "")


def _database(connection: Connection) -> str:
    with _own_transaction(connection):
        return str(connection.execute(text("SELECT current_database()")).scalar())
