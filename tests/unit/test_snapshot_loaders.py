"""Loaders: catalog rows → model objects, without a database."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace

import pytest

from alembic_baseline.snapshot.inspect import InspectOptions, build
from alembic_baseline.snapshot.loaders import index_columns
from alembic_baseline.snapshot.objects import Column, Constraint, field_names


@pytest.mark.parametrize(
    ("definition", "method", "keys", "include"),
    [
        ("CREATE INDEX i ON public.t USING btree (a)", "btree", ("a",), ()),
        (
            "CREATE UNIQUE INDEX i ON public.t USING btree (lower((name)::text) text_pattern_ops,"
            ' b DESC NULLS LAST) INCLUDE (c, "D,x") WHERE (a > 0)',
            "btree",
            ("lower((name)::text) text_pattern_ops", "b DESC NULLS LAST"),
            ("c", '"D,x"'),
        ),
        (
            "CREATE INDEX i ON ONLY public.p USING gist (r, (f(a, ')')))",
            "gist",
            ("r", "(f(a, ')'))"),
            (),
        ),
        ("CREATE INDEX i ON public.t USING hash (a)", "btree", (), ()),
    ],
)
def test_index_columns_from_the_definition(
    definition: str, method: str, keys: tuple[str, ...], include: tuple[str, ...]
) -> None:
    assert index_columns(definition, method) == (keys, include)


def row(**values: object) -> dict[str, object]:
    base = {"schema": "public", "table": "t", "comment": None}
    return {**base, **values}


def test_build_drops_attnum_gaps_and_names_constraint_columns() -> None:
    column = {
        "type": "integer",
        "not_null": False,
        "default": None,
        "identity": "",
        "identity_options": None,
        "generated": "",
        "collation": None,
        "local": True,
    }
    rows = {
        "columns": [row(name="a", attnum=1, **column), row(name="c", attnum=3, **column)],
        "constraints": [
            row(
                name="t_pkey",
                type="p",
                definition="PRIMARY KEY (c, a)",
                attnums=[3, 1],
                ref_table=None,
                deferrable=False,
                deferred=False,
                validated=True,
                enforced=True,
            )
        ],
        "dependencies": [],
    }
    snap = build(rows, InspectOptions())
    assert [(c.name, c.position) for c in snap.columns] == [("a", 1), ("c", 2)]
    assert snap.constraints[0].columns == ("c", "a")
    # columns and constraints are assembled without __init__: the same values, every field set
    assert snap.columns[0] == Column("public", "t", "a", 1, "integer")
    assert snap.constraints[0] == Constraint(
        "public", "t", "t_pkey", "p", "PRIMARY KEY (c, a)", columns=("c", "a")
    )
    for obj in (snap.columns[0], snap.constraints[0]):
        assert set(vars(obj)) == field_names(type(obj))
        assert hash(obj) == hash(replace(obj))
        with pytest.raises(FrozenInstanceError):
            obj.name = "x"  # type: ignore[misc]
