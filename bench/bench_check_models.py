"""Whole-process benchmark of ``check models`` against doing its two builds by hand.

Issue 15's budget: ``alembic-baseline check models`` on the sample project (the fixture
``tests/fixtures/projects/modeled``) takes at most 1.5× the anchor, *a full replay plus
create_all*, both as a user would run them:

- anchor A: ``alembic upgrade head`` (a process) on a new database, then
  ``python -c "…metadata.create_all(engine)"`` (a process) on another new database;
- B (cold): ``alembic-baseline check models --entities …`` with no cached head (cache directory
  and template databases removed before each run, outside the timing): it replays the history,
  runs create_all, snapshots and compares both;
- B (warm): the same with the head cached (an unchanged history in CI: the usual case).

The tool is installed from a wheel built from this checkout into a throwaway virtualenv (the
locked dependencies), so the processes start as an installed tool does. All runs use one
scratch server (``--scratch-url``); pairs alternate A/B then B/A so both see the same load.
Reports the median of the per-pair ratios B/A with their min–max.

Usage::

    python bench/bench_check_models.py [--pairs 8] [--pg-major 18] [--write]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, command_env, install_wheel, write_section

from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer, scratch_server

FIXTURE = ROOT / "tests" / "fixtures" / "projects" / "modeled"
CREATE_ALL = (
    "import os, sqlalchemy as sa; from shop.models import metadata; "
    "e = sa.create_engine(os.environ['SHOP_DATABASE_URL'], poolclass=sa.pool.NullPool); "
    "metadata.create_all(e); e.dispose()"
)


def timed(argv: list[str], cwd: Path, extra: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=command_env(extra), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{argv} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return time.perf_counter() - start


def anchor(bin_: Path, project: Path, server: ScratchServer) -> float:
    """A full replay and a create_all, each a process on a database of its own."""
    start = time.perf_counter()
    history = server.create_database(server.new_name("bench"))
    models = server.create_database(server.new_name("bench"))
    try:
        timed([str(bin_ / "alembic"), "upgrade", "head"], project,
              {"SHOP_DATABASE_URL": history.render("psycopg")})  # fmt: skip
        timed([str(bin_ / "python"), "-c", CREATE_ALL], project,
              {"SHOP_DATABASE_URL": models.render("psycopg")})  # fmt: skip
        return time.perf_counter() - start
    finally:
        server.drop_database(history.database)
        server.drop_database(models.database)


def forget_cache(project: Path, server: ScratchServer) -> None:
    shutil.rmtree(project / ".alembic-baseline", ignore_errors=True)
    with connection(server.admin_url) as admin:
        names = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'ab\\_tpl\\_%'"
        ).fetchall()
    for (name,) in names:
        server.drop_database(str(name))


def check(bin_: Path, project: Path, server: ScratchServer) -> float:
    argv = [str(bin_ / "alembic-baseline"), "--scratch-url", server.admin_url.render(),
            "check", "models", "--entities", "shop.entities:entities"]  # fmt: skip
    return timed(argv, project)


def _spread(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f}× ({min(ratios):.2f}–{max(ratios):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--pg-major", type=int, default=18)
    parser.add_argument("--write", action="store_true", help="Record in docs/benchmarks.md.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ab-bench-models-") as tmp_name:
        tmp = Path(tmp_name)
        bin_ = install_wheel(tmp, extra="models")
        project = tmp / "modeled"
        shutil.copytree(FIXTURE, project, ignore=shutil.ignore_patterns("__pycache__"))
        with scratch_server(major=args.pg_major) as server:
            anchor(bin_, project, server)  # warm-up: bytecode, page cache
            forget_cache(project, server)
            check(bin_, project, server)
            a_times, cold, warm, ratios, warm_ratios = [], [], [], [], []
            for pair in range(args.pairs):
                forget_cache(project, server)
                if pair % 2 == 0:
                    a, b = anchor(bin_, project, server), check(bin_, project, server)
                else:
                    b, a = check(bin_, project, server), anchor(bin_, project, server)
                w = check(bin_, project, server)  # the head is cached now
                a_times.append(a), cold.append(b), warm.append(w)
                ratios.append(b / a), warm_ratios.append(w / a)
    med = statistics.median
    body = f"""\
`alembic-baseline check models` on the sample project (`tests/fixtures/projects/modeled`:
3 revisions, 4 tables, an enum, a view declared as an alembic_utils entity, a function and a
trigger) against its anchor, *a full replay plus create_all* (`alembic upgrade head` and a
`python -c "metadata.create_all(engine)"`, each a process on a new database). Whole processes
of the tool installed from a wheel, one scratch server (PostgreSQL {args.pg_major}), {args.pairs}
pairs alternating A/B and B/A (`python bench/bench_check_models.py --write`).

| run | median | B/A median (min–max) |
| --- | --- | --- |
| A: replay + create_all | {med(a_times):.2f} s | 1 |
| B: check models, head not cached | {med(cold):.2f} s | {_spread(ratios)} |
| B: check models, head cached | {med(warm):.2f} s | {_spread(warm_ratios)} |

Budget (issue 15): ≤ 1.5× the anchor, head not cached.
"""
    print(body)
    if args.write:
        write_section("Check models (whole process)", body)


if __name__ == "__main__":
    main()
