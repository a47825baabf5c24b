"""compare(): pure comparison of hand-built snapshots."""

from __future__ import annotations

from dataclasses import replace

from alembic_baseline.diff import ChangeKind, CompareOptions, compare
from alembic_baseline.snapshot.model import (
    Column,
    Constraint,
    Dependency,
    Function,
    ObjectKey,
    Snapshot,
    Table,
    View,
)

T = Table("public", "t")


def cols(*names: str, **types: str) -> list[Column]:
    return [Column("public", "t", n, i, types.get(n, "integer")) for i, n in enumerate(names, 1)]


def test_equal_snapshots_have_no_changes() -> None:
    snap = Snapshot.build(tables=[T], columns=cols("a", "b"))
    diff = compare(snap, snap)
    assert not diff and diff.is_empty and len(diff) == 0


def test_added_removed_changed_with_attribute_old_and_new() -> None:
    a = Snapshot.build(tables=[T, Table("public", "gone")], columns=cols("a", "b"))
    b = Snapshot.build(tables=[T, Table("public", "new")], columns=cols("a", "b", b="bigint"))
    diff = compare(a, b)
    summary = {(c.kind, str(c.key)) for c in diff.changes}
    assert summary == {
        (ChangeKind.REMOVED, "table public.gone"),
        (ChangeKind.ADDED, "table public.new"),
        (ChangeKind.CHANGED, "column public.t.b"),
    }
    change = next(c for c in diff.changes if c.kind is ChangeKind.CHANGED)
    assert [(x.name, x.old, x.new) for x in change.attributes] == [("type", "integer", "bigint")]


def test_column_order_reachable_by_append_is_no_change() -> None:
    a = Snapshot.build(tables=[T], columns=cols("a", "b", "c"))
    dropped_and_appended = Snapshot.build(tables=[T], columns=cols("a", "c", "d"))
    assert [str(c.key) for c in compare(a, dropped_and_appended).changes] == [
        "column public.t.b",
        "column public.t.d",
    ]


def test_column_order_difference_and_its_ignore_option() -> None:
    a = Snapshot.build(tables=[T], columns=cols("a", "b"))
    b = Snapshot.build(tables=[T], columns=cols("b", "a"))
    diff = compare(a, b)
    assert [(str(c.key), c.attributes[0].name) for c in diff.changes] == [
        ("table public.t", "column_order")
    ]
    assert not compare(a, b, CompareOptions(ignore_column_order=True))


def test_ignore_comments() -> None:
    a = Snapshot.build(tables=[T])
    b = Snapshot.build(tables=[Table("public", "t", comment="hello")])
    assert compare(a, b).changes[0].attributes[0].name == "comment"
    assert not compare(a, b, CompareOptions(ignore_comments=True))


def test_ignore_privileges() -> None:
    a = Snapshot.build(tables=[Table("public", "t", owner="app", acl=("app=arwdDxt/app",))])
    b = Snapshot.build(tables=[Table("public", "t", owner="admin")])
    assert {x.name for x in compare(a, b).changes[0].attributes} == {"owner", "acl"}
    assert not compare(a, b, CompareOptions(ignore_privileges=True))


def test_cross_version_ignores_named_not_null_constraints() -> None:
    pg15 = Snapshot.build(tables=[T], columns=[Column("public", "t", "a", 1, "integer", True)])
    nn = Constraint("public", "t", "t_a_not_null", "n", "NOT NULL a", columns=("a",))
    pg18 = Snapshot.build(tables=[T], columns=pg15.columns, constraints=[nn])
    assert compare(pg15, pg18).changes[0].key.kind == "constraint"
    assert not compare(pg15, pg18, CompareOptions.cross_version())


def test_view_change_drags_dependent_views_transitively() -> None:
    v1, v2, v3 = (ObjectKey("view", "public", n) for n in ("v1", "v2", "v3"))
    deps = [Dependency(v2, v1), Dependency(v3, v2)]
    a = Snapshot.build(
        views=[View("public", n, "SELECT 1") for n in ("v1", "v2", "v3")], dependencies=deps
    )
    b = a.with_objects(views=[View("public", "v1", "SELECT 2"), *a.views[1:]])
    change = compare(a, b).changes[0]
    assert change.recreate and change.dependants == (v2, v3)


def test_column_type_change_drags_views_on_that_column_only() -> None:
    view = ObjectKey("view", "public", "v")
    a = Snapshot.build(
        tables=[T],
        columns=cols("a", "b"),
        views=[View("public", "v", "x")],
        dependencies=[Dependency(view, ObjectKey("column", "public", "a", "t"))],
    )
    b_type = a.with_objects(columns=cols("a", "b", a="bigint"))
    assert compare(a, b_type).changes[0].dependants == (view,)
    b_other = a.with_objects(columns=cols("a", "b", b="bigint"))
    assert compare(a, b_other).changes[0].dependants == ()


def test_function_body_change_is_replaced_in_place_but_signature_change_recreates() -> None:
    fn = Function("public", "f", "", "", "integer", "sql", "SELECT 1")
    a = Snapshot.build(functions=[fn])
    body = compare(a, Snapshot.build(functions=[replace(fn, body="SELECT 2")]))
    assert not body.changes[0].recreate
    result = compare(a, Snapshot.build(functions=[replace(fn, result="bigint")]))
    assert result.changes[0].recreate


def test_compare_is_pure_and_deterministic() -> None:
    a = Snapshot.build(tables=[T, Table("public", "x")], columns=cols("a"))
    b = Snapshot.build(tables=[T], columns=cols("a", "b"))
    first, second = compare(a, b), compare(a, b)
    assert first.changes == second.changes
    assert first.to_dict() == second.to_dict()
    assert a == Snapshot.build(tables=[T, Table("public", "x")], columns=cols("a"))
