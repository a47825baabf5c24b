"""Resolve a diff "side" to a snapshot: a database URL, a snapshot JSON file, or ``rev:REV``.

``rev:REV`` replays the project's own history up to REV (``rev:head``, ``rev:abc123``) on a
throwaway database of the production major (``settings.pg_major``, else the major of the other
side's database: see :func:`replay_major`) and inspects it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline.errors import ConfigError
from alembic_baseline.settings import Settings
from alembic_baseline.snapshot.inspect import Ahead, InspectOptions, inspect

if TYPE_CHECKING:
    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.history.graph import History
    from alembic_baseline.pg.scratch import ScratchServer
    from alembic_baseline.pg.url import DatabaseURL
    from alembic_baseline.snapshot.model import Snapshot

REVISION_PREFIX = "rev:"
_SIDE_HINT = (
    "Give a database URL (postgresql://…), a snapshot file written by "
    "`alembic-baseline snapshot -o FILE`, or rev:REVISION (rev:head)."
)


def describe(spec: str) -> str:
    """The side as it may be shown (a URL's password redacted)."""
    if "://" in spec:
        # lazy: start-up: reading a snapshot file imports no Alembic or psycopg
        from alembic_baseline.pg.url import redact

        return redact(spec)
    return spec


def from_url(
    url: DatabaseURL | str, options: InspectOptions, ahead: Ahead | None = None
) -> Snapshot:
    """Inspect the database at ``url`` (``ahead``: see :func:`.inspect.inspect`)."""
    # lazy: start-up: reading a snapshot file imports no Alembic or psycopg
    from alembic_baseline.pg.connect import connection
    from alembic_baseline.pg.url import DatabaseURL

    with connection(url if isinstance(url, DatabaseURL) else DatabaseURL.parse(url)) as conn:
        return inspect(conn, options, ahead)


def from_file(path: Path) -> Snapshot:
    """Load a snapshot written by ``snapshot -o``; :class:`ConfigError` when it is not one."""
    from alembic_baseline.snapshot.model import Snapshot  # lazy: see .inspect

    try:
        return Snapshot.from_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"Cannot read the snapshot {path}: {exc.strerror}.", hint=_SIDE_HINT
        ) from None
    except (ValueError, TypeError, KeyError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise ConfigError(
            f"{path} is not an alembic-baseline snapshot: {detail}.",
            hint="Write it again with `alembic-baseline snapshot -o FILE` (same tool version).",
        ) from None


def from_replay(
    project: AlembicProject,
    server: ScratchServer,
    revision: str,
    options: InspectOptions,
    *,
    history: History | None = None,
    use_cache: bool = True,
) -> Snapshot:
    """The history replayed up to ``revision`` on a new database of ``server``, inspected; the
    database is dropped afterwards (``use_cache``: through the replay's template databases)."""
    # lazy: start-up: reading a snapshot file imports no Alembic or psycopg
    from alembic_baseline.history.replay import build_at

    url = build_at(project, server, revision, history=history, use_cache=use_cache)
    try:
        return from_url(url, options)
    finally:
        server.drop_database(url.database)


def from_revision(settings: Settings, revision: str, options: InspectOptions) -> Snapshot:
    """Replay the project's history up to ``revision`` on a scratch database; inspect it."""
    # lazy: start-up: reading a snapshot file imports no Alembic or psycopg
    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.pg.scratch import scratch_server

    project = AlembicProject(settings)
    with scratch_server(major=settings.pg_major, scratch_url=settings.scratch_url) as server:
        return from_replay(project, server, revision, options, use_cache=False)


def replay_major(settings: Settings, *specs: str) -> int | None:
    """The major ``rev:`` sides are replayed on: ``settings.pg_major`` when set, else that of
    the first database side (production's: a newer major's catalog — PostgreSQL 18's named NOT
    NULL constraints — would produce DDL that production rejects), else None (the newest)."""
    if settings.pg_major is not None or not any(s.startswith(REVISION_PREFIX) for s in specs):
        return settings.pg_major
    # lazy: start-up: reading a snapshot file imports no Alembic or psycopg
    from alembic_baseline.pg.connect import connection
    from alembic_baseline.pg.server import server_major
    from alembic_baseline.pg.url import DatabaseURL

    for spec in specs:
        if "://" in spec and not spec.startswith(REVISION_PREFIX):
            with connection(DatabaseURL.parse(spec)) as conn:
                return server_major(conn)
    return None


def resolve(
    spec: str,
    settings: Settings,
    options: InspectOptions | None = None,
    ahead: Ahead | None = None,
) -> Snapshot:
    """The snapshot a side spec stands for (URL, snapshot file or ``rev:REV``); ``ahead`` is
    given the work of a database side's waits (see :func:`.inspect.inspect`)."""
    options = options or InspectOptions()
    if spec.startswith(REVISION_PREFIX):
        revision = spec[len(REVISION_PREFIX) :].strip()
        if not revision:
            raise ConfigError(f"{spec!r} names no revision.", hint="Use rev:head or rev:REVISION.")
        return from_revision(settings, revision, options)
    if "://" in spec:
        return from_url(spec, options, ahead)
    path = Path(spec)
    if path.is_file():
        return from_file(path)
    raise ConfigError(
        f"{spec!r} is neither a database URL, a snapshot file nor a revision.", hint=_SIDE_HINT
    )
