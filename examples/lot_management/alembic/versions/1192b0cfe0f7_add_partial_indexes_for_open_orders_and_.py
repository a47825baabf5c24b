"""add partial indexes for open orders and active users

Revision ID: 1192b0cfe0f7
Revises: 5e7342d40a8d
Create Date: 2024-08-19 10:02:45.671338

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '1192b0cfe0f7'
down_revision: Union[str, Sequence[str], None] = '5e7342d40a8d'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # the picking screen only ever looks at open orders
    op.create_index(
        "ix_orders_open_requested_ship_date",
        "orders",
        ["requested_ship_date"],
        postgresql_where=sa.text("status IN ('draft', 'confirmed', 'allocated')"),
    )
    op.create_index(
        "ix_users_active_display_name",
        "users",
        ["display_name"],
        postgresql_where=sa.text("is_active"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_users_active_display_name", table_name="users")
    op.drop_index("ix_orders_open_requested_ship_date", table_name="orders")
