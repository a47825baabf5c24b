"""``alembic-baseline check upgrade-with-data``: revisions applied on generated rows."""

from typing import Annotated

import typer

from alembic_baseline.cli._app import operation, state
from alembic_baseline.cli._url import UrlEnvOpt, UrlFileOpt, chosen_url
from alembic_baseline.cli.doctor import UrlOpt, check_app


@check_app.command(
    "upgrade-with-data",
    **operation("alembic_baseline.commands.check_data:check_upgrade_with_data"),
)
def upgrade_with_data_cmd(
    ctx: typer.Context,
    url: UrlOpt = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="REV",
            help="Test the revisions after REV (exclusive). Without --from: those pending on "
            "--url (only its version table is read); else those after the baseline; else all.",
        ),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", metavar="REV", help="…up to REV (default: heads).")
    ] = None,
    rows: Annotated[
        int, typer.Option("--rows", metavar="N", help="Generated rows per table.")
    ] = 30,
    rows_hook: Annotated[
        str | None,
        typer.Option(
            "--rows-hook",
            metavar="MODULE:FUNC",
            help="Provides rows for tables the generator cannot fill (default: rows_hook in "
            "[tool.alembic-baseline.check]).",
        ),
    ] = None,
) -> int:
    from rich.markup import escape

    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.check_data import check_upgrade_with_data

    st = state(ctx)
    given = chosen_url(ctx, url, url_env, url_file)
    result = check_upgrade_with_data(
        st.settings,
        url=given,
        start=start,
        end=end,
        rows=rows,
        rows_hook=rows_hook,
        progress=lambda line: st.reporter.step(f"[dim]{escape(line)}[/]"),
    )
    st.reporter.show(result)
    return result.exit_code
