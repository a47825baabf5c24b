"""``alembic-baseline demo``."""

from __future__ import annotations

import typer

from alembic_baseline.cli._app import app, state
from alembic_baseline.errors import ExitCode


@app.command("demo")
def demo_cmd(ctx: typer.Context) -> int:
    """Run the runbook end to end on the sample project (scratch server, nothing left behind)."""
    from rich.markup import escape

    from alembic_baseline.demo import DemoStep, demo

    st = state(ctx)
    rep = st.reporter
    counter = iter(range(1, 1000))

    def emit(step: DemoStep) -> None:
        if rep.quiet:
            return
        rep.text(
            f"\n[bold cyan]{next(counter)}. {escape(step.title)}[/]  [dim]{escape(step.runbook)}[/]"
        )
        for line in step.lines:
            rep.text(f"   {escape(line)}")
        for name, seconds in step.seconds.items():
            rep.text(f"   [dim]⏱ {name}: {seconds:.3f} s[/]")

    result = demo(st.settings, emit)
    if rep.quiet:
        rep.json(result)
    else:
        rep.text(
            f"\n[green]demo finished[/] on PostgreSQL {result.pg_version}; "
            "scratch server stopped, nothing left behind."
        )
    return ExitCode.OK
