"""What checksum validation adds to `alembic-baseline status`, whole processes, paired.

The 1,000-revision bench history is applied to a database on a scratch server and its
``alembic_baseline_applied`` table filled with one row per revision (the checksum ``apply``
would have recorded). Then ``alembic-baseline status --no-schema-check`` runs as a process of
the given installation, alternating: A with ``record_applied = false`` (no validation; the same
project copied, pyproject differing in that one setting) and B with the default (every applied
revision's file hashed and compared with its row). One warm-up run each first, so both are warm
(bytecode cached, server buffers). The schema check is off on both sides: it is the same work
either way and its replay would dominate the spread.

Usage::

    python bench/bench_team_integrity.py --tool /path/venv/bin/alembic-baseline \\
        [--revisions 1000] [--pairs 10] [--pg-major 18] [--write]

Install the tool from a wheel of this tree first (not editable), e.g.::

    .venv/bin/uv build --wheel -o /tmp/ab-wheel && python3 -m venv /tmp/ab-venv &&
    .venv/bin/uv pip install --python /tmp/ab-venv/bin/python -r requirements.lock \\
        /tmp/ab-wheel/alembic_baseline-*.whl
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import psycopg
from _common import command_env, write_section
from generate_history import generate

from alembic_baseline.history.checksums import APPLIED_TABLE, file_checksum
from alembic_baseline.pg.url import DatabaseURL


def _out(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, env=command_env(env), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return done.stdout


def _timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of the process: on a shared machine the wall
    time carries the other processes' load, the CPU time is what the command itself spent."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    _out(argv, cwd, env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _fill(db: DatabaseURL, versions: Path, project: Path) -> int:
    rows = [
        (path.name.split("_", 1)[0], file_checksum(path), path.relative_to(project).as_posix())
        for path in sorted(versions.glob("*.py"))
    ]
    with psycopg.connect(**db.libpq_kwargs(), autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE {APPLIED_TABLE} (revision text NOT NULL, checksum text NOT NULL, "
            "path text NOT NULL, applied_at timestamptz NOT NULL DEFAULT clock_timestamp(), "
            "seconds double precision, tool_version text NOT NULL, action text NOT NULL "
            "DEFAULT 'upgrade', run_id text)"
        )
        with conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {APPLIED_TABLE} (revision, checksum, path, seconds, tool_version) "
                "VALUES (%s, %s, %s, 0.01, 'bench')",
                rows,
            )
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool", required=True, type=Path)
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--pg-major", type=int, default=18)
    parser.add_argument("--write", action="store_true", help="Update docs/benchmarks.md.")
    args = parser.parse_args()
    tool = str(args.tool)
    alembic = str(args.tool.parent / "alembic")
    with tempfile.TemporaryDirectory(prefix="ab-integrity-") as tmp:
        project_b = generate(Path(tmp) / "proj_b", args.revisions).parent
        project_a = Path(tmp) / "proj_a"
        shutil.copytree(project_b, project_a)
        (project_a / "pyproject.toml").write_text(
            "[tool.alembic-baseline.deploy]\nrecord_applied = false\n"
        )
        _out([tool, "scratch", "start", "--major", str(args.pg_major)], project_b)
        try:
            text = _out([tool, "scratch", "url", "--major", str(args.pg_major)]).strip()
            admin = DatabaseURL.parse(text)
            with psycopg.connect(**admin.libpq_kwargs(), autocommit=True) as conn:
                conn.execute("DROP DATABASE IF EXISTS ab_bench_integrity")
                conn.execute("CREATE DATABASE ab_bench_integrity")
            db = admin.with_database("ab_bench_integrity")
            url = db.render("psycopg")
            _out([alembic, "upgrade", "head"], project_b, {"DATABASE_URL": url})
            rows = _fill(db, project_b / "migrations" / "versions", project_b)
            argv = [tool, "status", "--no-schema-check", "--url", url]
            check = _out(argv, project_b)
            assert f"{rows} applied revision(s) match their files" in check, check
            _timed(argv, project_a, {})  # warm-up, both
            _timed(argv, project_b, {})
            times_a, times_b, diffs, cpu_a, cpu_b, cpu_diffs = [], [], [], [], [], []
            for i in range(args.pairs):
                if i % 2 == 0:
                    a, b = _timed(argv, project_a, {}), _timed(argv, project_b, {})
                else:
                    b, a = _timed(argv, project_b, {}), _timed(argv, project_a, {})
                times_a.append(a[0])
                times_b.append(b[0])
                diffs.append(b[0] - a[0])
                cpu_a.append(a[1])
                cpu_b.append(b[1])
                cpu_diffs.append(b[1] - a[1])
            load = os.getloadavg()[0]
        finally:
            _out([tool, "scratch", "stop"])
    med_a, med_b = statistics.median(times_a), statistics.median(times_b)

    def ms(values: list[float]) -> str:
        return (
            f"{statistics.median(values) * 1000:+.0f} ms | "
            f"{min(values) * 1000:+.0f} – {max(values) * 1000:+.0f} ms"
        )

    text = (
        f"`python bench/bench_team_integrity.py --tool …/bin/alembic-baseline --revisions "
        f"{args.revisions} --pairs {args.pairs}`: `alembic-baseline status --no-schema-check` on a "
        f"database at the head of the {args.revisions}-revision bench history, its "
        f"`{APPLIED_TABLE}` holding {rows} rows; whole processes of one installation (a wheel "
        "of this tree, not editable), alternating A/B and B/A after one warm-up each, "
        f"PostgreSQL {args.pg_major}. A: `record_applied = false` (no validation); B: the "
        "default (every applied revision's file hashed and compared with its row).\n\n"
        "| | wall, median | CPU, median | B − A wall, median of pairs | min–max | "
        "B − A CPU, median of pairs | min–max | budget |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- |\n"
        f"| A: no validation | {med_a:.3f} s | {statistics.median(cpu_a):.3f} s "
        "| — | — | — | — | — |\n"
        f"| B: checksum validation | {med_b:.3f} s | {statistics.median(cpu_b):.3f} s "
        f"| {ms(diffs)} | {ms(cpu_diffs)} | ≤ +50 ms |\n\n"
        f"Load average at the end of the run: {load:.1f} on {os.cpu_count()} cores. CPU time is "
        "the process's own user + system time (its children's included): on a shared machine "
        "the wall time also carries everyone else's load.\n"
    )
    print(text)
    if args.write:
        write_section("History integrity", text)


if __name__ == "__main__":
    main()
