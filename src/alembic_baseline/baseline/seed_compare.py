"""``baseline verify``: the rows a baseline carries equal the rows the history writes.

Rows are compared as multisets (order-insensitive, duplicates counted) between the history replayed
from scratch and a database built from the baseline. Seeds often hold values that differ on every
run (``gen_random_uuid()``, ``uuid.uuid4()`` in Python, ``now()``): the baseline carries the values
of the replay made at create time, so they can never equal a new replay. The rule:

* When the full rows are equal, nothing more is needed (no column is treated as volatile).
* Otherwise the history is replayed a second time, independently. A column is **volatile** when
  its values differ between the two replays: it is nondeterministic in the history itself, so no
  baseline can reproduce it. Every other column is **stable**.
* The rows are then compared again on the stable columns, plus whether each volatile value is
  NULL. The row count always takes part (the multiset of projections has one entry per row), so a
  missing or extra row is always a difference, even in a table whose every column is volatile; a
  changed stable value is a difference too. A value that differs between replays can only loosen
  the check of that column, never hide a row.
* When the two replays write a different number of rows, the table cannot be compared: said so,
  and it counts as a difference.

The positions of the sequences the seeded tables own or use in column defaults are compared as
well (the next ``INSERT`` after a baseline must not collide with a seed row).
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
from psycopg import sql

from alembic_baseline.baseline.manifest import Manifest
from alembic_baseline.baseline.seed import canonical_names, filled_tables
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL

Row = dict[str, str]
Conn = psycopg.Connection[tuple[object, ...]]
_SHOWN = 10
_VOLATILE = "<volatile>"
# Sequences a table owns (serial, identity) or its column defaults use.
_TABLE_SEQUENCES = """
WITH t AS (SELECT to_regclass(%s) AS oid), seqs AS (
    SELECT d.objid AS seq FROM pg_catalog.pg_depend d, t
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.refobjid = t.oid AND d.deptype IN ('a', 'i')
    UNION
    SELECT d.refobjid FROM pg_catalog.pg_attrdef ad
    JOIN pg_catalog.pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
      AND d.refclassid = 'pg_class'::regclass
    JOIN t ON ad.adrelid = t.oid
)
SELECT format('%%I.%%I', sn.nspname, s.relname), ps.last_value::text
FROM seqs JOIN pg_catalog.pg_class s ON s.oid = seqs.seq AND s.relkind = 'S'
JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_catalog.pg_sequences ps ON ps.schemaname = sn.nspname AND ps.sequencename = s.relname
ORDER BY 1
"""


@dataclass(frozen=True)
class RowsCheck:
    """One comparison of carried rows: its name, the differences, and how it was made."""

    name: str
    differences: tuple[str, ...]
    notes: tuple[str, ...] = ()


def table_rows(url: DatabaseURL | Conn, table: str) -> list[Row] | None:
    """Every row of ``table`` (``ONLY``), each column as canonical JSON text; None when missing.
    ``url``: the database, or an open connection to it."""
    with _connected(url) as conn:
        row = conn.execute(
            "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
            " ON n.oid = c.relnamespace WHERE c.oid = to_regclass(%s)",
            (table,),
        ).fetchone()
        if row is None:
            return None
        query = sql.SQL("SELECT to_jsonb(t) FROM ONLY {}.{} t").format(
            sql.Identifier(str(row[0])), sql.Identifier(str(row[1]))
        )
        return [
            {k: json.dumps(v, sort_keys=True) for k, v in dict(r[0]).items()}  # type: ignore[call-overload]
            for r in conn.execute(query)
        ]


def _sequences(url: DatabaseURL | Conn, table: str) -> dict[str, str | None]:
    with _connected(url) as conn:
        return {
            str(r[0]): None if r[1] is None else str(r[1])
            for r in conn.execute(_TABLE_SEQUENCES, (table,))
        }


@contextlib.contextmanager
def _connected(target: DatabaseURL | Conn) -> Iterator[Conn]:
    """A connection to ``target``: the one given (left open), else a new one."""
    if isinstance(target, DatabaseURL):
        with connection(target) as conn:
            yield conn
    else:
        yield target


def volatile_columns(first: list[Row], second: list[Row]) -> tuple[str, ...]:
    """Columns whose values (as a multiset) differ between two replays of the history."""
    columns = sorted({c for r in first + second for c in r})
    return tuple(
        c for c in columns if Counter(r.get(c) for r in first) != Counter(r.get(c) for r in second)
    )


def _project(row: Row, volatile: tuple[str, ...]) -> str:
    kept = {
        c: (v if c not in volatile else ("null" if v == "null" else _VOLATILE))
        for c, v in sorted(row.items())
    }
    return "{" + ", ".join(f"{json.dumps(c)}: {v}" for c, v in kept.items()) + "}"


def diff_rows(
    table: str, history: list[Row], baseline: list[Row], volatile: tuple[str, ...] = ()
) -> list[str]:
    """Rows (projected on the stable columns) only on one side, as multisets."""
    hist = Counter(_project(r, volatile) for r in history)
    base = Counter(_project(r, volatile) for r in baseline)
    lines = []
    if len(history) != len(baseline):
        lines.append(
            f"{table}: {len(history)} rows in the history, {len(baseline)} in the baseline"
        )
    for label, extra in (("history", hist - base), ("baseline", base - hist)):
        shown = sorted(extra.elements())
        lines += [f"row only in {label}: {table} {r}" for r in shown[:_SHOWN]]
        if len(shown) > _SHOWN:
            lines.append(f"… and {len(shown) - _SHOWN} more rows only in {label}: {table}")
    return lines


class _SecondReplay:
    """The history replayed again, made only when a table's full rows differ (then reused)."""

    def __init__(self, make: Callable[[], DatabaseURL]) -> None:
        self._make = make
        self._url: DatabaseURL | None = None

    def rows(self, table: str) -> list[Row] | None:
        if self._url is None:
            self._url = self._make()
        return table_rows(self._url, table)


