"""create warehouse_locations

Revision ID: 3f2ebe7dbd97
Revises: 45c92fbfa5cc
Create Date: 2025-05-12 13:37:44.851096

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '3f2ebe7dbd97'
down_revision: Union[str, Sequence[str], None] = '45c92fbfa5cc'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "warehouse_locations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "warehouse_id",
            sa.Integer(),
            sa.ForeignKey("warehouses.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=30), nullable=False, comment="棚番 (例: A-01-03)"),
        sa.Column("zone", sa.String(length=10), nullable=True, comment="ゾーン (常温/冷蔵/冷凍)"),
        sa.Column("is_pickable", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("max_weight_kg", sa.Numeric(10, 2), nullable=True),
        sa.UniqueConstraint("warehouse_id", "code", name="uq_warehouse_locations_warehouse_code"),
        sa.CheckConstraint(
            "zone IS NULL OR zone IN ('ambient', 'chilled', 'frozen')",
            name="ck_warehouse_locations_zone",
        ),
        comment="ロケーション（棚番）",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("warehouse_locations")
