"""``revision rebase``: move the branch nobody applied onto the other head (docs/team.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from alembic_baseline import compat
from alembic_baseline.commands.common import parse_given_url
from alembic_baseline.errors import ExitCode, UnsafeError
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History, ancestors
from alembic_baseline.report import dataclass_json
from alembic_baseline.settings import Settings
from alembic_baseline.team import rebase as rb
from alembic_baseline.team.overlaps import Overlap, overlaps
from alembic_baseline.team.presentation import LinesResult
from alembic_baseline.team.rewrite import RewriteError, rewrite_down_revision
from alembic_baseline.team.sums import update_entry


@dataclass(frozen=True)
class RebaseResult(LinesResult):
    heading: ClassVar[str] = "revision rebase: "

    moved_head: str
    onto: str
    root: str
    root_file: str
    moved: tuple[str, ...]
    other: tuple[str, ...]
    databases: tuple[str, ...]
    """The databases whose version tables were read (redacted)."""
    run_records: int
    overlaps: tuple[Overlap, ...]
    written: bool
    sum_files: tuple[str, ...] = ()

    @property
    def exit_code(self) -> ExitCode:
        """1 when a table or column is touched on both sides (review the new order)."""
        return ExitCode.FINDINGS if self.overlaps else ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return dataclass_json(self)

    def lines(self) -> list[str]:
        verb = "moved" if self.written else "would move"
        out = [
            f"{verb} {len(self.moved)} revision(s) ({' → '.join(self.moved)}) onto {self.onto}: "
            f"{self.root_file} now revises {self.onto}",
            f"checked: {', '.join(self.databases) or 'no database given'}; "
            f"{self.run_records} run record(s)",
        ]
        out += [f"sum file updated: {path}" for path in self.sum_files]
        if not self.overlaps:
            out.append(f"no table or column touched on both sides ({', '.join(self.other)})")
        else:
            out.append("touched on both sides (review the new order):")
            out += [f"{o.subject}: {o.moved} now runs after {o.other}" for o in self.overlaps]
        return out


def rebase(
    settings: Settings,
    *,
    urls: Sequence[str] = (),
    move: str | None = None,
    runs_dir: Path | None = None,
    dry_run: bool = False,
) -> RebaseResult:
    """Move the unapplied branch of a two-head history onto the other head, then compare them.

    A branch counts as applied when any given database's version table (read through env.py,
    nothing written) or any run record of the state directory shows one of its revisions.
    """
    project = AlembicProject(settings)
    history = History(project, archive=False)
    applied: set[str] = set()
    downs = {r.id: r.down_revisions for r in history.live.values()}
    shown = []
    for text in urls:
        url = parse_given_url(text)
        current = project.current_heads(url)
        applied |= ancestors(downs, current)
        shown.append(url.redacted)
    records, count = rb.run_record_revisions(runs_dir or settings.state.runs)
    applied |= ancestors(downs, records & set(downs))
    the_plan = rb.plan(history, applied, move)
    root = the_plan.root
    source = root.path.read_text(encoding="utf-8")
    try:
        new_source = rewrite_down_revision(source, the_plan.fork, the_plan.onto)
    except RewriteError as exc:
        raise UnsafeError(
            f"Refused: {root.path.name}: {exc}; it cannot be edited safely. Nothing was changed.",
            hint=f'Set down_revision = "{the_plan.onto}" by hand, or merge the heads.',
        ) from None
    sums: list[Path] = []
    if not dry_run:
        root.path.write_text(new_source, encoding="utf-8")
        sums = update_entry(root.id, root.path, compat.version_locations(history.script))
    sys_path = [str(settings.project_dir)]
    found = overlaps(
        [(r, history.live[r].path) for r in the_plan.moved],
        [(r, history.live[r].path) for r in the_plan.other],
        sys_path,
    )
    return RebaseResult(
        the_plan.moved_head,
        the_plan.onto,
        root.id,
        _shown(root.path, settings.project_dir),
        the_plan.moved,
        the_plan.other,
        tuple(shown),
        count,
        tuple(found),
        not dry_run,
        tuple(_shown(p, settings.project_dir) for p in sums),
    )


def _shown(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)
