"""``alembic-baseline check history``: attached to the ``check`` group of cli/doctor.py."""

from typing import Annotated

import typer

from alembic_baseline.cli._app import operation, state
from alembic_baseline.cli.doctor import check_app


@check_app.command("history", **operation("alembic_baseline.commands.check_history:check_history"))
def history_cmd(
    ctx: typer.Context,
    skip: Annotated[
        list[str] | None,
        typer.Option(
            "--skip",
            metavar="CHECK",
            help="Leave a check out (single-head, upgrade-from-empty, up-down, lint); repeatable.",
        ),
    ] = None,
) -> int:
    from rich.markup import escape

    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.check_history import check_history

    st = state(ctx)
    result = check_history(
        st.settings,
        skip=tuple(skip or ()),
        progress=lambda line: st.reporter.step(f"[dim]{escape(line)}[/]"),
    )
    st.reporter.show(result)
    return result.exit_code
