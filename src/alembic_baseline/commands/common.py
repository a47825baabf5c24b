"""Helpers every operation shares: the project and the database a command acts on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_baseline.errors import ConfigError
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.settings import Settings

if TYPE_CHECKING:
    from alembic_baseline.history.driver import AlembicProject


def project(settings: Settings) -> AlembicProject:
    # lazy: start-up: a command given --url (snapshot) never loads the project
    from alembic_baseline.history.driver import AlembicProject

    return AlembicProject(settings)


def database_url(
    settings: Settings, url: str | None, proj: AlembicProject | None = None
) -> DatabaseURL:
    """``--url``, else the project's URL (``$DATABASE_URL`` or ``sqlalchemy.url``)."""
    if url is not None:
        return parse_given_url(url)
    configured = (proj or project(settings)).configured_url()
    if configured is None:
        raise ConfigError(
            "No database given.",
            hint=f"Pass --url postgresql://USER:PASSWORD@HOST/DB, or set {settings.url_env} "
            "(or sqlalchemy.url in alembic.ini).",
        )
    return configured


def parse_given_url(url: str) -> DatabaseURL:
    """A ``--url`` that was given: an empty one is an error, never "use the default"."""
    if not url.strip():
        raise ConfigError(
            "--url is empty.",
            hint="Pass --url postgresql://USER:PASSWORD@HOST/DB, or leave --url out to use "
            "the project's URL ($DATABASE_URL or sqlalchemy.url); an empty variable expanded "
            'into --url "$X" is the usual cause.',
        )
    return DatabaseURL.parse(url)
