"""The state directory: where it is (pyproject < env < --state-dir), its layout, its .gitignore."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from alembic_baseline import settings, statedir
from alembic_baseline.cli import main
from alembic_baseline.deploy import options
from alembic_baseline.errors import ConfigError


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "app"
    directory.mkdir()
    (directory / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    return directory


def _pyproject(project: Path, text: str) -> None:
    (project / "pyproject.toml").write_text(text)


def test_default_layout_is_in_the_project(project: Path) -> None:
    s = settings.load(cwd=project, environ={})
    assert (s.state_dir, s.backup_dir) == (None, None)
    root = project.resolve() / ".alembic-baseline"
    state = s.state
    assert state.root == root
    assert (state.runs, state.backups, state.cache) == (
        root / "runs",
        root / "backups",
        root / "cache",
    )
    assert state.lint_cache == root / "cache" / "lint"
    assert state.fingerprints == root / "cache" / "fingerprints"
    assert state.pgstat == root / "cache" / "pgstat"
    o = options.from_settings(s)
    assert (o.runs_dir, o.backup_dir, o.cache_dir) == (state.runs, state.backups, state.cache)


def test_precedence_pyproject_env_flag(project: Path, tmp_path: Path) -> None:
    _pyproject(project, '[tool.alembic-baseline]\nstate_dir = "var/state"\n')
    s = settings.load(cwd=project, environ={})
    assert s.state_dir == project / "var" / "state"  # relative to pyproject.toml
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    env = {statedir.STATE_ENV: "from-env"}
    s = settings.load(cwd=elsewhere, config=str(project / "alembic.ini"), environ=env)
    assert s.state_dir == elsewhere / "from-env"  # relative to the working directory
    s = settings.load(cwd=elsewhere, environ=env, state_dir="/srv/flag")
    assert s.state_dir == Path("/srv/flag")
    o = options.from_settings(settings.load(cwd=project, environ={}, state_dir="/srv/st"))
    assert o.runs_dir == Path("/srv/st/runs") and o.backup_dir == Path("/srv/st/backups")
    assert o.cache_dir == Path("/srv/st/cache")


def test_backup_dir_precedence(project: Path) -> None:
    _pyproject(project, '[tool.alembic-baseline.deploy]\nbackup_dir = "deploy-bk"\n')
    s = settings.load(cwd=project, environ={}, state_dir="/srv/st")
    assert options.from_settings(s).backup_dir == project / "deploy-bk"
    _pyproject(
        project,
        '[tool.alembic-baseline]\nbackup_dir = "/backups/app"\n'
        '[tool.alembic-baseline.deploy]\nbackup_dir = "deploy-bk"\n',
    )
    s = settings.load(cwd=project, environ={})
    assert options.from_settings(s).backup_dir == Path("/backups/app")
    assert options.from_settings(s).runs_dir == project.resolve() / ".alembic-baseline" / "runs"
    s = settings.load(cwd=project, environ={statedir.BACKUP_ENV: "/mnt/backups"})
    o = options.from_settings(s)
    assert o.backup_dir == Path("/mnt/backups")
    # the command's --backup-dir wins over everything
    assert options.from_settings(s, backup_dir=Path("/flag")).backup_dir == Path("/flag")


def test_empty_values_are_refused(project: Path) -> None:
    with pytest.raises(ConfigError, match="--state-dir is empty"):
        settings.load(cwd=project, environ={}, state_dir="")
    # an empty variable counts as unset (the usual shell convention)
    assert settings.load(cwd=project, environ={statedir.STATE_ENV: ""}).state_dir is None
    _pyproject(project, '[tool.alembic-baseline]\nbackup_dir = " "\n')
    with pytest.raises(ConfigError, match="backup_dir is empty"):
        settings.load(cwd=project, environ={})


def test_makedirs_writes_the_gitignore_into_what_it_creates(tmp_path: Path) -> None:
    statedir.makedirs(tmp_path / ".alembic-baseline" / "runs")
    marker = tmp_path / ".alembic-baseline" / ".gitignore"
    assert marker.read_text() == statedir.GITIGNORE
    assert not (tmp_path / ".alembic-baseline" / "runs" / ".gitignore").exists()
    statedir.makedirs(tmp_path / ".alembic-baseline" / "backups")  # covered by the one above
    assert not (tmp_path / ".alembic-baseline" / "backups" / ".gitignore").exists()
    # an existing directory (e.g. one checked out with lint-baseline.json) is left alone;
    # the new subdirectory carries the marker instead
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / ".gitignore").write_text("own\n")
    statedir.makedirs(mine / "cache" / "lint")
    assert (mine / ".gitignore").read_text() == "own\n"
    assert (mine / "cache" / ".gitignore").read_text() == statedir.GITIGNORE
    statedir.makedirs(mine)  # nothing created: nothing written
    assert not (tmp_path / ".gitignore").exists()


def test_git_ignores_state_but_not_the_lint_baseline(tmp_path: Path) -> None:
    git = ["git", "-C", str(tmp_path)]
    if subprocess.run([*git, "init", "-q"], check=False).returncode != 0:
        pytest.skip("git is not available")
    state = tmp_path / ".alembic-baseline"
    statedir.makedirs(state / "backups")
    for name in ("backups/db.dump", "runs/r1/record.json", "cache/lint/x.json"):
        (state / name).parent.mkdir(parents=True, exist_ok=True)
        (state / name).write_text("x")
    (state / "lint-baseline.json").write_text("{}")
    out = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.splitlines() == ["?? .alembic-baseline/lint-baseline.json"]


def test_state_dir_flag_reaches_the_settings(project: Path, tmp_path: Path) -> None:
    # a command that reads its settings: the lint cache goes under --state-dir
    versions = project / "migrations" / "versions"
    versions.mkdir(parents=True)
    (project / "migrations" / "script.py.mako").write_text("")
    (project / "migrations" / "env.py").write_text("")
    (project / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    target = tmp_path / "state"
    out, err = io.StringIO(), io.StringIO()
    code = main(["-c", str(project / "alembic.ini"), "--state-dir", str(target), "lint"], out, err)
    assert code == 0, err.getvalue()
    assert (target / ".gitignore").read_text() == statedir.GITIGNORE
    assert (target / "cache" / "lint").is_dir()
    assert not (project / ".alembic-baseline").exists()
