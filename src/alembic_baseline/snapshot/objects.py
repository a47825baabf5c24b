"""Catalog objects: one frozen dataclass per kind, each with an :class:`ObjectKey`.

Generated equality, no database knowledge: the loaders in :mod:`.loaders` drop catalog noise
(OIDs, statistics, attnum gaps) before these are built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar, overload

_T = TypeVar("_T")
_V = TypeVar("_V")


def assemble(cls: type[_T], values: dict[str, Any]) -> _T:
    """An instance of the frozen dataclass ``cls`` from ``values``: every field, by name (and
    perhaps ``key``, the value :attr:`CatalogObject.key` would compute and cache).

    What the generated ``__init__`` does, minus its per-field ``object.__setattr__`` calls:
    loaders build tens of thousands of columns and constraints per snapshot, and this halves
    their cost. No class here has a ``__post_init__``; :func:`field_names` keeps callers honest
    (the loader tests compare assembled objects with constructed ones).
    """
    obj = object.__new__(cls)
    obj.__dict__.update(values)
    return obj


@cache
def field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


class cached_key(Generic[_V]):
    """functools.cached_property without its per-instance lock (Python 3.11 takes one on
    every first access): a snapshot builds tens of thousands of keys. The value is stored in the
    instance ``__dict__``, which then shadows this non-data descriptor."""

    def __init__(self, func: Callable[[Any], _V]) -> None:
        self.func = func
        self.name = func.__name__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> cached_key[_V]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _V: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> _V | cached_key[_V]:
        if obj is None:
            return self
        value = self.func(obj)
        obj.__dict__[self.name] = value
        return value


class ObjectKey(NamedTuple):
    """Identity of a catalog object: what the diff matches objects by.

    ``name`` of a function carries its identity arguments (``f(integer, text)``); ``table`` is
    set for objects that live on a table (columns, constraints, indexes, triggers, policies).
    A named tuple, not a dataclass: snapshots and diffs hash, compare and sort hundreds of
    thousands of keys, and a tuple does that in C (the JSON form is still an object).
    """

    kind: str
    schema: str
    name: str
    table: str = ""

    def __str__(self) -> str:
        parts = [p for p in (self.schema, self.table, self.name) if p]
        return f"{self.kind} {'.'.join(parts)}"

    @classmethod
    def of(cls, kind: str, schema: str, name: str, table: str = "") -> ObjectKey:
        """The same as ``ObjectKey(kind, schema, name, table)``, without keyword handling."""
        return tuple.__new__(cls, (kind, schema, name, table))


@dataclass(frozen=True)
class CatalogObject:
    """Base of every snapshot object: a ``KIND`` and a :class:`ObjectKey`."""

    KIND: ClassVar[str] = ""
    comment: str | None = field(default=None, kw_only=True)

    @cached_key
    def key(self) -> ObjectKey:
        # Cached: diffs of large schemas look keys up hundreds of thousands of times. The cache
        # lives in the instance __dict__, outside the dataclass fields, equality and JSON.
        schema = str(getattr(self, "schema", ""))
        return ObjectKey.of(self.KIND, schema, str(getattr(self, "name", "")), self._table())

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

    @cached_key
    def key(self) -> ObjectKey:
        # Extension names are database-wide; the schema is an attribute that can change.
        return ObjectKey.of(self.KIND, "", self.name)


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
    storage: str | None = None  # plain | external | main | extended, when not the type's default
    compression: str | None = None  # pglz | lz4, when not the server's default


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

    @cached_key
    def key(self) -> ObjectKey:
        kind = "materialized view" if self.materialized else "view"
        return ObjectKey.of(kind, self.schema, self.name)


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

    @cached_key
    def key(self) -> ObjectKey:
        kind = "procedure" if self.procedure else "function"
        return ObjectKey.of(kind, self.schema, f"{self.name}({self.identity_args})")


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


@dataclass(frozen=True)
class Collation(CatalogObject):
    """A collation made by CREATE COLLATION (its library version is build noise: left out)."""

    KIND: ClassVar[str] = "collation"
    schema: str
    name: str
    provider: str  # libc | icu | builtin
    deterministic: bool = True
    lc_collate: str | None = None  # libc
    lc_ctype: str | None = None
    locale: str | None = None  # icu, builtin
    rules: str | None = None  # icu (PostgreSQL 16)
    owner: str | None = None


@dataclass(frozen=True)
class Statistics(CatalogObject):
    """An extended statistics object: ``pg_get_statisticsobjdef`` and its statistics target
    (None: the default)."""

    KIND: ClassVar[str] = "statistics object"
    schema: str
    name: str
    definition: str
    target: int | None = None
    owner: str | None = None


@dataclass(frozen=True)
class Rule(CatalogObject):
    """A rewrite rule on a table or view (not a view's own ``_RETURN`` rule)."""

    KIND: ClassVar[str] = "rule"
    schema: str
    table: str
    name: str
    definition: str
    enabled: str = "origin"  # origin | disabled | replica | always


class Dependency(NamedTuple):
    """``dependent`` must be dropped before ``referenced`` can be dropped or recreated (a named
    tuple of two keys: sorted and deduplicated in C)."""

    dependent: ObjectKey
    referenced: ObjectKey
