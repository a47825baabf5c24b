"""index inventory_movements by inventory and time concurrently

Revision ID: 13376d4b85bd
Revises: 09dc841d3b8f
Create Date: 2025-01-28 19:41:05.617230

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '13376d4b85bd'
down_revision: Union[str, Sequence[str], None] = '09dc841d3b8f'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # inventory_movements has ~40M rows in production: build the index without
    # blocking writes. CONCURRENTLY cannot run inside a transaction block.
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_inventory_movements_inventory_id_moved_at",
            "inventory_movements",
            ["inventory_id", sa.text("moved_at DESC")],
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.get_context().autocommit_block():
        op.drop_index(
            "ix_inventory_movements_inventory_id_moved_at",
            table_name="inventory_movements",
            postgresql_concurrently=True,
            if_exists=True,
        )
