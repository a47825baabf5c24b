"""What the inventory and the create self-check cost, on the generated 1,000-revision history.

Budget (issue 11): the self-check (loading the baseline SQL on a scratch database and comparing
snapshot + inventory) plus the inventory's share of `baseline verify` ≤ 10% of `baseline
verify`. "Before" is `baseline verify` run by the source tree of ``--before`` (default: the
commit before the inventory), extracted with ``git archive``; both run in a child process
against one scratch server, medians of ``--runs``. Usage::

    python bench/bench_inventory.py [--major 16] [--before REV] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, write_section
from generate_history import generate

from alembic_baseline import settings
from alembic_baseline.baseline.create import CreateOptions, create
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import scratch_server
from alembic_baseline.snapshot.inspect import query_text

BASE = "ac2b685"  # the commit before the inventory


def _verify_child(ini: str, scratch_url: str, runs: int) -> None:
    """Print the median wall time of ``verify`` (run by whatever tree is on sys.path)."""
    import alembic_baseline
    from alembic_baseline.baseline.verify import verify

    samples = []
    for _ in range(runs):
        project = AlembicProject(settings.load(config=ini))
        start = time.perf_counter()
        result = verify(project, scratch_url=scratch_url)
        samples.append(time.perf_counter() - start)
        assert result.equal, result
    print(json.dumps({"median": statistics.median(samples), "tree": alembic_baseline.__file__}))


def _verify_time(ini: Path, scratch_url: str, runs: int, src: Path | None) -> float:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import bench_inventory as b; "
        "b._verify_child(sys.argv[2], sys.argv[3], int(sys.argv[4]))"
    )
    argv = [sys.executable, "-c", code, str(Path(__file__).parent), str(ini), scratch_url]
    out = subprocess.run([*argv, str(runs)], env=env, capture_output=True, text=True, check=True)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    expected = str(src) if src is not None else str(ROOT / "src")
    assert str(data["tree"]).startswith(expected), data
    return float(data["median"])


def _before_tree(rev: str, dest: Path) -> Path:
    archive = dest / "src.tar"
    with archive.open("wb") as fh:
        subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], stdout=fh, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    return dest / "src"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--major", type=int, default=16)
    parser.add_argument("--before", default=BASE)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, scratch_server(major=args.major) as server:
        ini = generate(Path(tmp) / "gen1000", 1000)
        project = AlembicProject(settings.load(config=str(ini)))
        result = create(project, CreateOptions(from_history=True), server=server)
        check = result.seconds["self_check"]
        scratch = server.admin_url.render()
        before = _verify_time(ini, scratch, args.runs, _before_tree(args.before, Path(tmp)))
        after = _verify_time(ini, scratch, args.runs, None)
        db = server.create_database()
        project.upgrade(db, "heads")
        with connection(db) as conn:
            params = {"schemas": [r[0] for r in conn.execute(
                "SELECT oid FROM pg_namespace WHERE nspname = 'public'")],  # fmt: skip
                "skipped": [], "privileges": False, "globals": True}
            conn.execute("SET search_path = ''")
            samples = []
            for _ in range(args.runs):
                start = time.perf_counter()
                rows = conn.execute(query_text("inventory"), params).fetchall()
                samples.append(time.perf_counter() - start)
        query = statistics.median(samples)
    added = after - before
    body = (
        f"`python bench/bench_inventory.py --major {args.major}` — the generated 1,000-revision "
        f"history on PostgreSQL {args.major}, `baseline verify` medians of {args.runs} (child "
        "processes, one scratch server), one run.\n\n"
        "| measure | wall time | ratio to `baseline verify` | target |\n"
        "| --- | --- | --- | --- |\n"
        f"| `baseline verify` before the inventory ({args.before}) | {before:.2f} s | 1× | — |\n"
        f"| `baseline verify` with the inventory | {after:.2f} s | {after / before:.2f}× | — |\n"
        f"| inventory query alone ({len(rows)} objects, one database) | {query * 1000:.0f} ms "
        f"| {query / before:.3f} | — |\n"
        f"| `baseline create` self-check (load the SQL on scratch, snapshot + inventory, "
        f"compare) | {check:.2f} s | {check / before:.3f} | — |\n"
        f"| self-check + the inventory's share of verify ({added:+.2f} s) | "
        f"{check + added:.2f} s | {(check + added) / before:.3f} | ≤ 0.10 |\n"
    )
    print(body)
    write_section("Inventory and the create self-check", body)


if __name__ == "__main__":
    main()
