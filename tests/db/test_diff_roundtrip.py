"""Round trip of the fix SQL on real servers, for every fixture case and every major.

For ``tests/fixtures/schemas/<case>/{a,b}.sql``: load A and B into two databases, snapshot both,
compare, run ``to_statements(allow_destructive=True)`` on A, snapshot A again — it must equal B
(and compare to B with no change). Also: a cross-version comparison of the same SQL on the
oldest and newest majors, equal with :meth:`CompareOptions.cross_version`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from alembic_baseline.diff import CompareOptions, compare
from alembic_baseline.pg.connect import connect
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.snapshot import Snapshot, inspect
from tests.db.conftest import MAJORS, server_for
from tests.helpers.versions import sample_needs_sqlalchemy_2

SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "schemas"
CASES = sorted(p.name for p in SCHEMAS.iterdir() if (p / "a.sql").is_file())


class Loaded:
    """A scratch database holding one fixture file, with an open autocommit connection."""

    def __init__(self, server: ScratchServer, sql: str) -> None:
        self.server = server
        self.url = server.create_database()
        self.conn = connect(self.url)
        self.conn.execute(sql.encode())  # no parameters: the text goes to the server untouched

    def snapshot(self) -> Snapshot:
        return inspect(self.conn)

    def close(self) -> None:
        self.conn.close()
        self.server.drop_database(self.url.database)


@pytest.fixture
def load(pg: ScratchServer) -> Iterator[callable]:  # type: ignore[valid-type]
    opened: list[Loaded] = []

    def _load(sql: str, server: ScratchServer | None = None) -> Loaded:
        db = Loaded(server or pg, sql)
        opened.append(db)
        return db

    yield _load
    for db in opened:
        db.close()


def apply(conn: psycopg.Connection[tuple[object, ...]], statements: list[str]) -> None:
    for sql in statements:
        try:
            conn.execute(sql.encode())
        except psycopg.Error as exc:
            pytest.fail(f"fix statement failed: {sql}\n{exc}")


@pytest.mark.parametrize("case", CASES)
def test_fix_sql_turns_a_into_b(load, case: str) -> None:  # type: ignore[no-untyped-def]
    a = load((SCHEMAS / case / "a.sql").read_text())
    b = load((SCHEMAS / case / "b.sql").read_text())
    snap_a, snap_b = a.snapshot(), b.snapshot()
    diff = compare(snap_a, snap_b)
    assert diff, f"case {case}: A and B should differ"
    statements = diff.to_statements(allow_destructive=True)
    assert not [s for s in statements if s.manual], "fixture cases must be fully automatable"

    apply(a.conn, [s.sql for s in statements if s.enabled])

    after = a.snapshot()
    residual = compare(after, snap_b)
    assert not residual, [f"{c.kind.value} {c.key} {c.attributes}" for c in residual.changes]
    assert after == snap_b


def test_without_allow_destructive_data_survives(load) -> None:  # type: ignore[no-untyped-def]
    a = load((SCHEMAS / "columns" / "a.sql").read_text())
    b = load((SCHEMAS / "columns" / "b.sql").read_text())
    diff = compare(a.snapshot(), b.snapshot())
    statements = diff.to_statements()
    held = [s for s in statements if s.destructive]
    assert held and not any(s.enabled for s in held)
    assert "-- ALTER TABLE public.item DROP COLUMN obsolete;" in diff.to_sql()
    apply(a.conn, [s.sql for s in statements if s.enabled])
    columns = {c.name for c in a.snapshot().columns if c.table == "item"}
    assert "obsolete" in columns  # the destructive drop was held back
    assert {"added", "doubled"} <= columns


def test_snapshot_of_a_database_against_itself_is_empty(load) -> None:  # type: ignore[no-untyped-def]
    db = load((SCHEMAS / "views" / "b.sql").read_text())
    diff = compare(db.snapshot(), db.snapshot())
    assert not diff
    assert diff.to_sql().startswith("-- alembic-baseline: no differences")


@pytest.mark.skipif(len(MAJORS) < 2, reason="needs two PostgreSQL majors")
@pytest.mark.parametrize("case", CASES)
def test_same_sql_on_oldest_and_newest_major_compares_equal(load, case: str) -> None:  # type: ignore[no-untyped-def]
    sql = (SCHEMAS / case / "b.sql").read_text()
    old = load(sql, server_for(min(MAJORS))).snapshot()
    new = load(sql, server_for(max(MAJORS))).snapshot()
    diff = compare(old, new, CompareOptions.cross_version())
    assert not diff, [f"{c.kind.value} {c.key} {c.attributes}" for c in diff.changes]


def test_privileges_round_trip_when_read(load) -> None:  # type: ignore[no-untyped-def]
    from alembic_baseline.snapshot import InspectOptions

    options = InspectOptions(privileges=True)
    a = load(
        "CREATE TABLE t (id integer); GRANT SELECT ON t TO PUBLIC;"
        "CREATE FUNCTION f() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;"
        "CREATE AGGREGATE n(*) (SFUNC = int8inc, STYPE = bigint, INITCOND = '0')"
    )
    b = load(
        "CREATE TABLE t (id integer); GRANT INSERT, UPDATE ON t TO PUBLIC;"
        "CREATE FUNCTION f() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;"
        "REVOKE EXECUTE ON FUNCTION f() FROM PUBLIC;"
        "CREATE AGGREGATE n(*) (SFUNC = int8inc, STYPE = bigint, INITCOND = '0');"
        "REVOKE EXECUTE ON FUNCTION n() FROM PUBLIC"  # an aggregate of (*) is granted on as n()
    )
    snap_b = inspect(b.conn, options)
    diff = compare(inspect(a.conn, options), snap_b)
    assert {str(c.key) for c in diff.changes} == {
        "table public.t",
        "function public.f()",
        "aggregate public.n()",
    }
    apply(a.conn, [s.sql for s in diff.to_statements() if s.enabled])
    assert not compare(inspect(a.conn, options), snap_b)


RECREATED = """
CREATE TABLE t (id integer, v {type});
CREATE VIEW v1 AS SELECT id, v FROM t;
CREATE VIEW v2 AS SELECT id FROM v1;
GRANT SELECT ON v1 TO PUBLIC;
GRANT SELECT ON v2 TO PUBLIC;
"""


def test_grants_of_recreated_views_come_back(pg_default: ScratchServer) -> None:
    """v1 is dropped and created again (a column under it changes type), v2 with it (it reads
    v1, and has no change of its own): both get their grants back when privileges are read,
    and fix SQL says that they lose them when not."""
    from alembic_baseline.diff.ddl import render_script
    from alembic_baseline.snapshot import InspectOptions

    a = Loaded(pg_default, RECREATED.format(type="integer"))
    b = Loaded(pg_default, RECREATED.format(type="bigint"))
    try:
        options = InspectOptions(privileges=True)
        snap_b = inspect(b.conn, options)
        diff = compare(inspect(a.conn, options), snap_b)
        without = compare(a.snapshot(), b.snapshot()).to_statements(allow_destructive=True)
        lost = {s.sql for s in without if s.note and "privileges were not compared" in s.note}
        assert lost == {"DROP VIEW public.v1", "DROP VIEW public.v2"}
        script = render_script(without)
        assert "-- note: its grants go with it" in script.split("DROP VIEW public.v1;")[0]
        apply(a.conn, [s.sql for s in diff.to_statements(allow_destructive=True) if s.enabled])
        assert not compare(inspect(a.conn, options), snap_b)
    finally:
        a.close()
        b.close()


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lot_management"


@sample_needs_sqlalchemy_2
@pytest.mark.skipif(not EXAMPLE.is_dir(), reason="examples/lot_management is not there")
def test_sample_project_first_revision_fixed_up_to_head(pg_default: ScratchServer) -> None:
    """The fix SQL from the first revision's schema to head's, on the real sample history."""
    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.settings import load as load_settings

    project = AlembicProject(load_settings(config=str(EXAMPLE / "alembic.ini")))
    first = list(project.script.walk_revisions())[-1].revision
    old, new = pg_default.create_database(), pg_default.create_database()
    try:
        project.upgrade(old, first)
        project.upgrade(new, "heads")
        with connect(old) as a, connect(new) as b:
            options = CompareOptions(ignore_column_order=True)
            target = inspect(b)
            diff = compare(inspect(a), target, options)
            assert len(diff) > 100
            apply(a, [s.sql for s in diff.to_statements(allow_destructive=True) if s.enabled])
            residual = compare(inspect(a), target, options)
            assert not residual, [str(c.key) for c in residual.changes]
    finally:
        pg_default.drop_database(old.database)
        pg_default.drop_database(new.database)
