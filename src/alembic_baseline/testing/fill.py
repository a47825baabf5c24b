"""Fill every table of a scratch database with generated rows, parents before children.

Foreign keys take values from the rows already in the referenced table; primary keys, unique
constraints and unique indexes hold (their columns get distinct seeds); CHECKs that list
values are honoured, and a row a CHECK (or anything else) still refuses is generated again
with other seeds, then skipped and counted. A project hook (``rows_hook``) can provide whole
or partial rows for a table the generator cannot make: the columns it gives are taken as they
are, the others are generated.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from alembic_baseline.errors import ConfigError
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.url import DatabaseURL, redact
from alembic_baseline.testing import rowgen
from alembic_baseline.testing.catalog import ColumnSpec, ForeignKey, TableSpec, read_tables

RowsHook = Callable[[str, int], Iterable[Mapping[str, Any]] | None]
ATTEMPTS = 3


@dataclass(frozen=True)
class Filled:
    """What one table received."""

    table: str
    rows: int
    skipped: int = 0
    problem: str | None = None
    """Why rows are missing (a type without a generator, a refused row); None: all there."""


def fill_database(
    url: DatabaseURL, rows: int, hook: RowsHook | None, exclude: set[str]
) -> list[Filled]:
    """Fill every table of ``url`` (except ``exclude``, qualified names) with ``rows`` rows."""
    with connection(url) as conn:
        tables = read_tables(conn, exclude)
        keys: dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]] = {}
        wanted = {(fk.table, fk.ref_columns) for t in tables.values() for fk in t.foreign_keys}
        out = []
        for name in order(tables):
            spec = tables[name]
            out.append(_fill_table(conn, spec, rows, hook, keys))
            for table, columns in wanted:
                if table == name:
                    query = sql.SQL("SELECT DISTINCT {} FROM {}.{}").format(
                        sql.SQL(", ").join(map(sql.Identifier, columns)),
                        sql.Identifier(spec.schema),
                        sql.Identifier(spec.name),
                    )
                    found = [tuple(r) for r in conn.execute(query).fetchall()]
                    keys[(table, columns)] = [r for r in found if None not in r]
    return out


def order(tables: Mapping[str, TableSpec]) -> list[str]:
    """Referenced tables first; the tables of a foreign-key cycle in name order."""
    graph = {
        name: {fk.table for fk in t.foreign_keys if fk.table != name and fk.table in tables}
        for name, t in sorted(tables.items())
    }
    try:
        return list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError:
        return sorted(tables)


def _fill_table(
    conn: Any,
    spec: TableSpec,
    rows: int,
    hook: RowsHook | None,
    keys: Mapping[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]],
) -> Filled:
    provided = _provided(hook, spec.qualified, rows) if hook else []
    count = len(provided) or rows
    given = set().union(*provided) if provided else set()
    unique = spec.unique_columns()
    fk_of = {c: fk for fk in spec.foreign_keys for c in fk.columns}
    columns = [c for c in spec.columns if c.name in given or _generated(c, unique, fk_of)]
    listed = rowgen.listed_values(spec.checks)
    blocker = _blocker(spec, columns, given, fk_of, listed, keys)
    if blocker is not None:
        return Filled(spec.qualified, 0, count, blocker)
    insert = sql.SQL("INSERT INTO {}.{} ({}) VALUES ({})").format(
        sql.Identifier(spec.schema),
        sql.Identifier(spec.name),
        sql.SQL(", ").join(sql.Identifier(c.name) for c in columns),
        sql.SQL(", ").join(sql.SQL("%s::" + c.type) for c in columns),
    )

    def row(i: int, attempt: int) -> list[Any]:
        # A retry takes other seeds: beyond every first-try seed (so unique columns stay
        # distinct) and shifted within a repeating column's small domain.
        base = provided[i] if i < len(provided) else {}
        return [
            base[c.name]
            if c.name in base
            else _value(c, i + attempt * (count * 7919 + 1), count, unique, fk_of, listed, keys)
            for c in columns
        ]

    try:
        with conn.transaction(), conn.cursor() as cur:  # all at once when nothing refuses
            cur.executemany(insert, [row(i, 0) for i in range(count)])
        return Filled(spec.qualified, count)
    except psycopg.Error:  # a refused row: go row by row below
        pass
    inserted, problem = 0, None
    for i in range(count):
        for attempt in range(ATTEMPTS):
            try:
                conn.execute(insert, row(i, attempt))
                inserted += 1
                break
            except psycopg.Error as exc:  # generated again with other seeds, then skipped
                problem = exc.diag.message_primary or str(exc)
    skipped = count - inserted
    return Filled(
        spec.qualified, inserted, skipped, f"rows refused: {problem}" if skipped else None
    )


def _blocker(
    spec: TableSpec,
    columns: list[ColumnSpec],
    given: set[str],
    fk_of: Mapping[str, ForeignKey],
    listed: Mapping[str, tuple[str, ...]],
    keys: Mapping[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]],
) -> str | None:
    """Why no row of the table can be made (``given`` gains the nullable columns left NULL)."""
    for column in columns:
        if column.name in given or column.name in fk_of or column.name in listed:
            continue
        try:
            rowgen.value(column, 0)
        except rowgen.Unsupported as exc:
            if column.not_null:
                return f"column {column.name}: {exc}"
            given.add(column.name)  # nullable: left NULL
    for fk in spec.foreign_keys:
        parents = keys.get((fk.table, fk.ref_columns), [])
        needed = any(c.not_null for c in columns if c.name in fk.columns)
        if not parents and needed and not (set(fk.columns) <= given):
            return f"references {fk.table}, which has no rows to point to"
    return None


class RowsHookError(ConfigError):
    """The project's rows hook failed or returned something else than rows (exit 2)."""


def _provided(hook: RowsHook, table: str, rows: int) -> list[dict[str, Any]]:
    try:
        return [dict(r) for r in (hook(table, rows) or ())]
    except Exception as exc:
        raise RowsHookError(
            f"The rows hook failed for {table} ({type(exc).__name__}: {redact(str(exc))}).",
            hint="It is called as hook(table, count) with table as schema.name and must return "
            "a list of dicts (column: value) or None. See docs/testing-checks.md.",
        ) from None


def _generated(column: ColumnSpec, unique: set[str], fk_of: Mapping[str, ForeignKey]) -> bool:
    """Whether the generator provides the column (else its default or identity does)."""
    if column.automatic or column.serial:
        return False
    return not column.has_default or column.name in unique or column.name in fk_of


def _value(
    column: ColumnSpec,
    i: int,
    count: int,
    unique: set[str],
    fk_of: Mapping[str, ForeignKey],
    listed: Mapping[str, tuple[str, ...]],
    keys: Mapping[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]],
) -> Any:
    in_unique = column.name in unique
    fk = fk_of.get(column.name)
    if fk is not None:
        parents = keys.get((fk.table, fk.ref_columns), [])
        if not parents or rowgen.is_null(i, column, in_unique):
            return None
        # One parent row per row and key (every column of a composite key from the same one);
        # distinct parents where the key is unique, spread over them elsewhere.
        pick = parents[(i if set(fk.columns) <= unique else i * 7) % len(parents)]
        return pick[fk.columns.index(column.name)]
    if rowgen.is_null(i, column, in_unique):
        return None
    try:
        return rowgen.value(column, rowgen.seed(i, count, in_unique), listed.get(column.name))
    except rowgen.Unsupported:
        return None
