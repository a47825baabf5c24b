"""Baseline benchmarks on a generated 1,000-revision history and on the sample project.

Targets (issue 4):
- fresh database via plain `alembic upgrade head` from the baseline ≤ 1.3× (psql -f of the same
  SQL + Alembic start-up); the speed-up over the full replay is reported;
- `baseline verify` ≤ 1.5× (full-history replay + baseline load);
- `baseline create --from-history` ≤ 1.3× (full replay + one pg_dump).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, median_time, run, write_section
from generate_history import generate

from alembic_baseline import settings
from alembic_baseline.baseline.create import CreateOptions, create
from alembic_baseline.baseline.verify import verify
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg import binaries, tools
from alembic_baseline.pg.scratch import ScratchServer, scratch_server

ALEMBIC = str(Path(sys.executable).parent / "alembic")


def measure(name: str, ini: Path, server: ScratchServer) -> list[str]:
    project = AlembicProject(settings.load(config=str(ini)))
    bindir = binaries.find_client(server.major, "psql").bindir

    def env_for(db: str) -> dict[str, str]:
        return {"DATABASE_URL": server.url(db).render("psycopg")}

    def plain_upgrade() -> None:
        db = server.create_database()
        run([ALEMBIC, "-c", str(ini), "upgrade", "head"], env=env_for(db.database))

    replay_cli = median_time(plain_upgrade, 3)
    # A replay as one command does it: a new project object loads the revision files again.
    replay = median_time(
        lambda: AlembicProject(project.settings).upgrade(server.create_database(), "heads"), 3
    )
    source = server.create_database()
    project.upgrade(source, "heads")
    dump = median_time(
        lambda: tools.pg_dump(binaries.find_client(server.major).bindir, source, ["--schema-only"]),
        3,
    )
    made = median_time(lambda: _create_copy(ini, server), 3)
    result = _create_copy(ini, server, keep=True)
    sql_file = result[1]
    psql = median_time(lambda: tools.psql_file(bindir, server.create_database(), sql_file), 3)
    start = median_time(
        lambda: run([ALEMBIC, "-c", str(result[0]), "current"],
                    env=env_for(server.create_database().database)), 3)  # fmt: skip
    baselined = AlembicProject(settings.load(config=str(result[0])))

    def fresh() -> None:
        db = server.create_database()
        run([ALEMBIC, "-c", str(result[0]), "upgrade", "head"], env=env_for(db.database))

    fresh_cli = median_time(fresh, 3)
    load = median_time(
        lambda: AlembicProject(baselined.settings).upgrade(server.create_database(), "heads"), 3
    )
    verified = median_time(lambda: verify(AlembicProject(baselined.settings), server=server), 3)
    shutil.rmtree(result[0].parent.parent)  # the temporary folder holding the copy
    return [
        f"| {name}: fresh database, `alembic upgrade head` from the baseline | {fresh_cli:.2f} s "
        f"| {fresh_cli / (psql + start):.2f}× (psql -f {psql:.2f} s + Alembic start-up "
        f"{start:.2f} s) | ≤ 1.3× |",
        f"| {name}: speed-up of a fresh database over the full replay (`alembic upgrade head`, "
        f"{replay_cli:.2f} s) | — | {replay_cli / fresh_cli:.1f}× faster | — |",
        f"| {name}: `baseline verify` | {verified:.2f} s | {verified / (replay + load):.2f}× "
        f"(replay {replay:.2f} s + baseline load {load:.2f} s) | ≤ 1.5× |",
        f"| {name}: `baseline create --from-history` | {made:.2f} s "
        f"| {made / (replay + dump):.2f}× "
        f"(replay {replay:.2f} s + pg_dump {dump:.2f} s) | ≤ 1.3× |",
    ]


def _create_copy(ini: Path, server: ScratchServer, keep: bool = False) -> tuple[Path, Path]:
    tmp = Path(tempfile.mkdtemp(prefix="ab-bench-"))
    target = tmp / "proj"
    shutil.copytree(ini.parent, target, ignore=shutil.ignore_patterns("__pycache__"))
    project = AlembicProject(settings.load(config=str(target / "alembic.ini")))
    result = create(project, CreateOptions(from_history=True), server=server)
    if not keep:
        shutil.rmtree(tmp)
    return target / "alembic.ini", result.sql_path


def main() -> None:
    rows = ["| measure | wall time (median) | ratio | target |", "| --- | --- | --- | --- |"]
    with tempfile.TemporaryDirectory() as tmp, scratch_server(major=16) as server:
        generated = generate(Path(tmp) / "gen1000", 1000)
        rows += measure("1,000 generated revisions", generated, server)
        rows += measure(
            "sample project (50 revisions)", ROOT / "examples/lot_management/alembic.ini", server
        )
    body = (
        "`python bench/bench_baseline.py` on PostgreSQL 16 (medians of 3; one run)\n\n"
        + "\n".join(rows)
    )
    print(body)
    write_section("Baseline", body)


if __name__ == "__main__":
    main()
