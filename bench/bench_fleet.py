"""Fleet benchmarks: `fleet status` / `fleet apply` against a shell loop of `alembic upgrade head`.

Whole processes of the tool installed from a wheel into a temporary venv (with the `alembic`
command of that venv for the anchor), on one scratch server:

- 200 databases of the sample project (examples/lot_management) all at head: `fleet apply` vs the
  loop (target ≥ 30×), and `fleet status` (target < 2 s);
- the same 200 databases two revisions behind: `fleet apply --workers 4` vs the loop (≥ 5×);
- 1,000 tenant schemas of one database (the fleet_app test project, which follows the schema-
  per-tenant env.py contract) one revision behind: `fleet apply --workers 4` vs the loop of
  `alembic -x tenant=NAME upgrade head` (time and ratio reported);
- the cost of the tenant checks: 100 tenant schemas one revision behind, `fleet apply` with the
  per-tenant backup and schema verification (the default), with verification only
  (`--no-backup`), against neither (`--no-backup --no-schema-check`) as the anchor — paired,
  alternating whole processes (``--check-tenants N``, ``--check-pairs N``; 0 skips it).

``--status-only`` times `fleet status` only (over the databases and over the tenant schemas).

The databases and schemas are reset between runs by template clones (databases) or by a
downgrade of the tenants' pending revision — outside the timed part. The anchor and the tool run
alternately (loop, fleet, loop, fleet …); reported: medians and the median of per-pair ratios.

Usage: ``python bench/bench_fleet.py [--databases 200] [--tenants 1000] [--pairs 2]
[--check-tenants 100] [--check-pairs 3] [--status-only] [--write]``
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, command_env, install_wheel, write_section
from psycopg import sql

from alembic_baseline.examples import copy_sample
from alembic_baseline.pg import binaries
from alembic_baseline.pg import cluster as clusters
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import LocalCluster, ScratchServer
from alembic_baseline.pg.url import DatabaseURL

F2 = "f2b0000000002"
TENANT_PROJECT = ROOT / "tests" / "fixtures" / "projects" / "fleet_app"


def timed(
    argv: list[str], cwd: Path, env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)
) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=command_env(env), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(
            f"{' '.join(argv[:6])} … failed ({done.returncode}):\n"
            f"{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return elapsed


def loop(bin_dir: Path, project: Path, urls: list[str], x: list[list[str]] | None = None) -> float:
    """The anchor: `for t in targets; do DATABASE_URL=… alembic [-x tenant=t] upgrade head; done`
    (one shell running the loop, as users write it)."""
    lines = []
    for i, url in enumerate(urls):
        xs = " ".join(f"-x {a}" for a in (x[i] if x else []))
        lines.append(
            f"DATABASE_URL='{url}' FLEET_APP_URL='{url}' "
            f"{bin_dir}/alembic {xs} upgrade head || exit 1"
        )
    script = project / "loop.sh"
    script.write_text("set -e\n" + "\n".join(lines) + "\n")
    return timed(["sh", str(script)], project)


def reset_databases(server: ScratchServer, names: list[str], template: str) -> None:
    for n in names:
        server.drop_database(n)
        server.create_database(n, template=template, keep=True)


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds: the private server is stopped (finally)


def main() -> None:
    signal.signal(signal.SIGTERM, _stop)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", type=int, default=200)
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--status-only", action="store_true", help="only `fleet status`")
    parser.add_argument("--loop-tenants", type=int, default=0, help="loop over only N tenants")
    parser.add_argument("--check-tenants", type=int, default=100, help="tenant checks: N schemas")
    parser.add_argument("--check-pairs", type=int, default=3, help="tenant checks: rounds")
    parser.add_argument("--write", action="store_true", help="record in docs/benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp_text:
        tmp = Path(tmp_text)
        bin_dir = install_wheel(tmp)
        # A private server (not a shared `scratch start` one that others may stop or load).
        info = clusters.start_cluster(binaries.find_server(None))
        server = LocalCluster(info, owned=True)
        try:
            rows = databases_bench(bin_dir, server, tmp, args) if args.databases else []
            rows += tenants_bench(bin_dir, server, tmp, args) if args.tenants else []
            checks = args.check_tenants and not args.status_only
            rows += tenant_checks_bench(bin_dir, server, tmp, args) if checks else []
        finally:
            server.close()
    body = "\n".join(
        [
            f"`python bench/bench_fleet.py` — whole processes of the tool installed from a wheel, "
            f"PostgreSQL {server.major}, one scratch server, {args.pairs} alternating pair(s) per "
            "row (medians; ratio: median of the per-pair ratios, min–max). Anchor: a shell loop "
            "of `alembic upgrade head` over the same targets — except the tenant-check rows "
            f"({args.check_pairs} pair(s)), whose anchor is the same `fleet apply` without "
            "backup and schema check and whose ratio is fleet / anchor (the checks' cost).",
            "",
            "| measure | anchor (loop) | fleet | ratio | target |",
            "| --- | --- | --- | --- | --- |",
            *rows,
        ]
    )
    print(body)
    if args.write:
        write_section("Fleet", body)


def _pairs(
    n: int, reset: Callable[[], object], anchor: Callable[[], float], *tools: Callable[[], float]
) -> tuple[list[float], list[list[float]]]:
    """``n`` rounds of: reset, anchor, then each tool variant (reset before each)."""
    a: list[float] = []
    b: list[list[float]] = [[] for _ in tools]
    for _ in range(n):
        reset()
        a.append(anchor())
        for i, tool in enumerate(tools):
            reset()
            b[i].append(tool())
    return a, b


def _row(what: str, a: list[float], b: list[float], target: str) -> str:
    ratios = [x / y for x, y in zip(a, b, strict=True)]
    return (
        f"| {what} | {statistics.median(a):.1f} s | {statistics.median(b):.2f} s | "
        f"{statistics.median(ratios):.1f}× ({min(ratios):.1f}–{max(ratios):.1f}) | {target} |"
    )


def databases_bench(
    bin_dir: Path, server: ScratchServer, tmp: Path, args: argparse.Namespace
) -> list[str]:
    project = copy_sample(tmp)
    ini = project / "alembic.ini"
    tool = str(bin_dir / "alembic-baseline")
    scratch = server.admin_url.render("psycopg")
    head_tpl = server.create_database("bench_head_tpl", keep=True)
    env = {"DATABASE_URL": head_tpl.render("psycopg")}
    timed([str(bin_dir / "alembic"), "upgrade", "head"], project, env)
    heads = subprocess.run(
        [str(bin_dir / "alembic"), "heads"],
        cwd=project,
        env=command_env(env),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    behind_tpl = server.create_database("bench_behind_tpl", keep=True)
    env = {"DATABASE_URL": behind_tpl.render("psycopg")}
    timed([str(bin_dir / "alembic"), "upgrade", "head"], project, env)
    timed([str(bin_dir / "alembic"), "downgrade", "-2"], project, env)
    names = [f"bench_db_{i:03d}" for i in range(args.databases)]
    urls = [server.url(n).render("psycopg") for n in names]
    select = ["--server", scratch, "--databases", "bench\\_db\\_%"]
    base = [tool, "-c", str(ini), "--scratch-url", scratch, "fleet"]
    rows = []
    print(f"{len(names)} databases; heads {heads.strip()}", flush=True)

    reset_databases(server, names, head_tpl.database)
    status = [timed([*base, "status", *select], project) for _ in range(3)]
    rows.append(
        f"| `fleet status`, {len(names)} databases at head | — | "
        f"{statistics.median(status):.2f} s | {statistics.median(status) / 2:.2f}× the target "
        "| < 2 s |"
    )
    print(rows[-1], flush=True)
    if args.status_only:
        return rows
    a, (b,) = _pairs(
        args.pairs,
        lambda: None,
        lambda: loop(bin_dir, project, urls),
        lambda: timed([*base, "apply", *select, "--workers", str(args.workers)], project),
    )
    rows.append(_row(f"`fleet apply`, {len(names)} databases all at head", a, b, "≥ 30×"))
    print(rows[-1], flush=True)
    fleet_apply = [*base, "apply", *select, "--workers", str(args.workers), "--no-backup"]
    reset_databases(server, names[:1], behind_tpl.database)
    timed(fleet_apply, project)  # warms the expected-schema cache (once per revision)
    a, (b, c) = _pairs(
        args.pairs,
        lambda: reset_databases(server, names, behind_tpl.database),
        lambda: loop(bin_dir, project, urls),
        lambda: timed(fleet_apply, project),
        lambda: timed([*fleet_apply, "--no-schema-check"], project),
    )
    what = f"`fleet apply --workers {args.workers} --no-backup`, {len(names)} databases, 2 pending"
    rows.append(
        _row(f"{what} revisions each (each verified against the expected schema)", a, b, "≥ 5×")
    )
    rows.append(_row(f"{what} revisions each, `--no-schema-check`", a, c, "—"))
    print("\n".join(rows[-2:]), flush=True)
    for n in names:
        server.drop_database(n)
    return rows


def tenants_bench(
    bin_dir: Path, server: ScratchServer, tmp: Path, args: argparse.Namespace
) -> list[str]:
    project = tmp / "fleet_app"
    shutil.copytree(TENANT_PROJECT, project)
    db = server.create_database("bench_tenants", keep=True)
    url = db.render("psycopg")
    names = [f"tenant_{i:04d}" for i in range(args.tenants)]
    tool = str(bin_dir / "alembic-baseline")
    scratch = server.admin_url.render("psycopg")
    select = ["--url", url, "--schemas", "tenant\\_%"]
    fleet = [tool, "-c", str(project / "alembic.ini"), "--scratch-url", scratch, "fleet"]
    if args.status_only:
        _reset_tenants(db, names, _tenant_sql(project))
        status = [timed([*fleet, "status", *select], project) for _ in range(3)]
        row = (
            f"| `fleet status`, {len(names)} tenant schemas in one database | — | "
            f"{statistics.median(status):.2f} s | — | reported |"
        )
        print(row, flush=True)
        return [row]
    fleet += ["apply", *select, "--workers", str(args.workers)]
    looped = names[: args.loop_tenants or len(names)]
    at_f2 = _tenant_sql(project)
    a, (b,) = _pairs(
        1,
        lambda: _reset_tenants(db, names, at_f2),
        lambda: loop(bin_dir, project, [url] * len(looped), [[f"tenant={n}"] for n in looped]),
        lambda: timed(fleet, project),
    )
    what = f"`fleet apply --workers {args.workers}`, {len(names)} tenant schemas in one database"
    if len(looped) < len(names):  # the loop is linear in its targets: one alembic per target
        a = [t * len(names) / len(looped) for t in a]
        what += f" (loop measured on {len(looped)} of them, scaled ×{len(names) / len(looped):g})"
    row = _row(what + ", 1 pending revision each", a, b, "reported")
    print(row, flush=True)
    return [row]


def tenant_checks_bench(
    bin_dir: Path, server: ScratchServer, tmp: Path, args: argparse.Namespace
) -> list[str]:
    """What the per-tenant backup and schema verification cost: the same apply with both, with
    verification only, and with neither (the anchor), paired and alternating."""
    project = tmp / "fleet_app_checks"
    shutil.copytree(TENANT_PROJECT, project)
    db = server.create_database("bench_tenant_checks", keep=True)
    names = [f"tenant_{i:04d}" for i in range(args.check_tenants)]
    scratch = server.admin_url.render("psycopg")
    select = ["--url", db.render("psycopg"), "--schemas", "tenant\\_%"]
    base = [str(bin_dir / "alembic-baseline"), "-c", str(project / "alembic.ini")]
    apply = [*base, "--scratch-url", scratch, "fleet", "apply", *select]
    apply += ["--workers", str(args.workers)]
    at_f2 = _tenant_sql(project)
    _reset_tenants(db, names, at_f2)
    timed(apply, project)  # builds the expected tenant schemas once (cached, as in a real run)
    a, (b, c) = _pairs(
        args.check_pairs,
        lambda: _reset_tenants(db, names, at_f2),
        lambda: timed([*apply, "--no-backup", "--no-schema-check"], project),
        lambda: timed(apply, project),
        lambda: timed([*apply, "--no-backup"], project),
    )
    what = f"`fleet apply --workers {args.workers}`, {len(names)} tenant schemas, 1 pending each"
    anchor = "anchor: `--no-backup --no-schema-check`"
    rows = [
        _cost(f"{what}: backup + verification ({anchor})", a, b),
        _cost(f"{what}: verification only, `--no-backup` ({anchor})", a, c),
    ]
    print("\n".join(rows), flush=True)
    return rows


def _cost(what: str, a: list[float], b: list[float]) -> str:
    """A row whose ratio is tool / anchor (the cost of what the tool adds)."""
    ratios = [y / x for x, y in zip(a, b, strict=True)]
    return (
        f"| {what} | {statistics.median(a):.1f} s | {statistics.median(b):.2f} s | "
        f"{statistics.median(ratios):.2f}× the anchor ({min(ratios):.2f}–{max(ratios):.2f}) "
        "| reported |"
    )


TEMPLATE = "tenant_template_schema"


def _tenant_sql(project: Path) -> str:
    """The SQL that brings a tenant schema to F2, rendered once by Alembic (offline mode)."""
    from alembic_baseline import settings
    from alembic_baseline.history.driver import AlembicProject

    p = AlembicProject(
        settings.load(config=str(project / "alembic.ini"), x_args=(f"tenant={TEMPLATE}",))
    )
    return p.offline_sql(F2)


def _reset_tenants(db: DatabaseURL, names: list[str], at_f2: str) -> None:
    """Every tenant schema re-created at F2 (outside the timed part)."""
    with connection(db) as conn:
        for n in names:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(n)))
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(n)))
            conn.execute(at_f2.replace(TEMPLATE, n).encode())


if __name__ == "__main__":
    main()