def _compare_tables(
    tables: list[str],
    history: Conn,
    baseline: Conn,
    second: _SecondReplay,
    *,
    sequences: bool,
) -> tuple[list[str], list[str]]:
    lines: list[str] = []
    volatile_found: list[str] = []
    for table in tables:
        hist, base = table_rows(history, table) or [], table_rows(baseline, table)
        if base is None:
            lines.append(f"{table}: table missing in the baseline")
            continue
        volatile: tuple[str, ...] = ()
        if Counter(map(_project_all, hist)) != Counter(map(_project_all, base)):
            again = second.rows(table) or []
            if len(again) != len(hist):
                lines.append(
                    f"{table}: the history writes {len(hist)} rows in one replay and "
                    f"{len(again)} in another; its rows cannot be compared"
                )
                continue
            volatile = volatile_columns(hist, again)
            volatile_found += [f"{table}.{c}" for c in volatile]
        lines += diff_rows(table, hist, base, volatile)
        if sequences:
            hist_seq, base_seq = _sequences(history, table), _sequences(baseline, table)
            lines += [
                f"sequence {name}: at {hist_seq.get(name)} in the history, "
                f"{base_seq.get(name)} in the baseline"
                for name in sorted(set(hist_seq) | set(base_seq))
                if hist_seq.get(name) != base_seq.get(name)
            ]
    return lines, volatile_found


def _project_all(row: Row) -> str:
    return _project(row, ())


def _volatile_note(columns: list[str]) -> tuple[str, ...]:
    if not columns:
        return ()
    return (
        "volatile columns (their values differ between two independent replays of the history,"
        " e.g. gen_random_uuid(), uuid4(), now()); compared only as NULL or not NULL, every row "
        f"still counted: {', '.join(columns)}",
    )


def compare_carried(
    *,
    history: DatabaseURL,
    baseline: DatabaseURL,
    second_replay: Callable[[], DatabaseURL],
    version_table: tuple[str, str | None],
    reference_tables: tuple[str, ...],
    seed_data: bool,
) -> list[RowsCheck]:
    """Reference rows and seed rows: history replay vs the database built from the baseline."""
    # one connection a side for every table's rows and sequences
    with connection(history) as hist_conn, connection(baseline) as base_conn:
        return _compare_carried(
            history, baseline, hist_conn, base_conn, _SecondReplay(second_replay),
            version_table, reference_tables, seed_data,
        )  # fmt: skip


def _compare_carried(
    history: DatabaseURL,
    baseline: DatabaseURL,
    hist_conn: Conn,
    base_conn: Conn,
    second: _SecondReplay,
    version_table: tuple[str, str | None],
    reference_tables: tuple[str, ...],
    seed_data: bool,
) -> list[RowsCheck]:
    checks = []
    if reference_tables:
        refs = list(canonical_names(history, reference_tables))
        lines, volatile = _compare_tables(refs, hist_conn, base_conn, second, sequences=False)
        checks.append(RowsCheck("reference rows", tuple(lines), _volatile_note(volatile)))
    hist = filled_tables(history, version_table, reference_tables)
    base = filled_tables(baseline, version_table, reference_tables)
    if not seed_data:
        listed = ", ".join(f"{t} ({n})" for t, (_, _, n) in hist.items()) or "none"
        extra = [
            f"{t}: rows in the baseline although --no-seed-data" for t in base if t not in hist
        ]
        name = f"seed rows not carried (--no-seed-data); the history fills: {listed}"
        checks.append(RowsCheck(name, tuple(extra)))
        return checks
    tables = sorted(set(hist) | set(base))
    lines, volatile = _compare_tables(tables, hist_conn, base_conn, second, sequences=True)
    none = "besides the reference tables" if reference_tables else "the history writes none"
    name = f"seed rows ({len(tables)} tables)" if tables else f"seed rows ({none})"
    checks.append(RowsCheck(name, tuple(lines), _volatile_note(volatile)))
    return checks


def carried_rows(
    full: AlembicProject,
    manifest: Manifest,
    server: ScratchServer,
    history: DatabaseURL,
    baseline: DatabaseURL,
    version_table: tuple[str, str | None],
) -> list[RowsCheck]:
    """:func:`compare_carried` for verify: ``full`` is the whole history, replayed again to the
    old head on ``server`` only when needed."""

    def again() -> DatabaseURL:
        url = server.create_database(server.new_name("history"))
        full.upgrade(url, manifest.old_head, scratch=True)  # prepared, and proven to reach it
        return url

    checks = compare_carried(
        history=history, baseline=baseline, second_replay=again, version_table=version_table,
        reference_tables=manifest.reference_tables, seed_data=manifest.seed_data,
    )  # fmt: skip
    seeds = checks[-1]
    if manifest.seed_data and not manifest.seed_rows and seeds.differences:
        hint = (
            "the manifest lists no seed rows: this baseline was made without them (by an older "
            "alembic-baseline, or before the history wrote them); recreate it with `baseline "
            "archive --restore` and `baseline create`"
        )
        checks[-1] = RowsCheck(seeds.name, seeds.differences, (*seeds.notes, hint))
    return checks
