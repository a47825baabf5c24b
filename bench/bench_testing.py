"""The testing toolkit's speed: per-test databases from the template, whole pytest sessions.

1. **Clone** (in process, each major): ``Templates.clone`` + ``drop`` of the sample project's
   head template (50 revisions), 40 samples per major, median.
2. **Whole pytest sessions** (processes; the tool installed from a wheel in a temp venv with
   pytest and pytest-alembic), on the sample project, PostgreSQL ``--major`` (default 18):
   - 200 tests using ``migrated_db`` against the same 200 tests without it (alternating pairs):
     the seconds the fixture adds;
   - a full replay per test (a fixture creating a database and running ``alembic upgrade
     heads`` through the project's env.py) and pytest-alembic's approach (its ``alembic_runner``
     fixture, ``migrate_up_to("heads")`` on a fresh database per test), 10 tests each, against
     10 plain tests: the per-test cost, as a ratio to ``migrated_db``'s;
   - a second session with an unchanged history: the setup of its first test (pytest's
     ``--durations``: imports, server, template lookup, the clone) and the whole process
     against the same one-test session without the fixture.

Usage: ``python bench/bench_testing.py [--major 18] [--pairs 3] [--write]``.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, command_env, write_section

UV = ROOT / ".venv" / "bin" / "uv"
EXAMPLE = ROOT / "examples" / "lot_management"
# A cluster of the bench's own (never a shared `scratch start` one another process may stop).
HOLD = """
import signal, sys, time
from alembic_baseline.pg import binaries, cluster
from alembic_baseline.pg.scratch import LocalCluster
info = cluster.start_cluster(binaries.find_server(int(sys.argv[1])))
cluster.write_state(info)
server = LocalCluster(info, owned=True)
print(server.admin_url.render(), flush=True)
signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
try:
    while True:
        time.sleep(1)
except KeyboardInterrupt:
    server.close()
"""
DB_HELPERS = """
import os, secrets
import psycopg, pytest

ADMIN = os.environ["BENCH_ADMIN_DSN"]

def new_database():
    name = "bench_" + secrets.token_hex(4)
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    return name, os.environ["BENCH_SQLA_URL"].replace("/postgres?", f"/{name}?")

def drop_database(name):
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f"DROP DATABASE {name} WITH (FORCE)")
"""
REPLAY_CONFTEST = (
    DB_HELPERS
    + """
from alembic import command
from alembic.config import Config

@pytest.fixture
def replayed_db():
    name, url = new_database()
    os.environ["DATABASE_URL"] = url  # what the project's env.py reads
    command.upgrade(Config("alembic.ini"), "heads")
    yield url
    drop_database(name)
"""
)
PA_ENV_FROM = """    if connection is not None:
        _run_with_connection(connection)
        return
"""
PA_ENV_TO = """    if connection is not None:
        if hasattr(connection, "dispose"):  # pytest-alembic passes its Engine
            with connection.connect() as conn:
                _run_with_connection(conn)
                conn.commit()
            return
        _run_with_connection(connection)
        return
"""
PYTEST_ALEMBIC_CONFTEST = (
    DB_HELPERS
    + """
import sqlalchemy as sa

@pytest.fixture
def alembic_engine():
    name, url = new_database()
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    yield engine
    engine.dispose()
    drop_database(name)
