"""DDL for aggregates and operators.

An aggregate cannot be altered (but for its owner, comment and privileges): a changed one is
dropped and created again — its dependants (views that call it) are dropped before and restored
after by the plan, through the snapshot's dependency edges. It is created after the functions,
types and tables its support functions and state type name, before the views that use it.

An operator is created after the functions (before the tables: defaults, CHECKs and index
expressions may use it). Its estimators are altered in place (ALTER OPERATOR ... SET, every
supported major); any other change drops and creates it again, with what uses it around it.
An operator an operator family uses cannot be dropped, and the fix script does not change
families (they are compared by name only): dropping or recreating such an operator, or changing
which families use it, is left as manual work. A COMMUTATOR or NEGATOR naming an operator not
created yet makes a shell that the later CREATE OPERATOR fills in, so the order among operators
does not matter.
"""

from __future__ import annotations

from alembic_baseline.diff.model import Change
from alembic_baseline.diff.plan import Plan
from alembic_baseline.diff.quote import ident, literal, qualified
from alembic_baseline.snapshot.model import Aggregate, CatalogObject, Operator

IN_PLACE = frozenset(("restrict", "join", "families"))
"""What an operator keeps through a change: its estimators (ALTER OPERATOR ... SET, on every
supported major) and the families using it (a manual note)."""


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


def operator_name(obj: Operator) -> str:
    """``OPERATOR(s.===)``-free form DROP/ALTER/COMMENT take: ``s.=== (integer, integer)``."""
    return f"{ident(obj.schema)}.{obj.name} ({obj.left or 'NONE'}, {obj.right})"


def operator_sql(obj: Operator) -> str:
    options = [f"FUNCTION = {obj.function}"]
    if obj.left is not None:
        options.append(f"LEFTARG = {obj.left}")
    options.append(f"RIGHTARG = {obj.right}")
    for name, value in (("COMMUTATOR", obj.commutator), ("NEGATOR", obj.negator)):
        if value is not None:
            options.append(f"{name} = OPERATOR({value})")
    options += _estimators(obj)
    options += ["HASHES"] if obj.hashes else []
    options += ["MERGES"] if obj.merges else []
    return f"CREATE OPERATOR {ident(obj.schema)}.{obj.name} ({', '.join(options)})"


def _estimators(obj: Operator) -> list[str]:
    pairs = (("RESTRICT", obj.restrict), ("JOIN", obj.join))
    return [f"{name} = {value}" for name, value in pairs if value is not None]


def create_operator(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Operator)
    if plan.create_once(obj.key):
        plan.add(plan.phase(obj.key), operator_sql(obj), obj.key)


def drop_operator(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    assert isinstance(obj, Operator)
    if not plan.drop_once(obj.key):
        return
    sql = f"DROP OPERATOR {operator_name(obj)}"
    if not obj.families:
        plan.add(plan.drop_phase(obj.key), sql, obj.key)
        return
    plan.create_once(obj.key)  # (B's definition cannot be created under the same name)
    families = ", ".join(obj.families)
    note = (
        f"operator families use this operator ({families}): drop it from them (ALTER OPERATOR "
        "FAMILY ... DROP OPERATOR, or drop the operator class), drop and create the operator, "
        "add it back"
    )
    plan.add(plan.drop_phase(obj.key), f"-- {sql}", obj.key, manual=True, note=note)


def alter_operator(plan: Plan, change: Change) -> None:
    new = change.new
    assert isinstance(new, Operator)
    if change.changed("restrict") or change.changed("join"):
        # SET (RESTRICT = NONE) clears an estimator
        values = [f"RESTRICT = {new.restrict or 'NONE'}", f"JOIN = {new.join or 'NONE'}"]
        sql = f"ALTER OPERATOR {operator_name(new)} SET ({', '.join(values)})"
        plan.add(plan.phase(new.key), sql, new.key)
    if change.changed("families"):
        old = change.old.families if isinstance(change.old, Operator) else ()
        note = (
            f"operator families using it: {', '.join(old) or 'none'} → "
            f"{', '.join(new.families) or 'none'}; operator classes and families are not "
            "changed by this script (ALTER OPERATOR FAMILY ... ADD/DROP OPERATOR)"
        )
        sql = f"-- operator families of {operator_name(new)}"
        plan.add(plan.phase(new.key), sql, new.key, manual=True, note=note)
