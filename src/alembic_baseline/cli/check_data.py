"""``alembic-baseline check upgrade-with-data``: revisions applied on generated rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from alembic_baseline.cli._app import state
from alembic_baseline.cli._url import UrlEnvOpt, UrlFileOpt, chosen_url
from alembic_baseline.cli.check_models import machine_readable
from alembic_baseline.cli.doctor import UrlOpt, check_app

if TYPE_CHECKING:
    from alembic_baseline.report import Reporter
    from alembic_baseline.testing.upgrade_data import DataCheck


def upgrade_with_data_cmd(
    ctx: typer.Context,
    url: UrlOpt = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    start: Annotated[
        str | None,
        typer.Option("--from", metavar="REV", help="Test the revisions after REV (exclusive)."),
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
    """Apply each pending revision to a scratch copy filled with generated rows (exit 1: fails).

    Revisions: --from/--to; else those pending on --url (only its version table is read);
    else those after the baseline; else all.
    """
    from rich.markup import escape

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
    render(st.reporter, result)
    return result.exit_code


check_app.command("upgrade-with-data")(upgrade_with_data_cmd)


def render(rep: Reporter, result: DataCheck) -> None:
    from rich.markup import escape

    if machine_readable(rep, result):
        return
    rep.text(f"[bold]check upgrade-with-data[/] ({result.rows} rows per table)")
    for run in result.runs:
        mark = "[green]✓[/]" if run.ok else "[red]✗[/]"
        rep.text(f"  {mark} {run.revision} {escape(run.message)} ({run.seconds:.2f} s)")
        if run.failure is not None:
            where = " (fails on an empty database too)" if run.empty_too else ""
            rep.text(f"      [red]{escape(run.failure.message)}[/]{where}")
            if run.failure.statement:
                rep.text(f"      statement: {escape(' '.join(run.failure.statement.split()))}")
            for line in run.rows:
                rep.text(f"      {escape(line)}")
        for filled in run.unfilled:
            rep.text(f"      [yellow]![/] {escape(filled.table)}: {escape(filled.problem or '')}")
    if not result.runs:
        rep.text("  no revision to test")
    elif result.failed:
        rep.text(f"[red]{len(result.failed)} revision(s) fail on data[/]")
    elif result.partial:
        rep.text("[yellow]no failure, but some tables were not filled[/]: provide rows_hook")
    else:
        rep.text(f"[green]{len(result.runs)} revision(s) applied on data[/]")
