"""Whole-process benchmark of ``report -o report.html`` on the 1,000-revision bench history.

Issue 16's budget: ``alembic-baseline report`` takes at most 2 s on the history of
bench/generate_history.py (no database given). The tool is installed from a wheel built from
this checkout (locked dependencies, bytecode cached); each run is one process. Reported: the
median (min–max) of wall and CPU time (user + system of the process and the children it waited
for, from wait4: robust when the machine is shared), with the lint cache warm (lint ran before:
the usual order in CI) and cold (cache removed before each run). Also: the time Chromium
(headless, if installed) spends in the graph layout of that page (dagre, ``data-layout-ms``).

``--against TOOL`` (another tree's installed ``alembic-baseline``, e.g. main's): also runs that
tool's ``report`` alternately with this one's (warm and cold) and reports the per-pair ratios.

Usage::

    python bench/bench_report.py [--revisions 1000] [--runs 5] [--against TOOL]
        [--tool VENV/bin/alembic-baseline] [--write]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, command_env, headline, install_wheel, write_section


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=cwd, env=command_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def layout_ms(page: Path, tmp: Path) -> str:
    browser = shutil.which("chromium")
    if browser is None:
        return "not measured (no chromium)"
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu",
         "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={tmp / 'profile'}",
         "--virtual-time-budget=60000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=600, check=True,
    ).stdout  # fmt: skip
    found = re.search(r'data-layout-ms="(\d+)"', dom)
    return f"{found.group(1)} ms" if found else "not drawn"


def summary(label: str, samples: list[tuple[float, float]]) -> str:
    wall = [s[0] for s in samples]
    cpu = [s[1] for s in samples]
    return (
        f"| {label} | {statistics.median(wall):.2f} s ({min(wall):.2f}–{max(wall):.2f}) | "
        f"{statistics.median(cpu):.2f} s ({min(cpu):.2f}–{max(cpu):.2f}) |"
    )


def ratio_summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}× ({min(values):.2f}–{max(values):.2f})"


def loadavg() -> str:
    """The 1-minute load average (``/proc/loadavg``): how busy the shared machine was."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", type=Path, help="A: this installed alembic-baseline")
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--tool",
        type=Path,
        help="B: this installed alembic-baseline (its venv's alembic for the anchor); "
        "default: this checkout built as a wheel into a new venv",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as name:
        tmp = Path(name)
        bin_ = args.tool.absolute().parent if args.tool else install_wheel(tmp)
        project = tmp / "history"
        subprocess.run(
            [sys.executable, ROOT / "bench" / "generate_history.py", project, str(args.revisions)],
            check=True, capture_output=True,
        )  # fmt: skip
        page = tmp / "report.html"
        argv = [str(bin_ / "alembic-baseline"), "report", "-o", str(page)]
        timed(argv, project)  # warm-up: bytecode and lint caches
        loads = [loadavg()]
        warm = [timed(argv, project) for _ in range(args.runs)]
        cold = []
        for _ in range(args.runs):
            shutil.rmtree(project / ".alembic-baseline", ignore_errors=True)
            cold.append(timed(argv, project))
        loads.append(loadavg())
        versus = []
        if args.against:
            other = [str(args.against), "report", "-o", str(tmp / "other.html")]
            timed(other, project)
            for label, clear in (("warm", False), ("cold", True)):
                ratios: list[tuple[float, float]] = []
                for i in range(args.runs):
                    pair = []
                    for run in (other, argv) if i % 2 == 0 else (argv, other):
                        if clear:
                            shutil.rmtree(project / ".alembic-baseline", ignore_errors=True)
                        pair.append((run is argv, timed(run, project)))
                    a = next(t for is_b, t in pair if not is_b)
                    b = next(t for is_b, t in pair if is_b)
                    ratios.append((b[0] / a[0], b[1] / a[1]))
                versus.append(f"| {label} | {ratio_summary([r[0] for r in ratios])} | "
                              f"{ratio_summary([r[1] for r in ratios])} |")  # fmt: skip
            loads.append(loadavg())
        for label, samples in (("warm", warm), ("cold", cold)):  # make bench's table
            headline(f"`report`, {args.revisions} revisions, lint cache {label}",
                     "— (seconds)", [s[0] for s in samples], 2.0, unit=" s")  # fmt: skip
        browser = layout_ms(page, tmp)
        size = page.stat().st_size
    body = "\n".join(
        [
            f"`bench/bench_report.py --revisions {args.revisions} --runs {args.runs}`: "
            f"`alembic-baseline report -o report.html` on the generated {args.revisions}-revision "
            "history (no database), whole processes from a wheel; median (min–max). Budget: 2 s. "
            f"Load average (1 min) before and after: {', '.join(loads)} (2 cores).",
            "",
            "| lint cache | wall | CPU (user + system) |",
            "|---|---|---|",
            summary("warm", warm),
            summary("cold", cold),
            "",
            f"Page: {size / 1e6:.2f} MB. Graph layout in headless Chromium (dagre): {browser}.",
        ]
        + (
            [
                "",
                f"Against `{args.against} report` (A), alternating pairs, B/A median (min–max):",
                "",
                "| lint cache | B/A wall | B/A CPU |",
                "|---|---|---|",
                *versus,
            ]
            if versus
            else []
        )
    )
    print(body)
    if args.write:
        write_section("Report", body)


if __name__ == "__main__":
    main()
