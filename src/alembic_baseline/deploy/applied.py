"""The applied-revisions table: which file content each applied revision had (docs/team.md).

``apply`` records every revision it runs in ``alembic_baseline_applied``, beside the version
table (same schema), created on first use::

    revision      text              NOT NULL   -- the revision id
    checksum      text              NOT NULL   -- sha256:… of the file (history/checksums.py)
    path          text              NOT NULL   -- the file, relative to the project
    applied_at    timestamptz       NOT NULL   -- clock_timestamp() of the row
    seconds       double precision             -- from the start of its upgrade run to the row
    tool_version  text              NOT NULL   -- alembic-baseline's version
    action        text              NOT NULL   -- 'upgrade', or 'accept' (repair --accept-checksums)
    run_id        text                         -- the run record (STATE_DIR/runs/<id>)

No primary key, index or sequence: rows are only appended, and the newest row of a revision
(by ``applied_at``) says which checksum counts. The row is written by Alembic's
``on_version_apply`` hook, on the migration's own connection right after the version table is
updated: in the same transaction as the revision's version-table update (with
``transaction_per_migration`` the revision's own transaction; after an ``autocommit_block()``
the transaction Alembic opens after it, the one the version update runs in). A row that cannot
be written (no CREATE privilege, say) never fails the revision: it runs in a savepoint and the
run reports that nothing was recorded.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from psycopg import sql

from alembic_baseline import __version__
from alembic_baseline.errors import BaselineError, DatabaseError
from alembic_baseline.history.checksums import APPLIED_TABLE as APPLIED_TABLE
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.pg.watched import LockWaitTimeout, StatementTimeout

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext

_COLUMNS = """(
    revision text NOT NULL,
    checksum text NOT NULL,
    path text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    seconds double precision,
    tool_version text NOT NULL,
    action text NOT NULL DEFAULT 'upgrade',
    run_id text
)"""
_INSERT = (
    "(revision, checksum, path, seconds, tool_version, action, run_id) "
    "VALUES (:revision, :checksum, :path, :seconds, :tool_version, :action, :run_id)"
)


@dataclass(frozen=True)
class Mismatch:
    revision: str
    recorded: str
    """The checksum recorded when it was applied (or accepted)."""
    actual: str | None
    """The file's checksum now; None when no file declares the revision."""
    path: str
    """Where the file was when it was recorded."""

    @property
    def detail(self) -> str:
        if self.actual is None:
            return f"{self.revision}: applied from {self.path}, no file declares it any more"
        return f"{self.revision}: {self.path} changed since it was applied"


@dataclass(frozen=True)
class IntegrityCheck:
    """The applied revisions compared with their files."""

    recorded: bool
    """The database has the applied-revisions table (False: nothing to compare yet)."""
    checked: int = 0
    mismatches: tuple[Mismatch, ...] = ()
    not_compared: tuple[str, ...] = ()
    """Archived by a baseline (manifest) and the file is no longer there."""

    @property
    def ok(self) -> bool:
        return not self.mismatches


@dataclass(frozen=True)
class AppliedRow:
    """The newest row of one revision."""

    revision: str
    checksum: str
    path: str
    action: str
    applied_at: str


@dataclass
class Recorder:
    """An ``on_version_apply`` callback that records upgrades (``checksums``: id → (checksum,
    path)); ``problems`` collects rows that could not be written."""

    checksums: Mapping[str, tuple[str, str]]
    run_id: str | None = None
    started: float = field(default_factory=time.perf_counter)
    problems: list[str] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)

    def __call__(self, *, ctx: MigrationContext, step: Any, heads: Any, run_args: Any) -> None:
        revision = str(step.up_revision_id) if step.is_upgrade else ""
        conn = ctx.connection
        if revision not in self.checksums or conn is None or ctx.as_sql:
            return
        from sqlalchemy import text

        table = _qualified(conn, ctx.version_table_schema)
        checksum, path = self.checksums[revision]
        values = {
            "revision": revision,
            "checksum": checksum,
            "path": path,
            "seconds": time.perf_counter() - self.started,
            "tool_version": __version__,
            "action": "upgrade",
            "run_id": self.run_id,
        }
        try:
            scope = conn.begin_nested() if conn.in_transaction() else None
            try:
                conn.execute(text(f"CREATE TABLE IF NOT EXISTS {table} {_COLUMNS}"))
                conn.execute(text(f"INSERT INTO {table} {_INSERT}"), values)
            except Exception:
                if scope is not None:
                    scope.rollback()
                raise
            if scope is not None:
                scope.commit()
            self.recorded.append(revision)
        except Exception as exc:  # recording must never fail the revision it records
            first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            self.problems.append(f"{revision}: {first[0] if first else type(exc).__name__}")
        self.started = time.perf_counter()


