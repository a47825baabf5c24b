"""The pytest plugin, run as users run it: pytest in a subprocess on a copy of a small project,
its scratch databases on the suite's server (ALEMBIC_BASELINE_SCRATCH_URL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.testing import pool, template
from tests.helpers.formats import check_markdown
from tests.helpers.projects import FIXTURES, cli, copy_project, project

pytestmark = pytest.mark.db

TESTS = """
import sqlalchemy as sa

def test_engine_at_head(migrated_engine):
    with migrated_engine.begin() as c:
        c.execute(sa.text("INSERT INTO customers (email, note) VALUES ('a@example.com', 'x')"))
        assert c.execute(sa.text("SELECT count(*) FROM customers")).scalar() == 1

def test_fresh_database_each_test(migrated_db):
    engine = sa.create_engine(migrated_db)
    with engine.connect() as c:  # the row the other test inserted is not here
        assert c.execute(sa.text("SELECT count(*) FROM customers")).scalar() == 0
    engine.dispose()

def test_data_migration(db_at_revision):
    db = db_at_revision("1a2b3c4d5e6f")
    with db.engine.begin() as c:
        c.execute(sa.text("INSERT INTO customers (email) VALUES ('kept@example.com')"))
    db.upgrade("3c4d5e6f7a8b")
    assert db.current() == ("3c4d5e6f7a8b",)
    with db.engine.connect() as c:
        row = c.execute(sa.text("SELECT email, note FROM customers")).one()
    assert tuple(row) == ("kept@example.com", None)
    db.downgrade("1a2b3c4d5e6f")
    assert db.current() == ("1a2b3c4d5e6f",)
"""


def _project(tmp_path: Path, tests: str = TESTS, pyproject: str = "") -> Path:
    ini = copy_project(FIXTURES / "mini", tmp_path)
    (ini.parent / "test_app.py").write_text(tests)
    # never the default persistent server from a test: ephemeral unless the URL is used
    (ini.parent / "pyproject.toml").write_text(
        '[tool.alembic-baseline.pytest]\nserver = "ephemeral"\n' + pyproject
    )
    return ini.parent


def _env(server: ScratchServer) -> dict[str, str]:
    env = dict(os.environ)
    env["ALEMBIC_BASELINE_SCRATCH_URL"] = server.admin_url.render()
    env.pop("PYTEST_ADDOPTS", None)
    return env


def _pytest(root: Path, server: ScratchServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=root,
        env=_env(server),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _templates(server: ScratchServer, root: Path) -> dict[str, int]:
    """This project's templates (other tests' projects have other tags)."""
    tag = template.project_tag(project(root / "alembic.ini"))
    return _databases(server, f"{template.TEMPLATE_PREFIX}{tag}_")


def _databases(server: ScratchServer, prefix: str) -> dict[str, int]:
    rows = server.admin().execute(
        "SELECT datname, oid FROM pg_database WHERE starts_with(datname, %s)", (prefix,)
    )
    return {str(name): int(oid) for name, oid in rows.fetchall()}


def test_fixtures_under_xdist_then_a_warm_session(
    tmp_path: Path, pg_default: ScratchServer
) -> None:
    root = _project(tmp_path)
    cold = _pytest(root, pg_default, "-n", "2")
    assert cold.returncode == 0, cold.stdout + cold.stderr
    assert "3 passed" in cold.stdout
    templates = _templates(pg_default, root)
    assert len(templates) == 2  # head and 1a2b3c4d5e6f, built once though two workers asked
    assert _databases(pg_default, "ab_ptc_") == {}  # every clone dropped
    warm = _pytest(root, pg_default)
    assert warm.returncode == 0, warm.stdout + warm.stderr
    assert _templates(pg_default, root) == templates  # same databases (oids): not rebuilt


def test_ctrl_c_leaves_no_database(tmp_path: Path, pg_default: ScratchServer) -> None:
    marker = tmp_path / "started"
    tests = textwrap.dedent(f"""
        import pathlib, time

        def test_waits(migrated_db):
            pathlib.Path({str(marker)!r}).write_text("x")
            time.sleep(120)
    """)
    root = _project(tmp_path, tests)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"],
        cwd=root,
        env=_env(pg_default),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "the test never started"
            time.sleep(0.05)
        # the test's clone exists now, and up to AHEAD more made ahead by the plugin's threads
        assert 1 <= len(_databases(pg_default, "ab_ptc_")) <= 1 + pool.AHEAD
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2, output  # pytest's "interrupted"
    assert "KeyboardInterrupt" in output
    assert _databases(pg_default, "ab_ptc_") == {}


BROKEN_DOWNGRADE = """
def downgrade() -> None:
    pass  # forgets to drop the column
