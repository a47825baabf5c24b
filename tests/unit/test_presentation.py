"""One presentation path: every command renders its result as text, JSON and markdown through
``Reporter.show``, honours the global ``--format``, and has one docstring (its operation's)."""

from __future__ import annotations

import importlib
import inspect
import io
from pathlib import Path
from typing import Any

import pytest
import typer.main

from alembic_baseline import docstrings
from alembic_baseline.baseline.create import CreateResult
from alembic_baseline.baseline.restore import RestoreResult
from alembic_baseline.baseline.results import Created, Restored, Upgraded, Verified
from alembic_baseline.baseline.upgrade import UpgradeResult
from alembic_baseline.baseline.verify import Comparison, VerifyResult
from alembic_baseline.cli import _register_groups, main
from alembic_baseline.cli._app import app
from alembic_baseline.commands.scratch import ClusterView, InstallResult, ScratchURL, Stopped
from alembic_baseline.demo.model import DemoResult, DemoStep
from alembic_baseline.doctor.render import RepairView
from alembic_baseline.doctor.repair import RepairPlan
from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.install import Installed
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.report import Presentable, Reporter
from tests.helpers.formats import (
    DB,
    DB_BASELINE,
    ELSEWHERE,
    UNIT,
    VIEWS,
    check_json,
    check_markdown,
)


def commands() -> dict[str, Any]:
    """Every runnable command, by its path (``check pre-patch``)."""
    _register_groups()
    found: dict[str, Any] = {}

    def walk(group: Any, prefix: str) -> None:
        for name, command in group.commands.items():
            path = f"{prefix}{name}"
            if hasattr(command, "commands"):  # a group (typer's own copy of click)
                walk(command, f"{path} ")
            else:
                found[path] = command

    walk(typer.main.get_command(app), "")
    return found


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_every_command_has_its_formats_tested() -> None:
    listed = set(DB) | DB_BASELINE | UNIT | VIEWS | set(ELSEWHERE)
    assert set(commands()) == listed


def test_one_docstring_per_command_its_operations() -> None:
    for path, command in commands().items():
        assert command.callback is not None
        assert inspect.getdoc(command.callback) is None, f"{path}: the CLI function has a docstring"
        target = type(command).__name__.removeprefix("OperationCommand[").removesuffix("]")
        module, function = target.split(":")
        operation = getattr(importlib.import_module(module), function)
        # the help read from the source without importing equals the imported docstring's
        assert command.help == docstrings.summary(inspect.getdoc(operation)), path
        assert command.help and "``" not in command.help, path


def test_unit_commands_render_markdown_and_json(tmp_path: Path) -> None:
    versions = tmp_path / "alembic" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_first.py").write_text(
        '"""first\n\nRevision ID: 0001\nRevises:\n"""\nfrom alembic import op\n\n'
        'revision = "0001"\ndown_revision = None\n\n\ndef upgrade() -> None:\n'
        '    op.create_index("ix", "t", ["a"])\n\n\ndef downgrade() -> None:\n    pass\n'
    )
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = %(here)s/alembic\n")
    lint = ("-c", str(ini), "lint", "--no-cache")
    for argv in (lint, ("lint", "--list-rules"), ("scratch", "status")):
        code, out, _ = run("--format", "markdown", *argv)
        assert code in (0, 1)
        check_markdown(out)
        code, out, _ = run("--format", "json", *argv)
        assert code in (0, 1)
        check_json(out)
    assert run("--format", "markdown", *lint)[1].startswith("## alembic-baseline lint — ")


def test_scratch_url_as_json_and_markdown() -> None:
    url = ScratchURL(DatabaseURL.parse("postgresql://postgres@/postgres?host=/tmp/s"))
    out = io.StringIO()
    Reporter(out, io.StringIO(), output="json").show(url)
    assert check_json(out.getvalue()) == {"url": url.url.render("psycopg")}
    out = io.StringIO()
    Reporter(out, io.StringIO(), output="text").show(url)
    assert out.getvalue() == url.url.render("psycopg") + "\n"  # bare, for scripts


def test_lint_formats_only_for_lint_and_the_deprecated_alias(tmp_path: Path) -> None:
    code, _, err = run("--format", "sarif", "scratch", "status")
    assert code == ExitCode.USAGE and "sarif is a format of `lint` only" in err
    code, _, err = run("--format", "github", "lint", "--list-rules")
    assert code == ExitCode.USAGE and "github" in err
    code, out, err = run("lint", "--list-rules", "--output-format", "json")
    assert code == ExitCode.OK and check_json(out) and "deprecated" in err


def _views() -> list[Presentable]:
    when = {"replay": 1.0}
    paths = (Path("/p/versions/archive/a.py"),)
    created = CreateResult(
        "baseline_20261202", "abc", "production", "18.1", "pg_dump 18.1", Path("/p/b.sql"),
        Path("/p/b.py"), Path("/p/bridge.py"), Path("/p/manifest.json"), paths, 12, 1, ("x",),
        drift=("d",), seconds=when, seed_rows={"public.kinds": 3}, warnings=("w",),
    )  # fmt: skip
    verified = VerifyResult("b", "abc", 180001, (Comparison("history vs baseline", ("t",)),))
    plan = RepairPlan("restamp", "AB-D001", ("old",), ("new",), (), ("UPDATE alembic_version",))
    url = DatabaseURL.parse("postgresql://u:secret@h/db")
    step = DemoStep("Start", "(tool)", ("line",), {"start": 0.5})
    return [
        Created(created),
        Verified(verified),
        Restored(RestoreResult("b", paths, paths)),
        Upgraded(UpgradeResult(("a",), ("b",), ("x",), ("y",))),
        InstallResult(Installed(18, "18.1", Path("/c/bin"), "w.whl", "00", already=False)),
        ClusterView(18, "18.1", url, "/tmp/s", "/bin"),
        Stopped((18,)),
        DemoResult("18.1", "lot_management", (step,)),
        RepairView(plan, confirmed=False, record=None),
    ]


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_views_render_every_format(fmt: str) -> None:
    for view in _views():
        out = io.StringIO()
        Reporter(out, io.StringIO(), output=fmt).show(view)
        text = out.getvalue()
        assert "secret" not in text, type(view).__name__
        if fmt == "json":
            check_json(text)
        elif fmt == "markdown":
            check_markdown(text)
        else:
            assert text.strip(), type(view).__name__
