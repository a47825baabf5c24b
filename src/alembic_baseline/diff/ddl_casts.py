"""DDL for casts: a cast cannot be altered (but for its comment), so any change drops and
creates it. Created after the functions and types it uses — after the relations when its
function or one of its types is a table's row type (the late phase) — and dragged along
(dropped, then created from B) when its function or a type it names is dropped and created."""

from __future__ import annotations

from alembic_baseline.diff.plan import Plan
from alembic_baseline.snapshot.model import Cast, CatalogObject, ObjectKey

_LATE = "late casts"
_HOW = {"inout": "WITH INOUT", "binary": "WITHOUT FUNCTION"}
_AS = {"assignment": " AS ASSIGNMENT", "implicit": " AS IMPLICIT", "explicit": ""}


def cast_sql(obj: Cast) -> str:
    how = _HOW.get(obj.method, f"WITH FUNCTION {obj.function}")
    return f"CREATE CAST {obj.key.name} {how}{_AS[obj.context]}"


def _late(plan: Plan, key: ObjectKey) -> bool:
    """Whether ``key`` (in B) uses a relation, or is a function that does: created late."""
    deps = plan.diff.b.dependencies
    uses = [d.referenced for d in deps if d.dependent == key]
    if any(ref.kind in plan.relations for ref in uses):
        return True
    return key.kind == Cast.KIND and any(
        ref.kind == "function" and _late(plan, ref) for ref in uses
    )


def create_cast(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Cast)
    if plan.create_once(obj.key):
        plan.add(_LATE if _late(plan, obj.key) else plan.phase(obj.key), cast_sql(obj), obj.key)


def drop_cast(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    if plan.drop_once(obj.key):
        plan.add(plan.drop_phase(obj.key), f"DROP CAST {obj.key.name}", obj.key)
