"""The catalog snapshot: a value made of frozen dataclasses, serialised as deterministic JSON.

Every catalog object (:mod:`.objects`, re-exported here) is a frozen dataclass with generated
equality and a :class:`ObjectKey` (kind, schema, name and, for objects that live on a table,
the table). A :class:`Snapshot` holds
one sorted tuple per kind, so two snapshots of the same schema are equal (``==``) and serialise
byte for byte the same. Nothing here knows about databases: the loader in :mod:`.inspect` drops
the catalog noise (OIDs, statistics, attnum gaps) before objects are built.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from functools import cache
from operator import attrgetter
from typing import Any, TypeVar

from alembic_baseline.snapshot.inventory import Inventory
from alembic_baseline.snapshot.kinds import OBJECT_TYPES
from alembic_baseline.snapshot.objects import (
    Attribute,
    CatalogObject,
    Collation,
    Column,
    Composite,
    Constraint,
    Dependency,
    Domain,
    DomainCheck,
    Enum,
    EventTrigger,
    Extension,
    Function,
    Index,
    ObjectKey,
    Policy,
    Rule,
    Schema,
    Sequence,
    Statistics,
    Table,
    Trigger,
    View,
)
from alembic_baseline.snapshot.objects_casts import Cast
from alembic_baseline.snapshot.objects_foreign import (
    ForeignColumn,
    ForeignDataWrapper,
    ForeignServer,
    ForeignTable,
)
from alembic_baseline.snapshot.objects_replication import Publication
from alembic_baseline.snapshot.objects_routines import Aggregate, Operator
from alembic_baseline.snapshot.objects_textsearch import (
    TextSearchConfiguration,
    TextSearchDictionary,
)

__all__ = [
    "FORMAT_VERSION",
    "OBJECT_TYPES",
    "Aggregate",
    "Attribute",
    "Cast",
    "CatalogObject",
    "Collation",
    "Column",
    "Composite",
    "Constraint",
    "Dependency",
    "Domain",
    "DomainCheck",
    "Enum",
    "EventTrigger",
    "Extension",
    "ForeignColumn",
    "ForeignDataWrapper",
    "ForeignServer",
    "ForeignTable",
    "Function",
    "Index",
    "ObjectKey",
    "Operator",
    "Policy",
    "Publication",
    "Rule",
    "Schema",
    "Sequence",
    "Snapshot",
    "Statistics",
    "Table",
    "TextSearchConfiguration",
    "TextSearchDictionary",
    "Trigger",
    "View",
    "sort_objects",
]

FORMAT_VERSION = 12
"""Bumped whenever the JSON layout changes in a way older readers cannot load, or the model
gains a kind (an older file says nothing about it: loading it as "none" would be a false
equality). 2: foreign-data wrappers, servers and foreign tables. 3: collations. 4: column storage
and compression. 5: publications. 6: extended statistics. 7: rules. 8: aggregates. 9: operators.
10: text search dictionaries and configurations. 11: casts."""


T = TypeVar("T", bound=CatalogObject)


_SORT_FIELDS = (
    "schema", "table", "position", "name", "identity_args", "materialized", "procedure",
    "source", "target",  # casts
)  # fmt: skip


@cache
def _order(cls: type) -> Callable[[Any], Any]:
    """Sort key of a class's objects: grouped by table, columns in table order, so the JSON
    reads like the schema. An attrgetter on the attributes (not the key) keeps sorting tens of
    thousands of objects cheap."""
    names = {f.name for f in fields(cls)}
    return attrgetter(*(n for n in _SORT_FIELDS if n in names))


def sort_key(cls: type) -> Callable[[Any], Any]:
    """The canonical sort key of ``cls``'s objects (what :func:`sort_objects` sorts by)."""
    return _order(cls)


def sort_objects(objects: typing.Iterable[T]) -> tuple[T, ...]:
    """Objects in canonical order (schema, table, column position, name)."""
    items = list(objects)
    kind: Any = type(items[0]) if items else None
    return tuple(sorted(items, key=_order(kind))) if items else ()


