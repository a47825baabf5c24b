"""The history replayed on a scratch database (what ``baseline create --from-history`` dumps,
``baseline verify`` compares), with none of the snapshot and diff machinery: that is imported
on a thread while the history replays (see ``verify.preload_checks``)."""

from __future__ import annotations

from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL

VersionTableName = tuple[str, str | None]
"""(name, schema) of a version table, as env.py configures it."""


def replay_to(
    project: AlembicProject,
    server: ScratchServer,
    revision: str,
    url: DatabaseURL | None = None,
) -> tuple[DatabaseURL, VersionTableName]:
    """A new database of ``server`` (``url``: an empty one it made) with the history replayed
    to ``revision`` (never a cached template), and the version table env.py configured there —
    as the replay's sandbox saw it, so env.py does not run once more only to say it."""
    url = url or server.create_database(server.new_name("replay"))
    result = project.upgrade(url, revision, scratch=True)
    seen = result.sandbox.version_table if result.sandbox is not None else None
    return url, seen or project.version_table(url, scratch=True)
