"""Settings: ``[tool.alembic-baseline]`` in pyproject.toml < environment < command-line flags.

The Alembic side (script location, ``sqlalchemy.url``, ``-x`` arguments) comes from the
project's own ``alembic.ini`` (``-c/--config``, ``-n/--name``) exactly as the ``alembic`` command
reads it, so a bare ``alembic-baseline status`` inside the team's backend container works.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from alembic_baseline import statedir
from alembic_baseline.errors import ConfigError

ENV_PREFIX = "ALEMBIC_BASELINE_"
ENVIRONMENT = {
    "ALEMBIC_CONFIG": "the alembic.ini to use (as the alembic command reads it)",
    f"{ENV_PREFIX}URL_ENV": "variable the project's env.py reads the URL from",
    f"{ENV_PREFIX}SCRATCH_URL": "server for throwaway databases (default: start one)",
    f"{ENV_PREFIX}PG_MAJOR": "PostgreSQL major of scratch servers (production's)",
    f"{ENV_PREFIX}READ_LOCK_TIMEOUT": "lock_timeout of the tool's own sessions",
    f"{ENV_PREFIX}READ_STATEMENT_TIMEOUT": "statement_timeout of the tool's own sessions",
    f"{ENV_PREFIX}STATE_DIR": "backups, run records and caches (statedir.py)",
    f"{ENV_PREFIX}BACKUP_DIR": "backups elsewhere than the state directory (statedir.py)",
    f"{ENV_PREFIX}SCRATCH_DIR": "where scratch clusters are created (pg/cluster.py)",
    f"{ENV_PREFIX}PG_BIN": "extra PostgreSQL bin directories, os.pathsep-separated",
    f"{ENV_PREFIX}SHARDS": "fleet: the number of shards, with JOB_COMPLETION_INDEX",
    "JOB_COMPLETION_INDEX": "fleet: this copy's shard (set by a Kubernetes Indexed Job)",
    "PGCONNECT_TIMEOUT": "libpq's: honoured by the tool's own connections (pg/connect.py)",
    "PGOPTIONS": "libpq's: merged with the tool's session timeouts (pg/connect.py)",
    "TMPDIR": "set explicitly: scratch clusters go to the temp dir, not RAM",
    "XDG_CACHE_HOME": "where `scratch install` keeps PostgreSQL majors",
}
"""Every environment variable the tool reads for itself, and what for (docs/cli.md). They are
read here only: :func:`load` and :func:`env` (tests/unit/test_settings_env.py)."""


def env(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The value of one of :data:`ENVIRONMENT` (``""`` when unset), for the modules that need
    it before or without :class:`Settings` (scratch servers, PostgreSQL binaries)."""
    if name not in ENVIRONMENT:
        raise KeyError(f"{name} is not one of the tool's environment variables (ENVIRONMENT)")
    return (os.environ if environ is None else environ).get(name, "")


