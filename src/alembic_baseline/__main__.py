"""``python -m alembic_baseline``."""

from alembic_baseline.cli import run

run()
