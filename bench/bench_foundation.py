"""Foundation benchmarks: CLI start-up, scratch cold start, template clone vs full replay.

Targets (issue 2): `alembic-baseline --help` ≤ 0.25 s; scratch cold start ≤ 2 s median;
template clone of the sample database ≤ 0.1 s median.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, median_time, run, write_section

from alembic_baseline import settings
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg import binaries, cluster
from alembic_baseline.pg.scratch import ScratchServer, scratch_server

BIN = Path(sys.executable).parent


def _clone_time(project: AlembicProject, server: ScratchServer) -> float:
    template = server.create_database().database
    project.upgrade(server.url(template), "heads")
    return median_time(lambda: server.create_database(template=template), 7)


def _clone_on_disk(project: AlembicProject, major: int) -> float:
    """The same clone with the cluster in the temp dir on disk instead of the default root."""
    os.environ["ALEMBIC_BASELINE_SCRATCH_DIR"] = tempfile.gettempdir()
    try:
        with scratch_server(major=major) as server:
            return _clone_time(project, server)
    finally:
        del os.environ["ALEMBIC_BASELINE_SCRATCH_DIR"]


def main() -> None:
    run([str(BIN / "alembic-baseline"), "--help"])  # warm the bytecode cache
    run([str(BIN / "alembic"), "--help"])
    ours = median_time(lambda: run([str(BIN / "alembic-baseline"), "--help"]), 7)
    theirs = median_time(lambda: run([str(BIN / "alembic"), "--help"]), 7)
    lines = [
        "| measure | median | target | ratio |",
        "| --- | --- | --- | --- |",
        f"| `alembic-baseline --help` | {ours:.3f} s | ≤ 0.25 s "
        f"| {ours / theirs:.2f}× `alembic --help` ({theirs:.3f} s) |",
    ]
    project = AlembicProject(
        settings.load(config=str(ROOT / "examples/lot_management/alembic.ini"))
    )
    ram = cluster.scratch_root()
    for major in binaries.majors():
        starts = []
        for _ in range(5):
            begin = time.perf_counter()
            with scratch_server(major=major) as server:
                starts.append(time.perf_counter() - begin)
                if len(starts) == 5:
                    build = median_time(
                        lambda: project.upgrade(server.create_database(), "heads"), 3
                    )
                    clone = _clone_time(project, server)
        on_disk = _clone_on_disk(project, major)
        cold = sorted(starts)[2]
        lines.append(f"| scratch cold start, PostgreSQL {major} | {cold:.2f} s | ≤ 2 s | — |")
        lines.append(
            f"| template clone of the sample database, PostgreSQL {major} | {clone * 1000:.0f} ms "
            f"| ≤ 100 ms | {build / clone:.1f}× faster than building it from the 50-revision "
            f"history ({build:.2f} s); {on_disk / clone:.1f}× faster than the same clone "
            f"in a cluster on disk ({on_disk * 1000:.0f} ms) |"
        )
    lines.append("")
    lines.append(f"Clusters ran in `{ram}` (the default scratch root on this machine).")
    body = "`python bench/bench_foundation.py` (medians; one run)\n\n" + "\n".join(lines)
    print(body)
    write_section("Foundation", body)


if __name__ == "__main__":
    main()
