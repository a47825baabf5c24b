"""Facts about a PostgreSQL server and its database that several features read: the server's
version, and the indexes left INVALID by an interrupted ``CREATE INDEX CONCURRENTLY``.

Read here once, on a connection the caller opened (or a URL): deploy, doctor, baseline and the
snapshot all ask the same questions, and get the same answers (and the same errors: nothing
here swallows one — a caller that can go on without the answer says so itself).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alembic_baseline.pg.connect import connection

if TYPE_CHECKING:
    import psycopg

    from alembic_baseline.pg.url import DatabaseURL


@dataclass(frozen=True)
class ServerVersion:
    """``num``: ``server_version_num`` (150018); ``full``: ``server_version`` as the server
    reports it (``16.4 (Debian 16.4-1.pgdg120+1)``)."""

    num: int
    full: str

    @property
    def major(self) -> int:
        return self.num // 10000

    @property
    def text(self) -> str:
        """The version number alone (``16.4``), or the major when the server hid it."""
        return self.full.split(" ")[0] if self.full else str(self.major)


def server_version(conn: psycopg.Connection[Any]) -> ServerVersion:
    """The connected server's version (from the connection's own parameters: no query)."""
    return ServerVersion(
        int(conn.info.server_version), str(conn.info.parameter_status("server_version") or "")
    )


def server_major(conn: psycopg.Connection[Any]) -> int:
    return server_version(conn).major


def read_server_version(url: DatabaseURL) -> ServerVersion:
    """Connect (clear errors for a wrong password, an unreachable host, a missing database) and
    read the server's version."""
    with connection(url) as conn:
        return server_version(conn)


@dataclass(frozen=True)
class InvalidIndex:
    """An index PostgreSQL marked INVALID: an interrupted CREATE INDEX CONCURRENTLY (or REINDEX
    CONCURRENTLY) left it behind; it costs writes and answers no query."""

    schema: str
    table: str
    name: str
    definition: str
    building: bool
    """A CREATE INDEX CONCURRENTLY is building it right now (not a leftover yet)."""

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


INVALID_INDEXES = """
SELECT n.nspname, t.relname, i.relname, pg_get_indexdef(x.indexrelid),
       EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = x.indexrelid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = i.relnamespace
WHERE NOT x.indisvalid AND n.nspname !~ '^pg_(toast_)?temp_'
ORDER BY 1, 3
"""


def invalid_indexes(conn: psycopg.Connection[Any]) -> tuple[InvalidIndex, ...]:
    """Every INVALID index of the database (temporary schemas left out), by schema and name."""
    return invalid_from_rows(conn.execute(INVALID_INDEXES).fetchall())


def invalid_from_rows(rows: Iterable[Sequence[Any]]) -> tuple[InvalidIndex, ...]:
    """:data:`INVALID_INDEXES`'s rows, read by any driver (repair reads them through the
    SQLAlchemy connection of its transaction, psycopg2 on SQLAlchemy 1.4)."""
    return tuple(InvalidIndex(str(a), str(b), str(c), str(d), bool(e)) for a, b, c, d, e in rows)


def read_invalid_indexes(url: DatabaseURL) -> tuple[InvalidIndex, ...]:
    with connection(url) as conn:
        return invalid_indexes(conn)
