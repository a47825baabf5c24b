"""create order_allocations

Revision ID: 3ee467e060c4
Revises: 730918613044
Create Date: 2025-03-03 11:16:49.473852

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '3ee467e060c4'
down_revision: Union[str, Sequence[str], None] = '730918613044'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    quantity = postgresql.DOMAIN("quantity", sa.Numeric(12, 3), create_type=False)
    op.create_table(
        "order_allocations",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("order_item_id", sa.BigInteger(), nullable=False),
        sa.Column("inventory_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", quantity, nullable=False),
        sa.Column(
            "allocated_by",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "allocated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["order_item_id"],
            ["order_items.id"],
            name="fk_order_allocations_order_item_id",
            ondelete="CASCADE",
        ),
        # the allocation job moves stock between inventory rows and
        # re-points allocations in the same transaction -> check at COMMIT
        sa.ForeignKeyConstraint(
            ["inventory_id"],
            ["inventory.id"],
            name="fk_order_allocations_inventory_id",
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.UniqueConstraint(
            "order_item_id", "inventory_id", name="uq_order_allocations_order_item_inventory"
        ),
        sa.CheckConstraint("quantity > 0", name="ck_order_allocations_quantity_positive"),
        comment="受注引当",
    )
    op.create_index("ix_order_allocations_inventory_id", "order_allocations", ["inventory_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_order_allocations_inventory_id", table_name="order_allocations")
    op.drop_table("order_allocations")
