"""Whole-process A/B of `baseline verify` between two installed versions of the tool.

Measures what a user runs: the `alembic-baseline` command of each installation, started as a
process, on the same baselined project and the same scratch server, in alternating pairs (A then
B, B then A, ...), so both see the same machine load. Reports the median of the per-pair ratios
B/A and their min–max. Used for issue 11's budget: the replay sandbox and the inventory check
may add at most 10% to `baseline verify` on the 1,000-revision bench history.

Usage::

    python bench/bench_verify_ab.py --before /path/venv-a/bin/alembic-baseline \\
        --after /path/venv-b/bin/alembic-baseline [--revisions 1000] [--pairs 6]

The project is baselined once by the *after* installation (``--from-history --no-seed-data``
when the after version knows that flag); the before version verifies a copy whose manifest lacks
the keys it does not know, so both verify the same SQL and revision files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import command_env
from generate_history import generate


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=command_env(env), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, type=Path)
    parser.add_argument("--after", required=True, type=Path)
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--pg-major", type=int, default=16)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ab-verify-") as tmp:
        ini = generate(Path(tmp) / "proj", args.revisions)
        project = ini.parent
        subprocess.run(["git", "init", "-q", str(project)], check=True)
        # One scratch server for every run (a user's `scratch start`), so each verify pays its
        # replays and loads, not an initdb.
        scratch = subprocess.run(
            [str(args.after), "scratch", "start", "--major", str(args.pg_major)],
            capture_output=True,
            text=True,
            env=command_env(),
            cwd=project,
        )
        if scratch.returncode != 0:
            raise SystemExit(scratch.stdout + scratch.stderr)
        url = subprocess.run(
            [str(args.after), "scratch", "url", "--major", str(args.pg_major)],
            capture_output=True,
            text=True,
            env=command_env(),
            check=True,
        ).stdout.strip()
        # Both versions use that server (a --scratch-url), whatever each would find by itself.
        env = {"ALEMBIC_BASELINE_PG_MAJOR": str(args.pg_major), "ALEMBIC_BASELINE_SCRATCH_URL": url}
        try:
            helptext = subprocess.run(
                [str(args.after), "baseline", "create", "--help"],
                capture_output=True,
                text=True,
                env=command_env(),
            ).stdout
            create = [str(args.after), "baseline", "create", "--from-history"]
            if "--no-seed-data" in helptext:
                create.append("--no-seed-data")
            _run(create, project, env)
            # The same files for the before version, its manifest without the keys it does not
            # know yet (seed_data/seed_rows: the seed rows are off, so nothing else differs).
            project_a = project.parent / "proj_a"
            shutil.copytree(project, project_a)
            for manifest in (project_a / "migrations" / "baselines").glob("*.json"):
                data = json.loads(manifest.read_text())
                for key in ("seed_data", "seed_rows"):
                    data.pop(key, None)
                manifest.write_text(json.dumps(data, indent=2))
            verify_a = [str(args.before), "baseline", "verify"]
            verify_b = [str(args.after), "baseline", "verify"]
            _run(verify_a, project_a, env)  # warm both (bytecode caches, server buffers)
            _run(verify_b, project, env)
            ratios, times_a, times_b = [], [], []
            for i in range(args.pairs):
                if i % 2 == 0:
                    a = _run(verify_a, project_a, env)
                    b = _run(verify_b, project, env)
                else:
                    b = _run(verify_b, project, env)
                    a = _run(verify_a, project_a, env)
                times_a.append(a)
                times_b.append(b)
                ratios.append(b / a)
        finally:
            subprocess.run(
                [str(args.after), "scratch", "stop"], capture_output=True, env=command_env()
            )
            shutil.rmtree(project, ignore_errors=True)
    print(
        f"baseline verify, {args.revisions} revisions, PostgreSQL {args.pg_major}, "
        f"{args.pairs} alternating pairs (whole processes)\n"
        f"before: median {statistics.median(times_a):.2f} s; "
        f"after: median {statistics.median(times_b):.2f} s\n"
        f"after/before: median {statistics.median(ratios):.3f}× "
        f"(min {min(ratios):.3f}, max {max(ratios):.3f})"
    )


if __name__ == "__main__":
    main()
