"""DDL for sequences (their ownership by a column comes after the columns)."""

from __future__ import annotations

from alembic_baseline.diff.model import Change
from alembic_baseline.diff.plan import Plan
from alembic_baseline.diff.quote import qualified
from alembic_baseline.snapshot.model import CatalogObject, Sequence


def _sequence_options(seq: Sequence) -> str:
    cycle = "CYCLE" if seq.cycle else "NO CYCLE"
    return (
        f"AS {seq.data_type} INCREMENT BY {seq.increment} MINVALUE {seq.min_value} "
        f"MAXVALUE {seq.max_value} START WITH {seq.start} CACHE {seq.cache} {cycle}"
    )


def create_sequence(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Sequence)
    if not plan.create_once(obj.key):
        return
    unlogged = "UNLOGGED " if obj.persistence == "unlogged" else ""
    name = qualified(obj.schema, obj.name)
    plan.add(
        plan.phase(obj.key), f"CREATE {unlogged}SEQUENCE {name} {_sequence_options(obj)}", obj.key
    )
    if obj.owned_by:
        plan.add("sequence ownership", f"ALTER SEQUENCE {name} OWNED BY {obj.owned_by}", obj.key)


def drop_sequence(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    assert isinstance(obj, Sequence)
    if plan.drop_once(obj.key):
        # IF EXISTS: a sequence owned by a dropped column or table is already gone.
        sql = f"DROP SEQUENCE IF EXISTS {qualified(obj.schema, obj.name)}"
        plan.add(
            plan.drop_phase(obj.key),
            sql,
            obj.key,
            destructive=destructive,
            note="the sequence's current value is lost",
        )


def alter_sequence(plan: Plan, change: Change) -> None:
    new = change.new
    assert isinstance(new, Sequence)
    name = qualified(new.schema, new.name)
    fields = {"data_type", "start", "increment", "min_value", "max_value", "cache", "cycle"}
    if change.changed(*fields):
        plan.add(plan.phase(new.key), f"ALTER SEQUENCE {name} {_sequence_options(new)}", new.key)
    if change.changed("persistence"):
        verb = "UNLOGGED" if new.persistence == "unlogged" else "LOGGED"
        plan.add(plan.phase(new.key), f"ALTER SEQUENCE {name} SET {verb}", new.key)
    if change.changed("owned_by"):
        plan.add(
            "sequence ownership",
            f"ALTER SEQUENCE {name} OWNED BY {new.owned_by or 'NONE'}",
            new.key,
        )