def styles_forced(environ: Mapping[str, str] | None = None) -> bool:
    """Whether rich may style output that is not a terminal (variables rich reads itself)."""
    found = os.environ if environ is None else environ
    return any(name in found for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"))


DEFAULT_READ_LOCK_TIMEOUT = "10s"
"""lock_timeout of the tool's own sessions unless ``read_lock_timeout`` says otherwise."""
DEFAULT_READ_STATEMENT_TIMEOUT = "5min"
"""statement_timeout of the tool's own sessions unless ``read_statement_timeout`` says so."""


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about the project and the environment."""

    config_file: Path = Path("alembic.ini")
    ini_section: str = "alembic"
    x_args: tuple[str, ...] = ()
    url_env: str = "DATABASE_URL"
    """Environment variable the project's env.py reads the URL from (also set when we drive it)."""
    scratch_url: str | None = None
    pg_major: int | None = None
    """PostgreSQL major of production: scratch replays use it (default: the newest available)."""
    output: str = "text"  # text | json | markdown
    read_lock_timeout: str = DEFAULT_READ_LOCK_TIMEOUT
    """lock_timeout of the tool's own sessions (catalog reads, backups); see pg/waits.py."""
    read_statement_timeout: str = DEFAULT_READ_STATEMENT_TIMEOUT
    """statement_timeout of the tool's own sessions (not of the revisions it applies)."""
    traceback: bool = False
    project: Mapping[str, Any] = field(default_factory=dict)
    """The raw ``[tool.alembic-baseline]`` table. Its top-level keys are read by :func:`load`;
    each feature section ``[tool.alembic-baseline.<feature>]`` is parsed by its feature, in one
    ``from_settings(settings)`` each: ``deploy/options.py``, ``lint/config.py``,
    ``baseline/options.py`` (``backup_dir``, a path of the state layout, by statedir.py)."""
    pyproject: Path | None = None
    pre_replay: str | None = None
    """A SQL file or ``module:function`` run on each empty scratch database before the history
    replays on it (tables an application makes outside Alembic); see docs/baseline.md."""
    state_dir: Path | None = None
    """Backups, run records, caches (None: ``<project>/.alembic-baseline``); see statedir.py."""
    backup_dir: Path | None = None
    """Backups elsewhere than ``<state_dir>/backups`` (a command's ``--backup-dir`` still wins)."""

    @property
    def state(self) -> statedir.Layout:
        """Paths of the state directory (one layout, defined in statedir.py)."""
        return statedir.layout(self.project_dir, self.state_dir, self.backup_dir)

    @property
    def project_dir(self) -> Path:
        return self.config_file.resolve().parent

    @property
    def json(self) -> bool:
        return self.output == "json"

    def section(self, name: str) -> Mapping[str, Any]:
        """The raw ``[tool.alembic-baseline.<name>]`` (only a feature's ``from_settings``)."""
        value = self.project.get(name, {})
        return value if isinstance(value, Mapping) else {}


def find_pyproject(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_pyproject(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    import tomllib  # start-up: only a project with a pyproject.toml parses TOML

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"{path} could not be read: {exc}",
            hint="Fix the TOML syntax of pyproject.toml.",
        ) from None
    table = data.get("tool", {}).get("alembic-baseline", {})
    if not isinstance(table, dict):
        raise ConfigError(f"[tool.alembic-baseline] in {path} must be a table.")
    return table


def _int(value: object, what: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise ConfigError(f"{what} must be a whole number, not {value!r}.") from None


def load(
    *,
    config: str | None = None,
    name: str | None = None,
    x_args: tuple[str, ...] = (),
    scratch_url: str | None = None,
    pg_major: int | None = None,
    output: str | None = None,
    traceback: bool = False,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    state_dir: str | None = None,
) -> Settings:
    """Merge pyproject, environment and flags (flags win)."""
    env = os.environ if environ is None else environ
    cwd = cwd or Path.cwd()
    config_path = Path(config or env.get("ALEMBIC_CONFIG") or "alembic.ini")
    if not config_path.is_absolute():
        config_path = cwd / config_path
    pyproject = find_pyproject(config_path.parent if config_path.parent.is_dir() else cwd)
    table = read_pyproject(pyproject)

    settings = Settings(config_file=config_path, project=table, pyproject=pyproject)
    # 1. pyproject
    if "url_env" in table:
        settings = replace(settings, url_env=str(table["url_env"]))
    if "scratch_url" in table:
        settings = replace(settings, scratch_url=str(table["scratch_url"]))
    if "pg_major" in table:
        settings = replace(settings, pg_major=_int(table["pg_major"], "pg_major"))
    if table.get("pre_replay"):
        settings = replace(settings, pre_replay=str(table["pre_replay"]))
    if "read_lock_timeout" in table:
        settings = replace(settings, read_lock_timeout=str(table["read_lock_timeout"]))
    if "read_statement_timeout" in table:
        settings = replace(settings, read_statement_timeout=str(table["read_statement_timeout"]))
    # 2. environment
    if env.get(f"{ENV_PREFIX}READ_LOCK_TIMEOUT"):
        settings = replace(settings, read_lock_timeout=env[f"{ENV_PREFIX}READ_LOCK_TIMEOUT"])
    if env.get(f"{ENV_PREFIX}READ_STATEMENT_TIMEOUT"):
        settings = replace(
            settings, read_statement_timeout=env[f"{ENV_PREFIX}READ_STATEMENT_TIMEOUT"]
        )
    if f"{ENV_PREFIX}URL_ENV" in env:
        settings = replace(settings, url_env=env[f"{ENV_PREFIX}URL_ENV"])
    if env.get(f"{ENV_PREFIX}SCRATCH_URL"):
        settings = replace(settings, scratch_url=env[f"{ENV_PREFIX}SCRATCH_URL"])
    if env.get(f"{ENV_PREFIX}PG_MAJOR"):
        settings = replace(
            settings, pg_major=_int(env[f"{ENV_PREFIX}PG_MAJOR"], f"{ENV_PREFIX}PG_MAJOR")
        )
    # state_dir / backup_dir: pyproject < environment < --state-dir (statedir.resolve)
    state, backup = statedir.resolve(
        table,
        env,
        base=pyproject.parent if pyproject else cwd,
        cwd=cwd,
        state_flag=state_dir,
    )
    settings = replace(settings, state_dir=state, backup_dir=backup)
    # 3. flags
    return replace(
        settings,
        ini_section=name or "alembic",
        x_args=tuple(x_args),
        scratch_url=scratch_url or settings.scratch_url,
        pg_major=pg_major if pg_major is not None else settings.pg_major,
        output=output or "text",
        traceback=traceback,
    )
