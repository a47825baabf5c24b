"""The data check's pure parts: generated values, table order, the fix revision's rendering."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alembic_baseline.diff import Statement
from alembic_baseline.testing import rowgen
from alembic_baseline.testing.catalog import ColumnSpec, ForeignKey, TableSpec
from alembic_baseline.testing.fill import order
from alembic_baseline.testing.fix_revision import render_body


def _col(name: str, base: str, category: str, typmod: int = -1, **kw: object) -> ColumnSpec:
    return ColumnSpec(name, base, False, False, False, False, base, category, typmod, **kw)  # type: ignore[arg-type]


def test_non_unique_columns_repeat_values_and_unique_ones_do_not() -> None:
    rows = 30
    repeated = [rowgen.seed(i, rows, unique=False) for i in range(rows)]
    distinct = [rowgen.seed(i, rows, unique=True) for i in range(rows)]
    assert len(set(repeated)) == rowgen.domain(rows) == 10
    assert len(set(distinct)) == rows


def test_values_fit_their_types() -> None:
    char2 = _col("country_code", "bpchar", "S", typmod=2 + 4)
    values = {rowgen.value(char2, k) for k in range(200)}
    assert len(values) == 200 and all(len(v) == 2 for v in values)  # base 36: still distinct
    money = _col("total", "numeric", "N", typmod=((5 << 16) | 2) + 4)  # numeric(5, 2)
    assert all(float(rowgen.value(money, k)) < 1000 for k in range(5000))
    status = _col("status", "order_status", "E", labels=("new", "paid"))
    assert [rowgen.value(status, k) for k in range(3)] == ["new", "paid", "new"]
    tags = _col("tags", "_text", "A", element="text", element_category="S")
    assert rowgen.value(tags, 3) == '{"tags-3"}'
    with pytest.raises(rowgen.Unsupported):
        rowgen.value(_col("slot", "int4range", "R"), 0)


def test_listed_check_values_are_used() -> None:
    checks = ["CHECK ((kind = ANY (ARRAY['a''b'::text, 'c'::text])))", "CHECK ((qty > 0))"]
    assert rowgen.listed_values(checks) == {"kind": ("a'b", "c")}


def test_tables_are_filled_parents_first() -> None:
    child = TableSpec(
        "public", "lines", foreign_keys=[ForeignKey(("o",), "public.orders", ("id",))]
    )
    orders = TableSpec(
        "public", "orders", foreign_keys=[ForeignKey(("c",), "public.customers", ("id",))]
    )
    tables = {
        "public.lines": child,
        "public.orders": orders,
        "public.customers": TableSpec("public", "customers"),
    }
    assert order(tables) == ["public.customers", "public.orders", "public.lines"]


def test_revision_body_escapes_binds_and_holds_back_destructive_statements() -> None:
    body, held = render_body(
        [
            Statement("ALTER TABLE t ALTER COLUMN c SET DEFAULT 'a:b'::text", "alter"),
            Statement("ALTER TABLE t DROP COLUMN d", "drop", destructive=True, enabled=False),
        ]
    )
    assert held == 1
    assert (
        'op.execute(sa.text(r"""ALTER TABLE t ALTER COLUMN c SET DEFAULT \'a\\:b\'\\:\\:text"""))'
        in body
    )
    assert '    # op.execute(sa.text(r"""ALTER TABLE t DROP COLUMN d"""))' in body
    # what Alembic runs: the escaped text compiles back to the statement, with no bind parameter
    compiled = sa.text("SET DEFAULT 'a:b'::text".replace(":", "\\:")).compile()
    assert str(compiled) == "SET DEFAULT 'a:b'::text" and not compiled.params
