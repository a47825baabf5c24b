"""Benchmark: the ``snapshot`` command as users run it — whole processes, paired with pg_dump.

Generates the 2,000-table schema of ``bench_snapshot.py`` (2,000 tables, 200 views, 100
functions) on a scratch server, then runs N pairs of whole processes, alternating which goes
first:

- ``.venv/bin/alembic-baseline snapshot --url … -o FILE`` (the installed command), and
- ``pg_dump --schema-only -f FILE`` of the server's major (``binaries.find_client``),

each timed from spawn to exit, with its peak RSS from ``os.wait4`` (``ru_maxrss``, KiB on
Linux). Reports the median of the per-pair time ratios (snapshot / pg_dump) with min–max, the
median times and the peak RSS of each. Bytecode is cached as after a normal install
(``_common.command_env``); the first pair is a warm-up and not counted.

With ``--schemainspect-python`` (a virtualenv's python holding ``schemainspect``, SQLAlchemy and
psycopg2, e.g. ``uv venv V && uv pip install --python V/bin/python schemainspect
psycopg2-binary 'setuptools<81'``) each round also runs a third whole process, migra's
inspector as a user's script runs it: import, connect, ``get_inspector(conn)`` once (it writes
nothing, so it is spared the output our command writes); the three go in a rotating order and
the ratio schemainspect / snapshot is reported per round as well.

With ``--before PATH`` (another installation's ``alembic-baseline``, e.g. a wheel of main)
that command's snapshot joins the rotation too, and the ratio this / before is reported per
round.

Usage::

    python bench/bench_snapshot_cli.py [--major 18] [--pairs 7] [--schemainspect-python P]
        [--before PATH] [--write]

``--write`` adds this run's row to the table of the "Snapshot (whole process)" section of
docs/benchmarks.md (or writes the section anew when it has no such table).
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

from _common import DOC, ROOT, command_env, headline, write_section
from bench_snapshot import FUNCTIONS, TABLES, VIEWS, schema_sql

from alembic_baseline.pg import binaries
from alembic_baseline.pg.connect import connect
from alembic_baseline.pg.scratch import scratch_server

SECTION = "Snapshot (whole process)"

# schemainspect as a whole process: the URL comes in the environment (never in argv)
SCHEMAINSPECT = """
import os
import sqlalchemy
from schemainspect import get_inspector
engine = sqlalchemy.create_engine(os.environ["AB_BENCH_URL"])
with engine.connect() as conn:
    get_inspector(conn)
