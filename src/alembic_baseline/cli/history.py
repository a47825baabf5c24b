"""``alembic-baseline history sum`` (and ``repair --accept-checksums``, called from doctor's
``repair``)."""

from typing import Annotated

import typer

from alembic_baseline.cli._app import State, app, operation, state

history_app = typer.Typer(
    help="The revision history as a whole: its sum file.", no_args_is_help=True
)
app.add_typer(history_app, name="history")


@history_app.command("sum", **operation("alembic_baseline.commands.history:history_sum"))
def sum_cmd(
    ctx: typer.Context,
    accept_changes: Annotated[
        bool,
        typer.Option(
            "--accept-changes",
            help="Also record edited or deleted revisions that others follow (deliberate).",
        ),
    ] = False,
) -> int:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.history import history_sum

    st = state(ctx)
    result = history_sum(st.settings, accept_changes=accept_changes)
    st.reporter.show(result)
    return result.exit_code


def accept_checksums_cmd(st: State, url: str | None, revisions: list[str], yes: bool) -> int:
    """``repair --accept-checksums REV``: shown, then written with --yes."""
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.history import accept_checksums

    result = accept_checksums(st.settings, url=url, revisions=revisions, confirmed=yes)
    st.reporter.show(result)
    return result.exit_code