@dataclass(frozen=True)
class Snapshot:
    """Everything :func:`~alembic_baseline.snapshot.inspect` found, as a comparable value.

    ``server_version`` and ``options`` describe where the snapshot came from; they take no part
    in equality, so snapshots of the same schema on different servers can be equal.
    """

    schemas: tuple[Schema, ...] = ()
    extensions: tuple[Extension, ...] = ()
    tables: tuple[Table, ...] = ()
    columns: tuple[Column, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    views: tuple[View, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    enums: tuple[Enum, ...] = ()
    domains: tuple[Domain, ...] = ()
    composites: tuple[Composite, ...] = ()
    functions: tuple[Function, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    event_triggers: tuple[EventTrigger, ...] = ()
    policies: tuple[Policy, ...] = ()
    foreign_data_wrappers: tuple[ForeignDataWrapper, ...] = ()
    foreign_servers: tuple[ForeignServer, ...] = ()
    foreign_tables: tuple[ForeignTable, ...] = ()
    collations: tuple[Collation, ...] = ()
    publications: tuple[Publication, ...] = ()
    statistics: tuple[Statistics, ...] = ()
    rules: tuple[Rule, ...] = ()
    aggregates: tuple[Aggregate, ...] = ()
    operators: tuple[Operator, ...] = ()
    text_search_dictionaries: tuple[TextSearchDictionary, ...] = ()
    text_search_configurations: tuple[TextSearchConfiguration, ...] = ()
    casts: tuple[Cast, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    server_version: str = field(default="", compare=False)
    options: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    inventory: Inventory | None = field(default=None, compare=False, repr=False)
    """Every object by name, whatever its kind (:mod:`.inventory`); None when not read (a
    snapshot file written before inventories existed). Compared by ``inventory.check``."""
    format_version: int = field(default=FORMAT_VERSION, compare=False)

    @classmethod
    def build(cls, **kinds: typing.Iterable[Any]) -> Snapshot:
        """A snapshot from unsorted iterables (sorts every kind into canonical order)."""
        values: dict[str, Any] = {}
        for name, items in kinds.items():
            if name in OBJECT_TYPES:
                values[name] = sort_objects(items)
            elif name == "dependencies":
                values[name] = tuple(sorted(set(items)))  # named tuples: in C
            else:
                values[name] = items
        return cls(**values)

    def objects(self) -> typing.Iterator[CatalogObject]:
        """Every object, kind by kind in :data:`OBJECT_TYPES` order."""
        for name in OBJECT_TYPES:
            yield from getattr(self, name)

    def by_key(self) -> dict[ObjectKey, CatalogObject]:
        return {obj.key: obj for obj in self.objects()}

    def with_objects(self, **kinds: typing.Iterable[Any]) -> Snapshot:
        """A copy with some kinds replaced (and re-sorted)."""
        values: dict[str, Any] = {k: sort_objects(v) for k, v in kinds.items()}
        return replace(self, **values)

    # -- JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        # lazy: cycle: codec and jsonwrite import the model's classes
        from alembic_baseline.snapshot.codec import encode

        return {
            "format_version": self.format_version,
            "server_version": self.server_version,
            "options": {k: v for k, v in self.options},
            "objects": {
                name: [encode(o) for o in getattr(self, name)]
                for name in (*OBJECT_TYPES, "dependencies")
            },
            **({"inventory": self.inventory.to_json()} if self.inventory is not None else {}),
        }

    def to_json(self) -> str:
        """Deterministic JSON: sorted keys, canonical object order, a trailing newline — the
        bytes of ``json.dumps(self.to_dict(), sort_keys=True, indent=1, ensure_ascii=False)``
        plus a newline, produced faster by :mod:`.jsonwrite`."""
        # lazy: cycle: codec and jsonwrite import the model's classes
        from alembic_baseline.snapshot.jsonwrite import to_json

        return to_json(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        # lazy: cycle: codec and jsonwrite import the model's classes
        from alembic_baseline.snapshot.codec import decode

        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise ValueError(f"snapshot format {version!r} is not {FORMAT_VERSION}")
        objects = data.get("objects", {})
        kinds: dict[str, Any] = {
            name: [decode(tp, item) for item in objects.get(name, [])]
            for name, tp in OBJECT_TYPES.items()
        }
        kinds["dependencies"] = [decode(Dependency, d) for d in objects.get("dependencies", [])]
        snap = cls.build(**kinds)
        options = tuple(sorted((str(k), str(v)) for k, v in data.get("options", {}).items()))
        inventory = data.get("inventory")
        return replace(
            snap,
            server_version=str(data.get("server_version", "")),
            options=options,
            inventory=None if inventory is None else Inventory.from_json(inventory),
        )

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        return cls.from_dict(json.loads(text))


def _check_fields() -> None:
    """The object fields of :class:`Snapshot` are :data:`~.kinds.KINDS`, in order: the typed
    field lines are there for the type checker, the registry decides."""
    declared = tuple(f.name for f in fields(Snapshot))[: len(OBJECT_TYPES)]
    if declared != tuple(OBJECT_TYPES):
        raise TypeError(f"Snapshot fields {declared} are not the kinds {tuple(OBJECT_TYPES)}")


_check_fields()
