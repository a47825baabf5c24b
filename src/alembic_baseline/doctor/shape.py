"""Cheap fingerprints of a schema, cheap enough to take after every revision of a replay.

A full catalog snapshot costs tens of milliseconds on a mid-sized schema; one after each of 300
revisions would cost ten times the replay itself. Two lighter fingerprints stand in front of it:

* the **signature** (``queries/signature.sql``): how many relations, constraints, functions,
  triggers, enum labels and comments there are — one row, a fraction of a millisecond;
* the **shape** (``queries/shape.sql``): one row per object with its name and a short detail
  (type, nullability, enum labels, a hash of a function's body...), no deparsed definitions —
  a few milliseconds.

Both only hold what a snapshot also compares, so schemas with equal snapshots always have equal
signatures and shapes: they narrow the candidates, and the full snapshot decides.

In a replay both run inside the migration's transaction through the project's own driver, as
``pg_temp`` plpgsql functions: a plpgsql function keeps its query plan for the session (planning
the shape query costs more than running it), whatever the driver does with prepared statements
(psycopg drops its own after every DDL statement).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import TYPE_CHECKING, Any

from alembic_baseline.pg.connect import connection
from alembic_baseline.snapshot.kinds import COVERAGE

if TYPE_CHECKING:
    from alembic_baseline.expected import VersionTable
    from alembic_baseline.pg.url import DatabaseURL

_TYPES = tuple(t for t in COVERAGE.typtypes if t != "c")
"""Types counted as types (a composite type is a relation of relkind c, with its columns)."""
SHAPE_VERSION = f"5:{''.join(COVERAGE.relkinds)}:{''.join(_TYPES)}:{''.join(COVERAGE.prokinds)}"
"""Bumped whenever a query changes (with the kinds the snapshot covers, which the queries count):
part of every fingerprint cache key."""
_DRIFT = {"added": "extra in the database", "removed": "missing in the database"}

Signature = tuple[int, ...]


def signature_distance(a: Signature, b: Signature) -> int:
    return sum(abs(x - y) for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))


@dataclass(frozen=True)
class Shape:
    """``{"<kind> <qualified name>": detail}`` for every object of a schema."""

    objects: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def digest(self) -> str:
        text = "\n".join(f"{k}\t{v}" for k, v in sorted(self.objects.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    @property
    def empty(self) -> bool:
        """No object besides schemas and extensions (a fresh database)."""
        return not any(not k.startswith(("schema ", "extension ")) for k in self.objects)

    def distance(self, other: Shape) -> int:
        """Objects present in one shape only, or different in both."""
        a, b = self.objects, other.objects
        return sum(1 for k in a.keys() | b.keys() if a.get(k) != b.get(k))

    def differences(self, live: Shape, limit: int = 20) -> tuple[str, ...]:
        """What the live shape has in addition, lacks, or has otherwise (this = expected)."""
        lines = []
        for key in sorted(self.objects.keys() | live.objects.keys()):
            want, have = self.objects.get(key), live.objects.get(key)
            if want == have:
                continue
            kind = "added" if want is None else "removed" if have is None else "changed"
            lines.append(f"{key}: {_DRIFT.get(kind, 'differs')}")
        if len(lines) > limit:
            return (*lines[:limit], f"… and {len(lines) - limit} more")
        return tuple(lines)


def shape_from_rows(rows: Iterable[Any]) -> Shape:
    """The shape of the query's rows, whatever order the catalog returned them in: rows are
    sorted, and should two ever share a key, their details are all kept (sorted), never one
    of them chosen by catalog order."""
    found: dict[str, list[str]] = {}
    for kind, name, detail in sorted((str(r[0]), str(r[1]), str(r[2])) for r in rows):
        found.setdefault(f"{kind} {name}", []).append(detail)
    return Shape({key: " | ".join(details) for key, details in found.items()})


def signature_from_row(row: Any) -> Signature:
    return tuple(int(v) for v in row[0])


@cache
def _template(name: str) -> str:
    return (resources.files(__package__) / "queries" / f"{name}.sql").read_text("utf-8")


@cache
def query(
    name: str, version_table: str, version_schema: str | None, leftovers: tuple[str, ...] = ()
) -> str:
    """``shape`` or ``signature`` with the version table (and the INVALID indexes named in
    ``leftovers``) left out, as plain text: no bind parameters, because it runs through
    whatever driver env.py uses, each with its own paramstyle. Both count the relation, type
    and routine kinds the snapshot models (:data:`~alembic_baseline.snapshot.kinds.COVERAGE`)
    and no other, so databases with equal snapshots have equal fingerprints."""
    from psycopg import sql

    values = {
        "version_table": sql.Literal(version_table),
        "version_schema": sql.Literal(version_schema),
        "leftovers": sql.Literal(list(leftovers)),
        "relkinds": sql.Literal(list(COVERAGE.relkinds)),
        "typtypes": sql.Literal(list(_TYPES)),
        "prokinds": sql.Literal(list(COVERAGE.prokinds)),
    }
    composed = sql.SQL(_template(name)).format(**values)  # type: ignore[arg-type,unused-ignore]
    return composed.as_string(None)


@cache
def install_functions(version_table: str, version_schema: str | None) -> tuple[str, str]:
    """``CREATE FUNCTION pg_temp.ab_doctor_shape() / ab_doctor_signature()`` (session-local:
    they live in the session's temporary schema, which no fingerprint or snapshot looks at)."""
    shape = query("shape", version_table, version_schema)
    signature = query("signature", version_table, version_schema)
    return (
        "CREATE FUNCTION pg_temp.ab_doctor_shape() "
        "RETURNS TABLE (kind text, name text, detail text) LANGUAGE plpgsql "
        f"SET search_path = pg_catalog AS $ab$ BEGIN RETURN QUERY {shape}; END $ab$",
        "CREATE FUNCTION pg_temp.ab_doctor_signature() RETURNS bigint[] LANGUAGE plpgsql "
        f"SET search_path = pg_catalog AS $ab$ BEGIN RETURN ({signature}); END $ab$",
    )


CALL_SHAPE = "SELECT * FROM pg_temp.ab_doctor_shape()"
CALL_SIGNATURE = "SELECT pg_temp.ab_doctor_signature()"


@dataclass(frozen=True)
class Probe:
    """A database's signature and shape."""

    signature: Signature
    shape: Shape


def probe(url: DatabaseURL, version_table: VersionTable, leftovers: tuple[str, ...] = ()) -> Probe:
    """Signature and shape of a database, read in one READ ONLY transaction."""
    name, schema = version_table.name, version_table.schema
    with connection(url, autocommit=False) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = conn.execute(query("signature", name, schema).encode()).fetchone()
        rows = conn.execute(query("shape", name, schema, leftovers).encode()).fetchall()
        conn.commit()  # read only; a rollback would count in pg_stat_database's xact_rollback
    return Probe(signature_from_row(row), shape_from_rows(rows))
