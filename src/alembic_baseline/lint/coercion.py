"""Does ``ALTER COLUMN ... TYPE`` rewrite the table? Types from SQL and from SQLAlchemy calls.

PostgreSQL skips the rewrite (and the index rebuilds) only when the old type is binary
coercible to the new one and the type modifier does not shrink: ``varchar(n)`` → ``varchar(m)``
with m ≥ n, ``varchar`` ↔ ``text``, ``numeric(p,s)`` → ``numeric(q,s)`` with q ≥ p or unbounded,
``varbit(n)`` → ``varbit(m ≥ n)``, ``cidr`` → ``inet``. Everything else is treated as a rewrite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alembic_baseline.lint.lazy import lazy_module
from alembic_baseline.lint.pysource import Expr

if TYPE_CHECKING:
    from alembic_baseline.lint import sqlfacts as sf
else:
    # lazy: a warm lint (every result cached) parses no SQL: pglast is ~45 ms of start-up
    sf = lazy_module("alembic_baseline.lint.sqlfacts", globals())

Canon = tuple[str, tuple[int, ...]]

_ALIASES = {
    "varchar": "varchar",
    "string": "varchar",
    "unicode": "varchar",
    "nvarchar": "varchar",
    "text": "text",
    "unicodetext": "text",
    "numeric": "numeric",
    "decimal": "numeric",
    "integer": "int4",
    "int": "int4",
    "int4": "int4",
    "biginteger": "int8",
    "bigint": "int8",
    "int8": "int8",
    "smallinteger": "int2",
    "smallint": "int2",
    "int2": "int2",
    "char": "bpchar",
    "bpchar": "bpchar",
    "boolean": "bool",
    "bool": "bool",
    "date": "date",
    "uuid": "uuid",
    "float": "float8",
    "double": "float8",
    "float8": "float8",
    "real": "float4",
    "float4": "float4",
    "datetime": "timestamp",
    "timestamp": "timestamp",
    "timestamptz": "timestamptz",
    "varbit": "varbit",
    "bit": "bit",
    "cidr": "cidr",
    "inet": "inet",
    "json": "json",
    "jsonb": "jsonb",
}


def from_sql(type_node: Any) -> Canon | None:
    """Canonical form of a pglast TypeName (``pg_catalog.varchar`` + typmods)."""
    name = sf.type_name(type_node)
    if not name:
        return None
    return _ALIASES.get(name, name), sf.type_mods(type_node)


def from_sqlalchemy(value: Any) -> Canon | None:
    """Canonical form of ``sa.String(100)``, ``sa.Numeric(10, 2)``, ``sa.Text`` ... (or None)."""
    if not isinstance(value, Expr):
        return None
    short = value.func.split(".")[-1].lower()
    if short in ("datetime", "timestamp") and value.kwargs.get("timezone") is True:
        return "timestamptz", ()
    name = _ALIASES.get(short)
    if name is None:
        return None
    mods: list[int] = []
    if name in ("varchar", "bpchar", "varbit", "bit"):
        length = value.args[0] if value.args else value.kwargs.get("length")
        mods = [length] if isinstance(length, int) else []
    elif name == "numeric":
        precision = value.args[0] if value.args else value.kwargs.get("precision")
        scale = value.args[1] if len(value.args) > 1 else value.kwargs.get("scale")
        mods = [m for m in (precision, scale) if isinstance(m, int)]
    return name, tuple(mods)


def _numeric_grows(old: tuple[int, ...], new: tuple[int, ...]) -> bool:
    if not new:
        return True
    if not old:
        return False
    old_scale = old[1] if len(old) > 1 else 0
    new_scale = new[1] if len(new) > 1 else 0
    return new_scale == old_scale and new[0] >= old[0]


def _length_grows(old: tuple[int, ...], new: tuple[int, ...]) -> bool:
    return not new or (bool(old) and new[0] >= old[0])


def rewrites(old: Canon, new: Canon, *, using: bool = False) -> bool:
    """True when changing a column from ``old`` to ``new`` rewrites the table."""
    if using:
        return True  # a USING expression is evaluated for every row
    (old_name, old_mods), (new_name, new_mods) = old, new
    if old == new:
        return False
    if old_name == "varchar" and new_name == "text":
        return False
    if old_name == "text" and new_name == "varchar":
        return bool(new_mods)
    if old_name == new_name and old_name in ("varchar", "varbit"):
        return not _length_grows(old_mods, new_mods)
    if old_name == new_name == "numeric":
        return not _numeric_grows(old_mods, new_mods)
    return not (old_name == "cidr" and new_name == "inet")


def render(canon: Canon) -> str:
    name, mods = canon
    return f"{name}({', '.join(map(str, mods))})" if mods else name
