"""The CLI in-process: help, version, exit codes, error paragraphs without tracebacks."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from alembic_baseline import __version__
from alembic_baseline.cli import main
from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.report import to_jsonable


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_version() -> None:
    assert run("--version") == (0, f"alembic-baseline {__version__}\n", "")


def test_help_lists_command_groups_and_exit_codes() -> None:
    code, out, _ = run("--help")
    assert code == 0
    for group in ("scratch", "demo", "baseline", "lint", "doctor", "plan, apply, rollback"):
        assert group in out
    assert "130 interrupted" in out


def test_unknown_command_is_usage_error() -> None:
    code, _, err = run("frobnicate")
    assert code == ExitCode.USAGE
    assert "No such command" in err


def test_bad_format_is_usage_error() -> None:
    code, _, err = run("--format", "yaml", "scratch", "status")
    assert code == ExitCode.USAGE
    assert "--format" in err


def test_missing_alembic_ini_is_a_config_error_with_hint(tmp_path: Path) -> None:
    from alembic_baseline import settings
    from alembic_baseline.errors import ConfigError
    from alembic_baseline.history.driver import AlembicProject

    with pytest.raises(ConfigError) as info:
        AlembicProject(settings.load(config=str(tmp_path / "nope.ini")))
    assert info.value.hint and "alembic.ini" in info.value.hint


def test_error_output_has_hint_and_no_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALEMBIC_BASELINE_SCRATCH_DIR", "/nonexistent-dir-for-test")
    code, _, err = run("scratch", "url", "--major", "11")
    assert code == ExitCode.USAGE
    assert err.startswith("error: No PostgreSQL 11 scratch server is running.")
    assert "hint:" in err
    assert "Traceback" not in err


def test_exit_codes_are_documented() -> None:
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 130]
    doc = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text()
    for code in ExitCode:
        assert f"| {int(code)} |" in doc


def test_json_never_contains_passwords() -> None:
    url = DatabaseURL.parse("postgresql://admin:hunter2@db/lot")
    payload = json.dumps(to_jsonable({"url": url, "note": f"tried {url.render()}"}))
    assert "hunter2" not in payload
    assert "admin:***@db" in payload
