"""Seed data: the rows the history itself writes (feature flags, lookup rows, a default workspace).

A baseline built from the schema alone would lose them, so ``baseline create`` carries them by
default. They are always read from a *replay of the history* on a scratch database, never from
production: a table the history seeds may hold customer rows in production. Production's rows are
only carried for tables named explicitly (``--reference-table``, see :mod:`.source`).

The rows are dumped like the reference tables (``pg_dump --data-only``, explicit column names,
since the schema may come from another database), with the ``setval`` of the sequences owned by
the seeded columns, and loaded between the pre-data and post-data sections of the baseline, so
foreign keys and triggers only arrive after the rows. :mod:`.seed_compare` proves them in verify.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from psycopg import sql

from alembic_baseline.errors import ConfigError
from alembic_baseline.pg import binaries, tools
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.url import DatabaseURL

if TYPE_CHECKING:
    import psycopg

# Ordinary tables (and partitions) of the user's schemas, not members of an extension.
_TABLES = """
SELECT n.nspname, c.relname, format('%%I.%%I', n.nspname, c.relname)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
  AND NOT (n.nspname = %s AND c.relname = %s)
ORDER BY 3
"""
_CANONICAL = """
SELECT format('%%I.%%I', n.nspname, c.relname)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = to_regclass(%s)
"""
LARGE_SEED = 10_000  # more rows than this in total: warn that they all go into the repository
# Sequences the seeded tables' column defaults use without owning them (``DEFAULT
# nextval('shared_seq')``): pg_dump only brings owned sequences along with a table's data.
_DEFAULT_SEQUENCES = """
SELECT DISTINCT sn.nspname, s.relname
FROM pg_catalog.pg_attrdef ad
JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_attrdef'::regclass
  AND d.objid = ad.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass
JOIN pg_catalog.pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
WHERE ad.adrelid = ANY(SELECT to_regclass(t) FROM unnest(%s::text[]) AS t)
ORDER BY 1, 2
"""


@dataclass(frozen=True)
class SeedData:
    """What the history writes, and whether (and as which SQL) the baseline carries it."""

    rows: dict[str, int]  # schema.table (quoted as needed) → row count, in the replay
    carried: bool
    data: str = ""  # pg_dump --data-only text ("" when nothing is carried)

    @property
    def header(self) -> str:
        listed = ", ".join(f"{t} ({n})" for t, n in self.rows.items())
        if not self.rows:
            return "seed data: none (the history writes no rows)"
        if not self.carried:
            return f"seed data: NOT carried (--no-seed-data); the history fills {listed}"
        return f"seed data (rows the history writes, from its replay, never production): {listed}"

    @property
    def warnings(self) -> tuple[str, ...]:
        total = sum(self.rows.values())
        if self.carried and total > LARGE_SEED:
            return (
                f"the history writes {total} rows, all carried into the baseline SQL (in the "
                "repository); if they are not seed data (e.g. a data migration), consider "
                "--no-seed-data",
            )
        if self.carried or not self.rows:
            return ()
        return (
            f"the history writes rows into {len(self.rows)} table(s) that the baseline does not "
            "carry (--no-seed-data): a database built from the baseline lacks them: "
            + ", ".join(f"{t} ({n})" for t, n in self.rows.items()),
        )


def canonical_names(url: DatabaseURL, tables: tuple[str, ...]) -> tuple[str, ...]:
    """``schema.table`` as :data:`_TABLES` spells it, for names given as on the search_path."""
    names = []
    with connection(url) as conn:
        for table in tables:
            row = conn.execute(_CANONICAL, (table,)).fetchone()
            names.append(str(row[0]) if row else table)
    return tuple(names)


def filled_tables(
    url: DatabaseURL, version_table: tuple[str, str | None], exclude: tuple[str, ...] = ()
) -> dict[str, tuple[str, str, int]]:
    """Tables holding rows (``schema.table`` → (schema, name, count)), version table excluded."""
    skip = set(canonical_names(url, exclude)) if exclude else set()
    with connection(url) as conn:
        return _filled(conn, version_table, skip)


_COUNTED_AT_ONCE = 200  # tables counted by one statement (one round trip, not one per table)


def _filled(
    conn: psycopg.Connection[tuple[object, ...]],
    version_table: tuple[str, str | None],
    skip: set[str],
) -> dict[str, tuple[str, str, int]]:
    """:func:`filled_tables` on an open connection: the row counts of many tables are read by
    one ``UNION ALL`` statement (a round trip per table cost ~5 ms each on a busy machine, where
    the thread that waits for it competes for the interpreter with the schema's reader)."""
    found: dict[str, tuple[str, str, int]] = {}
    rows = conn.execute(_TABLES, (version_table[1] or "public", version_table[0])).fetchall()
    tables = [(str(s), str(n), str(q)) for s, n, q in rows if str(q) not in skip]
    for start in range(0, len(tables), _COUNTED_AT_ONCE):
        batch = tables[start : start + _COUNTED_AT_ONCE]
        query = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT {}::int, count(*) FROM ONLY {}.{}").format(
                sql.Literal(number), sql.Identifier(schema), sql.Identifier(name)
            )
            for number, (schema, name, _) in enumerate(batch)
        )
        counts = {int(str(n)): int(str(c)) for n, c in conn.execute(query).fetchall()}
        for number, (schema, name, qualified) in enumerate(batch):
            if counts.get(number):
                found[qualified] = (schema, name, counts[number])
    return found


