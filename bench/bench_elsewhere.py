"""Issue 18's "no regression elsewhere": what its filing confirmed as good, measured again as
whole processes against the same anchors — and against the tool **as it was when the issue was
filed** (commit :data:`FILED`, built from this repository with ``git archive``), in the same
rounds, so that "no regression" is a measurement rather than a comparison with a figure taken on
another day under another load.

- **diff**: ``alembic-baseline diff URL_A URL_B --sql`` of two databases of the 2,000-table
  bench schema (the second with three changes) against ``migra --unsafe URL_A URL_B`` (a Python
  that has migra: ``--migra-python`` or ``AB_MIGRA_PYTHON``; the row is left out without one).
  The filing measured 0.44× migra.
- **new environment from the baseline**: plain ``alembic upgrade head`` of a baselined project
  (``baseline create --from-history`` of a generated history by each tree, outside the timing)
  on a new empty database, against ``alembic upgrade head`` of the original history (the full
  replay). The filing measured "4× faster than the replay".

Each round runs the anchor, this tree and the filed tree in rotating order. Rows: each tree's
ratio to the anchor (no target: the anchor's own time varies from day to day), and this tree's
time over the filed tree's, round by round, whose target is ≤ 1.10 (no regression beyond the
run-to-run spread of a shared 2-core machine). Usage::

    python bench/bench_elsewhere.py [--tool VENV/bin/alembic-baseline] [--filed VENV/bin/…]
        [--pairs 5] [--revisions 1000] [--major 18] [--migra-python /venv/bin/python]
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

from _paired import HEADER, Paired, Scratch, install, install_commit, load_text, rounds, timed
from bench_snapshot import schema_sql
from generate_history import generate

CHANGES = (
    "ALTER TABLE public.t7 ADD COLUMN extra text",
    "DROP VIEW public.v3",
    "CREATE INDEX ix_extra ON public.t11 (c2)",
)
FILED = "763e376"
"""main when issue 18 was filed (the last commit before the work on it began)."""
NO_REGRESSION = 1.10
_names = itertools.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool", type=Path)
    parser.add_argument("--filed", type=Path, help=f"the tool as of {FILED} (default: build it)")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--major", type=int, default=18)
    parser.add_argument("--migra-python", default=os.environ.get("AB_MIGRA_PYTHON"))
    args = parser.parse_args()
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ab-elsewhere-") as tmp:
        work = Path(tmp)
        tool = install(args.tool.absolute() if args.tool else None, work)
        filed = args.filed.absolute() if args.filed else install_commit(FILED, work / "filed")
        with Scratch(tool, args.major) as scratch:
            if args.migra_python:
                ours, theirs = _diff(tool, filed, scratch, Path(args.migra_python), args.pairs)
                _rows(rows, "`diff` of two databases, 2,000 tables", "migra (whole process)",
                      ours, theirs)  # fmt: skip
            else:
                print("diff vs migra: left out (no --migra-python / AB_MIGRA_PYTHON)")
            ours, theirs = _fresh(tool, filed, scratch, work, args.revisions, args.pairs)
            _rows(rows, f"new environment from the baseline, {args.revisions:,} revisions",
                  "`alembic upgrade head` of the whole history", ours, theirs)  # fmt: skip
    print("\n".join([f"PostgreSQL {args.major}; {load_text()} at the end.", "", HEADER, *rows]))


def _rows(rows: list[str], measure: str, anchor: str, ours: Paired, theirs: Paired) -> None:
    ours.headline(measure, anchor, None)
    theirs.headline(f"{measure}, the tool as filed ({FILED})", anchor, None)
    same = Paired(a=theirs.b, b=ours.b, load=ours.load)  # per round: this tree / the filed one
    same.headline(f"{measure}: this tree / as filed", f"the tool as filed ({FILED})",
                  NO_REGRESSION)  # fmt: skip
    rows.append(ours.row(f"{measure} vs {anchor}"))
    rows.append(theirs.row(f"{measure} vs {anchor}, the tool as filed ({FILED})"))
    rows.append(same.row(f"{measure}: this tree / as filed (per round)"))


def _diff(
    tool: Path, filed: Path, scratch: Scratch, python: Path, pairs: int
) -> tuple[Paired, Paired]:
    """Two databases of the bench schema (the second changed), compared by each program."""
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
    urls = [scratch.database_url(n) for n in names]
    # migra (SQLAlchemy 1.x with psycopg2) reads the same socket URL without the driver name
    migra = [str(python.parent / "migra"), "--unsafe", *(u.replace("+psycopg", "") for u in urls)]

    def diff(program: Path) -> float:
        return timed([str(program), "diff", *urls, "--sql"], ok=(1,))  # 1: they differ

    print(f"diff vs migra ({load_text()})")
    try:
        # exit 2: migra found the differences
        return rounds(lambda: timed(migra, ok=(2,)), lambda: diff(tool), lambda: diff(filed),
                      pairs)  # fmt: skip
    finally:
        for name in names:
            scratch.sql(f"DROP DATABASE {name}")


def _fresh(
    tool: Path, filed: Path, scratch: Scratch, work: Path, n: int, pairs: int
) -> tuple[Paired, Paired]:
    original = generate(work / f"h{n}", n).parent
    subprocess.run(["git", "init", "-q", str(original)], check=True)
    baselined: dict[Path, Path] = {}
    for label, program in (("ours", tool), ("filed", filed)):
        baselined[program] = work / f"h{n}-baselined-{label}"
        shutil.copytree(original, baselined[program])
        timed([str(program), "baseline", "create", "--from-history"], cwd=baselined[program],
              env=scratch.env)  # fmt: skip
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
    return rounds(lambda: upgrade(original), lambda: upgrade(baselined[tool]),
                  lambda: upgrade(baselined[filed]), pairs)  # fmt: skip


if __name__ == "__main__":
    main()
