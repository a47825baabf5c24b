"""Which tables changed since a backup, by row count — said before a restore discards them.

The backup's counts are read from the archive itself (``pg_restore --data-only -f -``: in COPY
text format every row is one line, newlines inside values are escaped), so any backup can be
checked, including ones taken before this existed. The live counts are ``count(*)`` per table
under the lock timeout. Equal counts do not prove that nothing was written (an UPDATE, or as many
DELETEs as INSERTs, keeps the count): the restore says so instead of "unchanged".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from alembic_baseline.errors import DatabaseError
from alembic_baseline.history.checksums import APPLIED_TABLE
from alembic_baseline.pg import pipes
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.runbook.backup import client_for

_COPY = re.compile(rb"^COPY (?P<name>.+?) (?:\(.*\) )?FROM stdin;$")
_TABLES = """
SELECT format('%I.%I', n.nspname, c.relname), n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1
"""


@dataclass(frozen=True)
class RowChange:
    """A table whose row count now differs from the backup's."""

    table: str
    now: int
    in_backup: int | None
    """None: the table is not in the backup (created after it: dropped with its rows)."""

    def describe(self) -> str:
        if self.in_backup is None:
            return f"{self.table}: {self.now:,} row(s) now, table not in the backup (dropped)"
        return f"{self.table}: {self.now:,} row(s) now, {self.in_backup:,} in the backup"


def in_backup(path: Path, server_major: int) -> dict[str, int]:
    """``{schema.table: rows}`` of every table whose data the archive holds."""
    counts: dict[str, int] = {}
    current: list[str | None] = [None]

    def sink(line: bytes) -> None:
        table = current[0]
        if table is None:
            match = _COPY.match(line.rstrip(b"\n"))
            if match:
                name = match.group("name").decode()
                current[0] = name
                counts[name] = 0
        elif line in (b"\\.\n", b"\\."):
            current[0] = None
        else:
            counts[table] += 1

    installation = client_for(server_major)
    pipes.pg_restore_lines(installation.bindir, ["--data-only", "-f", "-", str(path)], sink)
    return counts


def live(url: DatabaseURL, lock_timeout: str) -> dict[str, int]:
    """``{schema.table: rows}`` of the database's tables now (``count(*)``)."""
    import psycopg
    from psycopg import sql

    counts = {}
    with connection(url) as conn:
        try:
            conn.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(lock_timeout)))
            for name, schema, table in conn.execute(_TABLES).fetchall():
                query = sql.SQL("SELECT count(*) FROM {}").format(
                    sql.Identifier(str(schema), str(table))
                )
                row = conn.execute(query).fetchone()
                counts[str(name)] = int(str(row[0])) if row else 0
        except psycopg.Error as exc:
            raise DatabaseError(
                f"Could not count the rows of {url.redacted}: {exc} Nothing was done.",
                hint="On a lock timeout another session holds a table exclusively: retry when "
                "it is done, or raise --lock-timeout.",
            ) from None
    return counts


def changes(backup: dict[str, int], now: dict[str, int]) -> list[RowChange]:
    """Tables a restore would change: counts differ, or rows in a table the backup lacks."""
    found = []
    for table, rows in sorted(now.items()):
        before = backup.get(table)
        if before is None and rows == 0:
            continue  # an empty new table: dropping it loses no row
        if table.rpartition(".")[2].strip('"') == APPLIED_TABLE:
            continue  # the tool's record of the revisions the restore undoes, not user data
        if before != rows:
            found.append(RowChange(table, rows, before))
    return found
