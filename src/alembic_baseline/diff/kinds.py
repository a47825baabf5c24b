"""How the fix script handles each object kind: one :class:`Ddl` per snapshot
:class:`~alembic_baseline.snapshot.kinds.Kind`, keyed by that Kind.

The snapshot layer lists the kinds (:data:`~alembic_baseline.snapshot.kinds.KINDS`) and never
imports the diff; this module adds what only the diff needs — create/drop/alter handlers, the
phase of :data:`~.plan.PHASES` its objects are created and dropped in, the SQL noun COMMENT ON,
OWNER TO and GRANT name it by, whether dropping it can lose data, and whether a change other
than comments and privileges means dropping and creating it again — and derives the lookups
:mod:`.ddl`, :mod:`.ddl_meta` and :mod:`.compare` use. A kind without a Ddl fails at import.
The path for a new kind is in the docstring of :mod:`alembic_baseline.snapshot.kinds`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from alembic_baseline.diff import ddl_aggregates as da
from alembic_baseline.diff import ddl_casts as dca
from alembic_baseline.diff import ddl_collations as dc
from alembic_baseline.diff import ddl_foreign as df
from alembic_baseline.diff import ddl_objects as do
from alembic_baseline.diff import ddl_publications as dp
from alembic_baseline.diff import ddl_sequences as ds
from alembic_baseline.diff import ddl_statistics as dst
from alembic_baseline.diff import ddl_tables as dt
from alembic_baseline.diff import ddl_textsearch as dx
from alembic_baseline.diff import ddl_triggers as dg
from alembic_baseline.diff.model import Change
from alembic_baseline.diff.plan import PHASES, Plan
from alembic_baseline.snapshot import kinds as k
from alembic_baseline.snapshot.model import CatalogObject, Column, Constraint

Create = Callable[[Plan, CatalogObject], None]
Drop = Callable[[Plan, CatalogObject, bool], None]
Alter = Callable[[Plan, Change], None]
Recreate = Callable[[frozenset[str], CatalogObject], bool]
"""Whether a change of these attributes of this object can only be made by dropping it."""
Naming = Literal["global", "qualified", "column", "on table", "signature", "as is"]
"""How COMMENT ON names an object: ``ext``, ``s.v``, ``s.t.c``, ``c ON s.t``, ``s.f(int)``, or
the key's name as it is (a cast: ``(integer AS public.t)``)."""

META = frozenset(("comment", "owner", "acl"))
"""Attributes every kind changes in place (COMMENT ON, OWNER TO, GRANT/REVOKE)."""


def never(names: frozenset[str], obj: CatalogObject) -> bool:
    """Altered in place, whatever changed."""
    return False


def unless(in_place: frozenset[str]) -> Recreate:
    """Dropped and created again unless only ``in_place`` attributes changed."""

    def recreate(names: frozenset[str], obj: CatalogObject) -> bool:
        return not names <= in_place

    return recreate


# A function can be CREATE OR REPLACEd when only these changed; anything else means DROP+CREATE.
_REPLACEABLE_FUNCTION = META | {
    "body", "sql_body", "language", "volatility", "strict", "security_definer", "leakproof",
    "parallel", "cost", "rows", "config",
}  # fmt: skip
_COLUMN_REBUILD = {"type", "collation", "generated"}


def _function(names: frozenset[str], obj: CatalogObject) -> bool:
    return not names <= _REPLACEABLE_FUNCTION


def _column(names: frozenset[str], obj: CatalogObject) -> bool:
    generated = isinstance(obj, Column) and bool(obj.generated)
    return bool(names & _COLUMN_REBUILD) or ("default" in names and generated)


def _constraint(names: frozenset[str], obj: CatalogObject) -> bool:
    if isinstance(obj, Constraint) and obj.type == "n":
        return False  # renamed or re-flagged in place
    return not names <= META


