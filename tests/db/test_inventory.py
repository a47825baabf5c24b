"""The inventory on real PostgreSQL: an object of ANY kind missing on one side is a difference.

One database holds an object of every kind the snapshot does not model (a rule, an aggregate,
operators with their class and family, a cast, a collation, text search objects, a foreign table
with its server and wrapper, a statistics object, a publication, column STORAGE and COMPRESSION);
each case clones it, removes or changes one object, and `diff` must exit 1 naming it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.snapshot import inspect
from alembic_baseline.snapshot.inventory import check
from tests.helpers.projects import cli

KINDS = """
CREATE TABLE t (id int PRIMARY KEY, a text, b int, c text COMPRESSION pglz);
CREATE TABLE t_log (id int);
CREATE RULE t_nothing AS ON DELETE TO t_log DO INSTEAD NOTHING;
CREATE FUNCTION add2(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 + $2';
CREATE AGGREGATE mysum(int) (SFUNC = add2, STYPE = int, INITCOND = '0');
CREATE FUNCTION int_eq2(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT $1 = $2';
CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = int_eq2);
CREATE OPERATOR <<< (LEFTARG = int, RIGHTARG = int, FUNCTION = int_eq2);
CREATE OPERATOR FAMILY myfam USING hash;
CREATE OPERATOR CLASS myops FOR TYPE int USING hash FAMILY myfam AS
    OPERATOR 1 ===, FUNCTION 1 hashint4(int);
CREATE TYPE pair AS (x int, y int);
CREATE FUNCTION pair_of(int) RETURNS pair LANGUAGE sql AS 'SELECT ($1, $1)::pair';
CREATE CAST (int AS pair) WITH FUNCTION pair_of(int);
CREATE COLLATION mycoll (provider = libc, locale = 'C');
CREATE TEXT SEARCH DICTIONARY mydict (TEMPLATE = simple, STOPWORDS = english);
CREATE TEXT SEARCH DICTIONARY spare_dict (TEMPLATE = simple);
CREATE TEXT SEARCH CONFIGURATION mycfg (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION mycfg ALTER MAPPING FOR asciiword WITH mydict;
CREATE FOREIGN DATA WRAPPER myfdw;
CREATE SERVER mysrv FOREIGN DATA WRAPPER myfdw;
CREATE USER MAPPING FOR CURRENT_USER SERVER mysrv OPTIONS (password 'never-shown');
CREATE FOREIGN TABLE ft (x int) SERVER mysrv;
CREATE STATISTICS st (dependencies) ON a, b FROM t;
SET client_min_messages = error;  -- wal_level minimal: "insufficient to publish" warning
CREATE PUBLICATION pub FOR TABLE t;
ALTER TABLE t ALTER COLUMN a SET STORAGE EXTERNAL;
"""

# (case, SQL run on side B, the line `diff` must print)
CASES = [
    ("rule", "DROP RULE t_nothing ON t_log", "removed rule t_nothing on public.t_log"),
    ("aggregate", "DROP AGGREGATE mysum(int)", "removed aggregate public.mysum(integer)"),
    ("operator", "DROP OPERATOR <<< (int, int)", "removed operator public.<<<(integer,integer)"),
    ("operator class", "DROP OPERATOR CLASS myops USING hash",
     "removed operator class public.myops USING hash"),
    ("operator family", "DROP OPERATOR FAMILY myfam USING hash",
     "removed operator family public.myfam USING hash"),
    ("cast", "DROP CAST (int AS pair)", "removed cast (integer AS public.pair)"),
    ("collation", "DROP COLLATION mycoll", "removed collation public.mycoll"),
    ("text search configuration", "DROP TEXT SEARCH CONFIGURATION mycfg",
     "removed text search configuration public.mycfg"),
    ("text search dictionary", "DROP TEXT SEARCH DICTIONARY spare_dict",
     "removed text search dictionary public.spare_dict"),
    ("foreign table", "DROP FOREIGN TABLE ft", "removed foreign table public.ft"),
    ("server", "DROP SERVER mysrv CASCADE", "removed server mysrv"),
    ("foreign-data wrapper", "DROP FOREIGN DATA WRAPPER myfdw CASCADE",
     "removed foreign-data wrapper myfdw"),
    ("statistics object", "DROP STATISTICS st", "removed statistics object public.st"),
    ("publication", "DROP PUBLICATION pub", "removed publication pub"),
    ("storage", "ALTER TABLE t ALTER COLUMN a SET STORAGE EXTENDED",
     "changed table column public.t.a: storage e → storage x"),
    ("compression", "ALTER TABLE t ALTER COLUMN c SET COMPRESSION DEFAULT",
     "changed table column public.t.c: storage x compression p → storage x"),
]  # fmt: skip


@pytest.fixture
def source(pg: ScratchServer) -> DatabaseURL:
    url = pg.create_database()
    with connection(url) as conn:
        conn.execute(KINDS.encode())
    return url


def _clone(pg: ScratchServer, source: DatabaseURL, change: str) -> DatabaseURL:
    url = pg.create_database(template=source.database)
    with connection(url) as conn:
        conn.execute(change.encode())
    return url


# Kinds the snapshot models (snapshot/kinds.py): diff lists them as snapshot changes, and the
# inventory, a cross-check there, does not repeat them.
SNAPSHOT_LINES = {
    "foreign table": "- public.ft  (removed)",
    "server": "- mysrv  (removed)",
    "foreign-data wrapper": "- myfdw  (removed)",
    "collation": "- public.mycoll  (removed)",
    "publication": "- pub  (removed)",
    "statistics object": "- public.st  (removed)",
    "rule": "- public.t_log.t_nothing  (removed)",
    "aggregate": "- public.mysum(integer)  (removed)",
    "operator": "- public.<<<(integer,integer)  (removed)",
    "text search configuration": "- public.mycfg  (removed)",
    "text search dictionary": "- public.spare_dict  (removed)",
    "cast": "- (integer AS public.pair)  (removed)",
}


@pytest.mark.parametrize(("case", "change", "line"), CASES, ids=[c[0] for c in CASES])
def test_one_object_missing_fails_the_inventory_and_diff(
    pg: ScratchServer, source: DatabaseURL, case: str, change: str, line: str
) -> None:
    other = _clone(pg, source, change)
    with connection(source) as a_conn, connection(other) as b_conn:
        a, b = inspect(a_conn), inspect(b_conn)
    found = check(a.inventory, b.inventory)
    assert not found.equal and any(line in x for x in found.lines()), found.lines()
    code, out, err = cli("diff", source.render(), other.render())
    assert code == 1, out + err
    assert SNAPSHOT_LINES.get(case, line) in out  # a modelled kind: as the snapshot diff shows it
    assert "No differences." not in out
    assert "never-shown" not in out + json.dumps(a.to_dict())  # user mapping: identity only


def test_equal_sides_list_the_kinds_compared_by_name_only(
    pg: ScratchServer, source: DatabaseURL, tmp_path: Path
) -> None:
    twin = pg.create_database(template=source.database)
    code, out, err = cli("diff", source.render(), twin.render())
    assert code == 0, out + err
    assert "No differences." in out
    assert "compared by name only:" in out and "1 operator class" in out
    assert "1 user mapping" in out
    modelled = ("foreign table", "server", "collation", "publication", "statistics", "rule")
    for modelled_kind in (*modelled, "aggregate", "2 operators", "text search", "cast"):
        assert modelled_kind not in out
    code, out, _ = cli("--json", "diff", source.render(), twin.render())
    report = json.loads(out)
    assert code == 0 and report["equal"] is True
    assert report["inventory"]["compared_by_name_only"]["operator class"] == 1

    # a snapshot file keeps its inventory; one written before inventories existed cannot prove
    path = tmp_path / "a.json"
    assert cli("snapshot", "--url", source.render(), "-o", str(path))[0] == 0
    assert cli("diff", str(path), twin.render())[0] == 0
    data = json.loads(path.read_text())
    del data["inventory"]
    path.write_text(json.dumps(data))
    code, out, err = cli("diff", str(path), twin.render())
    assert code == 1, out + err
    assert "inventory check could not run" in out and "A has no inventory" in out
    assert "No differences." not in out
    code, out, err = cli("diff", str(path), twin.render(), "--sql")
    assert code == 1 and "could not run" in err


def test_schema_filter_leaves_database_wide_objects_out(
    pg: ScratchServer, source: DatabaseURL
) -> None:
    other = _clone(pg, source, "DROP PUBLICATION pub; CREATE SCHEMA other")
    code, out, err = cli("diff", source.render(), other.render(), "--schema", "public")
    assert code == 0, out + err  # publications are database-wide: not in one schema's dump
    code, out, _ = cli("diff", source.render(), other.render())
    assert code == 1 and "publication\n  - pub  (removed)" in out and "+ other" in out


def test_an_ordinary_role_reads_the_inventory(pg: ScratchServer, source: DatabaseURL) -> None:
    """No superuser needed (pg_user_mapping and pg_subscription's conninfo are not readable)."""
    from dataclasses import replace

    from psycopg import sql

    role = f"reader_{source.database}"
    with connection(source) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    try:
        with connection(replace(source, username=role)) as conn:
            snap = inspect(conn)
        assert snap.inventory is not None
        types = {e.type for e in snap.inventory.entries}
        assert {"user mapping", "publication", "rule", "aggregate"} <= types
    finally:
        with connection(source) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        pg.admin().execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
