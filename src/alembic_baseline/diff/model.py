"""The result of comparing two snapshots: object-level changes, attribute by attribute.

A :class:`SchemaDiff` is a value like the snapshots it came from. It keeps both (normalised by
the compare options) because turning it into SQL needs them: a view dropped to let a column
change type is recreated from the target snapshot's definition.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from alembic_baseline.snapshot.codec import encode
from alembic_baseline.snapshot.model import CatalogObject, ObjectKey, Snapshot

if TYPE_CHECKING:
    from alembic_baseline.diff.plan import Statement


class ChangeKind(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class CompareOptions:
    """What :func:`~alembic_baseline.diff.compare` disregards.

    - ``ignore_column_order``: columns in a different order are equal (ADD COLUMN can only
      append, so an order difference otherwise shows up as a change of the table).
    - ``ignore_comments``: COMMENT ON texts.
    - ``ignore_privileges``: owners and GRANTs (only present when the snapshot read them).
    - ``ignore_not_null_names``: PostgreSQL 18 records NOT NULL as named constraints; older
      servers do not. With this option those constraints are left out and nullability is
      compared through the columns' ``not_null`` only — needed to compare across majors.
    """

    ignore_column_order: bool = False
    ignore_comments: bool = False
    ignore_privileges: bool = False
    ignore_not_null_names: bool = False

    @classmethod
    def cross_version(cls) -> CompareOptions:
        """The options that make snapshots taken on different PostgreSQL majors comparable."""
        return cls(ignore_not_null_names=True)


@dataclass(frozen=True)
class AttributeChange:
    """One attribute of an object that differs: ``old`` in A, ``new`` in B."""

    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    """One object that was added, removed or changed between A and B.

    ``recreate`` is set when B's version can only be reached by dropping A's and creating B's
    (a changed view, a function whose signature or result changed, a column type change...);
    ``dependants`` are the objects of A that this drags along: they must be dropped first and
    are recreated afterwards from B (views on views, FKs on a primary key, triggers on a
    function...).
    """

    kind: ChangeKind
    key: ObjectKey
    old: CatalogObject | None = None
    new: CatalogObject | None = None
    attributes: tuple[AttributeChange, ...] = ()
    recreate: bool = False
    dependants: tuple[ObjectKey, ...] = ()

    @property
    def object(self) -> CatalogObject:
        """B's object when it exists, else A's."""
        obj = self.new if self.new is not None else self.old
        assert obj is not None
        return obj

    def changed(self, *names: str) -> bool:
        """Whether any of the named attributes changed."""
        return any(a.name in names for a in self.attributes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "change": self.kind.value,
            "kind": self.key.kind,
            "schema": self.key.schema,
            "table": self.key.table or None,
            "name": self.key.name,
            "attributes": [
                {"name": a.name, "old": encode(a.old), "new": encode(a.new)}
                for a in self.attributes
            ],
            "recreate": self.recreate,
            "dependants": [str(k) for k in self.dependants],
        }


@dataclass(frozen=True)
class SchemaDiff:
    """Everything that differs between snapshot ``a`` and snapshot ``b``.

    ``a`` and ``b`` are the snapshots as compared (after the options removed what they ignore).
    Empty (falsy) when the schemas are equal.
    """

    changes: tuple[Change, ...]
    a: Snapshot = field(repr=False)
    b: Snapshot = field(repr=False)
    options: CompareOptions = CompareOptions()

    def __bool__(self) -> bool:
        return bool(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def by_kind(self) -> dict[str, list[Change]]:
        """Changes grouped by object kind, kinds in the order they first appear."""
        groups: dict[str, list[Change]] = {}
        for change in self.changes:
            groups.setdefault(change.key.kind, []).append(change)
        return groups

    def counts(self) -> dict[str, int]:
        out = {k.value: 0 for k in ChangeKind}
        for change in self.changes:
            out[change.kind.value] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "equal": self.is_empty,
            "counts": self.counts(),
            "changes": [c.to_dict() for c in self.changes],
        }

    def to_statements(self, *, allow_destructive: bool = False) -> list[Statement]:
        """Ordered DDL statements that turn A into B (see :mod:`alembic_baseline.diff.ddl`).

        Every statement is returned; ``allow_destructive`` only decides whether destructive
        ones count as executable (:attr:`Statement.enabled`).
        """
        # lazy: cycle model <-> ddl (pyproject TODO(layers))
        from alembic_baseline.diff.ddl import statements

        return statements(self, allow_destructive=allow_destructive)

    def to_sql(self, *, allow_destructive: bool = False) -> str:
        """The fix script: statements in order; destructive ones commented out unless allowed,
        statements that need a human (an enum label removal...) always commented out."""
        # lazy: cycle model <-> ddl (pyproject TODO(layers))
        from alembic_baseline.diff.ddl import render_script

        return render_script(self.to_statements(allow_destructive=allow_destructive))
