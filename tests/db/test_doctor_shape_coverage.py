"""doctor's fingerprints count exactly the kinds the snapshot models (snapshot/kinds.py): two
databases whose snapshots are equal get equal signatures and shapes, even when one of them has
objects of kinds the snapshot does not model (an operator family and its comment: the
fingerprints used to count every routine and every comment; a range type, with the constructor
functions and the cast it makes for itself, which the snapshot used to list as functions of the
schema and fix SQL to create). A modelled kind is counted: an
aggregate (prokind a) changes the signature."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alembic_baseline.diff import compare
from alembic_baseline.doctor import shape as sh
from alembic_baseline.expected import VersionTable
from alembic_baseline.pg.connect import connect
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.snapshot import inspect

BASE = """
CREATE TABLE public.item (id bigint PRIMARY KEY, label text NOT NULL);
COMMENT ON TABLE public.item IS 'items';
CREATE FUNCTION public.twice(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 2 * x';
"""
UNMODELLED = """
CREATE OPERATOR FAMILY public.item_ops USING btree;
COMMENT ON OPERATOR FAMILY public.item_ops USING btree IS 'a family';
CREATE TYPE public.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
"""


@pytest.fixture
def two_dbs(pg_default: ScratchServer) -> Iterator[tuple[DatabaseURL, DatabaseURL]]:
    urls = [pg_default.create_database() for _ in range(2)]
    try:
        for url, extra in zip(urls, ("", UNMODELLED), strict=True):
            with connect(url) as conn:
                conn.execute((BASE + extra).encode())
        yield urls[0], urls[1]
    finally:
        for url in urls:
            pg_default.drop_database(url.database)


def test_equal_snapshots_have_equal_fingerprints(two_dbs: tuple[DatabaseURL, DatabaseURL]) -> None:
    a, b = two_dbs
    with connect(a) as ca, connect(b) as cb:
        snap_a, snap_b = inspect(ca), inspect(cb)
    assert not compare(snap_a, snap_b), "the snapshot models neither operator families nor ranges"
    assert snap_a.inventory != snap_b.inventory  # (the inventory still sees them, by name)
    probe_a, probe_b = sh.probe(a, VersionTable()), sh.probe(b, VersionTable())
    assert probe_a.signature == probe_b.signature
    assert probe_a.shape.objects == probe_b.shape.objects
    assert "relation public.item" in probe_a.shape.objects  # (the shape is not empty)


def test_an_aggregate_is_counted(two_dbs: tuple[DatabaseURL, DatabaseURL]) -> None:
    a, b = two_dbs
    with connect(b) as conn:
        conn.execute(b"CREATE AGGREGATE public.total(integer) (sfunc = int4pl, stype = integer)")
        conn.execute(b"COMMENT ON AGGREGATE public.total(integer) IS 'an aggregate'")
    with connect(a) as ca, connect(b) as cb:
        assert compare(inspect(ca), inspect(cb))
    probe_a, probe_b = sh.probe(a, VersionTable()), sh.probe(b, VersionTable())
    assert probe_a.signature != probe_b.signature
    assert "function public.total(pg_catalog.int4)" in probe_b.shape.objects
    assert probe_a.shape.objects != probe_b.shape.objects