"""


def test_checks_find_a_downgrade_that_does_not_restore(
    tmp_path: Path, pg_default: ScratchServer
) -> None:
    root = _project(tmp_path, tests="")
    rev = root / "migrations" / "versions" / "3c4d5e6f7a8b_add_customer_note.py"
    text = rev.read_text()
    rev.write_text(text[: text.index("def downgrade")] + BROKEN_DOWNGRADE.lstrip())
    run = _pytest(root, pg_default, "--alembic-baseline-checks", "-rA", "-k", "not lint")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "PASSED alembic-baseline::single-head" in run.stdout
    assert "PASSED alembic-baseline::upgrade-from-empty" in run.stdout
    assert "PASSED alembic-baseline::up-down[2b3c4d5e6f7a]" in run.stdout
    assert "FAILED alembic-baseline::up-down[3c4d5e6f7a8b]" in run.stdout
    assert "column public.customers.note: left behind by the downgrade" in run.stdout

    # the same check from the CLI, then with the revision declared irreversible
    url = pg_default.admin_url.render()
    ini = str(root / "alembic.ini")
    code, out, _err = cli("-c", ini, "--scratch-url", url, "--json", "check", "history")
    assert code == 1
    report = json.loads(out)
    failed = {r["revision"] for r in report["results"] if r["status"] == "fail"}
    assert failed == {"3c4d5e6f7a8b", None}  # the revision and lint (PG402 in 3c4d)
    with (root / "pyproject.toml").open("a") as f:
        f.write('\n[tool.alembic-baseline.check]\nirreversible = ["3c4d5e6f7a8b"]\n')
    code, out, _err = cli("-c", ini, "--scratch-url", url, "check", "history", "--skip", "lint")
    assert code == 0, out
    assert "declared irreversible" in out


def test_up_down_undoes_one_revision_across_branches_and_a_merge(
    tmp_path: Path, pg_default: ScratchServer
) -> None:
    """Two roots and a merge: `downgrade REV-1` would undo the sibling branch (or be ambiguous
    on the merge); the check undoes exactly one revision (compat.downgrade_one_step)."""
    ini = copy_project(FIXTURES / "multibase", tmp_path)
    url = pg_default.admin_url.render()
    code, out, _ = cli("-c", str(ini), "--scratch-url", url, "--json", "check", "history",
                       "--skip", "lint")  # fmt: skip
    report = json.loads(out)
    assert code == 0, out
    passed = [r["revision"] for r in report["results"] if r["check"] == "up-down"]
    assert sorted(passed) == ["aa11aa11aa11", "bb22bb22bb22", "cc33cc33cc33", "dd44dd44dd44"]
    assert {r["status"] for r in report["results"]} == {"pass"}
    code, out, _ = cli("-c", str(ini), "--scratch-url", url, "--format", "markdown", "check",
                       "history", "--skip", "lint", "--skip", "up-down")  # fmt: skip
    assert code == 0, out
    check_markdown(out)
    assert "| ✓ | `upgrade-from-empty` | upgrade heads from empty: ok (template" in out


def test_a_killed_session_s_clones_are_dropped_by_the_next_one(
    tmp_path: Path, pg_default: ScratchServer
) -> None:
    """kill -9 leaves no chance to clean up: the next session on this host drops what the dead
    process left (clone names carry host and pid)."""
    marker = tmp_path / "started"
    sleeping = textwrap.dedent(f"""
        import pathlib, time

        def test_waits(migrated_db):
            pathlib.Path({str(marker)!r}).write_text("x")
            time.sleep(120)
    """)
    root = _project(tmp_path, sleeping)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"],
        cwd=root,
        env=_env(pg_default),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, "pytest ended before its test started"
            assert time.monotonic() < deadline, "the test never started"
            time.sleep(0.05)
        left = _databases(pg_default, "ab_ptc_")
        assert left, "the running test has a clone"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert set(left) <= set(_databases(pg_default, "ab_ptc_"))  # nothing cleaned up by itself
    (root / "test_app.py").write_text(TESTS)
    done = _pytest(root, pg_default)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _databases(pg_default, "ab_ptc_") == {}


def test_rebuild_option_makes_the_templates_again(
    tmp_path: Path, pg_default: ScratchServer
) -> None:
    root = _project(tmp_path)
    first = _pytest(root, pg_default)
    assert first.returncode == 0, first.stdout + first.stderr
    before = _templates(pg_default, root)
    again = _pytest(root, pg_default, "--alembic-baseline-rebuild")
    assert again.returncode == 0, again.stdout + again.stderr
    after = _templates(pg_default, root)
    assert set(after) == set(before)  # the same history: the same names
    assert all(after[name] != oid for name, oid in before.items())  # new databases (oids)
