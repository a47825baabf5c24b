"""The catalog snapshot: a value made of frozen dataclasses, serialised as deterministic JSON.

Every catalog object is a frozen dataclass with generated equality and a :class:`ObjectKey`
(kind, schema, name and, for objects that live on a table, the table). A :class:`Snapshot` holds
one sorted tuple per kind, so two snapshots of the same schema are equal (``==``) and serialise
byte for byte the same. Nothing here knows about databases: the loader in :mod:`.inspect` drops
the catalog noise (OIDs, statistics, attnum gaps) before objects are built.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from functools import cache, cached_property
from operator import attrgetter
from typing import Any, ClassVar, TypeVar

FORMAT_VERSION = 1
"""Bumped whenever the JSON layout changes in a way older readers cannot load."""


@dataclass(frozen=True, order=True)
class ObjectKey:
    """Identity of a catalog object: what the diff matches objects by.

    ``name`` of a function carries its identity arguments (``f(integer, text)``); ``table`` is
    set for objects that live on a table (columns, constraints, indexes, triggers, policies).
    """

    kind: str
    schema: str
    name: str
    table: str = ""

    def __str__(self) -> str:
        parts = [p for p in (self.schema, self.table, self.name) if p]
        return f"{self.kind} {'.'.join(parts)}"


@dataclass(frozen=True)
class CatalogObject:
    """Base of every snapshot object: a ``KIND`` and a :class:`ObjectKey`."""

    KIND: ClassVar[str] = ""
    comment: str | None = field(default=None, kw_only=True)

    @cached_property
    def key(self) -> ObjectKey:
        # Cached: diffs of large schemas look keys up hundreds of thousands of times. The cache
        # lives in the instance __dict__, outside the dataclass fields, equality and JSON.
        schema = str(getattr(self, "schema", ""))
        return ObjectKey(self.KIND, schema, str(getattr(self, "name", "")), self._table())

    def _table(self) -> str:
        return str(getattr(self, "table", ""))


@dataclass(frozen=True)
class Schema(CatalogObject):
    KIND: ClassVar[str] = "schema"
    name: str
    owner: str | None = None
    acl: tuple[str, ...] = ()


@dataclass(frozen=True)
class Extension(CatalogObject):
    KIND: ClassVar[str] = "extension"
    name: str
    schema: str
    version: str

    @cached_property
    def key(self) -> ObjectKey:
        # Extension names are database-wide; the schema is an attribute that can change.
        return ObjectKey(self.KIND, "", self.name)


@dataclass(frozen=True)
class Table(CatalogObject):
    """An ordinary or partitioned table (``partition_key`` set for the latter)."""

    KIND: ClassVar[str] = "table"
    schema: str
    name: str
    persistence: str = "permanent"  # permanent | unlogged
    partition_key: str | None = None
    partition_of: str | None = None  # qualified parent of a partition
    partition_bound: str | None = None
    inherits: tuple[str, ...] = ()  # qualified parents in inheritance order
    rls_enabled: bool = False
    rls_forced: bool = False
    options: tuple[str, ...] = ()
    owner: str | None = None
    acl: tuple[str, ...] = ()


@dataclass(frozen=True)
class Column(CatalogObject):
    """A table column; for a generated column ``default`` holds the generation expression."""

    KIND: ClassVar[str] = "column"
    schema: str
    table: str
    name: str
    position: int
    type: str
    not_null: bool = False
    default: str | None = None
    identity: str | None = None  # always | by default
    identity_options: str | None = None
    generated: str | None = None  # stored | virtual
    collation: str | None = None  # only when not the type's default
    local: bool = True  # False: comes from a parent table only (partitions, inheritance)


@dataclass(frozen=True)
class Constraint(CatalogObject):
    """PK (p), FK (f), UNIQUE (u), CHECK (c), EXCLUDE (x), NOT NULL (n, PostgreSQL 18)."""

    KIND: ClassVar[str] = "constraint"
    schema: str
    table: str
    name: str
    type: str
    definition: str
    columns: tuple[str, ...] = ()
    ref_table: str | None = None  # qualified, for FKs
    deferrable: bool = False
    deferred: bool = False
    validated: bool = True
    enforced: bool = True


@dataclass(frozen=True)
class Index(CatalogObject):
    """An index that no constraint owns (those come with their constraint)."""

    KIND: ClassVar[str] = "index"
    schema: str
    table: str
    name: str
    definition: str
    method: str
    unique: bool = False
    keys: tuple[str, ...] = ()  # as printed: column or expression, then collation, opclass, order
    include: tuple[str, ...] = ()
    predicate: str | None = None
    nulls_not_distinct: bool = False


@dataclass(frozen=True)
class View(CatalogObject):
    KIND: ClassVar[str] = "view"
    schema: str
    name: str
    definition: str
    materialized: bool = False
    options: tuple[str, ...] = ()
    owner: str | None = None
    acl: tuple[str, ...] = ()

    @cached_property
    def key(self) -> ObjectKey:
        kind = "materialized view" if self.materialized else "view"
        return ObjectKey(kind, self.schema, self.name)


@dataclass(frozen=True)
class Sequence(CatalogObject):
    KIND: ClassVar[str] = "sequence"
    schema: str
    name: str
    data_type: str
    start: int
    increment: int
    min_value: int
    max_value: int
    cache: int = 1
    cycle: bool = False
    owned_by: str | None = None  # table.column
    persistence: str = "permanent"
    owner: str | None = None
    acl: tuple[str, ...] = ()


@dataclass(frozen=True)
class Enum(CatalogObject):
    KIND: ClassVar[str] = "enum"
    schema: str
    name: str
    labels: tuple[str, ...]
    owner: str | None = None
    acl: tuple[str, ...] = ()


@dataclass(frozen=True)
class DomainCheck:
    name: str
    definition: str


@dataclass(frozen=True)
class Domain(CatalogObject):
    KIND: ClassVar[str] = "domain"
    schema: str
    name: str
    base_type: str
    not_null: bool = False
    default: str | None = None
    collation: str | None = None
    checks: tuple[DomainCheck, ...] = ()
    owner: str | None = None
    acl: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attribute:
    name: str
    type: str
    collation: str | None = None


@dataclass(frozen=True)
class Composite(CatalogObject):
    KIND: ClassVar[str] = "composite type"
    schema: str
    name: str
    attributes: tuple[Attribute, ...]
    owner: str | None = None
    acl: tuple[str, ...] = ()


@dataclass(frozen=True)
class Function(CatalogObject):
    """A function or procedure; ``name`` is bare, the key adds the identity arguments."""

    KIND: ClassVar[str] = "function"
    schema: str
    name: str
    identity_args: str
    arguments: str  # with names, modes and defaults
    result: str | None  # None for procedures
    language: str
    body: str
    procedure: bool = False
    sql_body: bool = False  # SQL-standard body (BEGIN ATOMIC / RETURN), not a string
    volatility: str = "volatile"
    strict: bool = False
    security_definer: bool = False
    leakproof: bool = False
    parallel: str = "unsafe"
    cost: float = 100.0
    rows: float = 0.0
    config: tuple[str, ...] = ()
    window: bool = False
    owner: str | None = None
    acl: tuple[str, ...] = ()

    @cached_property
    def key(self) -> ObjectKey:
        kind = "procedure" if self.procedure else "function"
        return ObjectKey(kind, self.schema, f"{self.name}({self.identity_args})")


@dataclass(frozen=True)
class Trigger(CatalogObject):
    KIND: ClassVar[str] = "trigger"
    schema: str
    table: str
    name: str
    definition: str
    timing: str
    events: tuple[str, ...]
    function: str
    when: str | None = None
    enabled: str = "origin"  # origin | disabled | replica | always


@dataclass(frozen=True)
class EventTrigger(CatalogObject):
    KIND: ClassVar[str] = "event trigger"
    name: str
    event: str
    function: str
    tags: tuple[str, ...] = ()
    enabled: str = "origin"
    owner: str | None = None


@dataclass(frozen=True)
class Policy(CatalogObject):
    KIND: ClassVar[str] = "policy"
    schema: str
    table: str
    name: str
    command: str  # ALL | SELECT | INSERT | UPDATE | DELETE
    permissive: bool = True
    roles: tuple[str, ...] = ("public",)
    using: str | None = None
    with_check: str | None = None


@dataclass(frozen=True, order=True)
class Dependency:
    """``dependent`` must be dropped before ``referenced`` can be dropped or recreated."""

    dependent: ObjectKey
    referenced: ObjectKey


OBJECT_TYPES: dict[str, type[CatalogObject]] = {
    "schemas": Schema,
    "extensions": Extension,
    "tables": Table,
    "columns": Column,
    "constraints": Constraint,
    "indexes": Index,
    "views": View,
    "sequences": Sequence,
    "enums": Enum,
    "domains": Domain,
    "composites": Composite,
    "functions": Function,
    "triggers": Trigger,
    "event_triggers": EventTrigger,
    "policies": Policy,
}
"""Snapshot field name → object class, in the order objects are listed in JSON and reports."""

T = TypeVar("T", bound=CatalogObject)


_SORT_FIELDS = ("schema", "table", "position", "name", "identity_args", "materialized", "procedure")


@cache
def _order(cls: type) -> Callable[[Any], Any]:
    """Sort key of a class's objects: grouped by table, columns in table order, so the JSON
    reads like the schema. An attrgetter on the attributes (not the key) keeps sorting tens of
    thousands of objects cheap."""
    names = {f.name for f in fields(cls)}
    return attrgetter(*(n for n in _SORT_FIELDS if n in names))


def _edge_order(dep: Dependency) -> tuple[str, ...]:
    # Plain string tuples: much cheaper to sort than nested dataclass comparisons.
    d, r = dep.dependent, dep.referenced
    return (d.kind, d.schema, d.name, d.table, r.kind, r.schema, r.name, r.table)


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
    dependencies: tuple[Dependency, ...] = ()
    server_version: str = field(default="", compare=False)
    options: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    format_version: int = field(default=FORMAT_VERSION, compare=False)

    @classmethod
    def build(cls, **kinds: typing.Iterable[Any]) -> Snapshot:
        """A snapshot from unsorted iterables (sorts every kind into canonical order)."""
        values: dict[str, Any] = {}
        for name, items in kinds.items():
            if name in OBJECT_TYPES:
                values[name] = sort_objects(items)
            elif name == "dependencies":
                values[name] = tuple(sorted(set(items), key=_edge_order))
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
        from alembic_baseline.snapshot.codec import encode

        return {
            "format_version": self.format_version,
            "server_version": self.server_version,
            "options": {k: v for k, v in self.options},
            "objects": {
                name: [encode(o) for o in getattr(self, name)]
                for name in (*OBJECT_TYPES, "dependencies")
            },
        }

    def to_json(self) -> str:
        """Deterministic JSON: sorted keys, canonical object order, a trailing newline."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
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
        return replace(snap, server_version=str(data.get("server_version", "")), options=options)

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        return cls.from_dict(json.loads(text))
