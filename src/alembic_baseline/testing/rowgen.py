"""Values for generated rows, from a column's type and role. Pure: no database.

Row ``i`` of ``n`` gets, per column, the value of a *seed*: ``i`` itself for a column that is part
of a primary key, unique constraint or unique index (so they hold), and ``i`` modulo a small
domain (about a third of ``n``) for every other column — real tables repeat values, and a
revision that adds a unique index over a column that is not unique yet must meet duplicates
here rather than in production. Nullable columns outside any key hold NULL in every fourth row,
for the same reason (a later ``SET NOT NULL``). Values are produced as text and cast by the
server to the column's type.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta

from alembic_baseline.testing.catalog import ColumnSpec

NULL_EVERY = 4
_EPOCH = datetime(2024, 1, 1)
_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyz"
# A CHECK that accepts listed values only (PostgreSQL prints IN (...) as = ANY (ARRAY[...])).
_LISTED = re.compile(r"\(?\(?(\w+)\)?(?:::\w+)?\s+=\s+ANY\s+\(+ARRAY\[(.*?)\]")
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


class Unsupported(Exception):
    """A column of a type the generator has no value for (a project hook can provide it)."""


def domain(rows: int) -> int:
    """How many distinct values a non-unique column takes in ``rows`` rows."""
    return max(2, rows // 3)


def seed(i: int, rows: int, unique: bool) -> int:
    return i if unique else i % domain(rows)


def is_null(i: int, column: ColumnSpec, in_key: bool) -> bool:
    return not column.not_null and not in_key and i % NULL_EVERY == NULL_EVERY - 1


def listed_values(checks: list[str]) -> dict[str, tuple[str, ...]]:
    """Columns a CHECK restricts to a list of literals: ``status IN ('a', 'b')``."""
    found: dict[str, tuple[str, ...]] = {}
    for check in checks:
        for match in _LISTED.finditer(check):
            literals = tuple(v.replace("''", "'") for v in _LITERAL.findall(match.group(2)))
            if literals:
                found[match.group(1)] = literals
    return found


def _length(column: ColumnSpec) -> int | None:
    """varchar(n) / char(n): n (typmod carries n + 4)."""
    if column.base in ("varchar", "bpchar") and column.typmod > 4:
        return column.typmod - 4
    return None


def _text(name: str, k: int, limit: int | None) -> str:
    value = f"{name}-{k}"
    if limit is None or len(value) <= limit:
        return value
    out, n = "", k
    while True:  # base 36, so that short columns still get distinct values
        n, r = divmod(n, 36)
        out = _ALNUM[r] + out
        if n == 0:
            break
    return out.rjust(limit, "0")[-limit:]


def _numeric(column: ColumnSpec, k: int) -> str:
    value = k + 1  # positive: satisfies the usual "> 0" and ">= 0" checks
    if column.base == "numeric" and column.typmod > 4:
        precision = ((column.typmod - 4) >> 16) & 0xFFFF
        scale = (column.typmod - 4) & 0xFFFF
        value %= 10 ** max(1, precision - scale)
        return f"{value}.{'5' * min(scale, 2)}" if scale else str(value)
    if column.base == "int2":
        value %= 32767
    return str(value)


def value(column: ColumnSpec, k: int, allowed: tuple[str, ...] | None = None) -> str:
    """The text of seed ``k`` for ``column``; :class:`Unsupported` when there is none."""
    if allowed:
        return allowed[k % len(allowed)]
    return _scalar(column.base, column.category, column, k)


def _scalar(base: str, category: str, column: ColumnSpec, k: int) -> str:
    if category == "N":
        return _numeric(column, k) if base != "oid" else str(k + 1)
    if category == "S":
        return _text(column.name, k, _length(column))
    if category == "B":
        return "true" if k % 2 == 0 else "false"
    if category == "E":
        if not column.labels:
            raise Unsupported(f"enum {column.type} has no labels")
        return column.labels[k % len(column.labels)]
    if category == "D":
        moment = _EPOCH + timedelta(hours=k * 7)
        if base == "date":
            return (date(2024, 1, 1) + timedelta(days=k)).isoformat()
        if base in ("time", "timetz"):
            return f"{k % 24:02d}:{k % 60:02d}:00"
        return moment.isoformat(sep=" ") + ("+00" if base == "timestamptz" else "")
    if category == "T":
        return f"{k + 1} minutes"
    if category == "I":
        return f"10.{(k >> 16) & 255}.{(k >> 8) & 255}.{k & 255}"
    if base == "uuid":
        return str(uuid.UUID(int=k + 1))
    if base in ("json", "jsonb"):
        return f'{{"n": {k}}}'
    if base == "bytea":
        return "\\x" + f"{k:08x}"
    if base == "macaddr":
        return ":".join(f"{(k >> s) & 255:02x}" for s in (40, 32, 24, 16, 8, 0))
    if base == "tsvector":
        return f"word{k}"
    if base == "xml":
        return f"<n>{k}</n>"
    if category == "A" and column.element and column.element_category:
        inner = _scalar(column.element, column.element_category, column, k)
        return "{" + '"' + inner.replace("\\", "\\\\").replace('"', '\\"') + '"' + "}"
    raise Unsupported(f"no generator for type {column.type}")
