"""``plan --rehearse --sample-rows N``: up to N rows per table from production into the copy.

Production is only read, in one ``READ ONLY`` ``REPEATABLE READ`` transaction (one consistent
view of every table; the server itself refuses any write in it), and the rows stream from
``COPY (SELECT … LIMIT N) TO STDOUT`` into ``COPY … FROM STDIN`` on the scratch copy through
memory, a buffer at a time: nothing is written to disk. Foreign-key and other triggers are off
while loading (``session_replication_role = replica``, the scratch role is a superuser): a
sampled row may point to a row that was not sampled.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import cast

import psycopg
from psycopg import sql

from alembic_baseline.errors import DatabaseError
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.url import DatabaseURL, redact

_TABLES = """
SELECT n.nspname, c.relname, c.relkind = 'p',
       ARRAY(SELECT a.attname::text FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               AND a.attgenerated = '' ORDER BY a.attnum)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 1, 2
"""


def copy_sample(
    production: DatabaseURL, copy: DatabaseURL, rows: int, skip: Collection[str]
) -> dict[str, int]:
    """Copy up to ``rows`` rows of every table of ``copy`` (same schema as production) from
    ``production``; ``skip``: qualified names left alone. Rows copied per table."""
    try:
        return _copy(production, copy, rows, skip)
    except psycopg.Error as exc:
        raise DatabaseError(
            f"Copying sampled rows into the scratch copy failed: {redact(str(exc)).strip()}",
            hint="Nothing was written to production (its transaction was read only). Retry "
            "without --sample-rows, or with --reference-table for the tables that matter.",
        ) from None


def _copy(
    production: DatabaseURL, copy: DatabaseURL, rows: int, skip: Collection[str]
) -> dict[str, int]:
    copied: dict[str, int] = {}
    with (
        connection(production, autocommit=False) as source,
        connection(copy, autocommit=False) as target,
    ):
        source.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        target.execute("SET session_replication_role = replica")
        for schema, name, partitioned, columns in target.execute(_TABLES).fetchall():
            qualified = f"{schema}.{name}"
            names = [str(c) for c in cast("list[object]", columns)]
            if qualified in skip or name in skip or not names:
                continue
            table = sql.Identifier(str(schema), str(name))
            cols = sql.SQL(", ").join(sql.Identifier(c) for c in names)
            # ONLY: an inheritance parent's own rows (its children are copied as tables of
            # their own); a partitioned table has none of its own, its partitions' come along.
            only = sql.SQL("" if partitioned else "ONLY ")
            out = sql.SQL("COPY (SELECT {} FROM {}{} LIMIT {}) TO STDOUT").format(
                cols, only, table, sql.Literal(rows)
            )
            into = sql.SQL("COPY {} ({}) FROM STDIN").format(table, cols)
            with (
                source.cursor() as src,
                target.cursor() as dst,
                src.copy(out) as reading,
                dst.copy(into) as writing,
            ):
                count = 0
                for block in reading:
                    writing.write(block)
                    count += bytes(block).count(b"\n")  # text COPY: one line per row
            copied[qualified] = count
        source.rollback()  # nothing to keep: the transaction only read
        target.commit()
    return copied
