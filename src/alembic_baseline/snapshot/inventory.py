"""The inventory: every object of the snapshot's schemas, of any kind, by name — and its check.

The snapshot compares the kinds it models attribute by attribute; a kind it does not model yet
(operator classes, text search parsers, user mappings, subscriptions…) would be
invisible to it. The inventory closes that blind spot independently: one generic catalog query
(``queries/inventory.sql``, read by :func:`~alembic_baseline.snapshot.inspect` in the same
transaction as the rest of the snapshot) lists every object pg_dump would emit, named by
``pg_identify_object`` (type and identity: names, never OIDs), plus a few attributes no object
carries (a column's STORAGE and COMPRESSION…).
Two inventories are compared as sets: an object missing on one side is a difference whatever its
kind. Kinds the snapshot does not model are compared this way only, and :class:`InventoryCheck`
says so ("compared by name only: 1 conversion, 2 operator classes"). Pure: no database here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from alembic_baseline.snapshot.kinds import MODELLED

NAME_ONLY = "compared by name only"

PRIVILEGE_TYPES = frozenset(("default acl",))
"""Types left out when privileges are not compared."""


class Entry(NamedTuple):
    """One object: ``pg_identify_object`` type and identity, and attributes that no catalog
    object of their own carries (``storage x compression lz4``; empty for most)."""

    type: str
    identity: str
    detail: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.identity)

    def __str__(self) -> str:
        return f"{self.type} {self.identity}"


@dataclass(frozen=True)
class Inventory:
    """Every object of a snapshot's schemas, sorted and unique by key."""

    entries: tuple[Entry, ...] = ()

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> Inventory:
        unique = {e.key: e for e in entries}
        return cls(tuple(sorted(unique.values())))

    @classmethod
    def from_rows(cls, rows: Iterable[Any]) -> Inventory:
        """From the rows of ``inventory.sql`` (named tuples of text: type, identity, detail)."""
        # tuple.__new__: Entry(...) without its keyword handling, 30,000 times on big schemas
        new = tuple.__new__
        unique = {
            (t, i): new(Entry, (t, i, r.detail or ""))
            for r in rows
            for t, i in ((r.type or "", r.identity or ""),)
        }
        return cls(tuple(sorted(unique.values())))

    def counts(self) -> dict[str, int]:
        """Objects per type."""
        return dict(sorted(Counter(e.type for e in self.entries).items()))

    def to_json(self) -> list[list[str]]:
        return [list(e) for e in self.entries]

    @classmethod
    def from_json(cls, data: Any) -> Inventory:
        if not isinstance(data, list):
            raise ValueError("the inventory is not a list")
        return cls.of(Entry(*(str(v) for v in item)) for item in data)

    def without(self, types: frozenset[str]) -> Inventory:
        return Inventory(tuple(e for e in self.entries if e.type not in types))


def plural(noun: str, count: int) -> str:
    """``1 rule``, ``2 aggregates``, ``2 operator classes``, ``3 functions of access method``."""
    if count == 1:
        return f"1 {noun}"
    head, sep, tail = noun.partition(" of ")
    if head.endswith(("s", "x", "ch", "sh")):
        head += "es"
    elif head.endswith("y") and not head.endswith(("ay", "ey", "oy")):
        head = head[:-1] + "ies"
    else:
        head += "s"
    return f"{count} {head}{sep}{tail}"


@dataclass(frozen=True)
class InventoryCheck:
    """Two inventories compared: objects only in A, only in B, with another detail.

    ``unavailable`` says why the check could not run (a side without an inventory, such as a
    snapshot file written before inventories existed); such a check proves nothing.
    """

    only_a: tuple[Entry, ...] = ()
    only_b: tuple[Entry, ...] = ()
    changed: tuple[tuple[Entry, Entry], ...] = ()
    name_only: tuple[tuple[str, int], ...] = ()
    unavailable: str | None = None

    @property
    def ran(self) -> bool:
        return self.unavailable is None

    @property
    def equal(self) -> bool:
        """Proven equal: the check ran and found nothing."""
        return self.ran and not (self.only_a or self.only_b or self.changed)

    def lines(self, *, modelled: bool = True) -> tuple[str, ...]:
        """One line per difference, worded like the snapshot's (``removed rule r on public.t``
        is in A only), or why the check could not run.

        ``modelled`` False leaves out objects of kinds the snapshot models, present on one side
        only: when the snapshot comparison found differences it already lists those, and the
        inventory would repeat them (it is a cross-check there). Attribute changes (STORAGE…)
        and kinds compared by name only are always listed.
        """
        if self.unavailable is not None:
            return (f"inventory check could not run: {self.unavailable}",)

        def shown(e: Entry) -> bool:
            return modelled or e.type not in MODELLED

        out = [f"removed {e} (inventory)" for e in self.only_a if shown(e)]
        out += [f"added {e} (inventory)" for e in self.only_b if shown(e)]
        out += [f"changed {a}: {a.detail or '(none)'} → {b.detail or '(none)'} (inventory)"
                for a, b in self.changed]  # fmt: skip
        return tuple(out)

    def name_only_line(self) -> str | None:
        """``compared by name only: 1 conversion, 2 operator classes`` (None: all modelled)."""
        if not self.name_only:
            return None
        return f"{NAME_ONLY}: " + ", ".join(plural(t, n) for t, n in self.name_only)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ran": self.ran,
            "unavailable": self.unavailable,
            "equal": self.equal,
            "only_a": [list(e) for e in self.only_a],
            "only_b": [list(e) for e in self.only_b],
            "changed": [{"a": list(a), "b": list(b)} for a, b in self.changed],
            "compared_by_name_only": dict(self.name_only),
        }


def check(
    a: Inventory | None,
    b: Inventory | None,
    *,
    privileges: bool = True,
    labels: tuple[str, str] = ("A", "B"),
) -> InventoryCheck:
    """Compare two inventories as sets of (type, identity), then the details of common ones.

    ``privileges`` False leaves default privileges out. A side without an inventory (None)
    makes the check unavailable, never equal.
    """
    missing = [label for label, inv in zip(labels, (a, b), strict=True) if inv is None]
    if missing or a is None or b is None:
        return InventoryCheck(
            unavailable=f"{' and '.join(missing)} has no inventory (a snapshot file written "
            "by an older alembic-baseline; write it again with `alembic-baseline snapshot -o`)"
        )
    if not privileges:
        a, b = a.without(PRIVILEGE_TYPES), b.without(PRIVILEGE_TYPES)
    in_a = {e.key: e for e in a.entries}
    in_b = {e.key: e for e in b.entries}
    only_a = tuple(e for k, e in in_a.items() if k not in in_b)
    only_b = tuple(e for k, e in in_b.items() if k not in in_a)
    changed = tuple(
        (e, in_b[k]) for k, e in in_a.items() if k in in_b and in_b[k].detail != e.detail
    )
    kinds = Counter(t for t, _ in in_a.keys() | in_b.keys() if t not in MODELLED)
    return InventoryCheck(only_a, only_b, changed, tuple(sorted(kinds.items())))
