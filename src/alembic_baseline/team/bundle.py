"""``bundle FROM:TO -o DIR``: the range as plain SQL files a DBA reviews and runs with psql.

Layout of DIR: ``apply.sql`` (includes ``upgrade/NNNN_<rev>.sql`` in order, with the
transactions Alembic renders), ``rollback/rollback.sql`` + ``rollback/NNNN_<rev>.sql`` (where
downgrades render), ``lint.md``, ``README.md``, ``SHA256SUMS``. Every revision file starts with a
guard that raises unless the version table holds exactly the revisions expected before it.
"""

from __future__ import annotations

from pathlib import Path

from alembic_baseline.errors import ConfigError
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.team import bundle_files, bundle_readme, bundle_render
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
        empty = bundle_files.empty_downgrades(up, down, table_name)
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
    files.write_file("SHA256SUMS", sums.encode("utf-8"))
    return BundleResult(**{**result.__dict__, "files": len(sums.splitlines())})
