"""``alembic-baseline fleet status|plan|apply|drift``: many databases and tenant schemas."""

from __future__ import annotations

import typer

from alembic_baseline.cli._app import app

fleet_app = typer.Typer(
    help="Migrate, check and compare many databases or tenant schemas in one run.",
    no_args_is_help=True,
)
app.add_typer(fleet_app, name="fleet")
