"""Deploy benchmarks on the sample project (examples/lot_management, 50 revisions).

Targets (issue 5):
- ``status`` with a warm cache ≤ 1 s;
- ``plan`` for 10 pending revisions ≤ 2 s (without ``--rehearse``);
- the backup (space check + ``pg_dump -Fc`` + ``pg_restore --list`` + SHA-256) ≤ 1.1× a plain
  ``pg_dump -Fc`` of the same database.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import median_time, run, write_section

from alembic_baseline import settings
from alembic_baseline.commands import deploy
from alembic_baseline.examples import copy_sample
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.pg import binaries, tools
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer, scratch_server
from alembic_baseline.runbook import backup

BACKUP_ROWS = 300_000


def ten_pending(history: History) -> str:
    """A live revision with exactly 10 revisions pending after it."""
    for rev in history.live:
        if len(history.pending([rev])) == 10:
            return rev
    raise SystemExit("no revision with 10 pending revisions")


def cli_time(ini: Path, server: ScratchServer, *args: str) -> float:
    """A fresh process as an installed tool runs: with compiled bytecode (pip writes it; this
    machine sets PYTHONDONTWRITEBYTECODE, so it is cached under a private prefix, warmed once)."""
    argv = [
        sys.executable,
        "-m",
        "alembic_baseline",
        "-c",
        str(ini),
        "--scratch-url",
        server.admin_url.render("psycopg"),
        *args,
    ]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(ini.parent.parent / "pycache")
    run(argv, env=env)
    return median_time(lambda: run(argv, env=env), 3)


def measure_status_and_plan(ini: Path, server: ScratchServer) -> list[str]:
    s = settings.load(config=str(ini))
    project = AlembicProject(s)
    prod = server.create_database("bench_prod")
    project.upgrade(prod, "heads")
    url = prod.render("psycopg")
    deploy.status(s, url=url, server=server)  # cold: replays the history once, fills the cache
    status_s = median_time(lambda: deploy.status(s, url=url, server=server), 5)
    status_cli = cli_time(ini, server, "status", "--url", url)
    behind = server.create_database("bench_behind")
    start = ten_pending(History(project))
    project.upgrade(behind, start)
    burl = behind.render("psycopg")
    out = ini.parent / "migration_plan.sql"
    deploy.plan(s, url=burl, out=out, server=server)  # cold: expected schema + lint cache
    plan_s = median_time(lambda: deploy.plan(s, url=burl, out=out, server=server), 5)
    plan_cli = cli_time(ini, server, "plan", "--url", burl, "--out", str(out))
    return [
        f"| `status`, warm cache (in-process) | {status_s:.3f} s | ≤ 1 s | "
        f"{status_s / 1.0:.2f}× the target |",
        f"| `alembic-baseline status`, warm cache, fresh process | {status_cli:.3f} s | ≤ 1 s | "
        f"{status_cli / 1.0:.2f}× the target |",
        f"| `plan`, 10 pending revisions from {start} (in-process) | {plan_s:.3f} s | ≤ 2 s | "
        f"{plan_s / 2.0:.2f}× the target |",
        f"| `alembic-baseline plan`, 10 pending, fresh process | {plan_cli:.3f} s | ≤ 2 s | "
        f"{plan_cli / 2.0:.2f}× the target |",
    ]


def measure_backup(server: ScratchServer, workdir: Path) -> list[str]:
    db = server.create_database("bench_backup")
    with connection(db) as conn:
        conn.execute(
            "CREATE TABLE movements AS SELECT g AS id, md5(g::text) AS note, now() AS at "
            "FROM generate_series(1, %s) g",
            (BACKUP_ROWS,),
        )
    bindir = binaries.find_client(server.major).bindir
    plain_file = workdir / "plain.dump"

    def plain() -> None:
        tools.pg_dump(bindir, db, ["--format=custom", "--no-password"], out=plain_file)

    def guarded() -> None:
        space = backup.space_for(workdir, backup.estimate_bytes(db), 64 * 1024 * 1024)
        backup.require_space(space)
        backup.take(db, workdir, "guarded.dump", server.major)

    # Alternated, so that a busy neighbour on the machine slows both alike.
    plain_s: list[float] = []
    guarded_s: list[float] = []
    for _ in range(7):
        plain_s.append(median_time(plain, 1))
        guarded_s.append(median_time(guarded, 1))
    plain_m, guarded_m = statistics.median(plain_s), statistics.median(guarded_s)
    size = (workdir / "guarded.dump").stat().st_size
    return [
        f"| backup of a {size / 1e6:.1f} MB archive ({BACKUP_ROWS:,} rows): space check + "
        f"pg_dump -Fc + pg_restore --list + SHA-256 | {guarded_m:.3f} s | ≤ 1.1× | "
        f"{guarded_m / plain_m:.2f}× plain `pg_dump -Fc` ({plain_m:.3f} s) |",
    ]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ab-bench-deploy-") as tmp, scratch_server() as server:
        ini = copy_sample(Path(tmp)) / "alembic.ini"
        rows = measure_status_and_plan(ini, server) + measure_backup(server, Path(tmp))
        major = server.major
    body = (
        f"`python bench/bench_deploy.py` on the sample project, PostgreSQL {major} "
        "(medians of 5, CLI medians of 3, backup medians of 7; one run)\n\n"
        "| measure | wall time | target | ratio |\n| --- | --- | --- | --- |\n" + "\n".join(rows)
    )
    print(body)
    write_section("Deploy", body)


if __name__ == "__main__":
    main()