"""
)


def _tests(n: int, signature: str, body: str = "assert True") -> str:
    return "".join(f"def test_{i}({signature}):\n    {body}\n\n" for i in range(n))


def _install(tmp: Path) -> Path:
    dist = tmp / "dist"
    subprocess.run([UV, "build", "-q", "--wheel", "-o", dist, ROOT], check=True)
    venv = tmp / "venv"
    subprocess.run([UV, "venv", "-q", "--python", sys.executable, venv], check=True)
    wheel = next(dist.glob("*.whl"))
    py = venv / "bin" / "python"
    subprocess.run(
        [UV, "pip", "install", "-q", "--python", py, wheel, "pytest", "pytest-alembic"], check=True
    )
    return py


def _hold(major: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(major)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def _session(
    py: Path, project: Path, test_file: str, env: dict[str, str], *args: str
) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [py, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file, *args],
        cwd=project,
        env=command_env(env),
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"pytest {test_file} failed:\n{done.stdout}{done.stderr}")
    return elapsed, done.stdout


def clone_medians(majors: list[int], samples: int = 40) -> dict[int, tuple[float, float]]:
    """Per major: (median clone ms, median drop ms), in process."""
    from alembic_baseline import settings
    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.pg import binaries, cluster
    from alembic_baseline.pg.scratch import LocalCluster
    from alembic_baseline.testing.template import Templates

    out: dict[int, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="ab-bench-clone-") as tmp:
        proj = Path(tmp) / "proj"
        subprocess.run(["cp", "-r", str(EXAMPLE), str(proj)], check=True)
        project = AlembicProject(settings.load(config=str(proj / "alembic.ini"), environ={}))
        for major in majors:
            server = LocalCluster(cluster.start_cluster(binaries.find_server(major)), owned=True)
            try:
                templates = Templates(server, project)
                head = templates.ensure("heads")
                clones, drops = [], []
                for _ in range(samples):
                    t0 = time.perf_counter()
                    url = templates.clone(head)
                    t1 = time.perf_counter()
                    templates.drop(url)
                    clones.append((t1 - t0) * 1000)
                    drops.append((time.perf_counter() - t1) * 1000)
                out[major] = (statistics.median(clones), statistics.median(drops))
            finally:
                server.close()
    return out


def _env(url: str) -> dict[str, str]:
    admin_dsn = url.replace("postgresql+psycopg://", "postgresql://")
    return {
        "ALEMBIC_BASELINE_SCRATCH_URL": url,
        "BENCH_ADMIN_DSN": admin_dsn,
        "BENCH_SQLA_URL": url,
    }


SETUP_TIMER = """
import os, time
import pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    start = time.perf_counter()
    yield
    log = os.environ.get("BENCH_SETUP_LOG")
    if log:
        with open(log, "a") as f:
            f.write(f"{item.name} {time.perf_counter() - start}\\n")
"""


def _setup_median_ms(py: Path, project: Path, env: dict[str, str]) -> float:
    """What a test waits for its database: the median setup time of 200 ``migrated_db`` tests
    (timed by a conftest hook around pytest's setup; the first test, which opens the session
    and its server connection, left out)."""
    log = project / "setup-times.txt"
    log.unlink(missing_ok=True)
    _session(py, project, "test_migrated200.py", {**env, "BENCH_SETUP_LOG": str(log)})
    rows = [line.split() for line in log.read_text().splitlines()]
    times = [float(t) for name, t in rows if name != "test_0"]
    assert len(times) == 199, rows
    return statistics.median(times) * 1000


def sessions(major: int, pairs: int, setup_majors: list[int]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ab-bench-testing-") as tmp:
        root = Path(tmp)
        py = _install(root)
        project = root / "proj"
        subprocess.run(["cp", "-r", str(EXAMPLE), str(project)], check=True)
        files = {
            "plain200.py": _tests(200, ""),
            "migrated200.py": _tests(200, "migrated_db", "assert migrated_db"),
            "one_plain.py": _tests(1, ""),
            "one_migrated.py": _tests(1, "migrated_db", "assert migrated_db"),
        }
        for name, text in files.items():
            (project / f"test_{name}").write_text(text)
        (project / "conftest.py").write_text(SETUP_TIMER)
        # The replay and pytest-alembic sessions have their own conftest (their imports are
        # theirs); each is compared with 10 plain tests under the same conftest. pytest-alembic
        # hands env.py an Engine in config.attributes["connection"]: its copy of the project
        # gets the env.py change pytest-alembic's docs ask for (connect when given an Engine).
        dirs = {"replay": project, "pa": root / "proj_pa"}
        subprocess.run(["cp", "-r", str(EXAMPLE), str(dirs["pa"])], check=True)
        env_py = dirs["pa"] / "alembic" / "env.py"
        env_py.write_text(env_py.read_text().replace(PA_ENV_FROM, PA_ENV_TO))
        assert PA_ENV_TO in env_py.read_text()
        for sub, conftest, fixture, body in (
            ("replay", REPLAY_CONFTEST, "replayed_db", "assert replayed_db"),
            (
                "pa",
                PYTEST_ALEMBIC_CONFTEST,
                "alembic_runner",
                'alembic_runner.migrate_up_to("heads")',
            ),
        ):
            (dirs[sub] / sub).mkdir()
            (dirs[sub] / sub / "conftest.py").write_text(conftest)
            (dirs[sub] / sub / f"test_{sub}10.py").write_text(_tests(10, fixture, body))
            (dirs[sub] / sub / f"test_{sub}_plain10.py").write_text(_tests(10, ""))
        setup_ms: dict[int, float] = {}
        for m in setup_majors:
            held, held_url = _hold(m)
            try:
                _session(py, project, "test_one_migrated.py", _env(held_url))  # builds
                setup_ms[m] = _setup_median_ms(py, project, _env(held_url))
            finally:
                held.terminate()
                held.wait(timeout=60)
        holder, url = _hold(major)
        try:
            env = _env(url)
            cold, _ = _session(py, project, "test_one_migrated.py", env)
            added, replay, pa_cost, migrated_cost, setups, warm_over = [], [], [], [], [], []
            for i in range(pairs):
                order = ("plain200.py", "migrated200.py")
                runs = {}
                for name in order if i % 2 == 0 else order[::-1]:
                    runs[name] = _session(py, project, f"test_{name}", env)[0]
                added.append(runs["migrated200.py"] - runs["plain200.py"])
                migrated_cost.append(added[-1] / 200)
                for sub, costs in (("replay", replay), ("pa", pa_cost)):
                    plain = _session(py, dirs[sub], f"{sub}/test_{sub}_plain10.py", env)[0]
                    full = _session(py, dirs[sub], f"{sub}/test_{sub}10.py", env)[0]
                    costs.append((full - plain) / 10)
                one_plain = _session(py, project, "test_one_plain.py", env)[0]
                one, out = _session(py, project, "test_one_migrated.py", env, "--durations=1")
                found = re.search(r"([0-9.]+)s setup\s+test_one_migrated.py::test_0", out)
                assert found, out
                setups.append(float(found.group(1)))
                warm_over.append(one - one_plain)
        finally:
            holder.terminate()
            holder.wait(timeout=60)
    per_test = statistics.median(migrated_cost)
    return {
        "cold": cold,
        "added": added,
        "per_test_ms": per_test * 1000,
        "replay_ratio": [r / m for r, m in zip(replay, migrated_cost, strict=True)],
        "pa_ratio": [p / m for p, m in zip(pa_cost, migrated_cost, strict=True)],
        "replay_s": statistics.median(replay),
        "pa_s": statistics.median(pa_cost),
        "setup": setups,
        "warm_over": warm_over,
        "setup_ms": setup_ms,
    }


def _mm(values: list[float], fmt: str = "{:.2f}") -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–" + (
        f"{fmt.format(max(values))})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--major", type=int, default=18)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--clone-majors", default="15,16,18")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    clones = clone_medians([int(m) for m in args.clone_majors.split(",")])
    majors = [int(m) for m in args.clone_majors.split(",")]
    s = sessions(args.major, args.pairs, majors)
    setup_ms: dict[int, float] = s["setup_ms"]
    rows = "\n".join(
        f"| {m} | **{setup_ms[m]:.1f} ms** | {c:.1f} ms | {d:.1f} ms |"
        for m, (c, d) in sorted(clones.items())
    )
    replay = (
        f"{s['replay_s']:.2f} s per test, **{_mm(s['replay_ratio'], '{:.0f}')}×** `migrated_db`"
    )
    pa = f"{s['pa_s']:.2f} s per test, **{_mm(s['pa_ratio'], '{:.0f}')}×** `migrated_db`"
    body = f"""
