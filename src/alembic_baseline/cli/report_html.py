"""``alembic-baseline report``."""

from pathlib import Path
from typing import Annotated

import typer

from alembic_baseline.cli._app import app, operation, state
from alembic_baseline.cli._url import UrlEnvOpt, UrlFileOpt, chosen_url


@app.command("report", **operation("alembic_baseline.commands.report_html:report"))
def report_cmd(
    ctx: typer.Context,
    out: Annotated[
        Path, typer.Option("-o", "--out", help="The HTML file to write (e.g. report.html).")
    ],
    url: Annotated[
        str | None, typer.Option("--url", help="A database to place on the graph (and drift).")
    ] = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    schema_check: Annotated[
        bool,
        typer.Option(
            "--schema-check/--no-schema-check",
            help="Compare the database's schema with its revision's (a scratch replay, cached).",
        ),
    ] = True,
) -> int:
    url = chosen_url(ctx, url, url_env, url_file)
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands import report_html

    st = state(ctx)
    result = report_html.report(st.settings, out, url=url, schema_check=schema_check)
    st.reporter.show(result)
    return result.exit_code
