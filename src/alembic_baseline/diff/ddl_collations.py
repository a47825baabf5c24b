"""DDL for collations.

A collation cannot be altered (but for its owner and comment): it is dropped and created again,
which only works while nothing uses it. A removed collation is dropped once the columns of A
that use it have been changed (the late drop phase); a changed one still in use is left as
manual work.
"""

from __future__ import annotations

from itertools import chain

from alembic_baseline.diff.plan import Plan
from alembic_baseline.diff.quote import literal, qualified
from alembic_baseline.snapshot.model import CatalogObject, Collation, Snapshot

_LATE = "drop released collations"


def collation_sql(obj: Collation) -> str:
    options = [f"provider = {obj.provider}"]
    if obj.locale is not None:
        options.append(f"locale = {literal(obj.locale)}")
    if obj.lc_collate is not None:
        options.append(f"lc_collate = {literal(obj.lc_collate)}")
    if obj.lc_ctype is not None:
        options.append(f"lc_ctype = {literal(obj.lc_ctype)}")
    if not obj.deterministic:
        options.append("deterministic = false")
    if obj.rules is not None:
        options.append(f"rules = {literal(obj.rules)}")
    return f"CREATE COLLATION {qualified(obj.schema, obj.name)} ({', '.join(options)})"


def used(snap: Snapshot, name: str) -> bool:
    """Whether a column, domain, composite attribute or foreign column of ``snap`` uses the
    collation ``name`` (qualified as the catalog prints it)."""
    return name in chain(
        (c.collation for c in snap.columns),
        (d.collation for d in snap.domains),
        (a.collation for t in snap.composites for a in t.attributes),
        (c.collation for t in snap.foreign_tables for c in t.columns),
    )


def create_collation(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Collation)
    if plan.create_once(obj.key):
        plan.add(plan.phase(obj.key), collation_sql(obj), obj.key)


def drop_collation(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    assert isinstance(obj, Collation)
    if not plan.drop_once(obj.key):
        return
    name = qualified(obj.schema, obj.name)
    if plan.b(obj.key) is None:  # removed: A's columns using it are changed first
        phase = _LATE if used(plan.diff.a, name) else plan.drop_phase(obj.key)
        plan.add(phase, f"DROP COLLATION {name}", obj.key, destructive=destructive)
    elif used(plan.diff.a, name):
        plan.create_once(obj.key)  # (B's definition cannot be created under the same name)
        plan.add(
            plan.drop_phase(obj.key),
            f"-- DROP COLLATION {name}",
            obj.key,
            manual=True,
            note="a collation cannot be altered, and columns use this one: create the new "
            "collation under another name, move the columns to it, drop this one",
        )
    else:
        plan.add(plan.drop_phase(obj.key), f"DROP COLLATION {name}", obj.key)
