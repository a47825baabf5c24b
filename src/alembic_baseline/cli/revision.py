"""``alembic-baseline revision rebase``."""

from pathlib import Path
from typing import Annotated

import typer

from alembic_baseline.cli._app import app, operation, state
from alembic_baseline.cli._url import chosen_url

revision_app = typer.Typer(help="Revision files: rebase a branch.", no_args_is_help=True)
app.add_typer(revision_app, name="revision")


def _urls(ctx: typer.Context, urls: list[str] | None, envs: list[str] | None) -> list[str]:
    """Every database given, each read the way ``--url`` / ``--url-env`` always are."""
    given = [chosen_url(ctx, url, None, None) for url in urls or ()]
    given += [chosen_url(ctx, None, name, None) for name in envs or ()]
    return [url for url in given if url]


@revision_app.command("rebase", **operation("alembic_baseline.commands.revision:rebase"))
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
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.revision import rebase

    st = state(ctx)
    result = rebase(
        st.settings, urls=_urls(ctx, url, url_env), move=move, runs_dir=runs_dir, dry_run=dry_run
    )
    st.reporter.show(result)
    return result.exit_code
