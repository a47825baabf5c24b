"""Shared by the benchmark scripts: timing and writing a section of docs/benchmarks.md."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"


def median_time(fn: Callable[[], object], runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run(argv: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
    subprocess.run(list(argv), check=True, capture_output=True, env=env, cwd=cwd)


def write_section(title: str, body: str) -> None:
    """Replace (or append) the ``## title`` section of docs/benchmarks.md."""
    text = (
        DOC.read_text()
        if DOC.exists()
        else "# Benchmarks\n\nFigures are ratios from one run on the project's 2-core machine.\n"
    )
    header = f"## {title}\n"
    section = header + "\n" + body.strip() + "\n"
    if header in text:
        start = text.index(header)
        nxt = text.find("\n## ", start + len(header))
        end = len(text) if nxt == -1 else nxt + 1
        text = text[:start] + section + ("\n" + text[end:] if nxt != -1 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    DOC.write_text(text)
