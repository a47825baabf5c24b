"""Applied revisions against their files: did a revision change after a database ran it?

``apply`` records each revision's checksum in the database (:mod:`alembic_baseline.deploy.applied`).
Here the revisions the database is at (its version table's revisions and everything below them)
are compared with the files: a recorded revision whose file changed, or which no file declares any
more, makes ``status`` and ``apply`` refuse (exit 3) until the file is restored or the change is
accepted (``repair --accept-checksums REV``). A revision archived by a baseline is present: its
file in the archive is compared; a bridge revision, which carries the old head's id with other
content, does not count against it (either file matching is enough); a revision a baseline's
manifest lists as archived but whose file is gone is present and reported as not compared.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from alembic_baseline.baseline.manifest import Manifest, baselines_dir
from alembic_baseline.deploy.applied import (
    APPLIED_TABLE,
    AppliedRow,
    IntegrityCheck,
    Mismatch,
    Recorder,
)
from alembic_baseline.deploy.state import DbState, Deployment, Progress
from alembic_baseline.errors import UnsafeError
from alembic_baseline.history.checksums import ChecksumCache, file_checksum
from alembic_baseline.history.graph import History, Revision, ancestors
from alembic_baseline.runbook.record import RunRecord, save

CHECKSUM_CACHE = "checksums.json"
"""Under the state directory's cache/ (see :class:`ChecksumCache`)."""
DELETED = "deleted"
"""The checksum recorded when the deletion of an applied revision's file was accepted."""


def applied_revisions(history: History, current: Iterable[str]) -> set[str]:
    """The revisions a database at ``current`` has run: those and everything below them,
    through live and archived revisions (a bridge's id continues in the archive)."""
    downs: dict[str, set[str]] = {}
    for rev in (*history.live.values(), *history.archived.values()):
        downs.setdefault(rev.id, set()).update(rev.down_revisions)
    return ancestors(downs, current)


def _manifest_archived(history: History) -> set[str]:
    directory = baselines_dir(history.script_location)
    found: set[str] = set()
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else ():
        try:
            found.update(Manifest.from_json(path.read_text(encoding="utf-8")).archived)
        except (OSError, ValueError, TypeError):
            continue  # a damaged manifest is doctor's to report
    return found


def _checksum(cache: ChecksumCache, path: Path) -> str | None:
    """The file's checksum; None when it is gone (one stat: the cache's)."""
    try:
        return cache.checksum(path)
    except FileNotFoundError:
        return None


def compare(
    history: History,
    rows: Mapping[str, AppliedRow],
    current: Iterable[str],
    cache: ChecksumCache | None = None,
) -> IntegrityCheck:
    """Compare the recorded checksums of the applied revisions with the files (``cache``:
    checksums of files whose size, mtime and inode did not change are not recomputed)."""
    cache = cache or ChecksumCache(None)
    wanted = applied_revisions(history, current) & set(rows)
    files: dict[str, list[Revision]] = {}
    for rev in (*history.live.values(), *history.archived.values()):
        files.setdefault(rev.id, []).append(rev)
    mismatches, not_compared = [], []
    archived: set[str] | None = None
    for rev_id in sorted(wanted):
        row = rows[rev_id]
        sums = [s for s in (_checksum(cache, r.path) for r in files.get(rev_id, ())) if s]
        if row.checksum in sums:
            continue
        if not sums:
            if row.checksum == DELETED:
                continue
            archived = _manifest_archived(history) if archived is None else archived
            if rev_id in archived:
                not_compared.append(rev_id)
                continue
        mismatches.append(Mismatch(rev_id, row.checksum, sums[0] if sums else None, row.path))
    cache.save()
    return IntegrityCheck(True, len(wanted), tuple(mismatches), tuple(not_compared))


def check_state(history: History, state: DbState, cache_dir: Path | None = None) -> IntegrityCheck:
    """Compare the applied-revisions rows read with the database's state with the files."""
    if state.applied is None:
        return IntegrityCheck(False)
    cache = ChecksumCache(cache_dir / CHECKSUM_CACHE if cache_dir is not None else None)
    return compare(history, state.applied, state.current, cache)


def current_file(history: History, revision: str) -> Path | None:
    """The file that declares ``revision`` now (live first, then the archive)."""
    for found in (history.live.get(revision), history.archived.get(revision)):
        if found is not None and found.path.is_file():
            return found.path
    return None


def checksums_for(revisions: Iterable[Revision], base: Path) -> dict[str, tuple[str, str]]:
    """id → (checksum, path relative to ``base``) for the revisions about to be applied."""
    out = {}
    for rev in revisions:
        try:
            shown = rev.path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            shown = str(rev.path)
        out[rev.id] = (file_checksum(rev.path), shown)
    return out


def of(dep: Deployment) -> IntegrityCheck | None:
    """The check for a deployment's database (None: ``record_applied = false``)."""
    if not dep.options.record_applied:
        return None
    return check_state(dep.history, dep.state, dep.options.cache_dir)


def require_intact(dep: Deployment) -> None:
    """Refuse (exit 3) to run revisions on top of applied ones whose files changed."""
    check = of(dep)
    if check is None or check.ok:
        return
    details = [m.detail for m in check.mismatches]
    ids = " ".join(m.revision for m in check.mismatches)
    raise UnsafeError(
        f"Refused: {len(details)} applied revision(s) no longer match their files: "
        f"{'; '.join(details)}. Nothing was done.",
        hint="Restore the files as they were applied (git log -p FILE), or, if the change is "
        f"deliberate and reviewed, accept it: alembic-baseline repair --accept-checksums {ids}",
        context={m.revision: m.detail for m in check.mismatches},
    )


def recorder(dep: Deployment, pending: Iterable[Revision], run_id: str) -> Recorder | None:
    """The ``on_version_apply`` recorder for ``apply`` (None: ``record_applied = false``)."""
    if not dep.options.record_applied:
        return None
    return Recorder(checksums_for(pending, dep.project.settings.project_dir), run_id)


def upgrade(dep: Deployment, rev: Revision, recorder: Recorder | None) -> object:
    """``alembic upgrade rev`` for ``apply``, recording it when ``recorder`` is given."""
    if recorder is None:
        return dep.project.upgrade(dep.url, rev.id)
    recorder.started = time.perf_counter()
    return dep.project.upgrade(dep.url, rev.id, on_version_apply=recorder)


def report_problems(recorder: Recorder | None, record: RunRecord, progress: Progress) -> None:
    """Rows that could not be written: said in the run's output and in its record."""
    if recorder is None or not recorder.problems:
        return
    lost = "; ".join(recorder.problems)
    progress(f"warning: {APPLIED_TABLE} not written for {lost}")
    record.next_steps.append(f"{APPLIED_TABLE} was not written for {lost}.")
    save(record)
