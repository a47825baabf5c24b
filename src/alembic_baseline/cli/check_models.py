"""``alembic-baseline check models``: the SQLAlchemy models against the history's head."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Protocol

import typer

from alembic_baseline.cli._app import state
from alembic_baseline.cli.doctor import check_app

if TYPE_CHECKING:
    from alembic_baseline.report import Reporter
    from alembic_baseline.testing.models import ModelCheck


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
    """Compare the schema the SQLAlchemy models create with the history's head (exit 1: differ)."""
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
    render(st.reporter, result)
    return result.exit_code


check_app.command("models")(check_models_cmd)


class Renderable(Protocol):
    def markdown(self) -> str: ...


def machine_readable(rep: Reporter, result: Renderable) -> bool:
    """Write ``result`` as JSON or markdown when that was asked for; whether it was."""
    if rep.output == "json":
        rep.json(result)
    elif rep.output == "markdown":
        rep.raw(result.markdown())
    return rep.output in ("json", "markdown")


def render(rep: Reporter, result: ModelCheck) -> None:
    from rich.markup import escape

    if machine_readable(rep, result):
        return
    head = ", ".join(result.heads)
    source = " (head from cache)" if result.cached else ""
    rep.text(f"[bold]check models[/]: {escape(result.metadata)} vs head {head}{source}")
    for line in result.lines():
        rep.text(f"  [red]✗[/] {escape(line)}")
    if result.compared_kinds:
        rep.text(f"  compared through alembic_utils entities: {', '.join(result.compared_kinds)}")
    if result.apart:
        rep.text(f"  [dim]not declared by the models (not compared): {len(result.apart)}[/]")
        for key in result.apart:
            rep.text(f"    [dim]{escape(str(key))}[/]")
    if result.revision_file:
        held = (
            f"; {result.held_back} statement(s) commented out for review"
            if result.held_back
            else ""
        )
        rep.text(f"  revision written: {escape(str(result.revision_file))}{held}")
    if result.differences:
        rep.text(
            f"[red]{len(result.differences)} difference(s)[/] between the models and the history"
        )
    else:
        rep.text("[green]the models match the history[/]")
