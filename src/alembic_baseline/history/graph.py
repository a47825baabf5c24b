"""The revision graph of a project, including revisions archived by a baseline.

Alembic only sees the live ``versions`` directory. After a baseline, pre-baseline revisions live
in ``versions/archive/``; this module knows both and the bridge between them, so that commands can
say where a database stands even when its recorded revision has been archived.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline import compat
from alembic_baseline.errors import ConfigError
from alembic_baseline.history import headers
from alembic_baseline.history.blame import load_error

if TYPE_CHECKING:
    from alembic.script import Script, ScriptDirectory

    from alembic_baseline.history.driver import AlembicProject

ARCHIVE_DIR = "archive"


@dataclass(frozen=True)
class Revision:
    """One revision file."""

    id: str
    down_revisions: tuple[str, ...]
    message: str
    path: Path
    branch_labels: tuple[str, ...] = ()
    archived: bool = False

    @property
    def is_merge(self) -> bool:
        return len(self.down_revisions) > 1

    @property
    def is_base(self) -> bool:
        return not self.down_revisions


def _revision(script: Script, archived: bool) -> Revision:
    down = script.down_revision
    downs = (down,) if isinstance(down, str) else tuple(down or ())
    return Revision(
        id=script.revision,
        down_revisions=downs,
        message=(script.doc or "").strip().splitlines()[0] if script.doc else "",
        path=Path(script.path),
        branch_labels=tuple(sorted(script.branch_labels or ())),
        archived=archived,
    )


def archive_dirs(script: ScriptDirectory) -> list[Path]:
    """``archive/`` folders in (or, for recursive scans, beside) every version location."""
    found: list[Path] = []

    for location in compat.version_locations(script):
        for candidate in (Path(location) / ARCHIVE_DIR, Path(location).parent / ARCHIVE_DIR):
            if candidate.is_dir() and candidate not in found:
                found.append(candidate)
    return found


def scripts_in(directory: Path, script: ScriptDirectory) -> ScriptDirectory:
    """A ScriptDirectory reading revisions from ``directory`` only (same env.py/template)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(
        script.dir,
        file_template=script.file_template,
        truncate_slug_length=script.truncate_slug_length,
        version_locations=[str(directory)],
    )


def ancestors(downs: Mapping[str, Iterable[str]], start: Iterable[str]) -> set[str]:
    """``start`` and every revision below it, through ``downs`` (id → down revisions)."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        rev = todo.pop()
        if rev not in seen:
            seen.add(rev)
            todo.extend(downs.get(rev, ()))
    return seen


class History:
    """Live and archived revisions of one project."""

    def __init__(self, project: AlembicProject, *, archive: bool = True) -> None:
        from alembic.util import CommandError

        self.project = project
        self.script = project.read_script  # the full script unless a header cache is given
        try:
            self.live = {s.revision: _revision(s, False) for s in self.script.walk_revisions()}
        except CommandError as exc:
            raise ConfigError(
                f"Alembic cannot read the revision graph: {exc}",
                hint="Fix the revision files (duplicate ids, missing down_revision).",
            ) from None
        self.archive_dirs = archive_dirs(self.script)
        self.archived: dict[str, Revision] = {}
        for directory in self.archive_dirs if archive else ():
            archived = scripts_in(directory, self.script)
            cache = project.header_cache
            learn = cache is not None and not headers.install(archived, cache)
            try:
                for s in archived.walk_revisions():
                    self.archived[s.revision] = _revision(s, True)
                if learn and cache is not None:
                    cache.learn(archived)
            except CommandError as exc:
                raise ConfigError(
                    f"The archived revisions in {directory} do not form a valid history: {exc}",
                    hint="Restore them with `alembic-baseline baseline archive --restore`.",
                ) from None
            except Exception as exc:  # a broken archived file: name it (see blame.load_error)
                raise load_error(exc, project.settings.project_dir) from None

    @property
    def script_location(self) -> Path:
        """The script directory (env.py, versions/)."""
        return Path(self.script.dir)

    def heads(self) -> tuple[str, ...]:
        return tuple(sorted(self.script.get_heads()))

    def bases(self) -> tuple[str, ...]:
        return tuple(sorted(self.script.get_bases()))

    def locate(self, revision: str) -> str | None:
        """``"live"``, ``"archived"`` or None for a revision id."""
        if revision in self.live:
            return "live"
        if revision in self.archived:
            return "archived"
        return None

    def pending(self, current: Iterable[str], target: str = "heads") -> list[Revision]:
        """Live revisions an ``upgrade target`` would run from ``current``, in order — Alembic's
        own upgrade steps, so a branch the database has not taken (the other parent of a merge
        ahead of it) is pending too, not only the descendants of its revision."""
        steps = compat.upgrade_steps(self.script, target, tuple(current))
        return [self.live[step.revision.revision] for step in steps]

    def fingerprint(self, upto: str | None = None) -> str:
        """A hash of the revision files up to ``upto`` (all when None), env.py, and the settings
        env.py sees (``-x`` arguments, ini section, ``pre_replay``): a replay cache key — a replay
        with ``-x tenant=a`` is not the replay without it."""
        if upto is None:
            revisions = sorted(self.live.values(), key=lambda r: r.id)
        else:
            ids = {s.revision for s in self.script.iterate_revisions(upto, "base") if s is not None}
            revisions = sorted((self.live[i] for i in ids), key=lambda r: r.id)
        digest = hashlib.sha256()
        for rev in revisions:
            digest.update(rev.id.encode())
            digest.update(rev.path.read_bytes())
        env = Path(self.script.dir) / "env.py"
        if env.is_file():
            digest.update(env.read_bytes())
        seen = self.project.settings
        digest.update(repr((seen.ini_section, seen.x_args, seen.pre_replay)).encode())
        return digest.hexdigest()[:16]
