"""``history sum``: write the sum file of every version directory, saying what it changes.

The files are read through :class:`~alembic_baseline.history.graph.History` (Alembic's own view
of the live revisions, plus the archive a baseline made). Before writing, the new sums are
compared with the old file the way lint compares them
(:mod:`alembic_baseline.lint.rules.integrity`): an applied-looking revision (one that others
follow) that was edited or deleted is not accepted silently — the command refuses unless
``accept_changes`` says the change is deliberate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from alembic_baseline import compat
from alembic_baseline.errors import ExitCode
from alembic_baseline.history.checksums import (
    SUM_FILE,
    SumEntry,
    file_checksum,
    parse,
    relative,
    render,
)
from alembic_baseline.history.graph import History, Revision
from alembic_baseline.lint.model import RevisionSummary
from alembic_baseline.lint.registry import History as LintHistory
from alembic_baseline.lint.rules.integrity import Change, changes
from alembic_baseline.report import dataclass_json
from alembic_baseline.team.presentation import LinesResult


@dataclass(frozen=True)
class SumDir:
    """One version directory's sum file: where, how many revisions, what changed."""

    path: Path
    revisions: int
    added: tuple[str, ...] = ()
    edited: tuple[str, ...] = ()
    """Revisions others follow whose file changed (accepted only with ``accept_changes``)."""
    deleted: tuple[str, ...] = ()
    written: bool = False
    unchanged: bool = False


@dataclass(frozen=True)
class SumResult(LinesResult):
    heading: ClassVar[str] = "history sum: "

    directories: tuple[SumDir, ...] = field(default=())

    @property
    def refused(self) -> bool:
        return any((d.edited or d.deleted) and not d.written for d in self.directories)

    @property
    def exit_code(self) -> ExitCode:
        """3 when an edited or deleted revision others follow kept a sum file unwritten."""
        return ExitCode.UNSAFE if self.refused else ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {**dataclass_json(self), "refused": self.refused}

    def lines(self) -> list[str]:
        verdict = "refused" if self.refused else "up to date"
        out = [f"{len(self.directories)} sum file(s), {verdict}"]
        for d in self.directories:
            done = "unchanged" if d.unchanged else ("written" if d.written else "NOT written")
            out.append(f"{d.path}: {d.revisions} revisions, {done}")
            if d.added:
                out.append(f"  new: {', '.join(d.added)}")
            for what, ids in (("edited", d.edited), ("deleted", d.deleted)):
                if ids:
                    out.append(f"  {what} after others followed them: {', '.join(ids)}")
            if (d.edited or d.deleted) and not d.written:
                out.append(f"  {REFUSED_HINT}")
        return out


REFUSED_HINT = (
    "Refused: restore those files (git restore) and make the change in a new revision; if the "
    "change is deliberate, run again with --accept-changes and `alembic-baseline repair "
    "--accept-checksums REV` for databases that applied it."
)


def _home(rev: Revision, locations: list[Path]) -> Path | None:
    """The version location a revision file belongs to (its archive counts as inside it)."""
    for location in locations:
        for candidate in (location, location / "archive", location.parent / "archive"):
            if rev.path.parent.resolve() == candidate.resolve():
                return location
    return None


def _summaries(revisions: list[Revision]) -> tuple[RevisionSummary, ...]:
    return tuple(
        RevisionSummary(
            path=str(r.path), revision=r.id, down_revisions=r.down_revisions, archived=r.archived
        )
        for r in revisions
    )


def _entries(location: Path, revisions: list[Revision]) -> list[SumEntry]:
    entries: dict[tuple[str, str], SumEntry] = {}
    for rev in revisions:
        path = rev.path.resolve()
        if not path.is_relative_to(location.resolve()):  # a sibling archive: ../archive/x.py
            shown = f"archive/{path.name}"
        else:
            shown = relative(path, location)
        entries[(rev.id, shown)] = SumEntry(rev.id, file_checksum(rev.path), shown)
    # A bridge carries the old head's id: keep one entry per id, the live file's.
    by_id: dict[str, SumEntry] = {}
    for entry in sorted(entries.values(), key=lambda e: e.path.startswith("archive/")):
        by_id.setdefault(entry.revision, entry)
    return list(by_id.values())


def write_sums(history: History, *, accept_changes: bool = False) -> SumResult:
    """Write ``alembic-baseline.sum`` in each version directory that holds revisions."""
    locations = compat.version_locations(history.script)
    revisions = [*history.live.values(), *history.archived.values()]
    grouped: dict[Path, list[Revision]] = {}
    for rev in revisions:
        home = _home(rev, locations)
        if home is not None:
            grouped.setdefault(home, []).append(rev)
    found: list[Change] = list(changes(LintHistory(_summaries(revisions))))
    results = []
    for location, revs in sorted(grouped.items()):
        path = location / SUM_FILE
        ids = {r.id for r in revs}
        mine = [c for c in found if c.revision in ids or c.at.path.startswith(str(location))]
        edited = tuple(sorted({c.revision for c in mine if c.kind == "edited" and not c.newest}))
        deleted = tuple(sorted({c.revision for c in mine if c.kind == "deleted" and not c.newest}))
        added = tuple(sorted({c.revision for c in mine if c.kind == "unsummed"}))
        text = render(_entries(location, revs))
        old = path.read_text(encoding="utf-8") if path.is_file() else None
        unchanged = old is not None and parse(old).intact and old == text
        write = not unchanged and (accept_changes or not (edited or deleted))
        if write:
            path.write_text(text, encoding="utf-8")
        results.append(SumDir(path, len(revs), added, edited, deleted, write, unchanged))
    return SumResult(tuple(results))


def update_entry(revision: str, path: Path, locations: list[Path]) -> list[Path]:
    """After a deliberate edit (rebase), record ``path``'s new checksum for ``revision`` in the
    sum files that list it; a damaged sum file is left alone (lint reports it)."""
    written = []
    for location in locations:
        sum_path = location / SUM_FILE
        if not sum_path.is_file():
            continue
        sums = parse(sum_path.read_text(encoding="utf-8"))
        if not sums.intact or revision not in sums.by_revision():
            continue
        entries = [
            SumEntry(e.revision, file_checksum(path), e.path) if e.revision == revision else e
            for e in sums.entries
        ]
        sum_path.write_text(render(entries), encoding="utf-8")
        written.append(sum_path)
    return written
