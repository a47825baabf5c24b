"""doctor's identification on a generated 300-revision history (issue 7's targets).

Targets: identifying the revision of a live database — first run (cold fingerprint cache)
≤ 1.5× the history's replay time; with the cache ≤ 2 s.

Measured on one scratch server, in-process unless said otherwise (medians):
- replay: `upgrade heads` of the whole history into an empty database (a new project object, so
  the revision files are loaded as a fresh command would);
- identify, cold: empty cache; load the history, read production (signature, shape, snapshot),
  replay with a fingerprint after every revision, confirm the candidate — the whole operation;
- identify, warm: the same with the cache filled (no scratch database at all);
- `alembic-baseline doctor --identify` as a fresh process with the cache filled;
- the alternatives not chosen: a full catalog snapshot after every revision, and `upgrade +1`
  per revision.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import command_env, write_section
from generate_history import generate

from alembic_baseline import settings
from alembic_baseline.doctor.identify import Identifier
from alembic_baseline.doctor.live import live_state
from alembic_baseline.doctor.replay import upgrade_with_hook
from alembic_baseline.expected import VersionTable
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import Scratch, ScratchServer, scratch_server
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.snapshot import InspectOptions, inspect

N = 300
MAJOR = int(os.environ.get("AB_BENCH_MAJOR", "16"))
CLI = str(Path(sys.executable).parent / "alembic-baseline")


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(fn: Callable[[], object], runs: int) -> float:
    return statistics.median(timed(fn) for _ in range(runs))


def identify(ini: Path, server: ScratchServer, prod: DatabaseURL, cache: Path) -> None:
    project = AlembicProject(settings.load(config=str(ini)))
    history = History(project)
    identifier = Identifier(
        project, history, Scratch(server.major, None, server), VersionTable(), cache
    )
    identifier.prepare()  # as doctor does: the replay's database is created meanwhile
    result = identifier.identify(live_state(prod, VersionTable(), ()))
    assert result.exact, "the benchmark's production must be identified exactly"


def alternatives(ini: Path, server: ScratchServer) -> tuple[float, float]:
    """Seconds for: a full snapshot after every revision; `upgrade +1` per revision."""
    project = AlembicProject(settings.load(config=str(ini)))

    def snapshot_each(ctx: object, step: object) -> None:
        raw = ctx.connection.connection.driver_connection  # type: ignore[attr-defined]
        with raw.transaction(force_rollback=True):
            inspect(raw, InspectOptions())

    every = timed(lambda: upgrade_with_hook(project, server.create_database(), snapshot_each))
    db = server.create_database()
    fresh = AlembicProject(project.settings)
    plus_one = timed(lambda: [fresh.upgrade(db, "+1") for _ in range(N)])
    return every, plus_one


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ab-bench-doctor-") as tmp:
        ini = generate(Path(tmp) / "h300", N)
        cache = Path(tmp) / "cache"
        with scratch_server(major=MAJOR) as server:
            project = AlembicProject(settings.load(config=str(ini)))
            prod = server.create_database()
            project.upgrade(prod, "heads")
            with connection(prod) as conn:  # production records a wrong revision
                conn.execute("UPDATE alembic_version SET version_num = '000000000064'")

            def replay() -> None:
                AlembicProject(project.settings).upgrade(server.create_database(), "heads")

            def cold() -> None:
                shutil.rmtree(cache, ignore_errors=True)
                identify(ini, server, prod, cache)

            replay()  # warm the server's caches and the interpreter's imports alike
            rounds = [(timed(replay), timed(cold)) for _ in range(5)]
            replay_s = statistics.median(r for r, _ in rounds)
            cold_s = statistics.median(c for _, c in rounds)
            ratio = statistics.median(c / r for r, c in rounds)
            warm_s = median(lambda: identify(ini, server, prod, cache), 5)
            argv = [CLI, "-c", str(ini), "--scratch-url", server.admin_url.render(),
                    "--json", "doctor", "--identify", "--url", prod.render()]  # fmt: skip
            subprocess.run(argv, capture_output=True, env=command_env())  # fills the cache
            cli_s = median(lambda: subprocess.run(argv, capture_output=True, env=command_env()), 3)
            every, plus_one = alternatives(ini, server)
    rows = [
        ("replay of the history (`upgrade heads`, in-process)", replay_s, "1×", "—"),
        (
            "identify, cold cache (replay + fingerprints + production read + confirmation)",
            cold_s,
            f"{ratio:.2f}× the replay",
            "≤ 1.5×",
        ),
        (
            "identify, warm cache (in-process, no scratch database)",
            warm_s,
            f"{warm_s / replay_s:.2f}×",
            "≤ 2 s",
        ),
        ("`alembic-baseline doctor --identify`, warm cache, fresh process", cli_s, "—", "≤ 2 s"),
        (
            "not chosen: a full catalog snapshot after every revision",
            every,
            f"{every / replay_s:.1f}×",
            "—",
        ),
        ("not chosen: `upgrade +1` per revision", plus_one, f"{plus_one / replay_s:.1f}×", "—"),
    ]
    table = "\n".join(f"| {m} | {t:.2f} s | {r} | {g} |" for m, t, r, g in rows)
    body = (
        f"`python bench/bench_doctor.py` — a generated {N}-revision history on PostgreSQL "
        f"{MAJOR}; production at the head with a wrong revision recorded; one run, medians of 5 "
        "(3 for the fresh process).\n\n"
        "| measure | wall time | ratio | target |\n| --- | --- | --- | --- |\n"
        f"{table}\n\n"
        "The cold ratio is the median of five paired runs (a replay, then a cold identification) "
        "on the same server; both include loading the revision files and creating the database."
    )
    write_section("Doctor", body)
    print(body)


if __name__ == "__main__":
    main()
