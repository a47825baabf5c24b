"""One test session's access to the project and its scratch server (built on first use).

Configuration, later entries win::

    [tool.alembic-baseline]            scratch_url, pg_major (the tool's scratch settings)
    [tool.alembic-baseline.pytest]     alembic_ini, scratch_url, pg_major, server
    pytest ini options                 alembic_baseline_ini, alembic_baseline_scratch_url, ...
    ALEMBIC_BASELINE_SCRATCH_URL / ALEMBIC_BASELINE_PG_MAJOR   (CI sets these)

``server``: ``persistent`` (default) keeps a local scratch server running between sessions (the
one ``alembic-baseline scratch start`` starts; stop it with ``alembic-baseline scratch stop``), so
the templates survive and a second session only clones; ``ephemeral`` starts a server for the
session and removes it afterwards (templates are rebuilt each session). With a scratch URL, the
templates are kept on that server.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic_baseline import compat, statedir
from alembic_baseline import settings as settings_mod
from alembic_baseline.errors import ConfigError
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg import binaries, scratch
from alembic_baseline.pg import cluster as clusters
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.testing.pool import ClonePool
from alembic_baseline.testing.template import Templates

SERVER_MODES = ("persistent", "ephemeral")


@dataclass(frozen=True)
class PluginConfig:
    """What the plugin was told (None: not set at that level)."""

    alembic_ini: str | None = None
    scratch_url: str | None = None
    pg_major: int | None = None
    server: str | None = None


def major_number(value: object, where: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        raise ConfigError(f"{where} must be a PostgreSQL major number, not {value!r}.") from None


def resolve(
    rootdir: Path, ini: PluginConfig, environ: Mapping[str, str] | None = None
) -> tuple[settings_mod.Settings, str]:
    """Settings for the project found from ``rootdir``, and the server mode."""
    probe = settings_mod.load(cwd=rootdir, environ={})
    table: Mapping[str, Any] = probe.section("pytest")
    ini_path = ini.alembic_ini or table.get("alembic_ini") or "alembic.ini"
    config = Path(str(ini_path))
    if not config.is_absolute():
        base = probe.pyproject.parent if probe.pyproject and table else rootdir
        config = base / config
    # pytest's own settings (ini, then the pytest table) count as flags over the tool's table;
    # the environment still wins, so a CI job can point every run at its service container.
    url = ini.scratch_url or table.get("scratch_url")
    major = (
        ini.pg_major
        if ini.pg_major is not None
        else major_number(table.get("pg_major"), "[tool.alembic-baseline.pytest] pg_major")
    )
    if settings_mod.env(f"{settings_mod.ENV_PREFIX}SCRATCH_URL", environ):
        url = None
    if settings_mod.env(f"{settings_mod.ENV_PREFIX}PG_MAJOR", environ):
        major = None
    settings = settings_mod.load(
        config=str(config),
        cwd=rootdir,
        environ=environ,
        scratch_url=str(url) if url else None,
        pg_major=major,
    )
    mode = str(ini.server or table.get("server") or "persistent")
    if mode not in SERVER_MODES:
        raise ConfigError(
            f"alembic-baseline pytest setting server must be one of {', '.join(SERVER_MODES)}, "
            f"not {mode!r}."
        )
    return settings, mode


def _server_lock(path: Path) -> contextlib.AbstractContextManager[None]:
    """Serialise starting the persistent server between xdist workers (one initdb, not N)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return statedir.file_lock(path)


def open_server(settings: settings_mod.Settings, mode: str) -> scratch.ScratchServer:
    """The scratch server of the session (see the module docstring)."""
    if settings.scratch_url or mode == "ephemeral":
        return scratch.open_server(major=settings.pg_major, scratch_url=settings.scratch_url)
    installation = binaries.find_server(settings.pg_major)
    lock = clusters.scratch_root() / f"alembic-baseline-{os.geteuid()}.pytest.lock"
    with _server_lock(lock):
        info = clusters.persistent_info(installation.major)
        if info is None:
            info = clusters.start_persistent(installation.major)
    return scratch.LocalCluster(info, owned=False)


class Toolkit:
    """The project, the server, the templates and the clones of one session (or xdist worker)."""

    def __init__(self, settings: settings_mod.Settings, mode: str) -> None:
        self.settings = settings
        self.mode = mode
        self.project = AlembicProject(settings)
        self._server: scratch.ScratchServer | None = None
        self._templates: Templates | None = None
        self._pool: ClonePool | None = None

    @property
    def server(self) -> scratch.ScratchServer:
        if self._server is None:
            self._server = open_server(self.settings, self.mode)
        return self._server

    @property
    def has_server(self) -> bool:
        return self._server is not None

    @property
    def templates(self) -> Templates:
        if self._templates is None:
            self._templates = Templates(self.server, self.project)
            self._templates.reap_orphans()
        return self._templates

    @property
    def pool(self) -> ClonePool:
        if self._pool is None:
            self._pool = ClonePool(self.templates)
        return self._pool

    def clone_at(self, revision: str = "heads") -> DatabaseURL:
        """A new database at ``revision``, cloned from its (cached) template."""
        return self.pool.take(self.templates.ensure(revision))

    def drop(self, url: DatabaseURL) -> None:
        """Drop a database :meth:`clone_at` made (in the background)."""
        if self._server is None:
            return  # closed: close() dropped every clone of this process already
        self.pool.give_back(url)

    def sqlalchemy_url(self, url: DatabaseURL) -> str:
        """``url`` as the project's own driver spells it (asyncpg projects get asyncpg)."""
        return self.project.render_url(url)

    def sync_url(self, url: DatabaseURL) -> str:
        """``url`` with a synchronous driver, for a SQLAlchemy engine in the tests."""
        driver = self.project.driver
        sync = driver if driver in ("psycopg", "psycopg2", "pg8000") else "psycopg"
        return url.render(compat.sqlalchemy_driver(sync))

    def close(self) -> None:
        """Drop this process's clones; stop the server only when the session owns it."""
        if self._server is None:
            return
        try:
            if self._pool is not None:
                self._pool.close()
            if self._templates is not None:
                self._templates.drop_own_clones()
        finally:
            self._server.close()
            self._server = None
            self._templates = None
            self._pool = None
