"""Text, markdown and JSON renderings of a SchemaDiff."""

from __future__ import annotations

import json

from alembic_baseline.diff import compare
from alembic_baseline.diff.render import (
    CHANGE_WORDS,
    describe,
    render_json,
    render_markdown,
    render_text,
)
from alembic_baseline.snapshot.model import Column, Dependency, ObjectKey, Snapshot, Table, View

A = Snapshot.build(
    tables=[Table("public", "t"), Table("public", "old")],
    columns=[Column("public", "t", "a", 1, "integer")],
    views=[View("public", "v", " SELECT a\n   FROM t;")],
    dependencies=[
        Dependency(ObjectKey("view", "public", "v"), ObjectKey("column", "public", "a", "t"))
    ],
)
B = A.with_objects(
    tables=[Table("public", "t")],
    columns=[Column("public", "t", "a", 1, "bigint")],
    views=[View("public", "v", " SELECT a\n   FROM t\n  WHERE a > 0;")],
)


def test_text_groups_by_kind_with_old_new_and_drag_along() -> None:
    text = render_text(compare(A, B))
    assert "column\n  ~ public.t.a  (changed)\n      type: integer → bigint\n" in text
    assert "drags along: view public.v" in text
    assert "  - public.old  (removed)" in text
    assert "+  WHERE a > 0;" in text  # multi-line values as a unified diff
    assert text.endswith("3 differences: 0 added, 1 removed, 2 changed.\n")


def test_markdown_has_a_table_per_kind() -> None:
    md = render_markdown(compare(A, B))
    assert "### column" in md and "### view" in md
    assert "| ~ changed | `public.t.a` | `type`: integer → bigint | `view public.v` |" in md
    assert "| ~ changed | `public.v` | `definition` changed |" in md


def test_json_is_parseable_and_complete() -> None:
    data = json.loads(render_json(compare(A, B)))
    assert data["equal"] is False
    assert data["counts"] == {"added": 0, "changed": 2, "removed": 1}
    column = next(c for c in data["changes"] if c["kind"] == "column")
    assert column["attributes"] == [{"name": "type", "old": "integer", "new": "bigint"}]
    assert column["dependants"] == ["view public.v"]


def test_no_differences() -> None:
    assert render_text(compare(A, A)) == "No differences.\n"
    assert json.loads(render_json(compare(A, A)))["equal"] is True


def test_describe_is_one_line_per_difference_in_the_chosen_words() -> None:
    diff = compare(A, B)
    lines = describe(diff)
    assert "column public.t.a: differs (type)" in lines
    assert "table public.old: missing in the database" in lines
    assert describe(diff, limit=1)[1:] == ("… and 2 more",)
    created = describe(compare(B, A), words=CHANGE_WORDS)
    assert "table public.old: created" in created


def test_describe_with_values_shows_old_and_new() -> None:
    lines = describe(compare(A, B), None, {}, values=True)
    assert "column public.t.a: changed (type integer → bigint)" in lines
    assert "table public.old: removed" in lines
    assert describe(compare(A, A)) == ()
