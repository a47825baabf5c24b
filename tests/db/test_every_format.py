"""Every command that needs a database, with ``--format markdown`` and ``--format json``: the
markdown is markdown, the JSON parses (one database, the commands in the order of
tests/helpers/formats.py: status → plan → … → apply → rollback → upgrade → repair)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_deploy_support import Env, make_env
from test_scratch import scratch_dir  # noqa: F401 (a fixture: a private scratch directory)

from alembic_baseline.cli import main
from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.formats import DB, check_json, check_markdown
from tests.helpers.projects import FIXTURES, cli, copy_project


@pytest.fixture
def env(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    e = make_env(pg_default, tmp_path)
    yield e
    pg_default.drop_database(e.db.database)


def run(env: Env, fmt: str, command: str, args: tuple[str, ...], tmp: Path) -> tuple[int, str]:
    scratch = env.server.admin_url.render("psycopg")
    head = ["--format", fmt, "-c", str(env.ini), "--scratch-url", scratch]
    argv = [*head, *command.split(), "--url", env.db.render("psycopg")]
    argv += [a.format(tmp=tmp) for a in args]
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    assert code in (0, 1), f"{command} --format {fmt}: exit {code}\n{err.getvalue()}"
    return code, out.getvalue()


def test_every_database_command_renders_markdown_and_json(env: Env, tmp_path: Path) -> None:
    for command, args in DB.items():
        for fmt in ("markdown", "json"):
            _, out = run(env, fmt, command, args, tmp_path)
            if fmt == "json":
                check_json(out)
            else:
                check_markdown(out)


def test_baseline_commands_render_markdown_and_json(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    """create → verify → archive --restore, once per format (the mini project, from its history)."""
    ini = copy_project(FIXTURES / "mini", tmp_path)
    scratch = ("--scratch-url", pg_default.admin_url.render("psycopg"))
    for fmt, check in (("json", check_json), ("markdown", check_markdown)):
        head = ("--format", fmt, "-c", str(ini), *scratch, "baseline")
        for args in (("create", "--from-history"), ("verify",), ("archive", "--restore")):
            code, out, err = cli(*head, *args)
            assert code == 0, f"baseline {args[0]} --format {fmt}: {err}"
            check(out)


@pytest.mark.usefixtures("scratch_dir")
def test_scratch_commands_render_markdown_and_json() -> None:
    """start → url → status → stop, once per format (a private scratch directory)."""
    for fmt, check in (("json", check_json), ("markdown", check_markdown)):
        for args in (("start",), ("url",), ("status",), ("stop",)):
            code, out, err = cli("--format", fmt, "scratch", *args)
            assert code == 0, f"scratch {args[0]} --format {fmt}: {err}"
            check(out)
