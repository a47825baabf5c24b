"""Whole-process A/B of `status` at head against `alembic current`.

A generated history (default 300 revisions) applied to a database on a scratch server of this
run; then, in alternating pairs (see _paired.py), the tool installed from a wheel:

- **cached**: `alembic-baseline status` (the expected schema of the head already in the cache,
  so it snapshots the database and compares) against `alembic current`;
- **cold**: the same with the expected-schema cache removed before each run, so `status`
  replays the history on a scratch database of the running scratch server (`scratch start`)
  to build it.

With ``--before OTHER/bin/alembic-baseline`` a third measure runs the two versions of the tool
against each other (cached, same database, alternating pairs): a comparison that machine load
does not compress as much as the ratios to the anchor.

Usage::

    python bench/bench_status.py [--tool VENV/bin/alembic-baseline] [--revisions 300]
        [--pairs 7] [--major 18] [--before OTHER/bin/alembic-baseline] [--write]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import write_section
from _paired import HEADER, Scratch, install, load_text, paired, timed
from generate_history import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool", type=Path)
    parser.add_argument("--revisions", type=int, default=300)
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--major", type=int, default=18)
    parser.add_argument("--before", type=Path, help="another alembic-baseline to compare with")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ab-status-") as tmp:
        work = Path(tmp)
        tool = install(args.tool, work)
        project = generate(work / "proj", args.revisions).parent
        subprocess.run(["git", "init", "-q", str(project)], check=True)
        with Scratch(tool, args.major) as scratch:
            scratch.sql("CREATE DATABASE app")
            env = {**scratch.env, "DATABASE_URL": scratch.database_url("app")}
            timed([str(tool.parent / "alembic"), "upgrade", "head"], cwd=project, env=env)
            current = [str(tool.parent / "alembic"), "current"]
            status = [str(tool), "status"]
            cache = project / ".alembic-baseline" / "cache"

            def status_cold() -> float:
                for entry in cache.glob("expected-*.json"):
                    entry.unlink()
                return timed(status, cwd=project, env=env)

            print(f"status, cached ({load_text()})")
            timed(status, cwd=project, env=env)  # fills the cache
            cached = paired(lambda: timed(current, cwd=project, env=env),
                            lambda: timed(status, cwd=project, env=env), args.pairs)  # fmt: skip
            print(f"status, cold ({load_text()})")
            cold = paired(lambda: timed(current, cwd=project, env=env), status_cold, args.pairs)
            versus = None
            if args.before is not None:
                print(f"status, cached, --before vs this tool ({load_text()})")
                before = [str(args.before), "status"]
                timed(status, cwd=project, env=env)  # fills the cache again
                timed(before, cwd=project, env=env)  # and the other version's
                versus = paired(
                    lambda: timed(before, cwd=project, env=env),
                    lambda: timed(status, cwd=project, env=env),
                    args.pairs,
                )
            shutil.rmtree(cache, ignore_errors=True)
    what = f"`status` at head, {args.revisions} revisions"
    cached.headline(f"{what}, expected schema cached", "`alembic current`", 1.0)
    cold.headline(f"{what}, nothing cached", "`alembic current`", 2.0)
    text = "\n".join(
        [
            f"`python bench/bench_status.py --pairs {args.pairs} --revisions {args.revisions}` "
            f"— a database at the head of a generated {args.revisions}-revision history on a "
            f"scratch PostgreSQL {args.major}; whole processes, the tool installed from a wheel; "
            f"{load_text()} at the end. *Cold*: no expected schema cached, so `status` replays "
            "the history on the running scratch server.",
            "",
            HEADER,
            cached.row("`status` at head, expected schema cached, vs `alembic current`"),
            cold.row("`status` at head, nothing cached, vs `alembic current`"),
            *([versus.row("`status` at head, cached, vs `--before`'s `status`")] if versus else []),
        ]
    )
    print(text)
    if args.write:
        write_section("Status (whole process)", text)


if __name__ == "__main__":
    main()
