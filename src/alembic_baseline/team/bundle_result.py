"""What ``bundle`` wrote, and what it could not (rendered as text, JSON and markdown)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_baseline.errors import ExitCode
from alembic_baseline.report import dataclass_json, table
from alembic_baseline.team.bundle_render import NotRendered

if TYPE_CHECKING:
    from alembic_baseline.report import Reporter


@dataclass(frozen=True)
class BundleResult:
    """What ``bundle`` wrote, and what it could not."""

    directory: Path
    start: str | None
    target: str
    revisions: tuple[str, ...]
    """Rendered revisions, in apply order."""
    missing: tuple[NotRendered, ...]
    """Revisions of the range with no SQL (the bundle is incomplete)."""
    rollback: tuple[str, ...]
    """Revisions with rollback SQL, in rollback order."""
    no_rollback: tuple[NotRendered, ...]
    transactions: str
    files: int
    linted: bool = True
    """``lint.md`` was written."""

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK if self.complete else ExitCode.FINDINGS

    def to_json(self) -> Any:
        return {**dataclass_json(self), "complete": self.complete}

    def text(self, out: Reporter) -> None:
        if not out.styled:  # a pipe or a file: the same characters without importing rich
            out.raw("\n".join(self._lines(lambda s: s, "✓", "✗ incomplete", "✗")))
            return
        from rich.markup import escape

        for line in self._lines(escape, "[green]✓[/]", "[red]✗ incomplete[/]", "[red]✗[/]"):
            out.text(line)

    def _lines(self, escape: Callable[[str], str], ok: str, incomplete: str, bad: str) -> list[str]:
        mark = ok if self.complete else incomplete
        lines = [f"{mark} bundle {escape(str(self.directory))}: {len(self.revisions)} revision(s)"]
        lines += [f"  {bad} {m.revision}: {escape(m.reason)}" for m in self.missing]
        apply = escape(str(self.directory / "apply.sql"))
        return [
            *lines,
            f"  rollback: {len(self.rollback)} revision(s); {self.files} files checksummed",
            f"  run: psql -v ON_ERROR_STOP=1 -f {apply}",
        ]

    def markdown(self) -> str:
        state = "complete" if self.complete else "**incomplete**"
        lines = [
            f"## bundle `{self.directory}`",
            "",
            f"{len(self.revisions)} revision(s), {state}; transactions: {self.transactions}.",
            "",
        ]
        if self.missing:
            lines += table(
                ("revision", "not rendered because"),
                ((f"`{m.revision}`", m.reason) for m in self.missing),
            )
            lines.append("")
        lines.append(f"Run `psql -v ON_ERROR_STOP=1 -f {self.directory / 'apply.sql'}`.")
        return "\n".join(lines) + "\n"
