"""Settings precedence: pyproject < environment < flags; alembic.ini location rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from alembic_baseline import settings
from alembic_baseline.errors import ConfigError


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic-baseline]\nurl_env = "APP_DB"\npg_major = 15\n'
        'scratch_url = "postgresql://s@scratch/postgres"\n[tool.alembic-baseline.lint]\n'
        'ignore = ["AB101"]\n'
    )
    return tmp_path


def test_pyproject_values(project: Path) -> None:
    s = settings.load(cwd=project, environ={})
    assert s.config_file == project / "alembic.ini"
    assert (s.url_env, s.pg_major, s.scratch_url) == (
        "APP_DB",
        15,
        "postgresql://s@scratch/postgres",
    )
    assert s.section("lint") == {"ignore": ["AB101"]}
    assert s.project_dir == project.resolve()


def test_environment_overrides_pyproject(project: Path) -> None:
    env = {"ALEMBIC_BASELINE_PG_MAJOR": "16", "ALEMBIC_BASELINE_URL_ENV": "DB_URL"}
    s = settings.load(cwd=project, environ=env)
    assert (s.pg_major, s.url_env) == (16, "DB_URL")


def test_flags_override_environment(project: Path) -> None:
    env = {"ALEMBIC_BASELINE_PG_MAJOR": "16", "ALEMBIC_CONFIG": "other.ini"}
    s = settings.load(cwd=project, environ=env, pg_major=18, config="alembic.ini", x_args=("a=1",))
    assert s.pg_major == 18
    assert s.config_file == project / "alembic.ini"
    assert s.x_args == ("a=1",)


def test_alembic_config_env_like_alembic(project: Path) -> None:
    s = settings.load(cwd=project, environ={"ALEMBIC_CONFIG": "other.ini"})
    assert s.config_file == project / "other.ini"


def test_bad_values_are_config_errors(project: Path) -> None:
    with pytest.raises(ConfigError, match="whole number"):
        settings.load(cwd=project, environ={"ALEMBIC_BASELINE_PG_MAJOR": "sixteen"})
    (project / "pyproject.toml").write_text("[tool.alembic-baseline\n")
    with pytest.raises(ConfigError) as info:
        settings.load(cwd=project, environ={})
    assert info.value.hint
