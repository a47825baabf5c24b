"""``lint`` on a project as real histories have it: a dated ``file_template`` in alembic.ini, files
named by relative and absolute paths, and the documented pre-commit hook (relative paths)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from lintcases import REPO, write_revisions

from alembic_baseline.cli import main

TEMPLATE = "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"
CLEAN = {  # a revision no rule objects to
    "upgrade": "op.execute(\"SET lock_timeout = '5s'\")\n"
    'op.add_column("lots", sa.Column("note", sa.Text()))',
    "downgrade": 'op.drop_column("lots", "note")',
}


def run(*argv: str) -> tuple[int, dict[str, object]]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--json", *argv], out, err)
    assert out.getvalue(), err.getvalue()
    return code, dict(json.loads(out.getvalue()))


def project(root: Path, file_template: str | None = TEMPLATE) -> Path:
    """An Alembic project in ``root`` with two revisions named by ``file_template``."""
    versions = root / "alembic" / "versions"
    write_revisions(
        versions,
        [
            {**CLEAN, "revision": "3c9d5e8f1a2b", "file": "2024_03_05_3c9d5e8f1a2b_add_note.py"},
            {
                **CLEAN,
                "revision": "7f1e2d3c4b5a",
                "down_revision": "3c9d5e8f1a2b",
                "file": "2024_04_11_7f1e2d3c4b5a_add_note_again.py",
            },
        ],
    )
    (root / "alembic" / "script.py.mako").write_text("")
    ini = "[alembic]\nscript_location = %(here)s/alembic\n"
    if file_template is not None:
        ini += f"file_template = {file_template}\n"
    (root / "alembic.ini").write_text(ini)
    return versions


def _codes(report: dict[str, object]) -> list[str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return [str(f["code"]) for f in findings]


def test_dated_file_template_from_alembic_ini(tmp_path: Path) -> None:
    project(tmp_path)
    code, report = run("-c", str(tmp_path / "alembic.ini"), "lint", "--no-cache")
    assert code == 0 and _codes(report) == []
    # the same files in a project on Alembic's default template are misnamed
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/alembic\n")
    code, report = run("-c", str(tmp_path / "alembic.ini"), "lint", "--no-cache")
    assert code == 1 and _codes(report) == ["AB101", "AB101"]


def test_dated_file_template_with_a_warm_cache(tmp_path: Path) -> None:
    project(tmp_path)
    ini = str(tmp_path / "alembic.ini")
    assert run("-c", ini, "lint")[0] == 0
    assert run("-c", ini, "lint")[0] == 0  # version dirs and template from the cache
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/alembic\n")
    assert _codes(run("-c", ini, "lint")[1]) == ["AB101", "AB101"]  # the cache follows the ini


@pytest.mark.parametrize("form", ["relative", "dot-relative", "absolute", "both"])
def test_a_file_named_by_any_path_is_one_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    versions = project(tmp_path)
    monkeypatch.chdir(tmp_path)
    name = "2024_04_11_7f1e2d3c4b5a_add_note_again.py"
    paths = {
        "relative": [f"alembic/versions/{name}"],
        "dot-relative": [f"./alembic/versions/{name}"],
        "absolute": [str(versions / name)],
        "both": [f"alembic/versions/{name}", str(versions / name)],
    }[form]
    code, report = run("lint", "--no-cache", *paths)
    assert code == 0, report
    assert _codes(report) == [] and report["files"] == 1
    # a real duplicate is still one: a copied revision file
    shutil.copy(versions / name, versions / "2024_04_12_7f1e2d3c4b5a_copy.py")
    code, report = run("lint", "--no-cache", *paths)
    assert code == 1 and _codes(report) == ["AB403"]


def _hook() -> dict[str, object]:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    return dict(next(h for h in hooks if h["id"] == "alembic-baseline-lint"))


def test_documented_pre_commit_hook_passes_relative_paths(tmp_path: Path) -> None:
    """The hook of .pre-commit-hooks.yaml, run by pre-commit itself on a git repository.

    The hook is declared ``repo: local`` / ``language: system`` with this interpreter (so no
    environment is built from the network); its files, exclude and filename passing are the
    documented ones.
    """
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed (pip install pre-commit; it is a dev dependency)")
    hook = _hook()
    repo = tmp_path / "repo"
    project(repo)
    archive = repo / "alembic" / "versions" / "archive"
    write_revisions(archive, [{"revision": "0badc0ffee00", "file": "old_name.py"}])  # excluded
    local = {
        "id": hook["id"],
        "name": hook["name"],
        "entry": f"{sys.executable} -m alembic_baseline {str(hook['entry']).split(' ', 1)[1]}",
        "language": "system",
        "files": hook["files"],
        "exclude": hook["exclude"],
        "pass_filenames": hook["pass_filenames"],
        "require_serial": hook["require_serial"],
    }
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    files = sorted(str(p.relative_to(repo)) for p in (repo / "alembic" / "versions").rglob("*.py"))
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--color", "never", "--files", *files],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "alembic-baseline lint" in result.stdout and "Passed" in result.stdout
