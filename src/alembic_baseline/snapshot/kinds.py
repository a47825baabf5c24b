"""The object kinds the snapshot models: one :class:`Kind` each, the only place a kind is listed.

Everything the snapshot side knows about a kind is here — its class, catalog query, loader, the
oids its dependency rows name it by, which connection reads it, which ``pg_identify_object``
types it answers for in the inventory, and which catalog entries doctor's cheap fingerprints
count for it — and the tables the rest of the code used to spell out by hand are derived from
:data:`KINDS`: :data:`OBJECT_TYPES` (the Snapshot fields and JSON keys, in order),
:data:`BY_KEY` (an :class:`~.objects.ObjectKey` kind → its Kind), :data:`MODELLED` (what the
inventory need not compare by name only), the read order and helper share of
:mod:`.inspect`, and :data:`COVERAGE` (doctor's shape and signature queries). The DDL side
(handlers, phase, SQL noun, data loss, recreate-or-alter) is registered in
:mod:`alembic_baseline.diff.kinds`, keyed by these Kind objects: the diff layer sits above this
one, so the snapshot never imports its handlers.

Adding a kind (the whole path):

1. ``objects.py`` (or a module of its family: ``objects_foreign.py``…): its frozen dataclass
   (``KIND`` = the ObjectKey kind, ``pg_identify_object``'s type where there is one).
2. ``queries/<field>.sql`` and a loader (``loaders.py``, or ``loaders_<family>.py``): rows →
   objects; owners/ACLs only with ``options.privileges``; database-wide kinds only with the
   ``globals`` parameter; never an option value that may be a secret (``SECRET_OPTION``).
3. Here: a :class:`Kind` in :data:`KINDS`, and one typed field line in ``model.Snapshot``
   (checked against :data:`KINDS` at import); bump ``model.FORMAT_VERSION``.
4. ``diff/kinds.py``: its :class:`~alembic_baseline.diff.kinds.Ddl` (handlers in a ``ddl_*``
   module; its create and drop phases, added to ``diff/plan.PHASES`` if it needs new ones;
   noun; data loss; when a change means drop and create).
5. A fixture case ``tests/fixtures/schemas/<case>/{a,b}.sql``: the round-trip test runs it on
   every major. The inventory's "compared by name only" list and doctor's fingerprints (and
   their cache key) follow from the Kind; ``tests/unit/test_kinds_registry.py`` checks the
   registries are complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from alembic_baseline.snapshot import loaders as ld
from alembic_baseline.snapshot import loaders_foreign as lf
from alembic_baseline.snapshot import loaders_tables as lt
from alembic_baseline.snapshot import objects as o
from alembic_baseline.snapshot import objects_foreign as of
from alembic_baseline.snapshot.loaders import Loader
from alembic_baseline.snapshot.objects_casts import Cast
from alembic_baseline.snapshot.objects_replication import Publication
from alembic_baseline.snapshot.objects_routines import Aggregate, Operator
from alembic_baseline.snapshot.objects_textsearch import (
    TextSearchConfiguration,
    TextSearchDictionary,
)

End = tuple[Literal["dependents", "referenced"], str, str]
"""(which end of a dependency row, the catalog dependencies.sql names it by, the row's oid
column): how :func:`~.inspect.load_kind` records an object for :func:`~.inspect.edges`."""

Lane = Literal["first", "caller", "helper"]


@dataclass(frozen=True, eq=False)
class Kind:
    """One modelled object kind. Compared and hashed by identity: the DDL side keys on it.

    ``lane``: ``first`` is read before the others (its rows are their parameters); ``helper``
    queries need no relation caches and may run on the helper connection (see
    :mod:`.inspect`). ``needs``: auxiliary queries read just before this one. ``in_order``:
    the loader returns canonical order already. ``has_columns``: its columns are objects of
    the column kind (a dependency on column n names the column; dropping it drops them).
    ``relkinds``/``typtypes``/``prokinds``: the catalog entries doctor's fingerprints count
    for this kind, so that equal snapshots always have equal shapes.
    """

    field: str
    cls: type[o.CatalogObject]
    load: Loader
    keys: tuple[str, ...] = ()
    query: str = ""
    lane: Lane = "caller"
    needs: tuple[str, ...] = ()
    ends: tuple[End, ...] = ()
    in_order: bool = False
    has_columns: bool = False
    inventory: tuple[str, ...] = ()
    relkinds: str = ""
    typtypes: str = ""
    prokinds: str = ""

    def __post_init__(self) -> None:
        # The defaults that follow from the class and the field name.
        if not self.keys:
            object.__setattr__(self, "keys", (self.cls.KIND,))
        if not self.query:
            object.__setattr__(self, "query", self.field)


_DEP: Literal["dependents"] = "dependents"
_REF: Literal["referenced"] = "referenced"

SCHEMAS = Kind("schemas", o.Schema, ld.each(ld.schema), lane="first", inventory=("schema",))
EXTENSIONS = Kind("extensions", o.Extension, ld.each(ld.extension), inventory=("extension",))
TABLES = Kind(
    "tables", o.Table, lt.tables,
    ends=((_REF, "relation", "oid"), (_REF, "type", "type_oid")),
    has_columns=True, inventory=("table",), relkinds="rp",
)  # fmt: skip
COLUMNS = Kind(
    "columns", o.Column, lt.columns, lane="helper", in_order=True,
    inventory=("table column", "default value"),
)  # fmt: skip
CONSTRAINTS = Kind(
    "constraints", o.Constraint, lt.constraints,
    # a PK/UNIQUE/EXCLUDE index stands for its constraint
    ends=((_DEP, "constraint", "oid"), (_REF, "relation", "index_oid")),
    inventory=("table constraint",),
)  # fmt: skip
INDEXES = Kind(
    "indexes", o.Index, lt.indexes, needs=("opclasses",), ends=((_DEP, "relation", "oid"),),
    inventory=("index",),
)  # fmt: skip
VIEWS = Kind(
    "views", o.View, ld.each(ld.view), keys=("view", "materialized view"),
    ends=((_DEP, "view", "oid"), (_REF, "relation", "oid"), (_REF, "type", "type_oid")),
    inventory=("view", "view column", "materialized view", "materialized view column"),
    relkinds="vm",
)  # fmt: skip
SEQUENCES = Kind(
    "sequences", o.Sequence, ld.each(ld.sequence), lane="helper",
    ends=((_REF, "relation", "oid"),), inventory=("sequence",), relkinds="S",
)  # fmt: skip
ENUMS = Kind(
    "enums", o.Enum, ld.each(ld.enum), lane="helper", ends=((_REF, "type", "oid"),),
    inventory=("enum",), typtypes="e",
)  # fmt: skip
DOMAINS = Kind(
    "domains", o.Domain, ld.each(ld.domain), lane="helper", ends=((_REF, "type", "oid"),),
    inventory=("domain", "domain constraint"), typtypes="d",
)  # fmt: skip
COMPOSITES = Kind(
    "composites", o.Composite, ld.each(ld.composite), lane="helper",
    ends=((_REF, "type", "oid"),), inventory=("composite type", "composite type column"),
    relkinds="c", typtypes="c",
)  # fmt: skip
FUNCTIONS = Kind(
    "functions", o.Function, ld.each(ld.function), keys=("function", "procedure"),
    lane="helper", ends=((_DEP, "function", "oid"), (_REF, "function", "oid")),
    inventory=("function", "procedure"), prokinds="fpw",
)  # fmt: skip
TRIGGERS = Kind(
    "triggers", o.Trigger, ld.each(ld.trigger), lane="helper",
    ends=((_DEP, "trigger", "oid"),), inventory=("trigger",),
)  # fmt: skip
EVENT_TRIGGERS = Kind(
    "event_triggers", o.EventTrigger, ld.each(ld.event_trigger), lane="helper",
    inventory=("event trigger",),
)  # fmt: skip
POLICIES = Kind(
    "policies", o.Policy, ld.each(ld.policy), lane="helper", ends=((_DEP, "policy", "oid"),),
    inventory=("policy",),
)  # fmt: skip

# SQL/MED. Wrappers and servers are database-wide: read only without a schema filter.
WRAPPERS = Kind(
    "foreign_data_wrappers", of.ForeignDataWrapper, ld.each(lf.wrapper), lane="helper",
    ends=((_REF, "wrapper", "oid"),), inventory=("foreign-data wrapper",),
)  # fmt: skip
SERVERS = Kind(
    "foreign_servers", of.ForeignServer, ld.each(lf.server), lane="helper",
    ends=((_DEP, "server", "oid"), (_REF, "server", "oid")), inventory=("server",),
)  # fmt: skip
FOREIGN_TABLES = Kind(
    "foreign_tables", of.ForeignTable, ld.each(lf.foreign_table),
    # a dependant too: of its server and of its columns' types (it is recreated with them)
    ends=((_DEP, "relation", "oid"), (_REF, "relation", "oid"), (_REF, "type", "type_oid")),
    inventory=("foreign table", "foreign table column"), relkinds="f",
)  # fmt: skip

COLLATIONS = Kind(
    "collations", o.Collation, ld.each(ld.collation), lane="helper", inventory=("collation",)
)

PUBLICATIONS = Kind(
    "publications", Publication, ld.each(ld.publication), lane="helper",
    inventory=("publication", "publication relation", "publication namespace"),
)  # fmt: skip

STATISTICS = Kind(
    # pg_get_statisticsobjdef opens the table: on the caller's lane, with the other definitions
    "statistics",
    o.Statistics,
    ld.each(ld.statistics),
    inventory=("statistics object",),
)

RULES = Kind(
    # pg_get_ruledef opens the tables it names: on the caller's lane, with the other definitions
    "rules",
    o.Rule,
    ld.each(ld.rule),
    ends=((_DEP, "rule", "oid"),),
    inventory=("rule",),
)

AGGREGATES = Kind(
    # one pg_proc row each, like functions: dependency rows name them as functions
    "aggregates", Aggregate, ld.each(ld.aggregate), lane="helper",
    ends=((_DEP, "function", "oid"), (_REF, "function", "oid")),
    inventory=("aggregate",), prokinds="a",
)  # fmt: skip

OPERATORS = Kind(
    "operators", Operator, ld.each(ld.operator), lane="helper",
    ends=((_DEP, "operator", "oid"), (_REF, "operator", "oid")), inventory=("operator",),
)  # fmt: skip

# Text search: parsers and templates are made of C functions, compared by name only.
TEXT_SEARCH_DICTIONARIES = Kind(
    "text_search_dictionaries", TextSearchDictionary, ld.each(ld.text_search_dictionary),
    lane="helper", inventory=("text search dictionary",),
)  # fmt: skip
TEXT_SEARCH_CONFIGURATIONS = Kind(
    "text_search_configurations", TextSearchConfiguration,
    ld.each(ld.text_search_configuration), lane="helper",
    # what names it (to_tsvector('public.c', ...) in an index...) is recreated with it
    ends=((_REF, "ts config", "oid"),), inventory=("text search configuration",),
)  # fmt: skip

CASTS = Kind(
    # database-wide: read without a schema filter only; a dependant of its function and types
    "casts", Cast, ld.each(ld.cast), lane="helper", ends=((_DEP, "cast", "oid"),),
    inventory=("cast",),
)  # fmt: skip

KINDS: tuple[Kind, ...] = (
    SCHEMAS, EXTENSIONS, TABLES, COLUMNS, CONSTRAINTS, INDEXES, VIEWS, SEQUENCES, ENUMS,
    DOMAINS, COMPOSITES, FUNCTIONS, TRIGGERS, EVENT_TRIGGERS, POLICIES, WRAPPERS, SERVERS,
    FOREIGN_TABLES, COLLATIONS, PUBLICATIONS, STATISTICS, RULES, AGGREGATES, OPERATORS,
    TEXT_SEARCH_DICTIONARIES, TEXT_SEARCH_CONFIGURATIONS, CASTS,
)  # fmt: skip
"""Every modelled kind, in the order objects are listed in JSON, reports and diffs (a diff's
changes come kind by kind in this order; so do the statements of one phase)."""

# -- derived ----------------------------------------------------------------------------------

OBJECT_TYPES: Mapping[str, type[o.CatalogObject]] = {k.field: k.cls for k in KINDS}
"""Snapshot field name → object class, in :data:`KINDS` order."""

BY_FIELD: Mapping[str, Kind] = {k.field: k for k in KINDS}
BY_KEY: Mapping[str, Kind] = {key: k for k in KINDS for key in k.keys}
"""An :class:`~.objects.ObjectKey` kind (``materialized view``) → the Kind that makes it."""

WITH_COLUMNS = frozenset(key for k in KINDS if k.has_columns for key in k.keys)
"""ObjectKey kinds whose columns are column objects (see :attr:`Kind.has_columns`)."""

MODELLED = frozenset(t for k in KINDS for t in k.inventory)
"""``pg_identify_object`` types the snapshot compares attribute by attribute; for every other
type the inventory is the only check (by name, plus its detail)."""


def read_order() -> tuple[str, ...]:
    """The queries :mod:`.inspect` reads after the ``first`` ones, in order: each kind's after
    the auxiliary queries it needs, the inventory and the dependency rows last (those resolve
    against every loaded object)."""
    names: list[str] = []
    for kind in KINDS:
        if kind.lane != "first":
            names += [n for n in kind.needs if n not in names]
            names.append(kind.query)
    return (*names, "inventory", "dependencies")


HELPER_SHARE = frozenset([*(k.query for k in KINDS if k.lane == "helper"), "dependencies"])
"""Queries a helper connection reads when there is one (see :mod:`.inspect`)."""


@dataclass(frozen=True)
class Coverage:
    """What doctor's shape and signature queries count: the pg_class relkinds, pg_type typtypes
    and pg_proc prokinds of the modelled kinds (and nothing else, so that databases with equal
    snapshots have equal fingerprints)."""

    relkinds: tuple[str, ...]
    typtypes: tuple[str, ...]
    prokinds: tuple[str, ...]


COVERAGE = Coverage(
    relkinds=tuple(sorted({c for k in KINDS for c in k.relkinds})),
    typtypes=tuple(sorted({c for k in KINDS for c in k.typtypes})),
    prokinds=tuple(sorted({c for k in KINDS for c in k.prokinds})),
)