def _pattern(schema: str, name: str) -> str:
    # pg_dump patterns: double quotes make a name literal (no wildcards, case kept).
    return '"' + schema.replace('"', '""') + '"."' + name.replace('"', '""') + '"'


def collect(
    replay: DatabaseURL,
    server_major: int,
    *,
    version_table: tuple[str, str | None],
    reference_tables: tuple[str, ...] = (),
    carry: bool = True,
) -> SeedData:
    """The rows the replayed history holds (reference tables left to their own dump)."""
    skip = set(canonical_names(replay, reference_tables)) if reference_tables else set()
    with connection(replay) as conn:  # one connection for what is read before the data dump
        tables = _filled(conn, version_table, skip)
        rows = {qualified: count for qualified, (_, _, count) in tables.items()}
        if not tables or not carry:
            return SeedData(rows, carry)
        used = conn.execute(_DEFAULT_SEQUENCES, (list(tables),)).fetchall()
    client = binaries.find_client(server_major, "pg_dump")
    args = ["--data-only", "--column-inserts", "--rows-per-insert=500", "--no-owner"]
    args += [f"--table={_pattern(schema, name)}" for schema, name, _ in tables.values()]
    args += [f"--table={_pattern(str(schema), str(name))}" for schema, name in used]
    data = tools.pg_dump(client.bindir, replay, args).decode("utf-8")
    return SeedData(rows, carry, data)


_FOREIGN_KEYS = """
-- run without parameters: % is literal here
SELECT c.conname::text, format('%I.%I', n1.nspname, r1.relname),
  format('%I.%I', n2.nspname, r2.relname),
  ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, i)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num
        ORDER BY k.i),
  ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(num, i)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num
        ORDER BY k.i)
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_class r1 ON r1.oid = c.conrelid
JOIN pg_catalog.pg_namespace n1 ON n1.oid = r1.relnamespace
JOIN pg_catalog.pg_class r2 ON r2.oid = c.confrelid
JOIN pg_catalog.pg_namespace n2 ON n2.oid = r2.relnamespace
WHERE c.contype = 'f'
ORDER BY 1
"""


def _keys(url: DatabaseURL, table: str, columns: list[str]) -> set[tuple[str, ...]]:
    """Distinct non-NULL key tuples (as text) of ``table``: what a foreign key checks."""
    schema, name = _split(table)
    cols = [sql.SQL("{}::text").format(sql.Identifier(c)) for c in columns]
    query = sql.SQL("SELECT DISTINCT {} FROM ONLY {}.{} WHERE {}").format(
        sql.SQL(", ").join(cols),
        sql.Identifier(schema),
        sql.Identifier(name),
        sql.SQL(" AND ").join(sql.SQL("{} IS NOT NULL").format(sql.Identifier(c)) for c in columns),
    )
    with connection(url) as conn:
        return {tuple(str(v) for v in r) for r in conn.execute(query)}


def _split(qualified: str) -> tuple[str, str]:
    import csv

    schema, name = next(csv.reader([qualified], delimiter=".", quotechar='"'))
    return schema, name


def check_links(
    replay: DatabaseURL, source: DatabaseURL, seeded: tuple[str, ...], references: tuple[str, ...]
) -> None:
    """Refuse a baseline whose seed rows (from the replay) and reference rows (from the source)
    would break a foreign key between them, e.g. a seed row pointing at a workspace whose random
    id exists only in the replay. Reads the source's reference tables only (dumped anyway)."""
    refs = set(canonical_names(source, references))
    seeds = set(seeded)
    with connection(replay) as conn:
        links = conn.execute(_FOREIGN_KEYS).fetchall()
    broken = []
    for conname, child, parent, child_keys, parent_keys in links:
        child_cols = [str(c) for c in child_keys]  # type: ignore[attr-defined]
        parent_cols = [str(c) for c in parent_keys]  # type: ignore[attr-defined]
        if child in seeds and parent in refs:
            missing = _keys(replay, str(child), child_cols) - _keys(
                source, str(parent), parent_cols
            )
        elif child in refs and parent in seeds:
            missing = _keys(source, str(child), child_cols) - _keys(
                replay, str(parent), parent_cols
            )
        else:
            continue
        if missing:
            broken.append(f"{conname} ({child} → {parent}): {len(missing)} key(s) not found")
    if broken:
        raise ConfigError(
            "Seed rows (from the replayed history) and reference rows (from the source) would "
            "break foreign keys between them: " + "; ".join(broken) + ".",
            hint="Take both tables from one place: name the seeded table with --reference-table "
            "too (its rows then come from the source), or drop the reference table from "
            "--reference-table (its rows then come from the history).",
        )
