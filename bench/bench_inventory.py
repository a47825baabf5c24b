"""What the inventory and the create self-check cost, on the generated 1,000-revision history.

Budget (issue 11): the create self-check (load the baseline SQL on a scratch database, snapshot
+ inventory, compare) plus the inventory's share of `baseline verify` ≤ 10% of `baseline
verify`. A before/after of whole `verify` runs drowns in the noise of a shared 2-core machine
(±30% between runs), so the parts are measured where they happen, alternating:

- the inventory's share of one snapshot: ``inspect()`` with and without the inventory query,
  alternated on the same replayed database, medians;
- verify reads one snapshot per database it builds (two here: history and baseline at the old
  head), so its share is twice that, plus the inventory comparison;
- the self-check: :func:`selfcheck.check` on the baseline SQL that ``create`` wrote.

Usage::

    python bench/bench_inventory.py [--major 16] [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import median_time, write_section
from generate_history import generate

from alembic_baseline import settings
from alembic_baseline.baseline import selfcheck
from alembic_baseline.baseline.create import CreateOptions, create
from alembic_baseline.baseline.verify import verify
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import scratch_server
from alembic_baseline.snapshot import InspectOptions, inspect
from alembic_baseline.snapshot.inventory import check

VT = ("alembic_version", None)
# the module (the package's ``inspect`` attribute is the function)
inspect_module = sys.modules["alembic_baseline.snapshot.inspect"]


def _without_inventory() -> Callable[[], None]:
    """Take the inventory query out of ``inspect`` (as before it existed); returns the undo."""
    order, share = inspect_module._ORDER, inspect_module._HELPER_SHARE
    inspect_module._ORDER = tuple(n for n in order if n != "inventory")
    inspect_module._HELPER_SHARE = frozenset(share - {"inventory"})

    def undo() -> None:
        inspect_module._ORDER, inspect_module._HELPER_SHARE = order, share

    return undo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--major", type=int, default=16)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, scratch_server(major=args.major) as server:
        ini = generate(Path(tmp) / "gen1000", 1000)
        project = AlembicProject(settings.load(config=str(ini)))
        history = server.create_database()
        project.upgrade(history, "heads")
        result = create(project, CreateOptions(from_history=True), server=server)
        options = InspectOptions(version_table=VT[0])
        with connection(history) as conn:
            expected = inspect(conn, options)
            with_inv, without = [], []
            for _ in range(args.runs * 3):
                start = time.perf_counter()
                inspect(conn, options)
                with_inv.append(time.perf_counter() - start)
                undo = _without_inventory()
                try:
                    start = time.perf_counter()
                    inspect(conn, options)
                    without.append(time.perf_counter() - start)
                finally:
                    undo()
        share = statistics.median(with_inv) - statistics.median(without)
        assert expected.inventory is not None
        compared = median_time(lambda: check(expected.inventory, expected.inventory), args.runs)
        sql = result.sql_path.read_text()
        self_check = median_time(
            lambda: selfcheck.check(sql, expected, server.major, VT, server=server), args.runs
        )
        baselined = AlembicProject(settings.load(config=str(ini)))
        verified = median_time(lambda: verify(baselined, server=server), args.runs)
    in_verify = 2 * share + compared
    total = self_check + in_verify
    objects = len(expected.inventory.entries)
    body = (
        f"`python bench/bench_inventory.py --major {args.major}` — the generated 1,000-revision "
        f"history ({objects} inventory objects) on PostgreSQL {args.major}, one scratch server, "
        f"medians of {args.runs} ({args.runs * 3} alternating pairs for the snapshot), one run.\n\n"
        "| measure | wall time | share of `baseline verify` | target |\n"
        "| --- | --- | --- | --- |\n"
        f"| `baseline verify` (history + baseline built, compared) | {verified:.2f} s | 1 | — |\n"
        f"| one snapshot without / with the inventory | {statistics.median(without) * 1000:.0f} / "
        f"{statistics.median(with_inv) * 1000:.0f} ms | — | — |\n"
        f"| the inventory in `verify` (2 snapshots: {share * 1000:+.0f} ms each; comparison "
        f"{compared * 1000:.1f} ms) | {in_verify * 1000:.0f} ms "
        f"| {in_verify / verified:.3f} | — |\n"
        f"| `baseline create` self-check (load the SQL on scratch, snapshot + inventory, compare) "
        f"| {self_check:.2f} s | {self_check / verified:.3f} | — |\n"
        f"| self-check + inventory together | {total:.2f} s | {total / verified:.3f} | ≤ 0.10 |\n"
    )
    print(body)
    write_section("Inventory and the create self-check", body)


if __name__ == "__main__":
    main()
