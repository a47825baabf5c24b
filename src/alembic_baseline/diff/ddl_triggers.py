"""DDL for triggers, rules, event triggers and row-level security policies."""

from __future__ import annotations

from alembic_baseline.diff.model import Change
from alembic_baseline.diff.plan import Plan
from alembic_baseline.diff.quote import ident, literal, qualified
from alembic_baseline.snapshot.model import CatalogObject, EventTrigger, Policy, Rule, Trigger

_ENABLE = {
    "origin": "ENABLE",
    "disabled": "DISABLE",
    "replica": "ENABLE REPLICA",
    "always": "ENABLE ALWAYS",
}


# Triggers and rules: a definition PostgreSQL prints whole, on one table, with an enabled state.
TablePart = Trigger | Rule


def _create_part(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Trigger | Rule)
    if plan.create_once(obj.key):
        plan.add(plan.phase(obj.key), obj.definition, obj.key)
        if obj.enabled != "origin":
            _enable_part(plan, obj)


def _noun(obj: TablePart) -> str:
    return "TRIGGER" if isinstance(obj, Trigger) else "RULE"


def _enable_part(plan: Plan, obj: TablePart) -> None:
    sql = f"ALTER TABLE {qualified(obj.schema, obj.table)} {_ENABLE[obj.enabled]} {_noun(obj)} "
    plan.add(plan.phase(obj.key), sql + ident(obj.name), obj.key)


def _drop_part(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    assert isinstance(obj, Trigger | Rule)
    if not plan.relation_gone(obj.schema, obj.table) and plan.drop_once(obj.key):
        sql = f"DROP {_noun(obj)} {ident(obj.name)} ON {qualified(obj.schema, obj.table)}"
        plan.add(plan.drop_phase(obj.key), sql, obj.key)


def _alter_part(plan: Plan, change: Change) -> None:
    if change.changed("enabled") and isinstance(change.new, Trigger | Rule):
        _enable_part(plan, change.new)


create_trigger = create_rule = _create_part
drop_trigger = drop_rule = _drop_part
alter_trigger = alter_rule = _alter_part


def create_event_trigger(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, EventTrigger)
    if not plan.create_once(obj.key):
        return
    sql = f"CREATE EVENT TRIGGER {ident(obj.name)} ON {ident(obj.event)}"
    if obj.tags:
        sql += f" WHEN TAG IN ({', '.join(literal(t) for t in obj.tags)})"
    plan.add(plan.phase(obj.key), f"{sql} EXECUTE FUNCTION {obj.function}()", obj.key)
    if obj.enabled != "origin":
        _enable_event_trigger(plan, obj)


def _enable_event_trigger(plan: Plan, obj: EventTrigger) -> None:
    plan.add(
        plan.phase(obj.key),
        f"ALTER EVENT TRIGGER {ident(obj.name)} {_ENABLE[obj.enabled]}",
        obj.key,
    )


def drop_event_trigger(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    if plan.drop_once(obj.key):
        plan.add(plan.drop_phase(obj.key), f"DROP EVENT TRIGGER {ident(obj.key.name)}", obj.key)


def alter_event_trigger(plan: Plan, change: Change) -> None:
    if change.changed("enabled") and isinstance(change.new, EventTrigger):
        _enable_event_trigger(plan, change.new)


def create_policy(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Policy)
    if not plan.create_once(obj.key):
        return
    kind = "PERMISSIVE" if obj.permissive else "RESTRICTIVE"
    sql = (
        f"CREATE POLICY {ident(obj.name)} ON {qualified(obj.schema, obj.table)} AS {kind} "
        f"FOR {obj.command} TO {', '.join(obj.roles)}"
    )
    if obj.using is not None:
        sql += f" USING ({obj.using})"
    if obj.with_check is not None:
        sql += f" WITH CHECK ({obj.with_check})"
    plan.add(plan.phase(obj.key), sql, obj.key)


def drop_policy(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    assert isinstance(obj, Policy)
    if not plan.relation_gone(obj.schema, obj.table) and plan.drop_once(obj.key):
        sql = f"DROP POLICY {ident(obj.name)} ON {qualified(obj.schema, obj.table)}"
        plan.add(plan.drop_phase(obj.key), sql, obj.key)
