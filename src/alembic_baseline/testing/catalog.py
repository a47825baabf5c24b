"""What the row generator needs to know about a database's tables, read from its catalog.

One query for the columns (effective type after domains, enum labels, array element, defaults,
identity, generated), one for the keys (primary, unique, foreign, check) and unique indexes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_SYSTEM = "('pg_catalog', 'information_schema')"
COLUMNS = rf"""
SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
       a.attnotnull, a.atthasdef, a.attidentity <> '' OR a.attgenerated <> '',
       COALESCE(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false),
       et.typname, et.typcategory, a.atttypmod,
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
          FROM pg_enum e WHERE e.enumtypid = et.oid),
       el.typname, el.typcategory
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type et ON et.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_type el ON el.oid = et.typelem AND et.typcategory = 'A'
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
  AND n.nspname NOT IN {_SYSTEM} AND n.nspname NOT LIKE 'pg\_%'
ORDER BY n.nspname, c.relname, a.attnum
"""
KEYS = f"""
SELECT n.nspname, c.relname, con.contype,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.i),
       rn.nspname, rc.relname,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.i),
       pg_get_constraintdef(con.oid)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype IN ('p', 'u', 'f', 'c') AND n.nspname NOT IN {_SYSTEM}
UNION ALL
SELECT n.nspname, c.relname, 'i',
       ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, o)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num ORDER BY k.o),
       NULL, NULL, NULL, NULL
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE i.indisunique AND i.indexprs IS NULL AND i.indpred IS NULL
  AND n.nspname NOT IN {_SYSTEM}
"""


@dataclass
class ColumnSpec:
    name: str
    type: str
    """As format_type prints it (what an INSERT must produce)."""
    not_null: bool
    has_default: bool
    automatic: bool
    """Identity or generated: the database fills it."""
    serial: bool
    base: str
    """Type name after domains (int4, varchar, my_enum...)."""
    category: str
    """pg_type.typcategory of ``base`` (N numeric, S string, E enum, A array...)."""
    typmod: int
    labels: tuple[str, ...] = ()
    element: str | None = None
    element_category: str | None = None


@dataclass
class ForeignKey:
    columns: tuple[str, ...]
    table: str
    """Qualified name of the referenced table."""
    ref_columns: tuple[str, ...]


@dataclass
class TableSpec:
    schema: str
    name: str
    columns: list[ColumnSpec] = field(default_factory=list)
    unique_sets: list[tuple[str, ...]] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    def unique_columns(self) -> set[str]:
        return {c for cols in self.unique_sets for c in cols}


def read_tables(conn: Any, exclude: set[str]) -> dict[str, TableSpec]:
    """Every ordinary or partitioned table (not partitions), by qualified name."""
    tables: dict[str, TableSpec] = {}
    for row in conn.execute(COLUMNS).fetchall():
        schema, table = str(row[0]), str(row[1])
        if f"{schema}.{table}" in exclude:
            continue
        spec = tables.setdefault(f"{schema}.{table}", TableSpec(schema, table))
        spec.columns.append(
            ColumnSpec(
                name=str(row[2]),
                type=str(row[3]),
                not_null=bool(row[4]),
                has_default=bool(row[5]),
                automatic=bool(row[6]),
                serial=bool(row[7]),
                base=str(row[8]),
                category=str(row[9]),
                typmod=int(row[10]),
                labels=tuple(row[11] or ()),
                element=str(row[12]) if row[12] else None,
                element_category=str(row[13]) if row[13] else None,
            )
        )
    for row in conn.execute(KEYS).fetchall():
        spec_or_none = tables.get(f"{row[0]}.{row[1]}")
        if spec_or_none is None:
            continue
        kind, columns = str(row[2]), tuple(str(c) for c in row[3])
        if kind in ("p", "u", "i") and columns and columns not in spec_or_none.unique_sets:
            spec_or_none.unique_sets.append(columns)
        elif kind == "f":
            ref = f"{row[4]}.{row[5]}"
            spec_or_none.foreign_keys.append(
                ForeignKey(columns, ref, tuple(str(c) for c in row[6]))
            )
        elif kind == "c":
            spec_or_none.checks.append(str(row[7]))
    return tables