@dataclass(frozen=True)
class Ddl:
    """The DDL facts of one kind. ``nouns`` go with ``kind.keys`` (``VIEW``, ``MATERIALIZED
    VIEW``); ``grant_noun`` is what GRANT ... ON says when it is not the noun (views are
    granted on as TABLE). ``relation``: a relation or part of one (a function whose signature
    or body uses it is created after it). ``phase``/``drop_phase``: where its CREATE and DROP
    go (handlers of the table family also use sub-phases: add columns, attach, foreign keys,
    view indexes)."""

    kind: k.Kind
    create: Create
    drop: Drop
    alter: Alter
    phase: str
    drop_phase: str
    nouns: tuple[str, ...]
    naming: Naming = "qualified"
    grant_noun: str = ""
    loses_data: bool = False
    recreate: Recreate = never
    relation: bool = False


_OBJECT = unless(META)
_TRIGGER = unless(META | {"enabled"})  # ALTER TABLE ... ENABLE TRIGGER

DDLS: tuple[Ddl, ...] = (
    Ddl(k.SCHEMAS, do.create_schema, do.drop_schema, do.no_alter, "schemas", "drop schemas",
        ("SCHEMA",), "global", loses_data=True),
    Ddl(k.EXTENSIONS, do.create_extension, do.drop_extension, do.alter_extension, "extensions",
        "drop extensions", ("EXTENSION",), "global", loses_data=True),
    Ddl(k.TABLES, dt.create_table, dt.drop_table, dt.alter_table, "tables", "drop tables",
        ("TABLE",), loses_data=True, relation=True),
    Ddl(k.COLUMNS, dt.create_column, dt.drop_column, dt.alter_column, "add columns",
        "drop columns", ("COLUMN",), "column", loses_data=True, recreate=_column, relation=True),
    Ddl(k.CONSTRAINTS, dt.create_constraint, dt.drop_constraint, do.no_alter, "constraints",
        "drop constraints", ("CONSTRAINT",), "on table", recreate=_constraint),
    Ddl(k.INDEXES, dt.create_index, dt.drop_index, do.no_alter, "indexes", "drop indexes",
        ("INDEX",), recreate=_OBJECT),
    Ddl(k.VIEWS, do.create_view, do.drop_view, do.no_alter, "views", "drop views",
        ("VIEW", "MATERIALIZED VIEW"), grant_noun="TABLE", recreate=_OBJECT, relation=True),
    Ddl(k.SEQUENCES, ds.create_sequence, ds.drop_sequence, ds.alter_sequence, "sequences",
        "drop sequences", ("SEQUENCE",), loses_data=True),
    Ddl(k.ENUMS, do.create_enum, do.drop_type, do.alter_enum, "types", "drop types", ("TYPE",),
        loses_data=True),
    Ddl(k.DOMAINS, do.create_domain, do.drop_type, do.alter_domain, "types", "drop types",
        ("DOMAIN",), loses_data=True),
    Ddl(k.COMPOSITES, do.create_composite, do.drop_type, do.alter_composite, "types",
        "drop types", ("TYPE",), loses_data=True),
    Ddl(k.FUNCTIONS, do.create_function, do.drop_function, do.alter_function, "functions",
        "drop functions", ("FUNCTION", "PROCEDURE"), "signature", recreate=_function),
    Ddl(k.TRIGGERS, dg.create_trigger, dg.drop_trigger, dg.alter_trigger, "triggers",
        "drop triggers", ("TRIGGER",), "on table", recreate=_TRIGGER),
    Ddl(k.EVENT_TRIGGERS, dg.create_event_trigger, dg.drop_event_trigger,
        dg.alter_event_trigger, "event triggers", "drop triggers", ("EVENT TRIGGER",), "global",
        recreate=_TRIGGER),
    Ddl(k.POLICIES, dg.create_policy, dg.drop_policy, do.no_alter, "policies", "drop policies",
        ("POLICY",), "on table", recreate=_OBJECT),
    Ddl(k.WRAPPERS, df.create_wrapper, df.drop_wrapper, df.alter_wrapper, "wrappers",
        "drop wrappers", ("FOREIGN DATA WRAPPER",), "global"),
    Ddl(k.SERVERS, df.create_server, df.drop_server, df.alter_server, "servers", "drop servers",
        ("SERVER",), "global", grant_noun="FOREIGN SERVER",
        recreate=unless(META | {"version", "options"})),
    # a foreign table holds no rows: any change is made by dropping and creating it again
    Ddl(k.FOREIGN_TABLES, df.create_foreign_table, df.drop_foreign_table, do.no_alter,
        "foreign tables", "drop foreign tables", ("FOREIGN TABLE",), grant_noun="TABLE",
        recreate=_OBJECT, relation=True),
    Ddl(k.COLLATIONS, dc.create_collation, dc.drop_collation, do.no_alter, "collations",
        "drop collations", ("COLLATION",), recreate=_OBJECT),
    Ddl(k.PUBLICATIONS, dp.create_publication, dp.drop_publication, dp.alter_publication,
        "publications", "drop publications", ("PUBLICATION",), "global",
        recreate=unless(META | {"publish", "via_root", "tables", "schemas", "generated"})),
    Ddl(k.STATISTICS, dst.create_statistics, dst.drop_statistics, dst.alter_statistics,
        "statistics", "drop statistics", ("STATISTICS",), recreate=unless(META | {"target"})),
    Ddl(k.RULES, dg.create_rule, dg.drop_rule, dg.alter_rule, "rules", "drop rules", ("RULE",),
        "on table", recreate=_TRIGGER),
    Ddl(k.AGGREGATES, da.create_aggregate, da.drop_aggregate, do.no_alter, "aggregates",
        "drop aggregates", ("AGGREGATE",), "signature", grant_noun="FUNCTION", recreate=_OBJECT),
    Ddl(k.OPERATORS, da.create_operator, da.drop_operator, da.alter_operator, "operators",
        "drop operators", ("OPERATOR",), "signature", recreate=unless(META | da.IN_PLACE)),
    Ddl(k.TEXT_SEARCH_DICTIONARIES, dx.create_dictionary, dx.drop_dictionary,
        dx.alter_dictionary, "text search dictionaries", "drop text search dictionaries",
        ("TEXT SEARCH DICTIONARY",), recreate=unless(META | {"options"})),
    Ddl(k.TEXT_SEARCH_CONFIGURATIONS, dx.create_configuration, dx.drop_configuration,
        dx.alter_configuration, "text search configurations",
        "drop text search configurations", ("TEXT SEARCH CONFIGURATION",),
        recreate=unless(META | {"mappings"})),
    Ddl(k.CASTS, dca.create_cast, dca.drop_cast, do.no_alter, "casts", "drop casts", ("CAST",),
        "as is", recreate=_OBJECT),
)  # fmt: skip

