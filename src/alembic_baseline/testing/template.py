"""Template databases of a project's history, cached across test sessions, and per-test clones.

A template is the project's history replayed once on a scratch server (``AlembicProject.upgrade``
with the sandbox, like every replay) and renamed into place only when complete. Its name carries
the project and a hash of the history's *content* (every file under the script directory —
revisions, the baseline's SQL, env.py — plus alembic.ini and the ``pre_replay`` file), so a
session with an unchanged history finds it and only clones it (``CREATE DATABASE … TEMPLATE``);
any edit builds a new one and drops the project's older templates.

Several processes (pytest-xdist workers, two sessions) may ask for the same template at once: the
build runs under a server-wide advisory lock, so one builds and the others wait, then clone.

Clones are named ``ab_ptc_<host>_<pid>_<random>``: a session that was killed before it could drop
its clones leaves names whose process is gone, and the next session on this host drops them.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import socket
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline.pg import tools
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL

if TYPE_CHECKING:
    from alembic_baseline.history.driver import AlembicProject

TEMPLATE_PREFIX = "ab_pt_"
CLONE_PREFIX = "ab_ptc_"
_LOCK_NAMESPACE = 0x41427470  # "ABtp": template builds of the testing toolkit
_SKIPPED_PARTS = {"__pycache__", ".mypy_cache", ".pytest_cache"}


def content_key(project: AlembicProject) -> str:
    """A hash of everything a replay of ``project`` depends on that lives in files."""
    digest = hashlib.sha256()
    settings = project.settings
    files = [settings.config_file]
    script_dir = script_directory(project)
    files += sorted(
        p
        for p in script_dir.rglob("*")
        if p.is_file() and not _SKIPPED_PARTS.intersection(p.parts) and p.suffix != ".pyc"
    )
    if settings.pre_replay and ":" not in settings.pre_replay:
        base = settings.pyproject.parent if settings.pyproject else settings.project_dir
        files.append(base / settings.pre_replay)
    for path in files:
        name = path.relative_to(script_dir) if path.is_relative_to(script_dir) else path.name
        digest.update(str(name).encode())
        digest.update(b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
        digest.update(b"\0")
    digest.update(repr((settings.ini_section, settings.x_args, settings.pre_replay)).encode())
    return digest.hexdigest()[:12]


def script_directory(project: AlembicProject) -> Path:
    """The script directory, read from alembic.ini without importing every revision file (a
    warm session must not pay for loading a long history; ``project.script`` does)."""
    location = project.config().get_main_option("script_location") or ""
    path = Path(location)
    if not path.is_absolute():
        path = project.settings.project_dir / path
    return path if path.is_dir() else project.script_location


def project_tag(project: AlembicProject) -> str:
    """Eight hex digits naming the project (its directory) among templates on a shared server."""
    return hashlib.sha256(str(project.settings.project_dir).encode()).hexdigest()[:8]


def _host_tag() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:4]


def _like(prefix: str) -> str:
    """A LIKE pattern for names starting with ``prefix`` (``_`` is a wildcard in LIKE)."""
    return prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"


def template_name(tag: str, key: str, revision: str) -> str:
    """``ab_pt_<project>_<content>_<revision>`` (≤ 63 bytes; the revision hashed when long)."""
    rev = (
        revision
        if re.fullmatch(r"[0-9a-z_]{1,12}", revision)
        else (hashlib.sha256(revision.encode()).hexdigest()[:12])
    )
    return f"{TEMPLATE_PREFIX}{tag}_{key}_{rev}"


class Templates:
    """The templates of one project on one scratch server, and the clones made from them."""

    def __init__(self, server: ScratchServer, project: AlembicProject) -> None:
        self.server = server
        self.project = project
        self.tag = project_tag(project)
        self.key = content_key(project)
        self.built: list[str] = []
        """Templates this process built (the rest were found from an earlier session)."""
        self._clone_prefix = f"{CLONE_PREFIX}{_host_tag()}_{os.getpid()}_"
        self._known: set[str] = set()  # templates seen this session (no query per clone)

    # -- templates ---------------------------------------------------------------------------
    def existing(self, revision: str = "heads") -> str | None:
        """The template at ``revision`` if one of this history content exists already."""
        name = template_name(self.tag, self.key, revision)
        return name if self.server.database_exists(name) else None

    def empty(self) -> DatabaseURL:
        """A new empty database named like a clone (dropped with the clones)."""
        return self.server.create_database(self._clone_prefix + secrets.token_hex(4), keep=True)

    def ensure(self, revision: str = "heads") -> str:
        """The template at ``revision``: found, or replayed once (under the build lock)."""
        name = template_name(self.tag, self.key, revision)
        if name in self._known or self.server.database_exists(name):
            self._known.add(name)
            return name
        with self._build_lock():
            if self.server.database_exists(name):  # another process built it meanwhile
                return name
            staging = self.server.create_database(self.server.new_name("staging"))
            self.project.upgrade(staging, revision, scratch=True)
            # Renamed only once complete: a failed replay never leaves a wrong template behind.
            self.server.rename_database(staging.database, name, keep=True)
            self.built.append(name)
            self._drop_stale()
        self._known.add(name)
        return name

    @contextmanager
    def _build_lock(self) -> Iterator[None]:
        key = zlib.crc32(self.tag.encode()) & 0x7FFFFFFF
        conn = self.server.admin()
        conn.execute("SELECT pg_advisory_lock(%s, %s)", (_LOCK_NAMESPACE, key))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s, %s)", (_LOCK_NAMESPACE, key))

    def _names(self, pattern: str) -> list[str]:
        rows = self.server.admin().execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY datname", (pattern,)
        )
        return [str(r[0]) for r in rows.fetchall()]

    def _drop_stale(self) -> None:
        """Drop this project's templates of an older history content (never the current ones)."""
        current = f"{TEMPLATE_PREFIX}{self.tag}_{self.key}_"
        for name in self._names(_like(f"{TEMPLATE_PREFIX}{self.tag}_")):
            if not name.startswith(current):
                self.server.drop_database(name)

    def drop_all(self) -> int:
        """Drop every template of this project (``--alembic-baseline-rebuild``)."""
        names = self._names(_like(f"{TEMPLATE_PREFIX}{self.tag}_"))
        for name in names:
            self.server.drop_database(name)
        self._known.clear()
        return len(names)

    # -- clones ------------------------------------------------------------------------------
    def clone(self, template: str, *, server: ScratchServer | None = None) -> DatabaseURL:
        """A new database copied from ``template`` (through ``server``: another connection to
        the same server); the caller drops it (:meth:`drop`, or :meth:`drop_own_clones`)."""
        name = self._clone_prefix + secrets.token_hex(4)
        return (server or self.server).create_database(name, template=template, keep=True)

    def drop(self, url: DatabaseURL) -> None:
        self.server.drop_database(url.database)

    def reap_orphans(self) -> int:
        """Drop clones left by killed sessions on this host (their process no longer exists)."""
        reaped = 0
        for name in self._names(_like(f"{CLONE_PREFIX}{_host_tag()}_")):
            parts = name[len(CLONE_PREFIX) :].split("_")
            if len(parts) != 3 or not parts[1].isdigit():
                continue
            pid = int(parts[1])
            if pid != os.getpid() and not tools.pid_alive(pid):
                self.server.drop_database(name)
                reaped += 1
        return reaped

    def drop_own_clones(self) -> int:
        """Drop every clone this process made that is still there (end of session)."""
        names = self._names(_like(self._clone_prefix))
        for name in names:
            self.server.drop_database(name)
        return len(names)
