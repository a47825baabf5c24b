"""add partial index on lots expires_on for expiry alerts

Revision ID: f30373801237
Revises: a3ae9e58a78d
Create Date: 2026-01-13 15:08:46.293571

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'f30373801237'
down_revision: Union[str, Sequence[str], None] = 'a3ae9e58a78d'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # v_lot_expiry_alerts does a seq scan on lots every 5 minutes.
    # 'on_hold' was added to lot_status in f7b16d0e91ac (committed long ago).
    op.create_index(
        "ix_lots_expires_on_active",
        "lots",
        ["expires_on"],
        postgresql_where=sa.text(
            "expires_on IS NOT NULL AND status IN ('released', 'quarantine', 'on_hold')"
        ),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_lots_expires_on_active", table_name="lots")
