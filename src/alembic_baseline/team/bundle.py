"""``bundle FROM:TO -o DIR``: the range as plain SQL files a DBA reviews and runs with psql.

Layout of DIR: ``apply.sql`` (includes ``upgrade/NNNN_<rev>.sql`` in order, with the
transactions Alembic renders), ``rollback/rollback.sql`` + ``rollback/NNNN_<rev>.sql`` (where
downgrades render), ``lint.md``, ``README.md``, ``SHA256SUMS``. Every revision file starts with a
guard that raises unless the version table holds exactly the revisions expected before it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic_baseline.errors import ConfigError
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.team import bundle_files, bundle_readme, bundle_render, forked
from alembic_baseline.team.bundle_render import NotRendered
from alembic_baseline.team.bundle_result import BundleResult

__all__ = ["BundleResult", "build", "check_directory", "parse_range"]


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


@dataclass(frozen=True)
class RollbackFiles:
    """``rollback/`` as written (by this process or the helper): what the result needs."""

    revisions: tuple[str, ...]
    """The revisions undone, in the rollback's order (none: no rollback/ written)."""
    missing: tuple[NotRendered, ...]
    quiet: tuple[str, ...]
    """Revisions whose downgrade only moves the version table."""
    sums: dict[str, str]


def write_rollback(
    out: Path, down: bundle_render.Rendering, table_name: str, revision_range: str
) -> RollbackFiles:
    files = bundle_files.Writer(out)
    if down.steps:
        names = bundle_files.write_direction(files, "rollback", down, table_name, "downgrade", "")
        title = f"alembic-baseline bundle {revision_range}: rollback"
        files.write(
            "rollback/rollback.sql",
            bundle_files.driver_script(names, down.mode, ".", title).replace("\\ir ./", "\\ir "),
        )
    return RollbackFiles(
        tuple(s.revision for s in down.steps),
        down.missing,
        tuple(bundle_files.quiet_downgrades(down, table_name)),
        files.sums,
    )


def _guess_end(project: AlembicProject, target: str) -> str | None:
    """The one revision ``target`` names (where a complete upgrade leaves the version table,
    checked after the upgrade), or None when it names several or none."""
    try:
        found = project.script.get_revisions(target)
    except Exception:  # resolved again by the upgrade, which reports the error
        return None
    return found[0].revision if len(found) == 1 and found[0] is not None else None


def _start_rollback(
    project: AlembicProject,
    start: str | None,
    end: str,
    out: Path,
    revision_range: str,
    stack: contextlib.ExitStack,
) -> forked.Helper[bundle_render.Rendering, str, RollbackFiles] | None:
    return forked.start(
        "rendering the rollback",
        lambda: bundle_render.downgrade(project, start, end, (end,)),
        lambda down, table: write_rollback(out, down, table, revision_range),
        hint=_DIED,
        stack=stack,
    )


def build(
    project: AlembicProject,
    revision_range: str,
    out: Path,
    lint: Callable[[], str] | str | None,
    *,
    with_rollback: bool = True,
    parallel: bool = True,
) -> BundleResult:
    """Render ``FROM:TO`` and write the bundle into ``out`` (new or empty); ``lint``: makes the
    lint report (its error comes before the rendering's; None: no lint.md).

    ``parallel``: lint runs in a forked helper (forked.py), and, when the target names one
    revision, the rollback is rendered and written by another, while this process renders and
    writes the upgrade; the files are the same as without them. ``lint`` may be the report
    itself (recorded by an earlier run): no helper then."""
    start, target = parse_range(revision_range)
    check_directory(out)
    with forked.frozen(), contextlib.ExitStack() as stack:
        linter = None
        if lint is not None and not isinstance(lint, str) and parallel:
            # lint in a helper too: its answer is awaited before anything is written
            linter = forked.start(
                "running lint", lint, _nothing, share=True, hint=_DIED, stack=stack
            )
        helper = None
        guess = _guess_end(project, target) if with_rollback and parallel else None
        if guess is not None:
            helper = _start_rollback(project, start, guess, out, revision_range, stack)
        return _build(project, revision_range, out, (lint, linter), with_rollback, (helper, guess))


_DIED = (
    "If it was not the out-of-memory killer (see the system log), run the bundle again with "
    "--no-rollback or --no-lint to see which part is the cause (each runs in its own process), "
    "then render it alone (`alembic downgrade <to>:<from> --sql`, `alembic-baseline lint`)."
)


def _nothing(state: str, argument: None) -> None:
    return None


def _build(
    project: AlembicProject,
    revision_range: str,
    out: Path,
    linting: tuple[Callable[[], str] | str | None, forked.Helper[str, None, None] | None],
    with_rollback: bool,
    started: tuple[forked.Helper[bundle_render.Rendering, str, RollbackFiles] | None, str | None],
) -> BundleResult:
    helper, guess = started
    start, target = parse_range(revision_range)
    lint, linter = linting
    lint_markdown: str | None = None  # the helper's, awaited below
    if isinstance(lint, str):
        lint_markdown = lint  # recorded by an earlier run
    elif lint is not None and linter is None:
        lint_markdown = lint()
    try:
        up = bundle_render.upgrade(project, start, target)
    except Exception:
        if linter is not None:
            linter.ready()  # lint's error first, as when lint ran before the rendering
        raise
    if linter is not None:
        lint_markdown = linter.ready()
    if not up.steps and not up.missing:
        raise ConfigError(
            f"The range {revision_range} holds no revision.", hint="Check FROM and TO."
        )
    final = up.steps[-1].heads_after if up.steps else ()
    table_name = up.version_table or "alembic_version"
    end = final[0] if len(final) == 1 and not up.missing else target
    down = None
    rendering_down = with_rollback and up.steps and not up.missing
    if helper is not None and (not rendering_down or final != (end,) or end != guess):
        helper.stop()  # it guessed wrong (or nothing to roll back): as without it
        helper = None
    if helper is not None:
        helper.ready()  # the rollback's rendering error, raised where it was before
    elif rendering_down:
        down = bundle_render.downgrade(project, start, end, final)
    out.mkdir(parents=True, exist_ok=True)
    if helper is not None:
        helper.go(table_name)
    files = bundle_files.Writer(out)
    names = bundle_files.write_direction(files, "upgrade", up, table_name, "upgrade", up.prelude)
    title = f"alembic-baseline bundle {revision_range}: upgrade"
    files.write("apply.sql", bundle_files.driver_script(names, up.mode, "upgrade", title))
    part = None
    if helper is not None:
        part = helper.result()
    elif down is not None:
        part = write_rollback(out, down, table_name, revision_range)
    rollback: list[str] = []
    why = "the upgrade is incomplete" if up.missing else "not asked for (--no-rollback)"
    no_rollback = list(part.missing) if part else [NotRendered(target, why)]
    if part is not None and part.revisions:
        files.sums.update(part.sums)
        rollback = list(part.revisions)
        changes = bundle_files.schema_changes(up, table_name)
        no_rollback += [
            NotRendered(r, "downgrade() emits no SQL (only the version table moves)")
            for r in part.quiet
            if r in changes
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
    files.write_file("SHA256SUMS", sums.encode("utf-8"))
    return BundleResult(**{**result.__dict__, "files": len(sums.splitlines())})
