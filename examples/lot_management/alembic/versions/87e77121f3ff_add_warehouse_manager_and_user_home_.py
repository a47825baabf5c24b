"""add warehouse manager and user home warehouse

Revision ID: 87e77121f3ff
Revises: 17f79672b195
Create Date: 2024-05-14 14:03:27.590862

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '87e77121f3ff'
down_revision: Union[str, Sequence[str], None] = '17f79672b195'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("warehouses", sa.Column("manager_user_id", sa.BigInteger(), nullable=True))
    op.add_column("users", sa.Column("home_warehouse_id", sa.Integer(), nullable=True))

    # users <-> warehouses reference each other, so the FKs can only be added
    # once both columns exist. The manager FK is deferrable so that a new
    # warehouse and its manager can be created in one transaction.
    op.create_foreign_key(
        "fk_warehouses_manager_user_id",
        "warehouses",
        "users",
        ["manager_user_id"],
        ["id"],
        ondelete="SET NULL",
        deferrable=True,
        initially="DEFERRED",
    )
    op.create_foreign_key(
        "fk_users_home_warehouse_id",
        "users",
        "warehouses",
        ["home_warehouse_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index("ix_warehouses_manager_user_id", "warehouses", ["manager_user_id"])
    op.create_index("ix_users_home_warehouse_id", "users", ["home_warehouse_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_users_home_warehouse_id", table_name="users")
    op.drop_index("ix_warehouses_manager_user_id", table_name="warehouses")
    op.drop_constraint("fk_users_home_warehouse_id", "users", type_="foreignkey")
    op.drop_constraint("fk_warehouses_manager_user_id", "warehouses", type_="foreignkey")
    op.drop_column("users", "home_warehouse_id")
    op.drop_column("warehouses", "manager_user_id")
