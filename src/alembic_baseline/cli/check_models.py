"""``alembic-baseline check models``: the SQLAlchemy models against the history's head."""

from typing import Annotated

import typer

from alembic_baseline.cli._app import operation, state
from alembic_baseline.cli.doctor import check_app


@check_app.command("models", **operation("alembic_baseline.commands.check_models:check_models"))
def check_models_cmd(
    ctx: typer.Context,
    metadata: Annotated[
        str | None,
        typer.Option(
            "--metadata",
            metavar="MODULE:ATTR",
            help="The models' MetaData or declarative base (default: metadata in "
            "[tool.alembic-baseline.check]).",
        ),
    ] = None,
    entities: Annotated[
        str | None,
        typer.Option(
            "--entities",
            metavar="MODULE:ATTR",
            help="A list of alembic_utils entities (views, functions, triggers, policies) "
            "to compare too.",
        ),
    ] = None,
    write_revision: Annotated[
        bool,
        typer.Option("--write-revision", help="Write a revision with the fix (up and down)."),
    ] = False,
    message: Annotated[
        str, typer.Option("-m", "--message", help="Message of the written revision.")
    ] = "align the schema with the models",
) -> int:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.check_models import check_models

    st = state(ctx)
    if not st.reporter.quiet:
        st.reporter.step("[dim]building the models and the history's head on scratch…[/]")
    result = check_models(
        st.settings,
        metadata=metadata,
        entities=entities,
        write_revision=write_revision,
        message=message,
    )
    st.reporter.show(result)
    return result.exit_code
