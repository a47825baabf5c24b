"""``alembic-baseline lint`` in-process: formats, exit codes, --pending, baseline, rules, docs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from lintcases import two_revision_project

from alembic_baseline.cli import main
from alembic_baseline.errors import ExitCode
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.lint.registry import all_rules
from tests.helpers.console import console


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def ini(tmp_path: Path) -> str:
    return str(two_revision_project(tmp_path))


def test_text_output_and_exit_code(ini: str) -> None:
    code, out, _ = run("-c", ini, "lint", "--no-cache")
    assert code == ExitCode.FINDINGS
    assert "alembic/versions/000000000002_case.py" in out
    assert "PG101 create-index-concurrently" in out and "hint:" in out
    assert "AB201" in out  # revision 1 has a pass downgrade
    assert out.rstrip().endswith("in 2 revision file(s).")


def test_fail_on_and_select(ini: str) -> None:
    code, out, _ = run("-c", ini, "lint", "--no-cache", "--select", "PG1,PG4", "--fail-on", "error")
    assert code == ExitCode.OK
    assert "AB201" not in out and "PG101" in out


def test_machine_formats(ini: str) -> None:
    code, out, _ = run("-c", ini, "lint", "--no-cache", "--output-format", "sarif")
    assert code == ExitCode.FINDINGS
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"AB201", "PG101", "PG402"}
    _, out, _ = run("-c", ini, "lint", "--no-cache", "--output-format", "github")
    assert all(line.startswith(("::error ", "::warning ")) for line in out.splitlines())
    code, out, _ = run("--json", "-c", ini, "lint", "--no-cache")
    assert json.loads(out)["counts"]["error"] == 1
    code, _, err = run("-c", ini, "lint", "--output-format", "xml")
    assert code == ExitCode.USAGE and "xml" in err


def test_pending_asks_the_database(ini: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AlembicProject, "current_heads", lambda self, url: ("000000000001",))
    code, out, _ = run(
        "-c", ini, "lint", "--no-cache", "--pending", "--url", "postgresql://u@localhost/db"
    )
    assert code == ExitCode.FINDINGS
    assert "000000000002_case.py" in out and "000000000001_case.py" not in out
    assert "in 1 revision file(s)" in out


def test_since(ini: str) -> None:
    _, out, _ = run("-c", ini, "lint", "--no-cache", "--since", "000000000001")
    assert "000000000001_case.py" not in out and "PG101" in out


def test_write_baseline_then_clean(ini: str) -> None:
    code, _, err = run("-c", ini, "lint", "--no-cache", "--write-baseline")
    assert code == ExitCode.OK and "baseline written" in err + _
    code, out, _ = run("-c", ini, "lint", "--no-cache")
    assert code == ExitCode.OK
    assert "no findings in 2 revision file(s); 3 accepted in the baseline." in out
    baseline = Path(ini).parent / ".alembic-baseline" / "lint-baseline.json"
    assert len(json.loads(baseline.read_text())["findings"]) == 3


def test_list_rules_and_write_docs(tmp_path: Path) -> None:
    code, out, _ = run("lint", "--list-rules")
    assert code == ExitCode.OK
    assert len(out.strip().splitlines()) == len(all_rules())
    code, out, _ = run("--json", "lint", "--list-rules")
    assert {r["code"] for r in json.loads(out)} == {r.code for r in all_rules()}
    code, out, _ = run("lint", "--write-docs", str(tmp_path / "rules"))
    assert code == ExitCode.OK
    assert (tmp_path / "rules" / "README.md").is_file()
    assert len(list((tmp_path / "rules").glob("*.md"))) == len(all_rules()) + 1


def test_bad_configuration_is_a_usage_error_with_a_hint(ini: str) -> None:
    pyproject = Path(ini).parent / "pyproject.toml"
    pyproject.write_text('[tool.alembic-baseline.lint]\nselect = ["XX"]\n')
    code, _, err = run("-c", ini, "lint")
    assert code == ExitCode.USAGE
    assert "matches no rule" in err and "hint:" in err


def test_console_run_ends_without_a_normal_shutdown_output_and_cache_whole(ini: str) -> None:
    """A linted run's process ends without tearing down what it imported and computed (~0.2 s
    of a cold 1,000-revision run; cli._ending): the atexit handlers ran, the output and the
    exit code are those of an in-process run, the cache is written (a second run reads it)."""
    project = Path(ini).parent
    code, expected, _ = run("-c", ini, "lint", "--no-cache")
    cold = console("lint", cwd=project)
    assert cold.returncode == code == ExitCode.FINDINGS, cold.stderr
    assert "ATEXIT" in cold.stderr and "FREED" not in cold.stderr
    assert cold.stdout == expected
    again = console("--json", "lint", cwd=project)  # not the recorded text: from the cache
    assert again.returncode == ExitCode.FINDINGS, again.stderr
    assert json.loads(again.stdout)["files"] == 2
    assert "FREED" not in again.stderr
    assert run("--json", "-c", ini, "lint")[1] == again.stdout  # in-process: cached = fresh
    failed = console("lint", "--format", "xml", cwd=project)  # nothing kept: a normal end
    assert failed.returncode == ExitCode.USAGE and "FREED" in failed.stderr
