"""``alembic-baseline demo``."""

import typer

from alembic_baseline.cli._app import app, operation, state
from alembic_baseline.errors import ExitCode


@app.command("demo", **operation("alembic_baseline.demo.run:demo"))
def demo_cmd(ctx: typer.Context) -> int:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.demo import DemoStep, demo

    st = state(ctx)
    rep = st.reporter
    counter = iter(range(1, 1000))

    def emit(step: DemoStep) -> None:
        if not rep.quiet:  # text shows each step as it finishes; other formats at the end
            step.text(rep, next(counter))

    rep.show(demo(st.settings, emit))
    return ExitCode.OK
