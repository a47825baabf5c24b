"""``bundle FROM:TO -o DIR``: the range as plain SQL files a DBA reviews and runs with psql.

Layout of DIR: ``apply.sql`` (includes ``upgrade/NNNN_<rev>.sql`` in order, with the
transactions Alembic renders), ``rollback/rollback.sql`` + ``rollback/NNNN_<rev>.sql`` (where
downgrades render), ``lint.md``, ``README.md``, ``SHA256SUMS``. Every revision file starts with a
guard that raises unless the version table holds exactly the revisions expected before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_baseline.errors import ConfigError, ExitCode
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.report import dataclass_json, table
from alembic_baseline.team import bundle_files, bundle_readme, bundle_render
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
        from rich.markup import escape

        mark = "[green]✓[/]" if self.complete else "[red]✗ incomplete[/]"
        out.text(f"{mark} bundle {escape(str(self.directory))}: {len(self.revisions)} revision(s)")
        for m in self.missing:
            out.text(f"  [red]✗[/] {m.revision}: {escape(m.reason)}")
        out.text(f"  rollback: {len(self.rollback)} revision(s); {self.files} files checksummed")
        out.text(f"  run: psql -v ON_ERROR_STOP=1 -f {escape(str(self.directory / 'apply.sql'))}")

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


def parse_range(text: str) -> tuple[str | None, str]:
    start, sep, target = text.partition(":")
    if not sep or not target:
        raise ConfigError(
            f"{text!r} is not a range.", hint="Give FROM:TO, e.g. ae1027a6acf:head or base:head."
        )
    return (None if start in ("", "base") else start), target


def check_directory(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(
            f"{out} exists and is not an empty directory.",
            hint="Give -o a new or empty directory (a bundle is never written over another).",
        )


def build(
    project: AlembicProject,
    revision_range: str,
    out: Path,
    lint_markdown: str | None,
    *,
    with_rollback: bool = True,
) -> BundleResult:
    """Render ``FROM:TO`` and write the bundle into ``out`` (new or empty)."""
    start, target = parse_range(revision_range)
    check_directory(out)
    up = bundle_render.upgrade(project, start, target)
    if not up.steps and not up.missing:
        raise ConfigError(
            f"The range {revision_range} holds no revision.", hint="Check FROM and TO."
        )
    final = up.steps[-1].heads_after if up.steps else ()
    table_name = up.version_table or "alembic_version"
    end = final[0] if len(final) == 1 and not up.missing else target
    down = None
    if with_rollback and up.steps and not up.missing:
        down = bundle_render.downgrade(project, start, end, final)
    out.mkdir(parents=True, exist_ok=True)
    files = bundle_files.Writer(out)
    names = bundle_files.write_direction(files, "upgrade", up, table_name, "upgrade", up.prelude)
    title = f"alembic-baseline bundle {revision_range}: upgrade"
    files.write("apply.sql", bundle_files.driver_script(names, up.mode, "upgrade", title))
    rollback: list[str] = []
    why = "the upgrade is incomplete" if up.missing else "not asked for (--no-rollback)"
    no_rollback = list(down.missing) if down else [NotRendered(target, why)]
    if down is not None and down.steps:
        names = bundle_files.write_direction(files, "rollback", down, table_name, "downgrade", "")
        title = f"alembic-baseline bundle {revision_range}: rollback"
        files.write(
            "rollback/rollback.sql",
            bundle_files.driver_script(names, down.mode, ".", title).replace("\\ir ./", "\\ir "),
        )
        rollback = [s.revision for s in down.steps]
        empty = bundle_files.empty_downgrades(up, down)
        no_rollback += [
            NotRendered(r, "downgrade() emits no SQL (only the version table moves)") for r in empty
        ]
    if lint_markdown is not None:
        files.write("lint.md", lint_markdown)
    result = BundleResult(
        out,
        start,
        target,
        tuple(s.revision for s in up.steps),
        up.missing,
        tuple(rollback),
        tuple(no_rollback),
        up.mode,
        0,
        lint_markdown is not None,
    )
    files.write("README.md", bundle_readme.render(result, up, table_name))
    sums = files.checksums()
    (out / "SHA256SUMS").write_text(sums)
    return BundleResult(**{**result.__dict__, "files": len(sums.splitlines())})