`python bench/bench_testing.py --major {args.major} --pairs {args.pairs}` — the sample project
(`examples/lot_management`, 50 revisions). Per major: the median setup time (a conftest hook
around pytest's setup, `perf_counter`) of 199 tests using `migrated_db` (a clone made ahead by
the plugin's background thread, or made then), and the raw server work of one clone / drop in
process (`Templates.clone` / `drop`, 40 samples, median). Sessions: whole `pytest` processes,
the tool installed from a wheel in a temp venv with pytest and pytest-alembic, a local
PostgreSQL {args.major} (RAM disk), medians of {args.pairs} alternating pairs (min–max). 2 cores
shared with other engineers' test runs.

| major | test waits for its database (median) | clone, in process | drop, in process |
| --- | --- | --- | --- |
{rows}

| measure | result | target |
| --- | --- | --- |
| 200 tests with `migrated_db` minus the same 200 without | {_mm(s["added"])} s | ≤ 10 s |
| per test, `migrated_db` | {s["per_test_ms"]:.0f} ms | |
| full replay per test (`alembic upgrade heads` on a new database) | {replay} | |
| pytest-alembic's approach (`alembic_runner.migrate_up_to("heads")` per test) | {pa} | |
| second session, unchanged history: setup of its first test | {_mm(s["setup"])} s | ≤ 1 s |
| second session: whole process minus the same without the fixture | {_mm(s["warm_over"])} s | |
| first session (templates built): whole process, one test | {s["cold"]:.2f} s | |
"""
    print(body)
    if args.write:
        write_section("Testing toolkit", body)


if __name__ == "__main__":
    main()
