"""add generated available_qty to inventory

Revision ID: 46f962399dff
Revises: 37bbeb0c2bcd
Create Date: 2025-09-01 14:29:50.207163

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '46f962399dff'
down_revision: Union[str, Sequence[str], None] = '37bbeb0c2bcd'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "inventory",
        sa.Column(
            "available_qty",
            sa.Numeric(12, 3),
            sa.Computed("on_hand - allocated", persisted=True),
            nullable=True,
            comment="引当可能数 (on_hand - allocated)",
        ),
    )
    op.create_index(
        "ix_inventory_available_qty_positive",
        "inventory",
        ["warehouse_id", "lot_id"],
        postgresql_where=sa.text("available_qty > 0"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_inventory_available_qty_positive", table_name="inventory")
    op.drop_column("inventory", "available_qty")
