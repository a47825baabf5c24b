"""Shared by the benchmark scripts: timing and writing a section of docs/benchmarks.md."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
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


# Commands run as after a normal install: with compiled bytecode cached. (This machine sets
# PYTHONDONTWRITEBYTECODE=1, which makes every Python command recompile its imports.)
PYCACHE = Path(tempfile.gettempdir()) / "alembic-baseline-bench-pycache"


def command_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env.update(extra or {})
    return env


def run(argv: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
    """Run a command (bytecode cached, see :data:`PYCACHE`); fail loudly when it fails."""
    subprocess.run(list(argv), check=True, capture_output=True, env=command_env(env), cwd=cwd)


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


def install_wheel(tmp: Path, *, extra: str = "", also: Sequence[str] = ()) -> Path:
    """A fresh virtualenv holding the tool as a user installs it: a wheel built from this
    checkout (``[extra]`` when given), the locked dependencies, and ``also``; its bin directory."""
    import sys

    uv = ROOT / ".venv" / "bin" / "uv"
    dist = tmp / "dist"
    subprocess.run([uv, "build", "-q", "--wheel", "-o", dist], cwd=ROOT, check=True)
    venv = tmp / "venv"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, venv], check=True)
    wheel = next(dist.glob("*.whl"))
    target = f"{wheel}[{extra}]" if extra else str(wheel)
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", venv / "bin" / "python",
         "-r", ROOT / "requirements.lock", target, *also],
        check=True,
    )  # fmt: skip
    return venv / "bin"


HEADLINE_ENV = "AB_HEADLINE_FILE"
"""Set by ``bench/headline.py`` (``make bench``): each script appends its headline figures to
that file (one JSON object per line), and the runner prints them as one table."""


def headline(
    measure: str,
    anchor: str,
    ratios: Sequence[float],
    target: float | None,
    *,
    unit: str = "×",
    extra: str = "",
) -> None:
    """Record one whole-process figure (B/A per pair, ``target`` the issue's ceiling) for the
    table ``make bench`` prints; nothing when the script was run on its own."""
    import json

    path = os.environ.get(HEADLINE_ENV)
    if not path or not ratios:
        return
    row = {
        "measure": measure,
        "anchor": anchor,
        "ratios": [round(r, 4) for r in ratios],
        "target": target,
        "unit": unit,
        "extra": extra,
        "load": round(os.getloadavg()[0], 2),
    }
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
