"""Broken projects and bad flags end with one paragraph naming the cause (never "internal
error"), the documented exit code, and with --json one JSON document on stdout."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from alembic_baseline.cli import main
from alembic_baseline.deploy import run
from alembic_baseline.errors import ExitCode
from alembic_baseline.runbook import record as rec
from tests.helpers.projects import FIXTURES, copy_project

# Nothing listens on port 1: a command that got as far as connecting would fail differently.
NOWHERE = "postgresql://nobody@127.0.0.1:1/nowhere"


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def one_json_error(out: str) -> dict[str, Any]:
    doc = json.loads(out)  # exactly one document: json.loads rejects trailing data
    assert set(doc) == {"error"}
    error = doc["error"]
    assert set(error) == {"type", "message", "hint", "exit_code", "exit_name", "context"}
    return dict(error)


@pytest.fixture
def ini(tmp_path: Path) -> Path:
    return copy_project(FIXTURES / "deploy_app", tmp_path)


def versions(ini: Path) -> Path:
    return ini.parent / "migrations" / "versions"


def assert_clean_error(code: int, err: str, *words: str) -> None:
    assert code == ExitCode.USAGE, err
    assert err.startswith("error: ") and "hint:" in err, err
    assert "internal error" not in err and "Traceback" not in err, err
    for word in words:
        assert word in err, err


def test_binary_alembic_ini(ini: Path) -> None:
    ini.write_bytes(b"\x00\x01\xff\xfe\x80 not text")
    code, _, err = cli("-c", str(ini), "status", "--url", NOWHERE)
    assert_clean_error(code, err, "is not a text file", str(ini))


def test_alembic_ini_without_sections(ini: Path) -> None:
    ini.write_text("script_location = migrations\n")
    code, _, err = cli("-c", str(ini), "status", "--url", NOWHERE)
    assert_clean_error(code, err, "is not a valid INI file", "no section headers", "[alembic]")


def test_alembic_ini_without_the_chosen_section(ini: Path) -> None:
    ini.write_text("[other]\nscript_location = migrations\n")
    code, _, err = cli("-c", str(ini), "status", "--url", NOWHERE)
    assert_clean_error(code, err, "has no [alembic] section (sections: other)", "-n/--name")


def test_revision_without_down_revision(ini: Path) -> None:
    path = versions(ini) / "d3000003_create_orders.py"
    path.write_text(path.read_text().replace('down_revision = "d2000002"\n', ""))
    code, _, err = cli("-c", str(ini), "status", "--url", NOWHERE)
    assert_clean_error(
        code, err, "d3000003_create_orders.py has no 'down_revision' variable", "down_revision ="
    )


def test_revision_with_a_syntax_error(ini: Path) -> None:
    path = versions(ini) / "d3000003_create_orders.py"
    path.write_text(path.read_text() + "\ndef broken(:\n")
    code, out, err = cli("-c", str(ini), "--json", "plan", "--url", NOWHERE)
    assert_clean_error(code, err, "d3000003_create_orders.py, line", "syntax error")
    error = one_json_error(out)
    assert error["type"] == "RevisionFileError" and error["exit_code"] == 2
    assert "d3000003_create_orders.py" in error["context"]["file"]


def test_revision_importing_a_missing_module(ini: Path) -> None:
    path = versions(ini) / "d3000003_create_orders.py"
    path.write_text("import not_installed_anywhere_xyz\n" + path.read_text())
    code, _, err = cli("-c", str(ini), "status", "--url", NOWHERE)
    assert_clean_error(
        code, err, "No module named 'not_installed_anywhere_xyz'", "PYTHONPATH", "virtualenv"
    )
    assert "d3000003_create_orders.py, line 1" in err and "Fix the revision" not in err


def test_empty_url_is_an_error_not_the_default(ini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", NOWHERE)
    for command in (["status"], ["plan"], ["apply"], ["doctor"], ["snapshot"]):
        code, _, err = cli("-c", str(ini), *command, "--url", "")
        assert_clean_error(code, err, "--url is empty")
    assert not (ini.parent / ".alembic-baseline" / "runs").exists()


@pytest.mark.parametrize("option", ["--runs-dir", "--backup-dir"])
def test_unusable_run_directories_leave_no_record(ini: Path, option: str) -> None:
    blocker = ini.parent / "a-file"
    blocker.write_text("not a directory")
    code, out, err = cli(
        "-c", str(ini), "--json", "apply", "--url", NOWHERE, option, str(blocker / "sub")
    )
    assert_clean_error(code, err, f"{option} {blocker / 'sub'} cannot be used", "is a file")
    assert one_json_error(out)["exit_code"] == 2
    assert not (ini.parent / ".alembic-baseline").exists()  # no record, nothing "running"


def test_a_runs_dir_the_kernel_refuses_is_the_same_error(ini: Path) -> None:
    """/proc passes the permission check even for root, but nothing can be created in it: the
    OSError of mkdir becomes the same paragraph (the path that catches what checks cannot)."""
    code, _, err = cli("-c", str(ini), "apply", "--url", NOWHERE, "--runs-dir", "/proc/ab-test/sub")
    assert_clean_error(code, err, "--runs-dir /proc/ab-test/sub cannot be used")


def test_json_error_document_for_several_commands(ini: Path) -> None:
    ini.write_text("[other]\n")
    for command in (["status"], ["doctor"], ["lint"], ["rollback", "--to", "x"]):
        code, out, err = cli("-c", str(ini), "--json", *command, "--url", NOWHERE)
        assert code == ExitCode.USAGE, err
        error = one_json_error(out)
        assert error["type"] == "ConfigError" and error["exit_name"] == "USAGE"
        assert "has no [alembic] section" in error["message"] and error["hint"]


def test_json_usage_error_is_a_document_too() -> None:
    code, out, err = cli("--json", "frobnicate")
    assert code == ExitCode.USAGE and "No such command" in err
    error = one_json_error(out)
    assert error["type"] == "UsageError" and "frobnicate" in error["message"]
    code, out, _ = cli("--format", "json", "status", "--no-such-flag")
    assert code == ExitCode.USAGE and one_json_error(out)["type"] == "UsageError"


def test_json_passwords_are_redacted_in_error_documents(ini: Path) -> None:
    ini.write_text("[other]\n")
    code, out, _ = cli("-c", str(ini), "--json", "status", "--url", "postgresql://u:hunter2@h/d")
    assert code == ExitCode.USAGE and "hunter2" not in out
    one_json_error(out)


def test_an_unexpected_exception_still_ends_the_record(tmp_path: Path) -> None:
    record = rec.start(tmp_path / "runs", "apply", "postgresql://h/db")
    with pytest.raises(ZeroDivisionError), run.recorded(record):
        _ = 1 / 0
    saved = json.loads((record.directory / "record.json").read_text())  # type: ignore[operator]
    assert saved["outcome"] == "error"
    assert "ZeroDivisionError" in saved["error"]["message"]
    assert rec.unfinished(tmp_path / "runs", "postgresql://h/db") == []
