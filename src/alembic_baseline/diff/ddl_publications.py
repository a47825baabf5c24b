"""DDL for publications: ALTER PUBLICATION where it can (tables, schemas, options), else drop
and create (FOR ALL TABLES cannot be switched in place)."""

from __future__ import annotations

from alembic_baseline.diff.model import Change
from alembic_baseline.diff.plan import Plan
from alembic_baseline.diff.quote import ident, literal
from alembic_baseline.snapshot.model import CatalogObject, Publication


def _with(obj: Publication) -> str:
    options = [f"publish = {literal(', '.join(obj.publish))}"]
    options.append(f"publish_via_partition_root = {str(obj.via_root).lower()}")
    if obj.generated:
        options.append(f"publish_generated_columns = {obj.generated}")
    return f"({', '.join(options)})"


def _targets(obj: Publication) -> str:
    return ", ".join(
        [*(f"TABLE {t}" for t in obj.tables), *(f"TABLES IN SCHEMA {s}" for s in obj.schemas)]
    )


def create_publication(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Publication)
    if plan.create_once(obj.key):
        sql = f"CREATE PUBLICATION {ident(obj.name)}"
        if obj.all_tables:
            sql += " FOR ALL TABLES"
        elif obj.tables or obj.schemas:
            sql += f" FOR {_targets(obj)}"
        plan.add(plan.phase(obj.key), f"{sql} WITH {_with(obj)}", obj.key)


def drop_publication(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    if plan.drop_once(obj.key):
        sql = f"DROP PUBLICATION {ident(obj.key.name)}"
        plan.add(plan.drop_phase(obj.key), sql, obj.key, destructive=destructive)


def alter_publication(plan: Plan, change: Change) -> None:
    old, new = change.old, change.new
    assert isinstance(old, Publication) and isinstance(new, Publication)
    alter = f"ALTER PUBLICATION {ident(new.name)}"
    if change.changed("tables", "schemas"):
        if new.tables or new.schemas:
            plan.add(plan.phase(new.key), f"{alter} SET {_targets(new)}", new.key)
        else:  # SET needs at least one: drop what A has
            plan.add(plan.phase(new.key), f"{alter} DROP {_targets(old)}", new.key)
    if change.changed("publish", "via_root", "generated"):
        plan.add(plan.phase(new.key), f"{alter} SET {_with(new)}", new.key)
