"""What the sandbox costs a replay: ``upgrade heads`` of a generated history on scratch, in-process,
confined (connection checks, version-table proof afterwards) and with the confinement switched
off, alternating so that both see the same machine load. Usage::

    python bench/bench_sandbox.py [N_REVISIONS] [RUNS]
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_history import generate

from alembic_baseline import settings
from alembic_baseline.history import sandbox
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.scratch import scratch_server


def main(n: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, scratch_server() as server:
        ini = generate(Path(tmp) / "history", n)
        project = AlembicProject(settings.load(config=str(ini)))
        project.upgrade(server.create_database(), "heads", scratch=True)  # warm: revision files
        confine, guard = sandbox.confine, sandbox.guard_environment
        samples: dict[str, list[float]] = {"confined": [], "unconfined": []}
        for _ in range(runs):
            for mode in samples:
                url = server.create_database()
                if mode == "unconfined":
                    sandbox.confine = lambda box: contextlib.nullcontext(box)  # type: ignore[assignment,misc,return-value]
                    sandbox.guard_environment = lambda env: env  # type: ignore[assignment]
                start = time.perf_counter()
                project.upgrade(url, "heads", scratch=mode == "confined")
                samples[mode].append(time.perf_counter() - start)
                sandbox.confine, sandbox.guard_environment = confine, guard
                server.drop_database(url.database)
        on, off = (statistics.median(samples[m]) for m in ("confined", "unconfined"))
        print(f"{n} revisions, PostgreSQL {server.major}, median of {runs}: confined {on:.3f} s, "
              f"unconfined {off:.3f} s, ratio {on / off:.3f}")  # fmt: skip


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 320, int(sys.argv[2]) if len(sys.argv) > 2 else 5
    )
