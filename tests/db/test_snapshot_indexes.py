"""Index definitions: the ones inspect() spells itself equal pg_get_indexdef's, shape by shape."""

from __future__ import annotations

import psycopg
import pytest

from alembic_baseline.pg.connect import connect
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.snapshot import InspectOptions, inspect, loaders_tables

SHAPES = """
CREATE SCHEMA "Odd Schema";
CREATE DOMAIN code AS text;
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE TABLE "Odd Schema"."Mixed Table" (
    id integer, "select" text, "Upper" varchar(20), c_text text COLLATE "C", d code,
    m mood, tags integer[], at timestamptz, amount numeric(10, 2), ch char(3), n bigint
);
SET search_path TO "Odd Schema";
CREATE INDEX plain_int ON "Mixed Table" (id);
CREATE UNIQUE INDEX "Unique Two" ON "Mixed Table" (id, "select");
CREATE INDEX keyword_col ON "Mixed Table" ("select");
CREATE INDEX varchar_col ON "Mixed Table" ("Upper");
CREATE INDEX collated_col ON "Mixed Table" (c_text);
CREATE INDEX recollated ON "Mixed Table" (c_text COLLATE "default");
CREATE INDEX explicit_collation ON "Mixed Table" ("select" COLLATE "C");
CREATE INDEX domain_col ON "Mixed Table" (d);
CREATE INDEX enum_col ON "Mixed Table" (m);
CREATE INDEX array_gin ON "Mixed Table" USING gin (tags);
CREATE INDEX hash_col ON "Mixed Table" USING hash (n);
CREATE INDEX brin_col ON "Mixed Table" USING brin (at);
CREATE INDEX desc_col ON "Mixed Table" (at DESC NULLS LAST, id NULLS FIRST);
CREATE INDEX pattern_ops ON "Mixed Table" ("select" text_pattern_ops);
CREATE INDEX with_include ON "Mixed Table" (id) INCLUDE (amount, "Upper");
CREATE INDEX partial ON "Mixed Table" (amount) WHERE amount > 0 AND "select" <> 'x';
CREATE UNIQUE INDEX nulls_nd ON "Mixed Table" (ch) NULLS NOT DISTINCT;
CREATE INDEX expression ON "Mixed Table" (lower("select"));
CREATE INDEX mixed_expression ON "Mixed Table" (id, (n * 2));
CREATE INDEX fill ON "Mixed Table" (n) WITH (fillfactor = 70);
CREATE MATERIALIZED VIEW mv AS SELECT id, n FROM "Mixed Table";
CREATE INDEX on_matview ON mv (id);
CREATE TABLE parted (k integer, v text) PARTITION BY RANGE (k);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);
CREATE INDEX parted_idx ON parted (k, v);
RESET search_path;
"""


@pytest.fixture
def conn(fresh_db: DatabaseURL) -> psycopg.Connection[tuple[object, ...]]:
    with connect(fresh_db) as c:
        c.execute(SHAPES.encode())
        yield c


@pytest.mark.parametrize("parallel", [True, False], ids=["helper", "one-connection"])
def test_every_index_definition_is_pg_get_indexdef(conn, parallel: bool) -> None:  # type: ignore[no-untyped-def]
    snap = inspect(conn, InspectOptions(parallel=parallel))
    truth = dict(
        conn.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE i.relnamespace = '\"Odd Schema\"'::regnamespace"
        ).fetchall()
    )
    assert "parted_1_k_v_idx" in truth  # a partition's copy: left out of the snapshot
    seen = {ix.name: ix.definition for ix in snap.indexes}
    assert set(seen) == set(truth) - {"parted_1_k_v_idx"}
    assert seen == {name: truth[name] for name in seen}
    keys = {ix.name: (ix.keys, ix.include) for ix in snap.indexes}
    assert keys["Unique Two"] == (("id", '"select"'), ())
    assert keys["with_include"] == (("id",), ("amount", '"Upper"'))
    assert keys["explicit_collation"] == (('"select" COLLATE "C"',), ())


def test_plain_indexes_are_spelled_without_pg_get_indexdef(conn) -> None:  # type: ignore[no-untyped-def]
    from psycopg.rows import namedtuple_row

    from alembic_baseline.snapshot.inspect import query_text
    from alembic_baseline.snapshot.loaders import Loading
    from alembic_baseline.snapshot.loaders_tables import spell_index

    with conn.cursor(row_factory=namedtuple_row) as cur:
        cur.execute("SET search_path = ''")
        found = cur.execute("SELECT '\"Odd Schema\"'::regnamespace::oid AS o").fetchone()
        params = {"schemas": [found.o if found else 0], "skipped": [], "privileges": False}
        names = ("tables", "columns", "indexes")
        rows = {n: cur.execute(query_text(n), params).fetchall() for n in names}
        defaults = {r.oid: r.type_oid for r in cur.execute(query_text("opclasses"))}
    ld = Loading(InspectOptions())
    loaders_tables.tables(rows["tables"], ld)
    loaders_tables.columns(rows["columns"], ld)
    left = [r for r in rows["indexes"] if r.definition is None]
    spelled = {r.name for r in left if spell_index(r, ld.columns, defaults)}
    # enum, array, domain and varchar keys use an opclass of a compatible type (enum_ops,
    # array_ops, text_ops): pg_get_indexdef decides those; so it does every other shape above
    assert spelled == {
        "plain_int", "Unique Two", "keyword_col", "collated_col", "with_include", "partial",
        "nulls_nd", "hash_col", "brin_col",
    }  # fmt: skip
