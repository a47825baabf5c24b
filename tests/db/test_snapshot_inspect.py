"""inspect() on real servers: determinism, filters, version table, privileges, golden files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from alembic_baseline.diff import compare
from alembic_baseline.errors import DatabaseError
from alembic_baseline.pg.connect import connect
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.snapshot import InspectOptions, Snapshot, inspect
from tests.helpers.versions import sample_needs_sqlalchemy_2

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lot_management"
EVERYTHING = "\n".join((FIXTURES / "schemas" / c / "b.sql").read_text() for c in ("views", "types"))


@pytest.fixture
def conn(fresh_db: DatabaseURL) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with connect(fresh_db) as c:
        yield c


def test_two_snapshots_serialize_byte_identical(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute(EVERYTHING.encode())
    first, second = inspect(conn).to_json(), inspect(conn).to_json()
    assert first == second
    assert Snapshot.from_json(first) == inspect(conn)
    assert '"oid"' not in first


def test_snapshot_independent_of_session_search_path(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute(EVERYTHING.encode())
    before = inspect(conn)
    conn.execute("SET search_path TO pg_catalog")
    assert inspect(conn) == before
    assert conn.execute("SHOW search_path").fetchone() == ("pg_catalog",)  # left as found


def test_version_table_left_out_unless_asked(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
    conn.execute("CREATE TABLE app (id integer)")
    tables = {t.name for t in inspect(conn).tables}
    assert tables == {"app"}
    snap = inspect(conn, InspectOptions(version_table=None))
    assert {t.name for t in snap.tables} == {"alembic_version", "app"}
    assert any(c.name == "alembic_version_pkey" for c in snap.constraints)


def test_schema_include_and_exclude(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute(
        "CREATE SCHEMA audit; CREATE TABLE audit.log (id integer);"
        "CREATE TABLE public.app (id integer)"
    )
    only = inspect(conn, InspectOptions(include_schemas=("audit",)))
    assert [(t.schema, t.name) for t in only.tables] == [("audit", "log")]
    without = inspect(conn, InspectOptions(exclude_schemas=("audit",)))
    assert [(t.schema, t.name) for t in without.tables] == [("public", "app")]
    assert "audit" not in {s.name for s in without.schemas}


def test_privileges_only_when_asked(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute("CREATE TABLE app (id integer); GRANT SELECT ON app TO PUBLIC")
    plain = inspect(conn).tables[0]
    assert plain.owner is None and plain.acl == ()
    full = inspect(conn, InspectOptions(privileges=True)).tables[0]
    assert full.owner == "postgres"
    assert any(item.startswith("=r/") for item in full.acl)


def test_extension_members_are_left_out(conn) -> None:  # type: ignore[no-untyped-def]
    available = conn.execute(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'citext'"
    ).fetchone()
    if available is None:
        pytest.skip("citext is not installed with this server")
    conn.execute("CREATE EXTENSION citext; CREATE TABLE t (email citext)")
    snap = inspect(conn)
    assert sorted(e.name for e in snap.extensions) == ["citext", "plpgsql"]
    assert not [f for f in snap.functions if f.name.startswith("citext")]
    assert [c.type for c in snap.columns] == ["public.citext"]


def test_the_snapshot_leaves_the_young_generation_empty(conn) -> None:  # type: ignore[no-untyped-def]
    """Objects made with the collector paused are aged at once, so the first collection after
    a snapshot does not walk them all (see inspect._age_young_objects)."""
    import gc

    conn.execute(b"CREATE TABLE t (" + b", ".join(b"c%d integer" % i for i in range(200)) + b")")
    gc.collect()
    snap = inspect(conn)
    assert gc.isenabled() and len(snap.columns) == 200
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(c) in oldest for c in snap.columns)


def test_every_kind_of_extension_member_is_left_out(conn) -> None:  # type: ignore[no-untyped-def]
    """Members added to an extension (plpgsql is there on every server) vanish with all that
    hangs on them; the same objects outside the extension stay."""
    conn.execute(
        b"""
        CREATE TYPE mood AS ENUM ('ok');
        CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
        CREATE TYPE pair AS (a integer, b integer);
        CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
        CREATE TABLE member (id integer PRIMARY KEY, m mood, p positive);
        CREATE INDEX member_m ON member (m);
        CREATE TRIGGER member_t BEFORE INSERT ON member FOR EACH ROW EXECUTE FUNCTION noop();
        CREATE POLICY member_p ON member USING (id > 0);
        CREATE VIEW member_v AS SELECT id FROM member;
        CREATE EVENT TRIGGER member_e ON ddl_command_end EXECUTE FUNCTION on_ddl();
        CREATE TABLE kept (id integer PRIMARY KEY REFERENCES member (id));
        """
    )
    for kind, name in [
        ("TYPE", "mood"), ("DOMAIN", "positive"), ("TYPE", "pair"), ("FUNCTION", "noop()"),
        ("FUNCTION", "on_ddl()"), ("TABLE", "member"), ("VIEW", "member_v"),
        ("EVENT TRIGGER", "member_e"),
    ]:  # fmt: skip
        conn.execute(f"ALTER EXTENSION plpgsql ADD {kind} {name}".encode())
    snap = inspect(conn)
    not_null = {"constraint public.kept.kept_id_not_null"}  # PostgreSQL 18 names NOT NULL
    names = {str(o.key) for o in snap.objects()} - not_null
    assert names == {
        "schema public", "extension plpgsql", "table public.kept", "column public.kept.id",
        "constraint public.kept.kept_pkey", "constraint public.kept.kept_id_fkey",
    }  # fmt: skip
    assert snap.dependencies == ()  # the FK's other end is an extension member


def test_dependencies_recorded_for_views_and_foreign_keys(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute((FIXTURES / "schemas" / "views" / "a.sql").read_text().encode())
    conn.execute("CREATE TABLE child (id integer REFERENCES account (id))")
    edges = {(str(d.dependent), str(d.referenced)) for d in inspect(conn).dependencies}
    assert ("view public.rich", "view public.active") in edges
    assert ("view public.richest", "view public.rich") in edges
    assert ("view public.active", "column public.account.balance") in edges
    assert (
        "constraint public.child.child_id_fkey",
        "constraint public.account.account_pkey",
    ) in edges


def test_pg18_not_null_constraints(pg: ScratchServer, conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute("CREATE TABLE t (a integer CONSTRAINT a_required NOT NULL)")
    names = [c.name for c in inspect(conn).constraints if c.type == "n"]
    assert names == (["a_required"] if pg.major >= 18 else [])


# -- golden snapshots of the sample project ---------------------------------------------------


@sample_needs_sqlalchemy_2
@pytest.mark.skipif(not EXAMPLE.is_dir(), reason="examples/lot_management is not there")
def test_sample_project_golden_snapshot(pg: ScratchServer) -> None:
    """Replayed to head, the sample project's schema matches tests/fixtures/golden/ (per major).

    Regenerate with ``AB_UPDATE_GOLDEN=1 pytest tests/db/test_snapshot_inspect.py``.
    """
    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.settings import load

    url = pg.create_database()
    try:
        AlembicProject(load(config=str(EXAMPLE / "alembic.ini"))).upgrade(url, "heads")
        with connect(url) as c:
            snap = inspect(c)
    finally:
        pg.drop_database(url.database)
    golden = FIXTURES / "golden" / f"lot_management.pg{pg.major}.json"
    text = replace(snap, server_version=f"{pg.major}").to_json()
    if os.environ.get("AB_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    if not golden.exists():
        pytest.fail(f"{golden.name} is missing: run with AB_UPDATE_GOLDEN=1 to write it")
    expected = Snapshot.from_json(golden.read_text())
    diff = compare(expected, snap)
    assert not diff, [
        f"{c.kind.value} {c.key} {[a.name for a in c.attributes]}" for c in diff.changes
    ]
    assert text == golden.read_text()


def test_helper_connection_reads_the_same_snapshot(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute(EVERYTHING.encode())
    assert inspect(conn, InspectOptions(parallel=True)) == inspect(
        conn, InspectOptions(parallel=False)
    )


def _backends(admin: psycopg.Connection[tuple[object, ...]], role: str) -> int:
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND pid <> pg_backend_pid()",
        (role,),
    ).fetchone()
    return int(row[0]) if row else -1  # type: ignore[call-overload]


@pytest.mark.parametrize("limit", [1, -1], ids=["no-helper-allowed", "helper"])
def test_the_helper_connection_is_closed(fresh_db: DatabaseURL, limit: int) -> None:
    """When the role may not have a second connection the snapshot is read on one, the same;
    either way no connection or thread is left behind."""
    import threading

    with connect(fresh_db) as admin:
        admin.execute(EVERYTHING.encode())
        admin.execute(
            f"DROP ROLE IF EXISTS reader; CREATE ROLE reader LOGIN CONNECTION LIMIT {limit}"
        )
        try:
            with connect(replace(fresh_db, username="reader")) as c:
                helped = inspect(c, InspectOptions(parallel=True))
                assert not [t for t in threading.enumerate() if t.name == "ab-catalog"]
                assert _backends(admin, "reader") == 1  # this one only
                assert helped == inspect(c, InspectOptions(parallel=False))
        finally:
            admin.execute("DROP ROLE reader")


def test_inside_an_open_transaction_sees_its_own_changes(fresh_db: DatabaseURL) -> None:
    with connect(fresh_db, autocommit=False) as c:
        c.execute("CREATE TABLE uncommitted (id integer)")
        snap = inspect(c)  # a savepoint, one connection: a helper could not see this table
        assert [t.name for t in snap.tables] == ["uncommitted"]
        c.execute("INSERT INTO uncommitted VALUES (1)")  # the transaction is still usable
        c.rollback()


@pytest.mark.parametrize("parallel", [True, False], ids=["helper", "one-connection"])
def test_a_failing_catalog_query_stops_every_lane(fresh_db: DatabaseURL, parallel: bool) -> None:
    """A catalog query that fails in a background lane (the column query, on the helper when
    there is one) fails the snapshot with a clear error; no lane thread outlives it and the
    connection is usable afterwards."""
    import threading

    with connect(fresh_db) as admin:
        admin.execute(EVERYTHING.encode())
        admin.execute(
            "DROP ROLE IF EXISTS reader; CREATE ROLE reader LOGIN;"
            "REVOKE SELECT ON pg_catalog.pg_attrdef FROM PUBLIC"
        )
    try:
        with connect(replace(fresh_db, username="reader")) as c:
            with pytest.raises(DatabaseError, match="Reading the catalog was refused"):
                inspect(c, InspectOptions(parallel=parallel))
            assert not [t for t in threading.enumerate() if t.name == "ab-catalog"]
            assert c.execute("SELECT 1").fetchone() == (1,)
    finally:
        with connect(fresh_db) as admin:
            admin.execute("GRANT SELECT ON pg_catalog.pg_attrdef TO PUBLIC; DROP ROLE reader")


class _Waits:
    """An ``inspect`` Ahead that records what it is told and how often it is asked to work."""

    def __init__(self) -> None:
        self.told: dict[str, list[object]] = {}
        self.steps = 0

    def ready(self, name: str, items: object) -> None:
        assert name not in self.told, name  # each part once
        self.told[name] = list(items)  # type: ignore[call-overload]

    def step(self) -> bool:
        self.steps += 1
        return self.steps < 3  # a little work, then nothing left


def test_parts_told_ahead_are_final(conn, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """What ``inspect`` tells an Ahead is what the snapshot holds (the same objects, in the
    same order), and the file written with the parts rendered ahead is to_json's bytes."""
    from alembic_baseline.snapshot import jsonwrite

    conn.execute(EVERYTHING.encode())
    waits = _Waits()
    snap = inspect(conn, InspectOptions(), waits)
    assert {"tables", "columns", "constraints", "views", "inventory"} <= set(waits.told)
    assert "dependencies" not in waits.told  # read last: nothing waits after it
    for name, items in waits.told.items():
        held = snap.inventory.entries if name == "inventory" else getattr(snap, name)
        assert items == list(held) and all(a is b for a, b in zip(items, held, strict=True))
    ahead = jsonwrite.Ahead.beside(tmp_path / "s.json")
    assert ahead is not None
    snap = inspect(conn, InspectOptions(), ahead)
    jsonwrite.write(snap, tmp_path / "s.json", ahead)
    ahead.close()
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == snap.to_json()
