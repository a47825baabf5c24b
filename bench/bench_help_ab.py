"""Whole-process A/B of ``--help`` between two installed versions of the tool.

Issue 13's budget: ``--help`` within 5% after the help text moved to the operations' docstrings
(read from their source files when help is shown, never imported). Each pair runs A then B (then
B then A, alternating) so both see the same machine load; reported: the median of the per-pair
ratios B/A and their min–max, per command line.

With ``--anchor ALEMBIC`` the same pairs also run ``alembic --help`` (A) against ``--after``'s
``alembic-baseline --help`` (B): issue 18's budget is ≤ 0.5× (no regression of ``--help``).
Commands run as after a normal install, with their bytecode cached (see _common.command_env).

Usage::

    python bench/bench_help_ab.py --before /path/venv-a/bin/alembic-baseline \\
        --after /path/venv-b/bin/alembic-baseline [--anchor /path/venv-b/bin/alembic] [--pairs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import command_env, headline

LINES = (("--help",), ("status", "--help"), ("lint", "--help"), ("check", "pre-patch", "--help"))


def _time(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True, env=command_env())
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="another alembic-baseline (the lines below, A/B)")
    parser.add_argument("--after", required=True)
    parser.add_argument("--anchor", help="an `alembic` to compare `--help` with")
    parser.add_argument("--pairs", type=int, default=30)
    args = parser.parse_args()
    pairs = [([args.before, *line], [args.after, *line]) for line in LINES] if args.before else []
    if args.anchor:
        pairs.append(([args.anchor, "--help"], [args.after, "--help"]))
    for a, b in pairs:
        _time(a), _time(b)  # warm the bytecode caches
        ratios, before, after = [], [], []
        for i in range(args.pairs):
            first, second = (a, b) if i % 2 == 0 else (b, a)
            t1, t2 = _time(first), _time(second)
            ta, tb = (t1, t2) if i % 2 == 0 else (t2, t1)
            before.append(ta)
            after.append(tb)
            ratios.append(tb / ta)
        print(
            f"| `{Path(a[0]).name} {' '.join(a[1:])}` → `{' '.join(b[1:])}` "
            f"| {statistics.median(before):.3f} s "
            f"| {statistics.median(after):.3f} s | {statistics.median(ratios):.3f}× "
            f"({min(ratios):.2f}–{max(ratios):.2f}) | {os.getloadavg()[0]:.1f} |"
        )
        if a[0] == args.anchor:  # make bench's table (no target: "no regression")
            headline("`alembic-baseline --help`", "`alembic --help`", ratios, None)


if __name__ == "__main__":
    main()
