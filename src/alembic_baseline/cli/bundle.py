"""``alembic-baseline bundle``."""

from pathlib import Path
from typing import Annotated

import typer

from alembic_baseline.cli._app import app, operation, state


@app.command("bundle", **operation("alembic_baseline.commands.bundle:bundle"))
def bundle_cmd(
    ctx: typer.Context,
    revision_range: Annotated[
        str, typer.Argument(metavar="FROM:TO", help="The range (FROM may be base).")
    ],
    out: Annotated[Path, typer.Option("-o", "--out", help="New or empty directory to write.")],
    no_lint: Annotated[bool, typer.Option("--no-lint", help="Leave lint.md out.")] = False,
    no_rollback: Annotated[
        bool, typer.Option("--no-rollback", help="Leave rollback/ out (no downgrade rendering).")
    ] = False,
) -> int:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands import bundle

    st = state(ctx)
    result = bundle.bundle(
        st.settings, revision_range, out, with_lint=not no_lint, with_rollback=not no_rollback
    )
    st.reporter.show(result)
    return result.exit_code
