"""Snapshot × Snapshot → :class:`SchemaDiff`. Pure: no database, no I/O.

Objects are matched by :class:`ObjectKey`; matched objects are compared attribute by attribute
(generated dataclass fields, so a new attribute is compared the day it is added). Two things
are not plain attribute comparisons: the order of a table's columns (ADD COLUMN can only append,
so what matters is whether B's order is reachable from A's) and what a change drags along
(from the dependency edges recorded in A).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from typing import Any

from alembic_baseline.diff.kinds import DDL_OF
from alembic_baseline.diff.model import (
    AttributeChange,
    Change,
    ChangeKind,
    CompareOptions,
    SchemaDiff,
)
from alembic_baseline.diff.sameness import column_readded, same
from alembic_baseline.snapshot.kinds import WITH_COLUMNS
from alembic_baseline.snapshot.model import (
    OBJECT_TYPES,
    CatalogObject,
    Column,
    Constraint,
    ObjectKey,
    Snapshot,
    Table,
)

# Attributes that are not part of an object's definition for comparison purposes.
_NOT_COMPARED = {"position"}


def normalize(snap: Snapshot, options: CompareOptions) -> Snapshot:
    """``snap`` without what ``options`` ignore (comments, privileges, NOT NULL constraints)."""
    kinds: dict[str, Iterable[CatalogObject]] = {}
    for name in OBJECT_TYPES:
        objects: Iterable[CatalogObject] = getattr(snap, name)
        if options.ignore_not_null_names and name == "constraints":
            objects = [c for c in objects if not (isinstance(c, Constraint) and c.type == "n")]
        if options.ignore_comments:
            objects = [o if o.comment is None else replace(o, comment=None) for o in objects]
        if options.ignore_privileges:
            objects = [_without_privileges(o) for o in objects]
        kinds[name] = objects
    return snap.with_objects(**kinds)


def _without_privileges(obj: CatalogObject) -> CatalogObject:
    changes: dict[str, Any] = {}
    if getattr(obj, "owner", None) is not None:
        changes["owner"] = None
    if getattr(obj, "acl", ()):
        changes["acl"] = ()
    return replace(obj, **changes) if changes else obj


def attribute_changes(old: CatalogObject, new: CatalogObject) -> tuple[AttributeChange, ...]:
    """The attributes whose values differ, in declaration order."""
    return tuple(
        AttributeChange(f.name, getattr(old, f.name), getattr(new, f.name))
        for f in fields(old)
        if f.name not in _NOT_COMPARED
        and not same(f.name, getattr(old, f.name), getattr(new, f.name))
    )


def _column_orders(snap: Snapshot) -> dict[tuple[str, str], list[str]]:
    orders: dict[tuple[str, str], list[str]] = defaultdict(list)
    for col in snap.columns:  # already in table, position order
        orders[(col.schema, col.table)].append(col.name)
    return orders


def _order_changes(a: Snapshot, b: Snapshot) -> dict[ObjectKey, AttributeChange]:
    """Tables whose column order in B cannot be reached from A by dropping and appending."""
    found: dict[ObjectKey, AttributeChange] = {}
    b_orders = _column_orders(b)
    b_columns = {c.key: c for c in b.columns}
    readded = {
        c.key for c in a.columns if c.key in b_columns and column_readded(c, b_columns[c.key])
    }
    for (schema, table), old in _column_orders(a).items():
        new = b_orders.get((schema, table))
        if new is None:
            continue
        kept = [
            c for c in old if c in new and ObjectKey(Column.KIND, schema, c, table) not in readded
        ]
        reachable = kept + [c for c in new if c not in kept]
        if reachable != new:
            key = ObjectKey(Table.KIND, schema, table)
            found[key] = AttributeChange("column_order", tuple(old), tuple(new))
    return found


def needs_recreate(change: Change) -> bool:
    """Whether B's object can only be reached by dropping A's (which drags its dependants)."""
    if change.kind is ChangeKind.REMOVED:
        return True
    if change.kind is ChangeKind.ADDED:
        return False
    names = frozenset(a.name for a in change.attributes)
    return DDL_OF[change.key.kind].recreate(names, change.object)


def _reverse_edges(snap: Snapshot) -> dict[ObjectKey, list[ObjectKey]]:
    reverse: dict[ObjectKey, list[ObjectKey]] = defaultdict(list)
    for dep in snap.dependencies:
        reverse[dep.referenced].append(dep.dependent)
    return reverse


def _dependants(
    roots: Iterable[ObjectKey], reverse: Mapping[ObjectKey, list[ObjectKey]]
) -> tuple[ObjectKey, ...]:
    """Everything that transitively depends on ``roots`` (roots excluded), sorted."""
    seen: set[ObjectKey] = set()
    stack = list(roots)
    start = set(stack)
    while stack:
        for dependant in reverse.get(stack.pop(), ()):
            if dependant not in seen and dependant not in start:
                seen.add(dependant)
                stack.append(dependant)
    return tuple(sorted(seen))


def _roots(change: Change, a: Snapshot) -> list[ObjectKey]:
    """The keys whose dependants a dropped object takes with it (a table: also its columns)."""
    roots = [change.key]
    if change.key.kind in WITH_COLUMNS:
        table = (change.key.schema, change.key.name)
        roots += [c.key for c in a.columns if (c.schema, c.table) == table]
    return roots


def compare(a: Snapshot, b: Snapshot, options: CompareOptions | None = None) -> SchemaDiff:
    """What differs between ``a`` and ``b`` (the changes that turn A into B).

    Pure and deterministic: changes come in snapshot kind order, then key order.
    """
    options = options or CompareOptions()
    if options != CompareOptions():
        a, b = normalize(a, options), normalize(b, options)
    old, new = a.by_key(), b.by_key()
    orders = {} if options.ignore_column_order else _order_changes(a, b)
    reverse = _reverse_edges(a)
    changes: list[Change] = []
    for name in OBJECT_TYPES:
        keys = {o.key for o in getattr(a, name)} | {o.key for o in getattr(b, name)}
        for key in sorted(keys, key=lambda k: (k.kind, k.schema, k.table, k.name)):
            change = _change(key, old.get(key), new.get(key), orders.get(key))
            if change is None:
                continue
            if needs_recreate(change):
                deps = _dependants(_roots(change, a), reverse)
                change = replace(change, recreate=True, dependants=deps)
            changes.append(change)
    return SchemaDiff(tuple(changes), a, b, options)


def _change(
    key: ObjectKey,
    old: CatalogObject | None,
    new: CatalogObject | None,
    order: AttributeChange | None,
) -> Change | None:
    if old is None:
        return Change(ChangeKind.ADDED, key, None, new)
    if new is None:
        return Change(ChangeKind.REMOVED, key, old, None)
    if old == new and order is None:
        return None
    attrs = attribute_changes(old, new) + ((order,) if order else ())
    return Change(ChangeKind.CHANGED, key, old, new, attrs) if attrs else None
