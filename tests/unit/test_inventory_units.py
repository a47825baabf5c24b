"""The inventory as a value: set comparison, name-only kinds, JSON, rendering (no database)."""

from __future__ import annotations

import json

import pytest

from alembic_baseline.diff import compare
from alembic_baseline.diff.render import render_markdown, render_text
from alembic_baseline.snapshot.inventory import Entry, Inventory, check, plural
from alembic_baseline.snapshot.model import Snapshot, Table

RULE = Entry("conversion", "public.myconv")  # a kind not modelled
AGG = Entry("operator class", "public.myops USING btree")  # a kind not modelled
TABLE = Entry("table", "public.t")
COLUMN = Entry("table column", "public.t.a", "storage x")
A = Inventory.of([RULE, AGG, TABLE, COLUMN])


def test_one_object_missing_or_changed_is_a_difference() -> None:
    b = Inventory.of([AGG, TABLE, COLUMN._replace(detail="storage e")])
    found = check(A, b)
    assert not found.equal and found.ran
    assert found.only_a == (RULE,) and found.only_b == ()
    assert found.lines() == (
        "removed conversion public.myconv (inventory)",
        "changed table column public.t.a: storage x → storage e (inventory)",
    )
    assert check(A, Inventory.of(reversed(A.entries))).equal


def test_kinds_compared_by_name_only_are_counted() -> None:
    found = check(A, A)
    assert found.equal
    assert found.name_only == (("conversion", 1), ("operator class", 1))
    assert found.name_only_line() == "compared by name only: 1 conversion, 1 operator class"
    assert check(Inventory.of([TABLE]), Inventory.of([TABLE])).name_only_line() is None


def test_a_side_without_inventory_proves_nothing() -> None:
    found = check(None, A)
    assert not found.ran and not found.equal
    assert "A has no inventory" in found.lines()[0]


def test_modelled_kinds_are_not_repeated_when_the_snapshot_lists_differences() -> None:
    found = check(A, Inventory.of([]))
    assert "removed table public.t (inventory)" in found.lines()
    lines = found.lines(modelled=False)
    assert "removed table public.t (inventory)" not in lines
    assert "removed conversion public.myconv (inventory)" in lines


def test_json_round_trip_and_old_files() -> None:
    snap = Snapshot.build(tables=[Table("public", "t")])
    with_inventory = Snapshot.from_json(
        json.dumps({**json.loads(snap.to_json()), "inventory": A.to_json()})
    )
    assert with_inventory.inventory == A
    assert Snapshot.from_json(with_inventory.to_json()).inventory == A
    assert Snapshot.from_json(snap.to_json()).inventory is None  # written without one
    with pytest.raises(ValueError, match="not a list"):
        Inventory.from_json({"rule": 1})


@pytest.mark.parametrize(
    ("noun", "count", "text"),
    [
        ("rule", 1, "1 rule"),
        ("aggregate", 2, "2 aggregates"),
        ("operator class", 2, "2 operator classes"),
        ("text search dictionary", 2, "2 text search dictionaries"),
        ("function of access method", 3, "3 functions of access method"),
    ],
)
def test_plural(noun: str, count: int, text: str) -> None:
    assert plural(noun, count) == text


def test_render_never_says_no_differences_when_the_inventory_differs() -> None:
    snap = Snapshot.build(tables=[Table("public", "t")])
    diff = compare(snap, snap)
    assert render_text(diff) == "No differences.\n"
    text = render_text(diff, check(A, Inventory.of([AGG, TABLE, COLUMN])))
    assert "No differences." not in text
    assert "removed conversion public.myconv (inventory)" in text
    assert "1 inventory difference" in text
    unproven = render_text(diff, check(None, A))
    assert "could not run" in unproven and "No differences." not in unproven
    equal = render_text(diff, check(A, A))
    line = "compared by name only: 1 conversion, 1 operator class"
    assert equal.endswith(f"{line}\nNo differences.\n")
    markdown = render_markdown(diff, inventory=check(A, Inventory.of([TABLE])))
    assert "### inventory" in markdown and "- removed conversion" in markdown
