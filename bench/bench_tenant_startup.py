"""The env.py start-up helper at head: what a replica pays when there is nothing to migrate.

Two measures on examples/multitenant (schema per tenant), a tenant already at head:

1. In-process, the call itself: ``tenant.run_migrations_once()`` after ``configure()``, each
   run on a new engine and connection (as at a real start-up: first statement on a new
   dialect; the revision files, which both sides need, loaded before), against Alembic's own
   at-head path (``begin_transaction(); run_migrations()``,
   which checks the version table and reads it). Median of the per-pair ratios, min–max, and
   the statements each sends.
2. Whole process: ``alembic -c schemas.ini -x tenant=acme upgrade head`` with the sample's env.py
   against the same env.py with the plain two lines, in alternating pairs.

Usage: ``python bench/bench_tenant_startup.py [--pairs 15] [--write]`` (``--write`` updates
docs/benchmarks.md). Uses the current environment's alembic-baseline (``pip install -e .``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from argparse import Namespace
from pathlib import Path

import psycopg
from _common import ROOT, run, write_section

from alembic_baseline import compat, tenant
from alembic_baseline.pg.scratch import open_server

EXAMPLE = ROOT / "examples" / "multitenant"
HELPER = 'tenant.run_migrations_once(timeout=float(os.environ.get("MIGRATION_LOCK_TIMEOUT", "60")))'
PLAIN = "with context.begin_transaction():\n            context.run_migrations()"


REFERENCE: list[float] = []
"""One ``SELECT 1`` in a transaction on the same connection, after each helper call: the
round trip the helper's one statement cannot go below, under the same load."""


def _in_process(ini: Path, url: str, use_helper: bool) -> tuple[float, int]:
    from alembic import context
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, event, pool

    cfg = Config(str(ini), cmd_opts=Namespace(x=["tenant=acme"]))
    script = ScriptDirectory.from_config(cfg)
    statements: list[str] = []

    def steps(rev: object, _ctx: object) -> list[object]:
        return compat.upgrade_steps(script, "heads", rev)

    script.get_heads()  # the revision files: both sides need them, loaded before timing
    with EnvironmentContext(cfg, script, fn=steps, destination_rev="heads"):
        engine = create_engine(url, poolclass=pool.NullPool)
        with engine.connect() as conn:
            context.configure(connection=conn, **tenant.configure_kwargs(conn))
            event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            start = time.perf_counter()
            if use_helper:
                assert tenant.run_migrations_once() is False
            else:
                with context.begin_transaction():
                    context.run_migrations()
            elapsed = time.perf_counter() - start
            sent = len(statements)
            if use_helper:
                start = time.perf_counter()
                with conn.begin():
                    conn.exec_driver_sql("SELECT 1").all()
                REFERENCE.append(time.perf_counter() - start)
        engine.dispose()
    return elapsed, sent


def _pairs(pairs: int, a: object, b: object) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for i in range(pairs):
        first, second = (a, b) if i % 2 == 0 else (b, a)
        t1, t2 = first(), second()  # type: ignore[operator]
        x, y = (t1, t2) if i % 2 == 0 else (t2, t1)
        xs.append(x)
        ys.append(y)
    return xs, ys


def _summary(helper: list[float], anchor: list[float]) -> str:
    ratios = [h / a for h, a in zip(helper, anchor, strict=True)]
    return (
        f"{statistics.median(helper) * 1000:.1f} ms (min {min(helper) * 1000:.1f}) vs "
        f"{statistics.median(anchor) * 1000:.1f} ms (min {min(anchor) * 1000:.1f}); "
        f"ratio {statistics.median(ratios):.2f}× ({min(ratios):.2f}–{max(ratios):.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=15)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ab-bench-tenant-"))
    server = open_server()
    try:
        db = server.create_database()
        url = db.render(compat.sqlalchemy_driver("psycopg"))
        with psycopg.connect(**db.libpq_kwargs(), autocommit=True) as conn:
            conn.execute("CREATE SCHEMA acme")
        helper_project = work / "helper"
        shutil.copytree(EXAMPLE, helper_project, ignore=shutil.ignore_patterns("__pycache__"))
        plain_project = work / "plain"
        shutil.copytree(EXAMPLE, plain_project, ignore=shutil.ignore_patterns("__pycache__"))
        env_py = plain_project / "schema_per_tenant" / "env.py"
        env_py.write_text(env_py.read_text().replace(HELPER, PLAIN))
        env = {"DATABASE_URL": url}
        upgrade = ["-x", "tenant=acme", "upgrade", "head"]

        def whole(project: Path) -> float:
            start = time.perf_counter()
            run(
                [sys.executable, "-m", "alembic", "-c", str(project / "schemas.ini"), *upgrade], env
            )
            return time.perf_counter() - start

        whole(helper_project)  # migrates acme to head once

        ini = helper_project / "schemas.ini"
        counts: set[tuple[int, int]] = set()

        def helper_call() -> float:
            t, n = _in_process(ini, url, True)
            counts.add((1, n))
            return t

        def plain_call() -> float:
            t, n = _in_process(ini, url, False)
            counts.add((0, n))
            return t

        _in_process(ini, url, True)  # imports and file caches warm for both sides
        REFERENCE.clear()
        h, p = _pairs(args.pairs, helper_call, plain_call)
        in_process = _summary(h, p)

        wh, wp = _pairs(
            max(5, args.pairs // 3), lambda: whole(helper_project), lambda: whole(plain_project)
        )
        whole_process = _summary(wh, wp)
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)
    helper_n = sorted(n for side, n in counts if side == 1)
    plain_n = sorted(n for side, n in counts if side == 0)
    load = os.getloadavg()[0]
    reference = f"{statistics.median(REFERENCE) * 1000:.1f} ms (min {min(REFERENCE) * 1000:.1f})"
    body = f"""\
`python bench/bench_tenant_startup.py --pairs {args.pairs}` — the env.py start-up helper
(`alembic_baseline.tenant.run_migrations_once`) when the tenant is already at head, on
examples/multitenant (schema per tenant), PostgreSQL {server.major} on a local socket, 2 cores;
anchor: Alembic's own `begin_transaction(); run_migrations()` at head. Medians of paired,
alternating runs; ratio helper/anchor (min–max). Load average {load:.1f} during the run (other
work shared the 2 cores), so absolute times are inflated; the minimum is the least disturbed.

| measure | helper vs anchor | statements sent |
| --- | --- | --- |
| the call, in-process (new engine each run) | {in_process} | {helper_n} vs {plain_n} |
| reference: `SELECT 1` in a transaction, same connection | {reference} | 1 |
| `alembic upgrade head -x tenant=acme`, whole process | {whole_process} | — |

The whole process is dominated by interpreter and import start-up; the helper's own cost at head
is its one statement (plus the transaction around it)."""
    print(body)
    if args.write:
        write_section("Start-up helper at head (env.py)", body)


if __name__ == "__main__":
    main()
