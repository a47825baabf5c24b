"""An operator an operator family uses cannot be dropped, and the fix script leaves operator
classes and families alone (compared by name only): recreating such an operator, or changing
which families use it, is manual work the script names, never a statement that fails."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alembic_baseline.diff import compare
from alembic_baseline.pg.connect import connect
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.snapshot import inspect

BASE = """
CREATE FUNCTION public.same(a integer, b integer) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS 'SELECT a = b';
CREATE FUNCTION public.same_v2(a integer, b integer) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS 'SELECT a IS NOT DISTINCT FROM b';
CREATE FUNCTION public.close(a integer, b integer) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS 'SELECT abs(a - b) <= 1';
CREATE OPERATOR public.~~~ (FUNCTION = public.close, LEFTARG = integer, RIGHTARG = integer);
"""
A = (
    BASE
    + """
CREATE OPERATOR public.=== (FUNCTION = public.same, LEFTARG = integer, RIGHTARG = integer);
CREATE OPERATOR CLASS public.int_same_ops FOR TYPE integer USING hash AS
    OPERATOR 1 public.===, FUNCTION 1 hashint4(integer);
"""
)
B = (
    BASE
    + """
CREATE OPERATOR public.=== (FUNCTION = public.same_v2, LEFTARG = integer, RIGHTARG = integer);
CREATE OPERATOR CLASS public.int_same_ops FOR TYPE integer USING hash AS
    OPERATOR 1 public.===, FUNCTION 1 hashint4(integer);
CREATE OPERATOR CLASS public.int_close_ops FOR TYPE integer USING hash AS
    OPERATOR 1 public.~~~, FUNCTION 1 hashint4(integer);
"""
)


@pytest.fixture
def two_dbs(pg_default: ScratchServer) -> Iterator[tuple[DatabaseURL, DatabaseURL]]:
    urls = [pg_default.create_database() for _ in range(2)]
    try:
        for url, sql in zip(urls, (A, B), strict=True):
            with connect(url) as conn:
                conn.execute(sql.encode())
        yield urls[0], urls[1]
    finally:
        for url in urls:
            pg_default.drop_database(url.database)


def test_operators_in_families_are_left_as_manual_work(
    two_dbs: tuple[DatabaseURL, DatabaseURL],
) -> None:
    a, b = two_dbs
    with connect(a) as ca, connect(b) as cb:
        snap_a, snap_b = inspect(ca), inspect(cb)
    same = next(o for o in snap_a.operators if o.name == "===")
    assert same.families == ("public.int_same_ops USING hash",)
    diff = compare(snap_a, snap_b)
    changed = {str(c.key): {x.name for x in c.attributes} for c in diff.changes}
    assert changed == {
        "operator public.===(integer,integer)": {"function"},
        "operator public.~~~(integer,integer)": {"families"},
    }
    statements = diff.to_statements(allow_destructive=True)
    manual = [s for s in statements if s.manual]
    assert len(manual) == 2 and not any(s.enabled for s in manual)
    assert "int_same_ops USING hash" in (manual[0].note or "")
    assert "none → public.int_close_ops USING hash" in (manual[1].note or "")
    runnable = [s.sql for s in statements if s.enabled]
    assert not [sql for sql in runnable if "OPERATOR public.===" in sql], runnable
    with connect(a) as conn:  # what the script runs does run (and changes nothing here)
        for sql in runnable:
            conn.execute(sql.encode())
        assert compare(inspect(conn), snap_a).changes == ()
