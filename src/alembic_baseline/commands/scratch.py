"""``scratch``: keep a throwaway PostgreSQL running between commands.

Every command that needs scratch databases uses a running persistent cluster of the wanted major
instead of initdb-ing its own, which saves about a second per command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from alembic_baseline.errors import ScratchError
from alembic_baseline.pg import binaries
from alembic_baseline.pg import cluster as clusters
from alembic_baseline.pg.url import DatabaseURL

if TYPE_CHECKING:
    from alembic_baseline.pg.install import Installed


@dataclass(frozen=True)
class ClusterView:
    major: int
    version: str
    url: DatabaseURL
    directory: str
    bindir: str


@dataclass(frozen=True)
class InstallationView:
    major: int
    version: str
    source: str
    bindir: str
    server: bool


@dataclass(frozen=True)
class ScratchStatus:
    running: tuple[ClusterView, ...]
    installations: tuple[InstallationView, ...]


def _view(info: clusters.ClusterInfo) -> ClusterView:
    return ClusterView(info.major, info.version, info.admin_url(), info.base, info.bindir)


def start(major: int | None = None, port: int | None = None) -> ClusterView:
    """Start a persistent scratch server (or return the one already running)."""
    return _view(clusters.start_persistent(major, port))


def stop(major: int | None = None) -> tuple[int, ...]:
    """Stop the persistent scratch server of ``major`` (all of them when None)."""
    majors = [major] if major is not None else [c.major for c in clusters.persistent_clusters()]
    return tuple(m for m in majors if clusters.stop_persistent(m))


def status() -> ScratchStatus:
    """Running persistent scratch servers and the PostgreSQL installations found here."""
    running = tuple(_view(i) for i in clusters.persistent_clusters())
    installs = tuple(
        InstallationView(
            i.major, i.version, i.source, str(i.bindir), i.has(*binaries.SERVER_PROGRAMS)
        )
        for i in binaries.discover()
    )
    return ScratchStatus(running, installs)


def url(major: int | None = None) -> DatabaseURL:
    """URL of the running persistent scratch server (maintenance database ``postgres``)."""
    running = clusters.persistent_clusters()
    if major is not None:
        running = [c for c in running if c.major == major]
    if not running:
        which = f"PostgreSQL {major} " if major else ""
        raise ScratchError(
            f"No {which}scratch server is running.",
            hint="Start one with `alembic-baseline scratch start"
            + (f" --major {major}`." if major else "`."),
        )
    return max(running, key=lambda c: c.major).admin_url()


def install(major: int, progress: Callable[[str], None] | None = None) -> Installed:
    """Fetch a relocatable PostgreSQL ``major`` into the user cache (see :mod:`..pg.install`)."""
    from alembic_baseline.pg.install import install as fetch

    return fetch(major, progress=progress)
