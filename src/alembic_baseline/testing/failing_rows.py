"""After a revision failed on generated rows: which rows made it fail.

The failed revision's transaction rolled back, so the database is back at the revision before
it with the rows still there; the error's diagnostics (SQLSTATE, table, column, detail) say
where to look:

- 23505 (a unique index over duplicates): the duplicated keys and how often each occurs;
- 23502 (NOT NULL over NULLs): the rows holding NULL — or, for a new column without a default,
  that every existing row fails;
- class 22 (a cast that fails, ``ALTER COLUMN … TYPE … USING``): the values that do not convert,
  found with ``pg_input_is_valid`` (PostgreSQL 16+);
- anything else: the server's detail line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.url import DatabaseURL, redact

LIMIT = 5
_KEY = re.compile(r"^Key \((?P<cols>[^)]*)\)=")
_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*$")
_ALTER_TYPE = re.compile(
    r"ALTER\s+TABLE\s+(?:ONLY\s+)?(?P<table>[\w.\"]+)\s+ALTER\s+(?:COLUMN\s+)?(?P<col>[\w\"]+)\s+"
    r"(?:SET\s+DATA\s+)?TYPE\s+(?P<type>[\w\s().,\[\]]+?)(?:\s+USING\b|\s*;?\s*$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Failure:
    """What the server said, and the rows behind it."""

    sqlstate: str | None
    message: str
    statement: str | None
    table: str | None = None
    column: str | None = None
    detail: str | None = None
    rows: tuple[str, ...] = ()
    """Human-readable lines: a duplicated key with its count, a row as JSON, a failing value."""


def from_exception(exc: BaseException, fallback: str) -> Failure:
    """The database error behind a failed upgrade (SQLAlchemy's wrapper, psycopg or psycopg2)."""
    cause: Any = exc.__cause__ or exc
    orig = getattr(cause, "orig", None) or cause
    diag = getattr(orig, "diag", None)
    statement = getattr(cause, "statement", None)
    if diag is None:
        return Failure(None, fallback, statement)
    schema, table = getattr(diag, "schema_name", None), getattr(diag, "table_name", None)
    return Failure(
        getattr(diag, "sqlstate", None) or getattr(orig, "pgcode", None),
        redact(getattr(diag, "message_primary", None) or fallback),
        statement,
        f"{schema}.{table}" if schema and table else table,
        getattr(diag, "column_name", None),
        getattr(diag, "message_detail", None),
    )


def explain(url: DatabaseURL, failure: Failure) -> tuple[str, ...]:
    """The rows behind ``failure`` on ``url`` (the database at the revision before)."""
    state = failure.sqlstate or ""
    try:
        with connection(url) as conn:
            if state == "23505" and failure.table and failure.detail:
                return _duplicates(conn, failure.table, failure.detail)
            if state == "23502" and failure.table and failure.column:
                return _nulls(conn, failure.table, failure.column)
            if state.startswith("22") and failure.statement:
                return _bad_casts(conn, failure.statement)
    except Exception as exc:  # the explanation is best effort; the failure itself stands
        return (f"(the failing rows could not be listed: {redact(str(exc)).splitlines()[0]})",)
    return ()


def _table(name: str) -> sql.Composable:
    schema, _, table = name.rpartition(".")
    return sql.Identifier(schema, table) if schema else sql.Identifier(table)


def _duplicates(conn: Any, table: str, detail: str) -> tuple[str, ...]:
    match = _KEY.match(detail)
    cols = [c.strip() for c in match.group("cols").split(",")] if match else []
    if not cols or not all(_IDENT.match(c) for c in cols):
        return (detail,)  # an expression index: the server's detail names one key
    keys = sql.SQL(", ").join(map(sql.Identifier, cols))
    # NULLs are distinct in a unique index (unless NULLS NOT DISTINCT): never the duplicates.
    present = sql.SQL(" AND ").join(
        sql.SQL("{} IS NOT NULL").format(sql.Identifier(c)) for c in cols
    )
    query = sql.SQL(
        "SELECT row({keys})::text, count(*) FROM {t} WHERE {present} GROUP BY {keys} "
        "HAVING count(*) > 1 ORDER BY count(*) DESC, 1 LIMIT {n}"
    ).format(keys=keys, t=_table(table), present=present, n=sql.Literal(LIMIT))
    total = sql.SQL(
        "SELECT count(*) FROM (SELECT 1 FROM {t} WHERE {present} GROUP BY {keys} "
        "HAVING count(*) > 1) d"
    ).format(keys=keys, t=_table(table), present=present)
    groups = conn.execute(total).fetchone()[0]
    lines = [f"({', '.join(cols)}) = {key} occurs {n} times" for key, n in conn.execute(query)]
    return (f"{groups} duplicated key(s) in {table}", *lines)


def _nulls(conn: Any, table: str, column: str) -> tuple[str, ...]:
    t = _table(table)
    exists = conn.execute(
        "SELECT 1 FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s "
        "AND NOT attisdropped",
        (t.as_string(conn), column),
    ).fetchone()
    total = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(t)).fetchone()[0]
    if not exists:
        return (
            f"all {total} existing row(s) of {table}: the new column {column} is NOT NULL "
            "and has no default",
        )
    where = sql.SQL("{} IS NULL").format(sql.Identifier(column))
    count = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE {}").format(t, where)).fetchone()[0]
    sample = conn.execute(
        sql.SQL("SELECT row_to_json(x)::text FROM {} x WHERE {} LIMIT {}").format(
            t, where, sql.Literal(LIMIT)
        )
    ).fetchall()
    return (f"{count} of {total} row(s) of {table} hold NULL in {column}", *(r[0] for r in sample))


def _bad_casts(conn: Any, statement: str) -> tuple[str, ...]:
    match = _ALTER_TYPE.search(statement)
    if match is None or conn.info.server_version < 160000:
        return ()
    table, column = match.group("table").replace('"', ""), match.group("col").replace('"', "")
    target = match.group("type").strip()
    query = sql.SQL(
        "SELECT DISTINCT {c}::text FROM {t} WHERE {c} IS NOT NULL "
        "AND NOT pg_input_is_valid({c}::text, %s) ORDER BY 1 LIMIT {n}"
    ).format(c=sql.Identifier(column), t=_table(table), n=sql.Literal(LIMIT))
    values = [r[0] for r in conn.execute(query, (target,)).fetchall()]
    if not values:
        return ()
    return tuple(f"{table}.{column} = {v!r} does not convert to {target}" for v in values)
