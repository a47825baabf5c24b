"""Loaders: catalog rows → model objects, without a database."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from types import SimpleNamespace

import pytest

from alembic_baseline.snapshot.inspect import InspectOptions, build
from alembic_baseline.snapshot.loaders_tables import index_columns
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


def row(**values: object) -> SimpleNamespace:
    """A catalog row as the loaders read it (by attribute, like psycopg's named tuples)."""
    base = {"schema": "public", "table": "t", "table_oid": 16400, "comment": None}
    return SimpleNamespace(**{**base, **values})


def table_row(name: str = "t", oid: int = 16400, **values: object) -> SimpleNamespace:
    """A row of tables.sql: column and constraint rows name their table by its oid."""
    base = {
        "schema": "public", "name": name, "persistence": "p", "partition_key": None,
        "partition_of": None, "partition_bound": None, "inherits": [], "rls_enabled": False,
        "rls_forced": False, "options": None, "owner": None, "acl": None, "comment": None,
        "oid": oid, "type_oid": oid + 1,
    }  # fmt: skip
    return SimpleNamespace(**{**base, **values})


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
        "storage": None,
        "compression": None,
    }
    rows = {
        "tables": [table_row()],
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
                oid=16500,
                index_oid=16501,
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
        assert set(vars(obj)) - {"key"} == field_names(type(obj))  # key: its cache
        assert hash(obj) == hash(replace(obj))
        with pytest.raises(FrozenInstanceError):
            obj.name = "x"  # type: ignore[misc]


def test_columns_come_out_in_table_name_order_with_positions_per_table() -> None:
    """Rows arrive grouped by table in oid order; the snapshot lists tables by name."""

    def col(table: str, oid: int, name: str, attnum: int) -> SimpleNamespace:
        return row(
            table=table,
            table_oid=oid,
            name=name,
            attnum=attnum,
            type="integer",
            not_null=False,
            default=None,
            identity="",
            identity_options=None,
            generated="",
            collation=None,
            local=True,
            storage="m",
            compression=None,
        )

    rows = {
        "tables": [table_row("zeta", 1), table_row("alpha", 2)],
        "columns": [col("zeta", 1, "z2", 2), col("zeta", 1, "z1", 5), col("alpha", 2, "a1", 1)],
        "constraints": [],
        "dependencies": [],
    }
    snap = build(rows, InspectOptions())
    assert [(c.table, c.name, c.position) for c in snap.columns] == [
        ("alpha", "a1", 1),
        ("zeta", "z2", 1),
        ("zeta", "z1", 2),
    ]
    assert {c.storage for c in snap.columns} == {"main"}  # catalog codes become words


def test_every_kind_is_read_and_loaded_in_an_order_that_names_columns_first() -> None:
    from alembic_baseline.snapshot.inspect import _HELPER_SHARE, _ORDER
    from alembic_baseline.snapshot.kinds import KINDS

    queries = {k.query for k in KINDS if k.lane != "first"}
    assert set(_ORDER) == queries | {"opclasses", "inventory", "dependencies"}
    assert set(_ORDER) >= _HELPER_SHARE
    position = {name: i for i, name in enumerate(_ORDER)}
    assert position["columns"] < position["constraints"] < position["indexes"]
    assert position["opclasses"] < position["indexes"]
    assert _ORDER[-1] == "dependencies"  # its edges resolve against every loaded object


def test_the_reading_constants_spelled_in_inspect_are_the_kinds_and_the_histories() -> None:
    """inspect spells them out so that its queries start before kinds, loaders and the history
    modules are imported; they must stay what those modules define."""
    from alembic_baseline.history.checksums import APPLIED_TABLE
    from alembic_baseline.snapshot import kinds
    from alembic_baseline.snapshot.inspect import _HELPER_SHARE, _ORDER
    from alembic_baseline.snapshot.inspect import APPLIED_TABLE as SPELLED

    assert kinds.read_order() == _ORDER
    assert _HELPER_SHARE == kinds.HELPER_SHARE
    assert SPELLED == APPLIED_TABLE


def test_tables_and_indexes_are_assembled_with_every_field() -> None:
    from alembic_baseline.snapshot.objects import Index, Table

    table = table_row(options=["fillfactor=70"], comment="c")
    index = row(
        name="t_a",
        definition="CREATE INDEX t_a ON public.t USING btree (a)",
        method="btree",
        unique=False,
        predicate=None,
        nulls_not_distinct=False,
        oid=16403,
    )
    snap = build({"tables": [table], "indexes": [index], "dependencies": []}, InspectOptions())
    assert snap.tables[0] == Table("public", "t", options=("fillfactor=70",), comment="c")
    assert snap.indexes[0] == Index("public", "t", "t_a", index.definition, "btree", keys=("a",))
    for obj in (snap.tables[0], snap.indexes[0]):
        assert set(vars(obj)) - {"key"} == field_names(type(obj))
        assert obj.key == replace(obj).key  # the cached key is the computed one
