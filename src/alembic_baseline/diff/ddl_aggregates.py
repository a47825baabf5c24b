"""DDL for aggregates.

An aggregate cannot be altered (but for its owner, comment and privileges): a changed one is
dropped and created again — its dependants (views that call it) are dropped before and restored
after by the plan, through the snapshot's dependency edges. It is created after the functions,
types and tables its support functions and state type name, before the views that use it.
"""

from __future__ import annotations

from alembic_baseline.diff.plan import Plan
from alembic_baseline.diff.quote import literal, qualified
from alembic_baseline.snapshot.model import Aggregate, CatalogObject


def signature(obj: Aggregate, text: str) -> str:
    """``s.name(args)``; an aggregate of no arguments is ``(*)``."""
    return f"{qualified(obj.schema, obj.name)}({text or '*'})"


def aggregate_sql(obj: Aggregate) -> str:
    options = [f"SFUNC = {obj.sfunc}", f"STYPE = {obj.stype}"]
    if obj.sspace:
        options.append(f"SSPACE = {obj.sspace}")
    if obj.finalfunc is not None:
        options.append(f"FINALFUNC = {obj.finalfunc}")
        if obj.finalfunc_extra:
            options.append("FINALFUNC_EXTRA")
    options.append(f"FINALFUNC_MODIFY = {obj.finalfunc_modify.upper()}")
    for name, value in (
        ("COMBINEFUNC", obj.combinefunc),
        ("SERIALFUNC", obj.serialfunc),
        ("DESERIALFUNC", obj.deserialfunc),
    ):
        if value is not None:
            options.append(f"{name} = {value}")
    if obj.initcond is not None:
        options.append(f"INITCOND = {literal(obj.initcond)}")
    for name, value in obj.moving:
        if name == "minitcond":
            options.append(f"MINITCOND = {literal(value)}")
        elif name == "mfinalfunc_extra":
            options.append("MFINALFUNC_EXTRA")
        elif name == "mfinalfunc_modify":
            options.append(f"MFINALFUNC_MODIFY = {value.upper()}")
        else:
            options.append(f"{name.upper()} = {value}")
    if obj.sortop is not None:
        options.append(f"SORTOP = OPERATOR({obj.sortop})")
    options.append(f"PARALLEL = {obj.parallel.upper()}")
    if obj.kind == "hypothetical":
        options.append("HYPOTHETICAL")
    return f"CREATE AGGREGATE {signature(obj, obj.arguments)} ({', '.join(options)})"


def create_aggregate(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Aggregate)
    if plan.create_once(obj.key):
        plan.add(plan.phase(obj.key), aggregate_sql(obj), obj.key)


def drop_aggregate(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    assert isinstance(obj, Aggregate)
    if plan.drop_once(obj.key):
        sql = f"DROP AGGREGATE {signature(obj, obj.identity_args)}"
        plan.add(plan.drop_phase(obj.key), sql, obj.key)
