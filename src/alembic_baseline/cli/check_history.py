"""``alembic-baseline check history``: attached to the ``check`` group of cli/doctor.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from alembic_baseline.cli._app import state
from alembic_baseline.cli.doctor import check_app

if TYPE_CHECKING:
    from alembic_baseline.commands.check_history import HistoryCheck
    from alembic_baseline.report import Reporter

_MARK = {"pass": "[green]✓[/]", "fail": "[red]✗[/]", "skipped": "[dim]-[/]"}


@check_app.command("history")
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
    """The history's health on scratch databases: one head, upgrade from empty, up/down per
    revision after the baseline (same catalog), lint. Exit 1 when a check fails."""
    from rich.markup import escape

    from alembic_baseline.commands.check_history import check_history

    st = state(ctx)
    rep = st.reporter
    result = check_history(
        st.settings, skip=tuple(skip or ()), progress=lambda s: rep.step(f"[dim]{escape(s)}[/]")
    )
    _render(rep, result)
    return result.exit_code


def _render(rep: Reporter, r: HistoryCheck) -> None:
    from rich.markup import escape

    if rep.output == "json":
        rep.json(r)
        return
    if rep.output == "markdown":
        rep.raw(r.markdown())
        return
    rep.text(f"[bold]check history[/] — scratch: {escape(r.server)}")
    for item in r.results:
        rep.text(f"  {_MARK[item.status]} {escape(item.name):<28} {escape(item.message)}")
        if item.status == "fail":
            for line in item.details:
                rep.text(f"      [dim]{escape(line)}[/]")
    verdict = f"[red]{len(r.failed)} failed[/]" if r.failed else "[green]all checks passed[/]"
    rep.text(verdict)
