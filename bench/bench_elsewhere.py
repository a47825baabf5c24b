"""Issue 18's "no regression elsewhere": the figures its filing confirmed, measured again as
whole processes, paired and alternating against the same anchors, the tool installed from a
wheel (see _paired.py).

- **diff**: ``alembic-baseline diff URL_A URL_B --sql`` of two databases of the 2,000-table
  bench schema (the second with three changes) against ``migra --unsafe URL_A URL_B`` (migra's
  own comparison of the same two databases; a Python that has migra is given with
  ``--migra-python``, or ``AB_MIGRA_PYTHON``; the row is left out without one). Filing: 0.44×.
- **new environment from the baseline**: plain ``alembic upgrade head`` of a baselined project
  (``baseline create --from-history`` of a generated history, made once outside the timing) on a
  new empty database, against ``alembic upgrade head`` of the original history on another
  (the full replay). Filing: "4× faster than the replay" (0.25×).

Each row's target is the filing's figure plus 10% (run-to-run spread on a shared 2-core
machine): a regression beyond that is reported as not met. Usage::

    python bench/bench_elsewhere.py [--tool VENV/bin/alembic-baseline] [--pairs 5]
        [--revisions 1000] [--major 18] [--migra-python /venv/bin/python]
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _paired import HEADER, Paired, Scratch, install, load_text, paired, timed
from bench_snapshot import schema_sql
from generate_history import generate

CHANGES = (
    "ALTER TABLE public.t7 ADD COLUMN extra text",
    "DROP VIEW public.v3",
    "CREATE INDEX ix_extra ON public.t11 (c2)",
)
FILED_DIFF = 0.44  # diff vs migra, as the issue confirmed it
FILED_FRESH = 0.25  # new environment from the baseline: 4× faster than the replay
MARGIN = 1.10
_names = itertools.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool", type=Path)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--major", type=int, default=18)
    parser.add_argument("--migra-python", default=os.environ.get("AB_MIGRA_PYTHON"))
    args = parser.parse_args()
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ab-elsewhere-") as tmp:
        work = Path(tmp)
        tool = install(args.tool.absolute() if args.tool else None, work)
        with Scratch(tool, args.major) as scratch:
            if args.migra_python:
                result = _diff(tool, scratch, Path(args.migra_python), args.pairs)
                result.headline("`diff` of two databases, 2,000 tables", "migra (whole process)",
                                round(FILED_DIFF * MARGIN, 3))  # fmt: skip
                rows.append(result.row("`diff URL_A URL_B --sql` vs `migra --unsafe`"))
            else:
                print("diff vs migra: left out (no --migra-python / AB_MIGRA_PYTHON)")
            result = _fresh(tool, scratch, work, args.revisions, args.pairs)
            result.headline(f"new environment from the baseline, {args.revisions:,} revisions",
                            "`alembic upgrade head` of the whole history",
                            round(FILED_FRESH * MARGIN, 3))  # fmt: skip
            rows.append(result.row(f"{args.revisions:,} revisions: `alembic upgrade head` from "
                                   "the baseline vs the full replay"))  # fmt: skip
    print("\n".join([f"PostgreSQL {args.major}; {load_text()} at the end.", "", HEADER, *rows]))


def _diff(tool: Path, scratch: Scratch, python: Path, pairs: int) -> Paired:
    """Two databases of the bench schema (the second changed), compared by both programs."""
    names = [f"bench_diff_{next(_names)}" for _ in range(2)]
    for n, name in enumerate(names):
        scratch.sql(f"CREATE DATABASE {name}")
        script = "".join(s + ";\n" for s in schema_sql()) + "".join(
            c + ";\n" for c in (CHANGES if n else ())
        )
        subprocess.run(
            [str(scratch.bin("psql")), "-X", "-q", "-v", "ON_ERROR_STOP=1",
             "-d", scratch.libpq(name)],
            input=script.encode(), check=True, capture_output=True,
        )  # fmt: skip
    ours = [str(tool), "diff", scratch.database_url(names[0]), scratch.database_url(names[1]),
            "--sql"]  # fmt: skip
    # migra (SQLAlchemy 1.x with psycopg2) reads the same socket URL without the driver name
    theirs = [str(python.parent / "migra"), "--unsafe",
              *(scratch.database_url(n).replace("+psycopg", "") for n in names)]  # fmt: skip
    print(f"diff vs migra ({load_text()})")
    try:
        # exit 1 (ours) and 2 (migra) mean "they differ": the changes must be found
        return paired(lambda: timed(theirs, ok=(2,)), lambda: timed(ours, ok=(1,)), pairs)
    finally:
        for name in names:
            scratch.sql(f"DROP DATABASE {name}")


def _fresh(tool: Path, scratch: Scratch, work: Path, n: int, pairs: int) -> Paired:
    original = generate(work / f"h{n}", n).parent
    subprocess.run(["git", "init", "-q", str(original)], check=True)
    baselined = work / f"h{n}-baselined"
    shutil.copytree(original, baselined)
    timed([str(tool), "baseline", "create", "--from-history"], cwd=baselined, env=scratch.env)
    alembic = str(tool.parent / "alembic")

    def upgrade(project: Path) -> float:
        name = f"bench_fresh_{next(_names)}"
        scratch.sql(f"CREATE DATABASE {name}")
        try:
            env = {**scratch.env, "DATABASE_URL": scratch.database_url(name)}
            return timed([alembic, "upgrade", "head"], cwd=project, env=env)
        finally:
            scratch.sql(f"DROP DATABASE {name}")

    print(f"{n} revisions: new environment ({load_text()})")
    return paired(lambda: upgrade(original), lambda: upgrade(baselined), pairs)


if __name__ == "__main__":
    main()