# -- derived ----------------------------------------------------------------------------------

BY_KIND: Mapping[k.Kind, Ddl] = {d.kind: d for d in DDLS}
DDL_OF: Mapping[str, Ddl] = {key: d for d in DDLS for key in d.kind.keys}
"""An ObjectKey kind → the Ddl of its Kind."""
NOUN: Mapping[str, str] = {
    key: n for d in DDLS for key, n in zip(d.kind.keys, d.nouns, strict=True)
}
"""An ObjectKey kind → its SQL noun (COMMENT ON, ALTER ... OWNER TO)."""
RELATIONS = frozenset(key for d in DDLS if d.relation for key in d.kind.keys)
PHASE_OF: Mapping[str, tuple[str, str]] = {
    key: (d.phase, d.drop_phase) for d in DDLS for key in d.kind.keys
}
"""An ObjectKey kind → the phases its CREATE and DROP go in (what :class:`~.plan.Plan` uses)."""


def _check() -> None:
    missing = [kind.field for kind in k.KINDS if kind not in BY_KIND]
    wrong = [d.kind.field for d in DDLS if not {d.phase, d.drop_phase} <= set(PHASES)]
    if missing or wrong or len(BY_KIND) != len(DDLS):
        raise TypeError(f"diff.kinds: no Ddl for {missing}, unknown phases for {wrong}")


_check()