"""


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds from spawn to exit and peak RSS (KiB) of one process; fails loudly."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{argv[0]} exited {proc.returncode}: {err.decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss


def run(
    major: int | None,
    pairs: int,
    schemainspect: str | None = None,
    before: str | None = None,
    tool: str | None = None,
) -> dict[str, object]:
    command = tool or str(Path(sys.executable).parent / "alembic-baseline")
    with scratch_server(major=major) as server, tempfile.TemporaryDirectory() as tmp:
        url = server.create_database(server.new_name("bench"))
        with connect(url) as conn:
            for batch in schema_sql():
                conn.execute(batch.encode())
            conn.execute("VACUUM ANALYZE")
        bindir = binaries.find_client(server.major).bindir
        ours_argv = [command, "snapshot", "--url", url.render("psycopg"), "-o", f"{tmp}/s.json"]
        dump_argv = [str(bindir / "pg_dump"), "--schema-only", "-f", f"{tmp}/d.sql"]
        ours_env = command_env()
        dump_env = {**os.environ, **url.libpq_env()}
        runs = {"ours": (ours_argv, ours_env), "dump": (dump_argv, dump_env)}
        if schemainspect:
            script = Path(tmp) / "schemainspect_run.py"
            script.write_text(SCHEMAINSPECT)
            si_env = command_env({"AB_BENCH_URL": url.render("psycopg2")})
            runs["si"] = ([schemainspect, str(script)], si_env)
        if before:
            runs["before"] = ([before, *ours_argv[1:-1], f"{tmp}/b.json"], ours_env)
        rows: list[tuple[float, int, float, int]] = []
        si_rows: list[tuple[float, int]] = []
        before_rows: list[tuple[float, int]] = []
        for i in range(pairs + 1):
            names = list(runs)
            names = names[i % len(names) :] + names[: i % len(names)]  # rotating order
            got = {name: measure(*runs[name]) for name in names}
            if i:  # the first round warms caches
                rows.append((*got["ours"], *got["dump"]))
                if "si" in got:
                    si_rows.append(got["si"])
                if "before" in got:
                    before_rows.append(got["before"])
        json_mib = Path(f"{tmp}/s.json").stat().st_size / 2**20
        ratios = [o / d for o, _, d, _ in rows]
        extra: dict[str, object] = {}
        if si_rows:
            si_ratios = [s / r[0] for (s, _), r in zip(si_rows, rows, strict=True)]
            extra = {
                "si_ratio_median": statistics.median(si_ratios),
                "si_ratio_min": min(si_ratios),
                "si_ratio_max": max(si_ratios),
                "schemainspect_s": statistics.median(s for s, _ in si_rows),
                "schemainspect_rss_mib": max(rss for _, rss in si_rows) / 1024,
            }
        if before_rows:
            b_ratios = [r[0] / b for (b, _), r in zip(before_rows, rows, strict=True)]
            extra |= {
                "before_ratio_median": statistics.median(b_ratios),
                "before_ratio_min": min(b_ratios),
                "before_ratio_max": max(b_ratios),
                "before_s": statistics.median(b for b, _ in before_rows),
                "before_rss_mib": max(rss for _, rss in before_rows) / 1024,
                "same_bytes": (Path(tmp) / "b.json").read_bytes()
                == (Path(tmp) / "s.json").read_bytes(),
            }
        return {
            **extra,
            "ratios": ratios,
            "si_per_pair": [r[0] / si for (si, _), r in zip(si_rows, rows, strict=True)]
            if si_rows
            else [],
            "major": server.major,
            "pg_dump_major": binaries.find_client(server.major).major,
            "pairs": pairs,
            "ratio_median": statistics.median(ratios),
            "ratio_min": min(ratios),
            "ratio_max": max(ratios),
            "snapshot_s": statistics.median(r[0] for r in rows),
            "pg_dump_s": statistics.median(r[2] for r in rows),
            "snapshot_rss_mib": max(r[1] for r in rows) / 1024,
            "pg_dump_rss_mib": max(r[3] for r in rows) / 1024,
            "json_mib": json_mib,
        }


HEADER = (
    "| tree | load (1 min, start → end) | rounds | snapshot | pg_dump | snapshot / pg_dump "
    "| snapshot peak RSS | pg_dump peak RSS | schemainspect, schemainspect / snapshot "
    "| snapshot / main's (same run) |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
)


def _load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def report(r: dict[str, object], label: str) -> str:
    """One row of :data:`HEADER`."""
    si = before = "—"
    if "si_ratio_median" in r:
        si = (
            f"{r['schemainspect_s']:.2f} s, **{r['si_ratio_median']:.2f}×** "
            f"({r['si_ratio_min']:.2f}–{r['si_ratio_max']:.2f})"
        )
    if "before_ratio_median" in r:
        before = (
            f"**{r['before_ratio_median']:.2f}×** "
            f"({r['before_ratio_min']:.2f}–{r['before_ratio_max']:.2f})"
        )
    return (
        f"| {label} | {r['load_start']:.1f} → {r['load_end']:.1f} | {r['pairs']} | "
        f"{r['snapshot_s']:.2f} s | {r['pg_dump_s']:.2f} s | **{r['ratio_median']:.2f}×** "
        f"({r['ratio_min']:.2f}–{r['ratio_max']:.2f}) | {r['snapshot_rss_mib']:.0f} MiB | "
        f"{r['pg_dump_rss_mib']:.0f} MiB | {si} | {before} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--major", type=int, default=None)
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--label", default="this tree")
    parser.add_argument("--schemainspect-python", default=None, help="see the module doc")
    parser.add_argument("--before", default=None, help="another alembic-baseline to compare")
    parser.add_argument("--tool", default=None, help="the alembic-baseline to measure "
                        "(default: the one beside this Python)")  # fmt: skip
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    load_start = _load()
    r = run(args.major, args.pairs, args.schemainspect_python, args.before, args.tool)
    what = f"`snapshot -o` of {TABLES:,} tables"
    ratios, si, rss = r["ratios"], r["si_per_pair"], r["snapshot_rss_mib"]
    assert isinstance(ratios, list) and isinstance(si, list) and isinstance(rss, float)
    headline(what, "`pg_dump --schema-only`", ratios, 1.0)
    headline(f"{what}, peak RSS", "— (process, MiB)", [rss], 100.0, unit=" MiB")
    headline(f"{what} (≥ 3× faster)", "schemainspect (whole process)", si, 1 / 3)
    r |= {"load_start": load_start, "load_end": _load()}
    print(r)
    row = report(r, args.label)
    print(row)
    print(f"snapshot / pg_dump --schema-only: {r['ratio_median']:.2f}x (target <= 1.0)")
    if "si_ratio_median" in r:
        print(f"schemainspect / snapshot: {r['si_ratio_median']:.2f}x (target >= 3)")
    if "before_ratio_median" in r:
        print(
            f"snapshot this / before: {r['before_ratio_median']:.2f}x "
            f"({r['before_ratio_min']:.2f}-{r['before_ratio_max']:.2f}); "
            f"before {r['before_s']:.2f} s, {r['before_rss_mib']:.0f} MiB; "
            f"same bytes: {r['same_bytes']}"
        )
    print(f"peak RSS: {r['snapshot_rss_mib']:.0f} MiB (target <= 100)")
    print(f"load: {Path('/proc/loadavg').read_text().strip()}")
    if args.write and not _add_row(row):
        write_section(
            SECTION,
            f"{TABLES:,} tables, {VIEWS} views, {FUNCTIONS} functions "
            f"(`bench/bench_snapshot_cli.py --pairs {args.pairs}`, run from {ROOT.name}, "
            f"PostgreSQL {r['major']}).\n\n" + HEADER + "\n" + row,
        )


def _add_row(row: str) -> bool:
    """Add ``row`` under the last row of the section's :data:`HEADER` table (False: there is
    no such table; the section is then written anew)."""
    text = DOC.read_text() if DOC.exists() else ""
    start = text.find(f"## {SECTION}\n")
    at = text.find(HEADER, start) if start >= 0 else -1
    nxt = text.find("\n## ", start + 1)
    if at < 0 or (nxt >= 0 and at > nxt):
        return False
    end = text.find("\n\n", at)
    end = len(text) if end < 0 else end
    DOC.write_text(text[:end] + "\n" + row + text[end:])
    return True


if __name__ == "__main__":
    main()
