"""``baseline archive --restore``: undo a baseline — archived revisions back, baseline files out.

Revisions added after the baseline stay: they follow the old head, which comes back from the
archive in place of the bridge. All-or-nothing like creation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic_baseline.baseline import archive
from alembic_baseline.baseline.manifest import baselines_dir, find_manifest
from alembic_baseline.errors import ConfigError
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History


@dataclass(frozen=True)
class RestoreResult:
    revision: str
    restored: tuple[Path, ...]
    removed: tuple[Path, ...]


def restore(project: AlembicProject) -> RestoreResult:
    history = History(project)
    manifest = find_manifest(project.script_location)
    baseline = history.live.get(manifest.revision)
    bridge = history.live.get(manifest.old_head)
    if baseline is None or bridge is None:
        raise ConfigError(
            f"The baseline {manifest.revision} or its bridge {manifest.old_head} is not among "
            "the live revisions; nothing to restore.",
            hint="Check versions/ against the manifest in baselines/.",
        )
    versions = bridge.path.parent
    moves = [archive.Move(r.path, versions / r.path.name) for r in history.archived.values()]
    clash = [m.target for m in moves if m.target.exists() and m.target != bridge.path]
    if clash:
        raise ConfigError(
            f"Restoring would overwrite {', '.join(map(str, clash))}.",
            hint="Move or rename those files first.",
        )
    folder = baselines_dir(project.script_location)
    removed = [
        baseline.path,
        bridge.path,
        folder / manifest.sql,
        folder / f"{manifest.revision}.json",
    ]
    parked = [archive.Move(p, p.with_name(p.name + ".ab-removed")) for p in removed if p.exists()]
    done = archive.move_files(parked)
    try:
        restored = archive.move_files(moves)
    except BaseException:
        archive.undo(done)
        raise
    for move in done:
        move.target.unlink()
    return RestoreResult(manifest.revision, tuple(m.target for m in restored), tuple(removed))