def _qualified(conn: Any, schema: str | None) -> str:
    """The table name quoted by the connection's dialect (SQLAlchemy text, any driver)."""
    quote = conn.dialect.identifier_preparer.quote
    return f"{quote(schema)}.{quote(APPLIED_TABLE)}" if schema else quote(APPLIED_TABLE)


def _table(schema: str | None) -> sql.Composable:
    name = sql.Identifier(APPLIED_TABLE)
    return sql.SQL("{}.{}").format(sql.Identifier(schema), name) if schema else name


def _unreadable(where: str, exc: BaseException) -> DatabaseError:
    first = str(exc).strip().splitlines()
    return DatabaseError(
        f"{APPLIED_TABLE} in {where} cannot be read, so the applied revisions cannot be "
        f"compared with their files: {first[0] if first else type(exc).__name__}",
        hint="It is alembic-baseline's own table (docs/team.md). If another tool owns "
        "that name, set record_applied = false in [tool.alembic-baseline.deploy].",
    )


def applied_rows(ctx: MigrationContext, where: str) -> dict[str, AppliedRow] | None:
    """The newest row of each recorded revision, read on env.py's own connection (beside the
    version table it configured); None when the table does not exist."""
    from sqlalchemy import text

    conn = ctx.connection
    if conn is None:
        return None
    table = _qualified(conn, ctx.version_table_schema)
    try:
        if conn.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() is None:
            return None
        rows = conn.execute(
            text(
                "SELECT DISTINCT ON (revision) revision, checksum, path, action, "
                f"applied_at::text FROM {table} ORDER BY revision, applied_at DESC"
            )
        ).fetchall()
    except Exception as exc:  # a table of that name the tool did not make
        raise _unreadable(where, getattr(exc, "orig", None) or exc) from None
    return {str(r[0]): AppliedRow(*(str(v) for v in r)) for r in rows}


def applied_rows_direct(conn: Any, schema: str | None, where: str) -> dict[str, AppliedRow] | None:
    """:func:`applied_rows` on a psycopg connection of the tool's own (``status``'s quick path:
    the same table beside the version table, the same query, the same error)."""
    table = _table(schema)
    try:
        found = conn.execute("SELECT to_regclass(%s)", (table.as_string(conn),)).fetchone()
        if found is None or found[0] is None:
            return None
        rows = conn.execute(
            sql.SQL(
                "SELECT DISTINCT ON (revision) revision, checksum, path, action, "
                "applied_at::text FROM {} ORDER BY revision, applied_at DESC"
            ).format(table)
        ).fetchall()
    except (LockWaitTimeout, StatementTimeout):
        raise  # a wait, said as one (the caller's label): not a table of another shape
    except Exception as exc:  # a table of that name the tool did not make
        raise _unreadable(where, exc) from None
    return {str(r[0]): AppliedRow(*(str(v) for v in r)) for r in rows}


def accept(
    url: DatabaseURL, schema: str | None, rows: list[tuple[str, str, str]], run_id: str | None
) -> None:
    """Record ``(revision, checksum, path)`` as accepted (one transaction)."""
    try:
        with connection(url) as conn, conn.transaction():
            conn.execute(
                sql.SQL("CREATE TABLE IF NOT EXISTS {} " + _COLUMNS).format(_table(schema))
            )
            for revision, checksum, path in rows:
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {} (revision, checksum, path, tool_version, action, run_id) "
                        "VALUES (%s, %s, %s, %s, 'accept', %s)"
                    ).format(_table(schema)),
                    (revision, checksum, path, __version__, run_id),
                )
    except BaselineError:
        raise
    except Exception as exc:
        raise BaselineError(
            f"Could not record the accepted checksums in {url.redacted}: {exc}",
            hint=f"The role needs CREATE on the schema and INSERT on {APPLIED_TABLE}.",
        ) from None
