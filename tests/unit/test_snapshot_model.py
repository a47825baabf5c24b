"""Snapshot model: keys, canonical order, equality, deterministic JSON round trip."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from alembic_baseline.snapshot.model import (
    FORMAT_VERSION,
    Attribute,
    Column,
    Composite,
    Dependency,
    Domain,
    DomainCheck,
    Function,
    ObjectKey,
    Snapshot,
    Table,
    View,
)


def sample() -> Snapshot:
    return Snapshot.build(
        tables=[Table("public", "b"), Table("public", "a", comment="first")],
        columns=[
            Column("public", "a", "z", 2, "text"),
            Column("public", "a", "id", 1, "integer", not_null=True),
        ],
        views=[View("public", "v", " SELECT 1;", materialized=True)],
        domains=[Domain("public", "d", "integer", checks=(DomainCheck("c", "CHECK (VALUE > 0)"),))],
        composites=[
            Composite("public", "pair", (Attribute("x", "integer"), Attribute("y", "text")))
        ],
        functions=[Function("public", "f", "integer", "x integer", "integer", "sql", " SELECT 1 ")],
        dependencies=[
            Dependency(ObjectKey("view", "public", "v"), ObjectKey("table", "public", "a"))
        ],
        server_version="18.4",
    )


def test_keys_identify_objects() -> None:
    snap = sample()
    assert snap.functions[0].key == ObjectKey("function", "public", "f(integer)")
    assert snap.views[0].key.kind == "materialized view"
    assert str(snap.columns[0].key) == "column public.a.id"


def test_objects_sorted_canonically_whatever_the_input_order() -> None:
    snap = sample()
    assert [t.name for t in snap.tables] == ["a", "b"]
    assert [c.name for c in snap.columns] == ["id", "z"]  # table order, not name order
    shuffled = Snapshot.build(
        tables=list(reversed(snap.tables)),
        columns=snap.columns[::-1],
        views=snap.views,
        domains=snap.domains,
        composites=snap.composites,
        functions=snap.functions,
        dependencies=snap.dependencies,
    )
    assert shuffled == snap


def test_json_round_trip_is_lossless_and_deterministic() -> None:
    snap = sample()
    text = snap.to_json()
    again = Snapshot.from_json(text)
    assert again == snap
    assert again.server_version == "18.4"
    assert again.to_json() == text
    assert isinstance(again.domains[0].checks[0], DomainCheck)
    assert isinstance(again.columns[0].position, int)
    data = json.loads(text)
    assert data["format_version"] == FORMAT_VERSION
    assert list(data) == sorted(data)


def test_provenance_is_not_part_of_equality() -> None:
    snap = sample()
    assert replace(snap, server_version="15.1", options=(("x", "y"),)) == snap
    assert replace(snap, tables=snap.tables[:1]) != snap


def test_unknown_format_version_is_refused() -> None:
    data = sample().to_dict()
    data["format_version"] = FORMAT_VERSION + 1
    with pytest.raises(ValueError, match="format"):
        Snapshot.from_dict(data)


def test_objects_are_frozen_values() -> None:
    table = Table("public", "a")
    with pytest.raises(AttributeError):
        table.name = "b"  # type: ignore[misc]
    assert {table, Table("public", "a")} == {table}


def test_fast_keys_equal_constructed_ones() -> None:
    from alembic_baseline.snapshot.objects import ObjectKey, Table, View

    fast, slow = ObjectKey.of("table", "public", "t"), ObjectKey("table", "public", "t")
    assert fast == slow and hash(fast) == hash(slow) and not fast < slow
    assert sorted([ObjectKey.of("view", "a", "v"), slow]) == [slow, ObjectKey("view", "a", "v")]
    table = Table("public", "t")
    assert table.key is table.key and table.key == slow  # computed once, then cached
    assert "key" in vars(table) and table == Table("public", "t")  # the cache is no field
    assert View("s", "m", "SELECT 1", materialized=True).key == ObjectKey(
        "materialized view", "s", "m"
    )
