"""Replay a project's history on scratch databases, with template databases as a cache.

Building a database at revision R costs a full replay the first time; the result is kept as a
template database named after the history's fingerprint and R, and later requests clone it
(``CREATE DATABASE … TEMPLATE``, tens of milliseconds). On a persistent scratch server
(``alembic-baseline scratch start``) the templates survive between commands.
"""

from __future__ import annotations

import hashlib

from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL

TEMPLATE_PREFIX = "ab_tpl_"


def template_name(history: History, revision: str) -> str:
    """A stable database name for "this history, at this revision" (≤ 63 bytes)."""
    key = hashlib.sha256(f"{history.fingerprint(None)}:{revision}".encode()).hexdigest()[:20]
    return f"{TEMPLATE_PREFIX}{key}"


def build_at(
    project: AlembicProject,
    server: ScratchServer,
    revision: str = "heads",
    *,
    history: History | None = None,
    use_cache: bool = True,
) -> DatabaseURL:
    """A new scratch database at ``revision`` (replayed once, cloned afterwards)."""
    history = history or History(project)
    if not use_cache:
        url = server.create_database(server.new_name("replay"))
        project.upgrade(url, revision, scratch=True)
        return url
    template = template_name(history, revision)
    if not server.database_exists(template):
        staging = server.create_database(server.new_name("staging"))
        project.upgrade(staging, revision, scratch=True)
        # Renamed only once complete: a failed replay never leaves a wrong template behind.
        server.rename_database(staging.database, template, keep=True)
    return server.create_database(server.new_name("replay"), template=template)
