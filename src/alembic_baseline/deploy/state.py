"""Where a database stands: server version, recorded revisions, and what a run shares.

The recorded revisions are read through the project's own env.py (so a custom version table or
schema is honoured), and each one is located in the history: live, archived (the database is
behind a baseline) or unknown (someone stamped, renamed or deleted a revision). Only a database
whose revision is live can be patched; the others are sent to ``alembic-baseline doctor``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from alembic_baseline.deploy.applied import AppliedRow, applied_rows, applied_rows_direct
from alembic_baseline.deploy.options import DeployOptions
from alembic_baseline.errors import UnsafeError
from alembic_baseline.expected import VersionTable
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import Scratch
from alembic_baseline.pg.server import read_server_version, server_version
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.pg.waits import VERSION_TABLE_READ
from alembic_baseline.pg.watched import LockWaitTimeout, StatementTimeout

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext

    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.history.graph import History

Progress = Callable[[str], None]
"""Receives one line per step ("backup: 12.3 MB in 0.4 s"); the CLI decides how to show it."""


@dataclass(frozen=True)
class DbState:
    """A database as found: its server and the revisions its version table records."""

    url: DatabaseURL
    server_version: str
    server_major: int
    current: tuple[str, ...]
    version_table: VersionTable
    applied: Mapping[str, AppliedRow] | None = None
    """The applied-revisions table's newest row per revision, when asked for and present."""


def read_state(project: AlembicProject, url: DatabaseURL, *, applied: bool = False) -> DbState:
    """Connect (clear errors for a wrong password, an unreachable host, a missing database),
    then read the version table the way env.py configures it (and, with ``applied``, the
    applied-revisions table beside it, on the same connection)."""
    version = read_server_version(url)
    found: dict[str, object] = {}

    def read(ctx: MigrationContext) -> None:
        found["heads"] = tuple(sorted(ctx.get_current_heads()))
        # Set by MigrationContext from env.py's configure(version_table=…, …_schema=…).
        found["table"] = VersionTable(ctx.version_table, ctx.version_table_schema)
        if applied:
            found["applied"] = applied_rows(ctx, url.redacted)

    project.with_context(url, read)
    heads = found["heads"]
    table = found["table"]
    assert isinstance(heads, tuple) and isinstance(table, VersionTable)
    rows = found.get("applied")
    assert rows is None or isinstance(rows, dict)
    return DbState(url, version.text, version.major, heads, table, rows)


_HAS_TABLE = (
    "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relname = %(name)s AND c.relkind = ANY(ARRAY['r', 'p', 'f', 'v', 'm']) AND "
    "CASE WHEN %(schema)s::text IS NULL THEN pg_catalog.pg_table_is_visible(c.oid) "
    "ELSE n.nspname = %(schema)s::text END"
)


def read_state_direct(
    url: DatabaseURL, table: VersionTable, *, applied: bool = False
) -> DbState | None:
    """:func:`read_state` without env.py, on one connection of the tool's own, for a version
    table whose name and schema are known (``status``'s quick path, history/quick.py): no
    version table is no revision, as for Alembic. None when the version table cannot be read
    (a privilege, another shape): the full path reads it again and reports it in its words. A
    lock or statement timeout is the full path's error at once: handing it over
    would wait the whole lock_timeout a second time."""
    with connection(url) as conn:
        conn.ab_label = VERSION_TABLE_READ  # type: ignore[attr-defined]
        version = server_version(conn)
        heads: tuple[str, ...] = ()
        params = {"name": table.name, "schema": table.schema}
        try:
            if conn.execute(_HAS_TABLE, params).fetchone() is not None:
                name: sql.Composable = sql.Identifier(table.name)
                if table.schema is not None:
                    name = sql.SQL("{}.{}").format(sql.Identifier(table.schema), name)
                query = sql.SQL("SELECT version_num FROM {}").format(name)
                heads = tuple(sorted(str(r[0]) for r in conn.execute(query).fetchall()))
        except (LockWaitTimeout, StatementTimeout):
            raise
        except psycopg.Error:
            return None
        rows_applied = applied_rows_direct(conn, table.schema, url.redacted) if applied else None
    return DbState(url, version.text, version.major, heads, table, rows_applied)


def locate(history: History, current: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """``(archived, unknown)`` among the recorded revisions."""
    archived = [r for r in current if history.locate(r) == "archived"]
    unknown = [r for r in current if history.locate(r) is None]
    return archived, unknown


def require_patchable(state: DbState, history: History) -> None:
    """Refuse (exit 3) a database whose recorded revision the live history cannot continue."""
    archived, unknown = locate(history, state.current)
    where = state.url.redacted
    if unknown:
        raise UnsafeError(
            f"The version table of {where} records {', '.join(unknown)}, which is not a "
            "revision of this project (neither live nor archived). Nothing was done.",
            hint="Run `alembic-baseline doctor` to find out which revision the schema really "
            "is at, and follow its fix; do not stamp or edit alembic_version by hand.",
        )
    if archived:
        raise UnsafeError(
            f"{where} is at {', '.join(archived)}, an archived revision behind the baseline: "
            "plain Alembic cannot continue from it. Nothing was done.",
            hint="Run `alembic-baseline doctor`: it shows how to bring the database to the old "
            "head through the archived revisions first.",
        )
    if len(state.current) > 1:
        raise UnsafeError(
            f"{where} records {len(state.current)} revisions ({', '.join(state.current)}): "
            "the offline plan cannot be rendered from several starting points.",
            hint="Merge the branches (alembic merge) and apply the merge with alembic, or run "
            "`alembic-baseline doctor`.",
        )


@dataclass
class Deployment:
    """What every step of one run shares."""

    project: AlembicProject
    history: History
    state: DbState
    options: DeployOptions
    scratch: Scratch
    progress: Progress

    @property
    def url(self) -> DatabaseURL:
        return self.state.url


def quiet(_: str) -> None:
    """A progress callback that shows nothing."""
