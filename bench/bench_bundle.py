"""Whole-process benchmark of ``bundle FROM:TO`` against ``alembic upgrade FROM:TO --sql``.

Issue 16's budget: ``alembic-baseline bundle`` takes at most 1.2× ``alembic upgrade FROM:TO
--sql`` of the same range on the 1,000-revision bench history (bench/generate_history.py).
Both are processes started as an installed tool is (the tool from a wheel built from this
checkout, in a throwaway virtualenv with the locked dependencies; bytecode cached). Pairs
alternate A/B then B/A so both see the same load; reported: the median of the per-pair ratios
B/A with their min–max, for each variant of B:

- ``core``: ``bundle --no-lint --no-rollback`` (the per-revision files, guards, apply.sql,
  README, checksums: what the anchor's SQL becomes);
- ``full, warm``: the default bundle with the lint cache warm (lint ran before: CI's usual order);
- ``full, cold``: the default bundle with the lint cache removed before each run.

With ``--against``, the two versions' default bundles are also compared byte for byte first
(the run stops when they differ).

FRESH: each run writes a new directory, and none is deleted before the end. On this machine's
ext4 (mounted without a journal) a new file skips every inode of its block group deleted in the
last minute or more (``recently_deleted`` in ext4's inode allocator, ~0.1-0.9 ms per file
created then): removing the previous run's 2,000 files just before each run (as this script
did before 2026-12-03) made each bundle pay for the benchmark's own deletions.

``--against TOOL`` (another tree's installed ``alembic-baseline``, e.g. main's): A is that
tool's ``bundle`` with the same arguments instead of the anchor, an A/B between two versions.

Usage::

    python bench/bench_bundle.py [--revisions 1000] [--pairs 5] [--against TOOL] [--reuse-out]
        [--tool VENV/bin/alembic-baseline] [--write]
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, command_env, headline, install_wheel, write_section

FROM = "000000000000"


def timed(argv: list[str], cwd: Path, stdout: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one process; CPU: user + system of the process and the
    children it waited for (lint's workers), from wait4: robust when the machine is shared."""
    start = time.perf_counter()
    with stdout.open("w") as out, (stdout.parent / "stderr.txt").open("w") as err:
        proc = subprocess.Popen(argv, cwd=cwd, env=command_env(), stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} failed: {(stdout.parent / 'stderr.txt').read_text()}")
    return elapsed, usage.ru_utime + usage.ru_stime


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def loadavg() -> str:
    """The 1-minute load average (``/proc/loadavg``): how busy the shared machine was."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--against", type=Path, help="A: this installed alembic-baseline")
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--tool",
        type=Path,
        help="B: this installed alembic-baseline (its venv's alembic for the anchor); "
        "default: this checkout built as a wheel into a new venv",
    )
    parser.add_argument(
        "--reuse-out",
        action="store_true",
        help="every run writes the same directory, removed just before (see FRESH)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as name:
        tmp = Path(name)
        bin_ = args.tool.absolute().parent if args.tool else install_wheel(tmp)
        project = tmp / "history"
        subprocess.run(
            [sys.executable, ROOT / "bench" / "generate_history.py", project, str(args.revisions)],
            check=True, capture_output=True,
        )  # fmt: skip
        sql_out = tmp / "anchor.sql"
        latest = [tmp / "out-0"]

        def anchor() -> tuple[float, float]:
            return timed([str(bin_ / "alembic"), "upgrade", f"{FROM}:head", "--sql"], project,
                         sql_out)  # fmt: skip

        runs = itertools.count()

        def bundle(
            *extra: str, cold: bool = False, tool: Path | None = None
        ) -> tuple[float, float]:
            # a new directory per run, the earlier ones kept until the end: see FRESH
            out = tmp / ("out" if args.reuse_out else f"out-{next(runs)}")
            shutil.rmtree(out, ignore_errors=True)  # --reuse-out: the previous run's
            latest[0] = out
            if cold:
                shutil.rmtree(project / ".alembic-baseline", ignore_errors=True)
            argv = [
                str(tool or bin_ / "alembic-baseline"),
                "bundle",
                f"{FROM}:head",
                "-o",
                str(out),
            ]
            return timed([*argv, *extra], project, tmp / "bundle.out")

        shapes: dict[str, tuple[tuple[str, ...], bool]] = {
            "core (--no-lint --no-rollback)": (("--no-lint", "--no-rollback"), False),
            "with rollback (--no-lint)": (("--no-lint",), False),
            "full, lint cache warm": ((), False),
            "full, lint cache cold": ((), True),
        }
        variants = {
            label: (
                (lambda e=extra, c=cold: bundle(*e, cold=c, tool=args.against))
                if args.against
                else anchor,
                lambda e=extra, c=cold: bundle(*e, cold=c),
            )
            for label, (extra, cold) in shapes.items()
        }
        anchor()
        same = ""
        if args.against:
            bundle(tool=args.against)
            first = latest[0]
            if args.reuse_out:  # the next run removes it
                first = tmp / "out-a"
                shutil.copytree(latest[0], first)
        bundle()  # warm-up: bytecode cache, lint cache
        if args.against:  # both versions must write the same bundle, byte for byte
            a, b = tree(first), tree(latest[0])
            if a != b:
                raise SystemExit(
                    f"the bundles differ: {sorted(set(a.items()) ^ set(b.items()))[:5]}"
                )
            same = f" Both write the same bundle, byte for byte ({len(b)} files compared)."
        loads = [loadavg()]
        rows = []
        for label, (run_a, run_b) in variants.items():
            wall: list[float] = []
            cpu: list[float] = []
            a_cpu: list[float] = []
            b_cpu: list[float] = []
            for i in range(args.pairs):
                if i % 2 == 0:
                    a, b = run_a(), run_b()
                else:
                    b, a = run_b(), run_a()
                wall.append(b[0] / a[0])
                cpu.append(b[1] / a[1])
                a_cpu.append(a[1])
                b_cpu.append(b[1])
                print(f"{label}: pair {i + 1}: A {a[0]:.2f} s ({a[1]:.2f} CPU), "
                      f"B {b[0]:.2f} s ({b[1]:.2f} CPU)", flush=True)  # fmt: skip
            rows.append(
                f"| {label} | {statistics.median(a_cpu):.2f} s | {statistics.median(b_cpu):.2f} s"
                f" | {statistics.median(cpu):.2f}× ({min(cpu):.2f}–{max(cpu):.2f}) | "
                f"{statistics.median(wall):.2f}× ({min(wall):.2f}–{max(wall):.2f}) |"
            )
            loads.append(loadavg())
            if not args.against:  # make bench's table: the budget is the default bundle
                headline(f"`bundle`, {args.revisions} revisions, {label}",
                         "`alembic upgrade --sql`", wall,
                         1.2 if label == "full, lint cache warm" else None)  # fmt: skip
    body = "\n".join(
        [
            f"`bench/bench_bundle.py --revisions {args.revisions} --pairs {args.pairs}`: "
            f"`alembic-baseline bundle {FROM}:head -o DIR` (B) against "
            + (
                f"`{args.against} bundle` with the same arguments"
                if args.against
                else f"`alembic upgrade {FROM}:head --sql`"
            )
            + f" (A) on the generated {args.revisions}-revision history, "
            + (
                "every run writing the same directory, removed just before it (--reuse-out)"
                if args.reuse_out
                else "every run writing a new directory"
            )
            + ", whole "
            "processes from a wheel, pairs alternating; median ratio (min–max) of CPU time "
            "(user + system, from wait4) and of wall time. Budget: 1.2×. Load average (1 min) "
            f"at the start and after each variant: {', '.join(loads)} (2 cores).{same}",
            "",
            "| B | A CPU (median) | B CPU (median) | B/A CPU | B/A wall |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )
    print(body)
    if args.write:
        write_section("Bundle", body)


if __name__ == "__main__":
    main()
