"""``history sum`` and ``repair --accept-checksums``: the history's integrity (docs/team.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alembic_baseline.commands import common
from alembic_baseline.deploy.applied import accept
from alembic_baseline.deploy.state import read_state
from alembic_baseline.errors import ConfigError, ExitCode
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.report import dataclass_json
from alembic_baseline.settings import Settings
from alembic_baseline.team.integrity import DELETED, check_state, current_file
from alembic_baseline.team.presentation import LinesResult
from alembic_baseline.team.sums import SumResult, write_sums


def history_sum(settings: Settings, *, accept_changes: bool = False) -> SumResult:
    """Write alembic-baseline.sum (one checksum per revision file) in every version directory.

    Refuses (exit 3) to record an edited or deleted revision that other revisions follow unless
    ``accept_changes``: that change is what the sum file exists to catch.
    """
    return write_sums(History(AlembicProject(settings)), accept_changes=accept_changes)


@dataclass(frozen=True)
class Accepted:
    revision: str
    recorded: str
    accepted: str
    """The file's checksum now (``deleted``: no file declares the revision any more)."""
    path: str


@dataclass(frozen=True)
class AcceptResult(LinesResult):
    """``repair --accept-checksums``: what is (or would be) accepted on which database."""

    database: str
    accepted: tuple[Accepted, ...]
    confirmed: bool

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return dataclass_json(self)

    def lines(self) -> list[str]:
        verb = "accepted" if self.confirmed else "to accept (nothing done: confirm with --yes)"
        out = [f"repair --accept-checksums on {self.database}: {verb}"]
        out += [f"{a.revision} {a.path}: {a.recorded} → {a.accepted}" for a in self.accepted]
        return out


def accept_checksums(
    settings: Settings, *, url: str | None, revisions: Sequence[str], confirmed: bool
) -> AcceptResult:
    """Accept a deliberate change to applied revisions: record their files' checksums now.

    Only revisions whose recorded checksum differs from their file can be accepted (others are
    a mistake: exit 2). Without ``confirmed`` nothing is written.
    """
    project = AlembicProject(settings)
    db_url = common.database_url(settings, url, project)
    history = History(project)
    state = read_state(project, db_url, applied=True)
    schema = state.version_table.schema
    check = check_state(history, state)
    changed = {m.revision: m for m in check.mismatches}
    wrong = [r for r in revisions if r not in changed]
    if wrong:
        raise ConfigError(
            f"Nothing to accept for {', '.join(wrong)}: not an applied revision whose file "
            f"changed on {db_url.redacted}"
            + ("" if check.recorded else " (the database has no applied-revisions table)")
            + ".",
            hint="`alembic-baseline status` lists the applied revisions whose files changed.",
        )
    rows = []
    for revision in revisions:
        path = current_file(history, revision)
        shown = (
            path.relative_to(settings.project_dir).as_posix() if path else changed[revision].path
        )
        rows.append(
            Accepted(
                revision, changed[revision].recorded, changed[revision].actual or DELETED, shown
            )
        )
    if confirmed:
        accept(db_url, schema, [(a.revision, a.accepted, a.path) for a in rows], None)
    return AcceptResult(db_url.redacted, tuple(rows), confirmed)
