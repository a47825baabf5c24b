"""Whole-process A/B of `snapshot` and `diff` between two installed versions of the tool.

Generates the 2,000-table schema of ``bench_snapshot.py`` twice on one scratch server (the second
copy with a few changes), then runs, in alternating pairs (A then B, B then A, ...), each
installation's:

- ``snapshot --url DB -o FILE`` (catalog read, objects built, JSON written), and
- ``diff FILE_1 FILE_2 --sql`` of that installation's own two snapshot files (JSON read,
  compare, fix SQL),

each timed from spawn to exit (wall) and by its CPU time (user + system, ``wait4``: the process
itself, not the server; less sensitive to other load on a shared machine). Reports, per command,
the median of the per-pair ratios after/before with min–max. Used for issue 13's budget (object
kinds as descriptors, new kinds): no more than 5% slower.

Usage::

    python bench/bench_snapshot_ab.py --before /venv-a/bin/alembic-baseline \\
        --after /venv-b/bin/alembic-baseline [--major 18] [--pairs 8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import command_env
from bench_snapshot import schema_sql

from alembic_baseline.pg.connect import connect
from alembic_baseline.pg.scratch import scratch_server

CHANGES = (
    "ALTER TABLE public.t7 ADD COLUMN extra text",
    "DROP VIEW public.v3",
    "CREATE INDEX ix_extra ON public.t11 (c2)",
)


def _run(argv: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, from wait4) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=command_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise SystemExit(f"{' '.join(argv)} failed ({code}):\n{err.decode()[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def _pairs(
    a: list[str], b: list[str], pairs: int, ok: tuple[int, ...]
) -> tuple[list[float], list[float]]:
    """Per-pair ratios B/A of wall time and of CPU time."""
    _run(a, ok), _run(b, ok)  # warm-up: bytecode caches, server buffers
    wall, cpu = [], []
    for i in range(pairs):
        if i % 2 == 0:
            ta, tb = _run(a, ok), _run(b, ok)
        else:
            tb, ta = _run(b, ok), _run(a, ok)
        wall.append(tb[0] / ta[0])
        cpu.append(tb[1] / ta[1])
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--major", type=int, default=None)
    parser.add_argument("--pairs", type=int, default=8)
    args = parser.parse_args()
    with scratch_server(major=args.major) as server, tempfile.TemporaryDirectory() as tmp:
        urls = [server.create_database(server.new_name("bench")) for _ in range(2)]
        for n, url in enumerate(urls):
            with connect(url) as conn:
                for batch in schema_sql():
                    conn.execute(batch.encode())
                for change in CHANGES if n else ():
                    conn.execute(change.encode())
        files = {(side, n): str(Path(tmp) / f"{side}{n}.json") for side in "ab" for n in range(2)}
        commands = {"a": args.before, "b": args.after}
        out = []
        for label in ("snapshot", "diff"):
            if label == "snapshot":
                argv = {
                    s: [commands[s], "snapshot", "--url", str(urls[0]), "-o", files[s, 0]]
                    for s in "ab"
                }
                wall, cpu = _pairs(argv["a"], argv["b"], args.pairs, (0,))
                for s in "ab":  # the second database, for diff
                    _run([commands[s], "snapshot", "--url", str(urls[1]), "-o", files[s, 1]])
            else:
                argv = {s: [commands[s], "diff", files[s, 0], files[s, 1], "--sql"] for s in "ab"}
                wall, cpu = _pairs(argv["a"], argv["b"], args.pairs, (1,))
            for what, ratios in (("wall", wall), ("cpu", cpu)):
                out.append(
                    f"{label} {what}: after/before median {statistics.median(ratios):.3f}× "
                    f"(min {min(ratios):.3f}, max {max(ratios):.3f}), {args.pairs} pairs"
                )
        print(f"PostgreSQL {server.major}, 2,000 tables, whole processes\n" + "\n".join(out))
        for url in urls:
            server.drop_database(url.database)


if __name__ == "__main__":
    main()
