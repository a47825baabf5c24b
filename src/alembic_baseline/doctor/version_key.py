"""The version table's primary key as Alembic defines it: ``<table>_pkc (version_num)``.

A version table can only hold a revision twice when that key is gone (dropped by hand, or the
table was created by something else than Alembic). ``repair --fix dedupe`` therefore puts it
back after removing the duplicates, in the same transaction, so that the next duplicate is
refused by PostgreSQL instead of diagnosed later. Whatever key the table had before, the one
restored is Alembic's own definition (``MigrationContext``: ``PrimaryKeyConstraint("version_num",
name=f"{version_table}_pkc")``); a primary key that is already there is left as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

COLUMN = "version_num"


def constraint_name(table: str) -> str:
    """The name Alembic gives the key of version table ``table``."""
    return f"{table}_pkc"


def primary_key(conn: Connection, table_sql: str) -> tuple[str, tuple[str, ...]] | None:
    """``(name, columns)`` of the primary key of the table ``table_sql`` names (SQL), or None."""
    from sqlalchemy import text

    row = conn.execute(
        text(
            "SELECT c.conname, array_agg(a.attname::text ORDER BY k.ord) "
            "FROM pg_catalog.pg_constraint c "
            "CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) "
            "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
            "WHERE c.conrelid = to_regclass(:t) AND c.contype = 'p' GROUP BY c.conname"
        ),
        {"t": table_sql},
    ).first()
    return (str(row[0]), tuple(row[1])) if row is not None else None


def restore(conn: Connection, table_sql: str, table: str) -> str:
    """Add Alembic's primary key to the version table when it has none; says what it did.

    Runs inside the repair's transaction, which already holds the table's ACCESS EXCLUSIVE
    lock and has left one row per revision, so the key is built at once and cannot fail on
    duplicates.
    """
    from psycopg import sql

    found = primary_key(conn, table_sql)
    if found is not None:
        return f"primary key {found[0]} ({', '.join(found[1])}) already there"
    name = constraint_name(table)
    statement = sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({})").format(
        sql.SQL(table_sql), sql.Identifier(name), sql.Identifier(COLUMN)
    )
    conn.exec_driver_sql(statement.as_string(None))
    return f"added primary key {name} ({COLUMN})"
