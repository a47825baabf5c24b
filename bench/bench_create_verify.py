"""Whole-process A/B of `baseline create --from-history` and `baseline verify` against their
hand-made equivalents, on generated histories of several lengths.

- **create**: `alembic-baseline baseline create --from-history` (on a fresh copy of the project
  each run, outside the timing: create archives the history) against `alembic upgrade head` on a
  new empty database followed by `pg_dump --schema-only` of it;
- **verify**: `alembic-baseline baseline verify` of that baselined project against the replay
  (`alembic upgrade head` of the original history on a new database) plus the load of the
  baseline's SQL on another new database (`psql -f`).

Every process uses one scratch server of this run (its own ALEMBIC_BASELINE_SCRATCH_DIR, started
with `scratch start`); the anchor's empty databases are created and dropped outside its timing.
Alternating pairs, the tool installed from a wheel (see _paired.py). ``--against TOOL`` (e.g.
main's installed wheel) runs in the same rounds as a third side, in rotating order, so that both
trees are measured against the same anchor runs under the same load; a row then gives the ratio
of the two trees' times round by round (steadier than either's ratio to the anchor on a busy
machine). Usage::

    python bench/bench_create_verify.py [--tool VENV/bin/alembic-baseline] [--revisions 50,300,1000]
        [--pairs 5] [--major 18] [--against OTHER/bin/alembic-baseline] [--write]
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import write_section
from _paired import HEADER, Paired, Scratch, install, load_text, paired, rounds, timed
from generate_history import generate

_names = itertools.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool", type=Path)
    parser.add_argument("--revisions", default="50,300,1000")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--major", type=int, default=18)
    parser.add_argument("--against", type=Path, help="another installed tool, same rounds")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()

    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ab-create-") as tmp:
        work = Path(tmp)
        tool = install(args.tool, work)
        with Scratch(tool, args.major) as scratch:
            for n in (int(x) for x in args.revisions.split(",")):
                create, verify, others = _measure(tool, scratch, work, n, args.pairs, args.against)
                create.headline(f"`baseline create --from-history`, {n:,} revisions",
                                "replay + `pg_dump --schema-only`", 1.3)  # fmt: skip
                verify.headline(f"`baseline verify`, {n:,} revisions",
                                "replay + `psql -f` of the baseline", 1.5)  # fmt: skip
                rows.append(create.row(f"{n:,} revisions: `baseline create --from-history` vs "
                                       "replay + `pg_dump --schema-only`"))  # fmt: skip
                rows.append(verify.row(f"{n:,} revisions: `baseline verify` vs replay + "
                                       "`psql -f` of the baseline"))  # fmt: skip
                for what, mine, other in zip(("create", "verify"), (create, verify), others,
                                             strict=bool(others)):  # fmt: skip
                    rows.append(other.row(f"{n:,} revisions: `{what}`, `--against` tool"))
                    # the two trees in the same rounds: A = the --against tool, B = this one
                    same = Paired(a=other.b, b=mine.b, load=mine.load)
                    rows.append(same.row(f"{n:,} revisions: `{what}`, this tool / `--against` "
                                         "tool (per round)"))  # fmt: skip
    text = "\n".join(
        [
            f"`python bench/bench_create_verify.py --pairs {args.pairs} --revisions "
            f"{args.revisions}` — histories from `bench/generate_history.py`, one scratch "
            f"PostgreSQL {args.major} server for every process, whole processes, the tool "
            f"installed from a wheel; {load_text()} at the end.",
            "",
            HEADER,
            *rows,
        ]
    )
    print(text)
    if args.write:
        write_section("Baseline create and verify (whole process)", text)


def _measure(
    tool: Path, scratch: Scratch, work: Path, n: int, pairs: int, against: Path | None = None
) -> tuple[Paired, Paired, tuple[Paired, ...]]:
    original = generate(work / f"h{n}", n).parent
    subprocess.run(["git", "init", "-q", str(original)], check=True)
    alembic = str(tool.parent / "alembic")
    env = scratch.env

    def fresh_copy() -> Path:
        dest = work / f"h{n}-run"
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(original, dest)
        return dest

    def create_with(program: Path) -> Callable[[], float]:
        def run() -> float:
            project = fresh_copy()
            argv = [str(program), "baseline", "create", "--from-history"]
            return timed(argv, cwd=project, env=env)

        return run

    create_ours = create_with(tool)

    def replay() -> tuple[str, float]:
        name = f"bench_{next(_names)}"
        scratch.sql(f"CREATE DATABASE {name}")
        seconds = timed([alembic, "upgrade", "head"], cwd=original,
                        env={**env, "DATABASE_URL": scratch.database_url(name)})  # fmt: skip
        return name, seconds

    def create_anchor() -> float:
        name, seconds = replay()
        seconds += timed([str(scratch.bin("pg_dump")), "--schema-only", "-f",
                          str(work / "dump.sql"), "-d", scratch.libpq(name)])  # fmt: skip
        scratch.sql(f"DROP DATABASE {name}")
        return seconds

    print(f"{n} revisions: create ({load_text()})")
    if against is None:
        create = paired(create_anchor, create_ours, pairs)
        other_create = None
    else:
        create, other_create = rounds(create_anchor, create_ours, create_with(against), pairs)

    baselined = fresh_copy()
    timed([str(tool), "baseline", "create", "--from-history"], cwd=baselined, env=env)
    sql = next((baselined / "migrations" / "baselines").glob("*.sql"))
    if against is not None:  # its own baselined copy (same history, same SQL)
        theirs = work / f"h{n}-against"
        shutil.rmtree(theirs, ignore_errors=True)
        shutil.copytree(baselined, theirs)

    def verify_anchor() -> float:
        name, seconds = replay()
        target = f"bench_{next(_names)}"
        scratch.sql(f"CREATE DATABASE {target}")
        seconds += timed([str(scratch.bin("psql")), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f",
                          str(sql), "-d", scratch.libpq(target)])  # fmt: skip
        scratch.sql(f"DROP DATABASE {name}")
        scratch.sql(f"DROP DATABASE {target}")
        return seconds

    def verify_ours() -> float:
        return timed([str(tool), "baseline", "verify"], cwd=baselined, env=env)

    def verify_theirs() -> float:
        assert against is not None
        return timed([str(against), "baseline", "verify"], cwd=theirs, env=env)

    print(f"{n} revisions: verify ({load_text()})")
    if against is None or other_create is None:
        return create, paired(verify_anchor, verify_ours, pairs), ()
    verify, other_verify = rounds(verify_anchor, verify_ours, verify_theirs, pairs)
    return create, verify, (other_create, other_verify)


if __name__ == "__main__":
    main()
