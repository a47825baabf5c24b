"""Statements and the plan that collects them while a diff is turned into DDL.

:data:`PHASES` is the whole execution order in one list: everything that depends on something
is dropped before it and created after it. Within a phase, statements keep the order they were
added in, except where :mod:`.ddl` sorts them by dependency (views, tables) with graphlib.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from alembic_baseline.diff.quote import qualified
from alembic_baseline.snapshot.model import (
    CatalogObject,
    Column,
    Constraint,
    Index,
    ObjectKey,
    Snapshot,
    Table,
)

if TYPE_CHECKING:
    from alembic_baseline.diff.model import SchemaDiff

PHASES: tuple[str, ...] = (
    "setup",
    # -- drops: dependants first ------------------------------------------------------------
    "drop publications",  # they name tables and columns
    "drop rules",  # they use tables, views, functions and columns
    "drop triggers",  # they use functions and columns
    "drop policies",
    "drop views",  # dependent views first (graphlib)
    "drop foreign tables",  # they use types, servers and functions (defaults)
    "drop servers",
    "drop wrappers",  # before their handler functions
    "drop foreign keys",  # before the keys they reference
    "drop constraints",
    "drop indexes",
    "drop statistics",
    "drop defaults",  # defaults that use a function or sequence about to be dropped
    "drop aggregates",  # before their support functions and types
    "drop operators",  # after what uses them (views, constraints, indexes, aggregates)
    "drop casts",  # they use functions and types
    "drop functions",
    "drop columns",
    "drop tables",  # partitions and inheritance children first (graphlib)
    "drop sequences",  # after columns: an owned sequence goes with its column
    "drop types",
    # after what uses them (indexes, defaults, functions): dictionaries once A's configurations
    # stop mapping to them, see "drop released text search dictionaries"
    "drop text search configurations",
    "drop text search dictionaries",
    "drop collations",  # those still used by a column that changes: see "drop released ..."
    "drop schemas",
    "drop extensions",
    # -- creates: what is depended on first -------------------------------------------------
    "schemas",
    "extensions",
    "collations",  # before the types and columns that use them
    "text search dictionaries",  # after the extensions that make their templates
    "text search configurations",  # before the indexes, defaults and functions that use them
    "drop released text search dictionaries",  # removed ones, once no configuration maps to them
    "types",  # enums, then domains, then composite types
    "sequences",  # before the tables whose defaults call nextval()
    "functions",  # before tables: defaults and CHECKs may call them
    "operators",  # after their functions; before the defaults, CHECKs and indexes using them
    "casts",  # after their functions and types, before the defaults and views that cast
    "wrappers",  # after their handler and validator functions
    "servers",
    "tables",  # parents before partitions and children (graphlib)
    "columns",  # changes of existing columns, before new columns that may use them
    "add columns",
    "drop released collations",  # removed collations A's columns used, once those changed
    "attach",  # ATTACH PARTITION / INHERIT, once the columns match
    "foreign tables",  # may be partitions or children of tables: after their columns
    "sequence ownership",  # OWNED BY needs the column
    "constraints",
    "foreign keys",  # after the keys they reference
    "indexes",
    "aggregates",  # after their support functions and state types; before the views using them
    "views",  # in dependency order (graphlib)
    "view indexes",  # indexes on materialized views
    "statistics",  # on tables and materialized views, their columns and expressions
    "late functions",  # functions whose signature or SQL body uses a table or view
    "late casts",  # casts of a table's row type, or whose function is a late one
    "triggers",
    "rules",  # after the tables, views and functions they name
    "policies",
    "publications",  # once the tables and columns they name exist
    "event triggers",
    "comments",
    "privileges",
    "teardown",
)
_PHASE_INDEX = {name: i for i, name in enumerate(PHASES)}


@dataclass(frozen=True)
class Statement:
    """One DDL statement of a fix script (without the trailing semicolon).

    ``destructive``: it can lose data (drops something B does not have, or changes a column's
    type). ``manual``: no safe statement can be generated (an enum label removal, a column
    order); ``sql`` then sketches what a person has to do and is never executable.
    ``enabled`` is whether it runs as part of the script (see :meth:`SchemaDiff.to_sql`).
    """

    sql: str
    phase: str
    key: ObjectKey | None = None
    destructive: bool = False
    manual: bool = False
    note: str | None = None
    enabled: bool = True

    @property
    def phase_index(self) -> int:
        return _PHASE_INDEX[self.phase]


class Plan:
    """Collects statements for one diff; remembers what was dropped and created (once each)."""

    def __init__(
        self,
        diff: SchemaDiff,
        phases: Mapping[str, tuple[str, str]],
        relations: frozenset[str] = frozenset(),
    ) -> None:
        self.diff = diff
        self._phases = phases  # ObjectKey kind -> (create phase, drop phase): see .kinds
        self.relations = relations
        """ObjectKey kinds that are relations or parts of one (see :class:`.kinds.Ddl`)."""
        self.a_objects = diff.a.by_key()
        self.b_objects = diff.b.by_key()
        self.statements: list[Statement] = []
        self.dropped: set[ObjectKey] = set()
        self.created: set[ObjectKey] = set()
        self.removed_relations: set[tuple[str, str]] = set()
        self.new_tables: set[tuple[str, str]] = set()
        self._tables: dict[int, dict[str, Table]] = {}  # per side: tables by qualified name
        self._not_null = {
            (c.schema, c.table, c.columns[0]): c.name
            for c in diff.b.constraints
            if c.type == "n" and c.columns
        }

    def add(
        self,
        phase: str,
        sql: str,
        key: ObjectKey | None = None,
        *,
        destructive: bool = False,
        manual: bool = False,
        note: str | None = None,
    ) -> None:
        assert phase in _PHASE_INDEX, phase
        self.statements.append(Statement(sql, phase, key, destructive, manual, note))

    def phase(self, key: ObjectKey) -> str:
        """The phase ``key``'s kind is created (or altered) in."""
        return self._phases[key.kind][0]

    def drop_phase(self, key: ObjectKey) -> str:
        return self._phases[key.kind][1]

    def drop_once(self, key: ObjectKey) -> bool:
        """True the first time ``key`` is to be dropped (a second drop would fail)."""
        if key in self.dropped:
            return False
        self.dropped.add(key)
        return True

    def note_on_drop(self, key: ObjectKey, note: str) -> None:
        """Say ``note`` above the statement that drops ``key``."""
        for i, stmt in enumerate(self.statements):
            if stmt.key == key and stmt.phase == self.drop_phase(key):
                both = f"{stmt.note}; {note}" if stmt.note else note
                self.statements[i] = replace(stmt, note=both)
                return

    def create_once(self, key: ObjectKey) -> bool:
        if key in self.created:
            return False
        self.created.add(key)
        return True

    def b(self, key: ObjectKey) -> CatalogObject | None:
        return self.b_objects.get(key)

    def left_by_detach(self, obj: Constraint | Index) -> bool:
        """Whether ``obj`` (in B, on a table that A has as a partition and B does not) is what
        ``DETACH PARTITION`` itself leaves on the table: the partition's copy of a constraint or
        index of its parent in A. Creating it again would fail ("already exists")."""
        return self._partition_copy(obj, self.diff.a, self.a_objects, self.b_objects)

    def absorbed_by_attach(self, obj: Constraint | Index) -> bool:
        """Whether ``obj`` (in A, on a table that B has as a partition and A does not) matches
        a constraint or index of the parent in B: ``ATTACH PARTITION`` takes it over as the
        partition's copy (a CHECK must even exist for the attach to work), so it is not dropped."""
        return self._partition_copy(obj, self.diff.b, self.b_objects, self.a_objects)

    def _partition_copy(
        self,
        obj: Constraint | Index,
        where: Snapshot,
        parented: dict[ObjectKey, CatalogObject],
        free: dict[ObjectKey, CatalogObject],
    ) -> bool:
        """``obj``'s table is a partition in ``where`` (not in the other side), and its parent
        there has a constraint or index of the same shape as ``obj``."""
        child = parented.get(ObjectKey(Table.KIND, obj.schema, obj.table))
        other = free.get(ObjectKey(Table.KIND, obj.schema, obj.table))
        if not (isinstance(child, Table) and isinstance(other, Table)):
            return False
        if not child.partition_of or other.partition_of == child.partition_of:
            return False
        if id(where) not in self._tables:
            self._tables[id(where)] = {qualified(t.schema, t.name): t for t in where.tables}
        found = self._tables[id(where)].get(child.partition_of)
        if found is None:
            return False
        if isinstance(obj, Constraint):
            return any(
                (c.type, c.definition) == (obj.type, obj.definition)
                for c in where.constraints
                if (c.schema, c.table) == (found.schema, found.name)
            )
        shape = (obj.method, obj.unique, obj.keys, obj.include, obj.predicate)
        return any(
            (i.method, i.unique, i.keys, i.include, i.predicate) == shape
            and i.nulls_not_distinct == obj.nulls_not_distinct
            for i in where.indexes
            if (i.schema, i.table) == (found.schema, found.name)
        )

    def relation_gone(self, schema: str, table: str) -> bool:
        """The table or view ``table`` is dropped as a whole: its parts go with it."""
        return (schema, table) in self.removed_relations

    def not_null_name(self, schema: str, table: str, column: str) -> str | None:
        """The name B gives the NOT NULL constraint of a column (PostgreSQL 18), if any."""
        return self._not_null.get((schema, table, column))

    def b_columns(self, schema: str, table: str) -> list[Column]:
        return [c for c in self.diff.b.columns if (c.schema, c.table) == (schema, table)]

    def b_constraint(self, key: ObjectKey) -> Constraint | None:
        obj = self.b(key)
        return obj if isinstance(obj, Constraint) else None
