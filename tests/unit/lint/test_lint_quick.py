"""A warm console ``lint`` answered from its recorded output (lint/quick.py), and only then.

Each run is a new process, as the console script runs: ``RUN`` is the entry point
(``quick.run``: the record's answer, else the CLI, which records); ``ANSWER`` asks the record
only and says what it imported. The racy-clean margin is 0 in both (the files were written an
instant before), except where a test checks that margin.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lintcases import two_revision_project, write_revisions

from alembic_baseline.lint import quick

RUN = (
    "from alembic_baseline.lint import quick; quick.RACY_NS = {racy}; "
    "from alembic_baseline.__main__ import run; run()"
)
ANSWER = (
    "import sys; from alembic_baseline.lint import quick; quick.RACY_NS = {racy}; "
    "code = quick.answer(sys.argv[1:]); "
    "sys.stderr.write(repr(sorted(m for m in sys.modules if m.split('.')[0] in "
    "('typer', 'rich', 'alembic', 'sqlalchemy', 'pglast') or m.startswith('alembic_baseline.cli') "
    "or m == 'alembic_baseline.lint.engine'))); "
    "sys.exit(99 if code is None else code)"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return two_revision_project(tmp_path).parent


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def _run(
    project: Path, *args: str, racy: int = 0, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN.format(racy=racy), *args],
        cwd=project,
        env=env or _env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )


def _answer(
    project: Path, *args: str, racy: int = 0, env: dict[str, str] | None = None
) -> tuple[int, str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", ANSWER.format(racy=racy), *args],
        cwd=project,
        env=env or _env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    return done.returncode, done.stdout, eval(done.stderr)


def test_a_warm_lint_is_its_recorded_output_without_the_cli_or_the_linter(project: Path) -> None:
    cold = _run(project, "lint")
    assert cold.returncode == 1 and "PG101" in cold.stdout and not cold.stderr
    assert (project / quick.RECORD).is_file()
    code, out, imported = _answer(project, "lint")
    assert (code, out) == (cold.returncode, cold.stdout)
    assert imported == []  # no typer, rich, CLI, engine, Alembic, SQLAlchemy or pglast
    for args in (["--json", "lint"], ["lint", "--format", "sarif"], ["lint", "--select", "AB"]):
        first = _run(project, *args)
        assert _answer(project, *args)[:2] == (first.returncode, first.stdout)
        assert _run(project, *args).stdout == first.stdout  # the entry point answers the same


def test_no_value_of_the_environment_is_recorded(project: Path) -> None:
    secret = "s3cr3t-value-of-the-environment"
    _run(project, "lint", env=_env(SOME_TOKEN=secret))
    assert secret not in (project / quick.RECORD).read_text(encoding="utf-8")
    assert _answer(project, "lint", env=_env(SOME_TOKEN=secret))[0] == 1
    assert _answer(project, "lint", env=_env(SOME_TOKEN="other"))[0] == 99


def _edit(project: Path) -> None:
    path = next((project / "alembic" / "versions").glob("*2_*.py"))
    path.write_text(path.read_text().replace('"ix_a"', '"ix_ab"'))


def _add(project: Path) -> None:
    write_revisions(
        project / "alembic" / "versions",
        [{"revision": "000000000003", "down_revision": "000000000002",
          "upgrade": 'op.drop_column("lots", "a")'}],
    )  # fmt: skip


def _pyproject(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.alembic-baseline.lint]\nignore = ["PG101"]\n')


def _baseline(project: Path) -> None:
    assert _run(project, "lint", "--write-baseline").returncode == 0


def _sum_file(project: Path) -> None:
    assert _run(project, "history", "sum").returncode == 0, "history sum"
    _edit(project)  # an edited revision older than the newest: AB404


@pytest.mark.parametrize(
    "change", [_edit, _add, _pyproject, _baseline, _sum_file], ids=lambda f: f.__name__
)
def test_a_changed_input_is_not_answered_from_the_record(project: Path, change: object) -> None:
    before = _run(project, "lint")
    assert callable(change)
    change(project)
    code, _, _ = _answer(project, "lint")
    assert code == 99  # not answered: the command runs
    after = _run(project, "lint")
    assert after.stdout != before.stdout
    (project / quick.RECORD).unlink(missing_ok=True)
    assert _run(project, "lint", "--no-cache").stdout == after.stdout  # as computed afresh
    assert _answer(project, "lint")[1] in ("", after.stdout)


def test_other_arguments_or_another_directory_are_not_answered(project: Path) -> None:
    _run(project, "lint")
    assert _answer(project, "lint", "--select", "PG")[0] == 99
    (project / "sub").mkdir()
    assert _answer(project / "sub", "lint")[0] == 99


def test_files_changed_just_before_the_recorded_run_are_not_trusted(project: Path) -> None:
    """With the real margin (RACY_NS), files written an instant before the run: no answer."""
    _run(project, "lint", racy=quick.RACY_NS)
    assert _answer(project, "lint", racy=quick.RACY_NS)[0] == 99


def test_a_damaged_record_runs_the_command(project: Path) -> None:
    first = _run(project, "lint")
    record = project / quick.RECORD
    document = json.loads(record.read_text(encoding="utf-8"))
    document["code"] = "one"
    record.write_text(json.dumps(document), encoding="utf-8")
    assert _answer(project, "lint")[0] == 99
    record.write_bytes(b"\xff not json")
    assert _answer(project, "lint")[0] == 99
    assert _run(project, "lint").stdout == first.stdout
    assert _answer(project, "lint")[:2] == (first.returncode, first.stdout)  # recorded again


def test_a_state_directory_elsewhere_records_nothing(project: Path, tmp_path: Path) -> None:
    _run(project, "lint", env=_env(ALEMBIC_BASELINE_STATE_DIR=str(tmp_path / "state")))
    assert not (project / quick.RECORD).exists()
