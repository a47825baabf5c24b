"""Shapes are order-free and collision-proof; diagnoses name their differences (no database)."""

from __future__ import annotations

from alembic_baseline.doctor import render
from alembic_baseline.doctor.model import Diagnosis, Severity
from alembic_baseline.doctor.shape import shape_from_rows

ROWS = [
    ("index", "public.t.ix_a", "f 1"),
    ("index", "public.t.ix_b", "t 2"),
    ("column", "public.t.id", "pg_catalog int4 -1 0 t"),
]


def test_shape_does_not_depend_on_row_order() -> None:
    assert shape_from_rows(ROWS).digest == shape_from_rows(list(reversed(ROWS))).digest


def test_rows_sharing_a_key_keep_every_detail() -> None:
    """Should two rows ever share a key, neither wins by catalog order: both details stay."""
    rows = [("index", "public.t.ix", "t 2"), ("index", "public.t.ix", "f 1")]
    a, b = shape_from_rows(rows), shape_from_rows(list(reversed(rows)))
    assert a.objects == b.objects == {"index public.t.ix": "f 1 | t 2"}
    assert a.digest != shape_from_rows(rows[:1]).digest


def test_differences_are_named_in_json_and_markdown() -> None:
    d = Diagnosis(
        "AB-D010",
        Severity.ERROR,
        "The version table says a, but the schema is exactly revision b.",
        "alembic-baseline repair --fix restamp --to b --yes",
        {"recorded": "a", "differences": "1"},
        ("the schema equals revision b exactly",),
        "restamp",
        differences=("index public.t.ix_b: extra in the database",),
    )
    assert d.to_json()["differences"] == ["index public.t.ix_b: extra in the database"]
    text = "\n".join(render.diagnosis_markdown(d))
    assert "- differs: index public.t.ix_b: extra in the database" in text
    # differences already listed in the details are not repeated
    same = Diagnosis(
        "AB-D008", Severity.ERROR, "m", "f", {}, ("x: differs",), differences=("x: differs",)
    )
    assert render.extra_differences(same) == []
