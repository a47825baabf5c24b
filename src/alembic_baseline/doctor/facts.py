"""What a database says about itself: its version table as it really is, and its leftovers.

Alembic's own reading of the version table hides what ``doctor`` needs to see (a duplicate row,
a missing table), so the rows are read directly — only *where* the table is (name and schema)
comes from the project's env.py. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alembic_baseline.expected import VersionTable
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.server import InvalidIndex, invalid_indexes, server_version

if TYPE_CHECKING:
    import psycopg

    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.pg.url import DatabaseURL


@dataclass(frozen=True)
class Facts:
    """A database as found."""

    url: DatabaseURL
    server_version: str
    server_major: int
    version_table: VersionTable
    table_exists: bool
    rows: tuple[str, ...]
    """The version table's rows as stored (duplicates kept), sorted."""
    invalid_indexes: tuple[InvalidIndex, ...]

    @property
    def recorded(self) -> tuple[str, ...]:
        """The distinct recorded revisions."""
        return tuple(sorted(set(self.rows)))

    @property
    def table_label(self) -> str:
        vt = self.version_table
        return f"{vt.schema}.{vt.name}" if vt.schema else vt.name


def _version_rows(
    conn: psycopg.Connection[Any], table: VersionTable
) -> tuple[bool, tuple[str, ...]]:
    from psycopg import sql

    # Without a schema Alembic finds the table through the search_path, so do we.
    found = conn.execute(
        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = %s AND c.relkind IN ('r', 'p') AND "
        "(n.nspname = %s OR (%s::text IS NULL AND pg_table_is_visible(c.oid)))",
        (table.name, table.schema, table.schema),
    ).fetchone()
    if found is None:
        return False, ()
    query = sql.SQL("SELECT version_num FROM {}.{}").format(
        sql.Identifier(str(found[0])), sql.Identifier(table.name)
    )
    return True, tuple(sorted(str(r[0]) for r in conn.execute(query)))


def read_facts(project: AlembicProject, url: DatabaseURL) -> Facts:
    """Connect (clear errors first), ask env.py where the version table is, read it raw."""
    with connection(url) as conn:
        version = server_version(conn)
    name, schema = project.version_table(url)
    table = VersionTable(name, schema)
    with connection(url) as conn:
        exists, rows = _version_rows(conn, table)
        invalid = invalid_indexes(conn)
    return Facts(url, version.text, version.major, table, exists, rows, invalid)
