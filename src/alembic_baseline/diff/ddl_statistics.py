"""DDL for extended statistics objects: created from their definition once the tables, columns
and functions they name exist; a changed definition is dropped and created again."""

from __future__ import annotations

from alembic_baseline.diff.model import Change
from alembic_baseline.diff.plan import Plan
from alembic_baseline.diff.quote import qualified
from alembic_baseline.snapshot.model import CatalogObject, Statistics


def _target(plan: Plan, obj: Statistics) -> None:
    target = -1 if obj.target is None else obj.target  # -1: the default, on every major
    sql = f"ALTER STATISTICS {qualified(obj.schema, obj.name)} SET STATISTICS {target}"
    plan.add(plan.phase(obj.key), sql, obj.key)


def create_statistics(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Statistics)
    if plan.create_once(obj.key):
        plan.add(plan.phase(obj.key), obj.definition, obj.key)
        if obj.target is not None:
            _target(plan, obj)


def drop_statistics(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    if plan.drop_once(obj.key):
        # IF EXISTS: dropping a column it covers, or its table, takes it along
        sql = f"DROP STATISTICS IF EXISTS {qualified(obj.key.schema, obj.key.name)}"
        plan.add(plan.drop_phase(obj.key), sql, obj.key)


def alter_statistics(plan: Plan, change: Change) -> None:
    if change.changed("target") and isinstance(change.new, Statistics):
        _target(plan, change.new)
