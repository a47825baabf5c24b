"""Benchmark: catalog snapshot and compare on a 2,000-table schema.

Generates 2,000 tables (10 columns, a primary key, 2 indexes and 1 foreign key each), 200 views
and 100 functions on a scratch server, then times, on the same database:

- ``alembic_baseline.snapshot.inspect`` (best of 5) against ``pg_dump --schema-only`` (best
  of 5), SQLAlchemy ``MetaData.reflect()`` and migra's schemainspect (run from a separate
  virtualenv given with ``--schemainspect-python``, timed inside that process);
- ``compare()`` of two such snapshots (one of them with a few changes) and ``to_statements()``;
- peak Python memory (tracemalloc) of one snapshot.

Usage::

    python bench/bench_snapshot.py [--major 18] [--schemainspect-python /tmp/bench-venv/bin/python]

Prints the figures and the ratios the issue sets as targets.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from alembic_baseline.diff import compare
from alembic_baseline.pg import binaries, tools
from alembic_baseline.pg.connect import connect
from alembic_baseline.pg.scratch import scratch_server
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.snapshot import Snapshot, inspect

TABLES, VIEWS, FUNCTIONS = 2000, 200, 100
SCHEMAINSPECT = """
import sys, time
import sqlalchemy
from schemainspect import get_inspector
engine = sqlalchemy.create_engine(sys.argv[1])
with engine.connect() as conn:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        get_inspector(conn)
        times.append(time.perf_counter() - start)
    print(min(times))
"""


def schema_sql() -> list[str]:
    """The generated schema as batches of statements (one transaction per batch)."""
    batches = []
    for start in range(0, TABLES, 100):
        stmts = []
        for i in range(start, start + 100):
            cols = ", ".join(f"c{j} {'integer' if j % 2 else 'text'}" for j in range(1, 9))
            ref = f", parent_id integer REFERENCES t{i - 1} (id)" if i else ", parent_id integer"
            stmts.append(f"CREATE TABLE t{i} (id integer PRIMARY KEY, {cols}{ref})")
            stmts.append(f"CREATE INDEX t{i}_c1 ON t{i} (c1)")
            stmts.append(f"CREATE INDEX t{i}_c2_c3 ON t{i} (c2, c3) WHERE c3 IS NOT NULL")
        batches.append(";\n".join(stmts))
    views = [
        f"CREATE VIEW v{i} AS SELECT a.id, a.c1, b.c2 FROM t{i} a JOIN t{i + 1} b "
        f"ON b.parent_id = a.id WHERE a.c3 > 0"
        for i in range(VIEWS)
    ]
    functions = [
        f"CREATE FUNCTION f{i}(x integer) RETURNS integer LANGUAGE plpgsql STABLE AS "
        f"$$ BEGIN RETURN x + {i}; END $$"
        for i in range(FUNCTIONS)
    ]
    return [*batches, ";\n".join(views), ";\n".join(functions)]


def median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)  # the least disturbed run: the machine is shared


def time_reflect(url: DatabaseURL) -> float:
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(url.render("psycopg"))
    try:
        with engine.connect() as conn:
            return median_time(lambda: MetaData().reflect(conn, views=True), 3)
    finally:
        engine.dispose()


def time_schemainspect(python: str, url: DatabaseURL) -> float | None:
    script = Path("/tmp/ab_bench_schemainspect.py")
    script.write_text(SCHEMAINSPECT)
    proc = tools.run([python, script, url.render("psycopg2")], what="schemainspect", timeout=900)
    return float(proc.stdout.decode().strip().splitlines()[-1])


def changed_copy(snap: Snapshot) -> Snapshot:
    """The same schema with a handful of differences, as a drift check would see."""
    columns = list(snap.columns)
    columns[5] = replace(columns[5], type="bigint")
    views = list(snap.views)
    views[0] = replace(views[0], definition=views[0].definition + " -- changed")
    return snap.with_objects(columns=columns, views=views, tables=snap.tables[1:])


def run(major: int | None, schemainspect_python: str | None) -> dict[str, float | None]:
    with scratch_server(major=major) as server:
        url = server.create_database(server.new_name("bench"))
        with connect(url) as conn:
            for batch in schema_sql():
                conn.execute(batch.encode())
            conn.execute("VACUUM ANALYZE")
            inspect(conn)  # warm the catalog caches as pg_dump's runs will be
            ours = median_time(lambda: inspect(conn), 5)
            tracemalloc.start()
            snap = inspect(conn)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        bindir = binaries.find_client(server.major).bindir
        dump_args = ["--schema-only", "--no-owner", "--no-privileges"]
        pg_dump = median_time(
            lambda: tools.pg_dump(bindir, url, dump_args, out=Path("/dev/null")), 5
        )
        reflect = time_reflect(url)
        inspector = time_schemainspect(schemainspect_python, url) if schemainspect_python else None
        other = changed_copy(snap)
        cmp = median_time(lambda: compare(snap, other), 5)
        diff = compare(snap, other)
        ddl = median_time(lambda: diff.to_statements(), 3)
        return {
            "major": float(server.major),
            "objects": float(sum(1 for _ in snap.objects())),
            "snapshot_s": ours,
            "pg_dump_s": pg_dump,
            "reflect_s": reflect,
            "schemainspect_s": inspector,
            "compare_s": cmp,
            "to_statements_s": ddl,
            "peak_mb": peak,
            "json_mb": len(snap.to_json()) / 2**20,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--major", type=int, default=None)
    parser.add_argument("--schemainspect-python", default=None)
    args = parser.parse_args()
    r = run(args.major, args.schemainspect_python)
    print(json.dumps(r, indent=2))
    ours = r["snapshot_s"] or 1.0
    print(f"snapshot / pg_dump --schema-only: {ours / (r['pg_dump_s'] or 1):.2f}x (target <= 1.0)")
    print(f"MetaData.reflect() / snapshot:    {(r['reflect_s'] or 0) / ours:.1f}x (target >= 5)")
    if r["schemainspect_s"] is not None:
        print(f"schemainspect / snapshot:         {r['schemainspect_s'] / ours:.1f}x (target >= 5)")
    print(f"compare: {r['compare_s']:.3f} s (target <= 0.5); peak memory {r['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
