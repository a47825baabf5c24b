"""``alembic-baseline revision rebase``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from alembic_baseline.cli._app import app, state
from alembic_baseline.errors import ConfigError

if TYPE_CHECKING:
    from alembic_baseline.commands.revision import RebaseResult
    from alembic_baseline.report import Reporter

revision_app = typer.Typer(help="Revision files: rebase a branch.", no_args_is_help=True)
app.add_typer(revision_app, name="revision")


def _urls(urls: list[str] | None, envs: list[str] | None) -> list[str]:
    found = list(urls or ())
    for name in envs or ():
        value = os.environ.get(name, "").strip()
        if not value:
            raise ConfigError(
                f"--url-env {name}: the environment variable {name} is not set or empty.",
                hint=f"export {name}='postgresql://USER:PASSWORD@HOST/DB' first.",
            )
        found.append(value)
    return found


@revision_app.command("rebase")
def rebase_cmd(
    ctx: typer.Context,
    url: Annotated[
        list[str] | None,
        typer.Option("--url", metavar="URL", help="A database to check (repeatable)."),
    ] = None,
    url_env: Annotated[
        list[str] | None,
        typer.Option(
            "--url-env", metavar="NAME", help="A database URL in env variable NAME (repeatable)."
        ),
    ] = None,
    move: Annotated[
        str | None,
        typer.Option(
            "--move",
            metavar="HEAD",
            help="The head whose branch moves (default: the one not applied anywhere).",
        ),
    ] = None,
    runs_dir: Annotated[
        Path | None,
        typer.Option("--runs-dir", metavar="DIR", help="Run records (default: STATE_DIR/runs)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would move; change no file.")
    ] = False,
) -> int:
    """Move the branch no known database applied onto the other head (one file edited)."""
    from alembic_baseline.commands.revision import rebase

    st = state(ctx)
    result = rebase(
        st.settings, urls=_urls(url, url_env), move=move, runs_dir=runs_dir, dry_run=dry_run
    )
    if st.reporter.quiet:
        st.reporter.json(result)
    else:
        _render(st.reporter, result)
    return result.exit_code


def _render(rep: Reporter, r: RebaseResult) -> None:
    from rich.markup import escape

    verb = "moved" if r.written else "would move"
    rep.text(
        f"[bold]{verb}[/] {len(r.moved)} revision(s) ({' → '.join(r.moved)}) onto {r.onto}: "
        f"{escape(r.root_file)} now revises {r.onto}"
    )
    checked = ", ".join(r.databases) or "no database given"
    rep.text(f"  checked: {escape(checked)}; {r.run_records} run record(s)")
    for path in r.sum_files:
        rep.text(f"  sum file updated: {escape(path)}")
    if not r.overlaps:
        rep.text(f"  [green]no table or column touched on both sides[/] ({', '.join(r.other)})")
        return
    rep.text("  [yellow]touched on both sides[/] (review the new order):")
    for o in r.overlaps:
        rep.text(f"  - {escape(o.subject)}: {o.moved} now runs after {o.other}")
