"""Helpers every operation shares: the project and the database a command acts on."""

from __future__ import annotations

from alembic_baseline.errors import ConfigError
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.settings import Settings


def project(settings: Settings) -> AlembicProject:
    return AlembicProject(settings)


def database_url(
    settings: Settings, url: str | None, proj: AlembicProject | None = None
) -> DatabaseURL:
    """``--url``, else the project's URL (``$DATABASE_URL`` or ``sqlalchemy.url``)."""
    if url:
        return DatabaseURL.parse(url)
    configured = (proj or AlembicProject(settings)).configured_url()
    if configured is None:
        raise ConfigError(
            "No database given.",
            hint=f"Pass --url postgresql://USER:PASSWORD@HOST/DB, or set {settings.url_env} "
            "(or sqlalchemy.url in alembic.ini).",
        )
    return configured
