"""CI runs `bash .ci/run` on a clean clone: the script must parse and end in the README's test
command (a merge once pasted a block into its header comment and CI could not start)."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_ci_script_parses_and_runs_make_test() -> None:
    script = REPO / ".ci" / "run"
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    commands = [line.strip() for line in script.read_text().splitlines()]
    assert commands[-1] == "make test"
    assert "set -euo pipefail" in commands


def test_readme_names_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
