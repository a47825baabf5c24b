"""The CI examples in the docs run commands and options that exist; the version is one number."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from alembic_baseline import __version__
from tests.helpers.projects import cli

REPO = Path(__file__).resolve().parents[2]
PAGES = [
    "docs/integrations.md",
    "docs/ja/integrations.md",
    "docs/lint.md",
    "docs/testing.md",
    "docs/ja/testing.md",
    "docs/fleet-env.md",
    "docs/ja/fleet-env.md",
]


def _workflows(page: Path) -> list[dict[str, object]]:
    blocks = re.findall(r"```yaml\n(.*?)```", page.read_text(), flags=re.S)
    return [d for d in map(yaml.safe_load, blocks) if isinstance(d, dict) and "jobs" in d]


def _tool_lines() -> list[tuple[str, str]]:
    lines = []
    for rel in PAGES:
        for workflow in _workflows(REPO / rel):
            for job in workflow["jobs"].values():  # type: ignore[union-attr]
                for step in job["steps"]:
                    for line in str(step.get("run", "")).splitlines():
                        if line.strip().startswith("alembic-baseline "):
                            lines.append((rel, line.strip()))
    return lines


LINES = _tool_lines()


def test_the_pages_hold_workflows_with_tool_commands() -> None:
    pages = {rel for rel, _ in LINES}
    assert pages == set(PAGES), pages
    assert any(" check models " in line for _, line in LINES)


@pytest.mark.parametrize(("page", "line"), LINES, ids=[line for _, line in LINES])
def test_each_documented_command_line_parses(page: str, line: str) -> None:
    text = re.sub(r"\$\{\{[^}]*\}\}", "0", line)  # a GitHub expression: some value
    argv = shlex.split(text.split(">")[0])[1:]  # without the redirection of the output
    code, out, err = cli(*argv, "--help")
    assert code == 0, f"{page}: `{line}` does not parse: {err or out}"
    assert "Usage:" in out


def test_the_version_is_one_number() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["version"] == __version__
    code, out, _ = cli("--version")
    assert code == 0 and out.strip() == f"alembic-baseline {__version__}"
