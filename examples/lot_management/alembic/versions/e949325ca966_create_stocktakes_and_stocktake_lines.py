"""create stocktakes and stocktake_lines

Revision ID: e949325ca966
Revises: b2a2934f788b
Create Date: 2025-12-01 13:52:18.440926

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = 'e949325ca966'
down_revision: Union[str, Sequence[str], None] = 'b2a2934f788b'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    quantity = postgresql.DOMAIN("quantity", sa.Numeric(12, 3), create_type=False)

    op.create_table(
        "stocktakes",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("warehouse_id", sa.Integer(), sa.ForeignKey("warehouses.id"), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_by",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "status IN ('open', 'counting', 'closed', 'cancelled')", name="ck_stocktakes_status"
        ),
        sa.CheckConstraint(
            "closed_at IS NULL OR closed_at >= started_at", name="ck_stocktakes_closed_after_start"
        ),
        comment="棚卸",
    )
    # at most one running stocktake per warehouse
    op.create_index(
        "uq_stocktakes_running_per_warehouse",
        "stocktakes",
        ["warehouse_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('open', 'counting')"),
    )

    op.create_table(
        "stocktake_lines",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "stocktake_id",
            sa.BigInteger(),
            sa.ForeignKey("stocktakes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "inventory_id",
            sa.BigInteger(),
            sa.ForeignKey("inventory.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("system_qty", quantity, nullable=False, comment="帳簿数"),
        sa.Column("counted_qty", quantity, nullable=True, comment="実棚数"),
        sa.Column(
            "variance",
            sa.Numeric(12, 3),
            sa.Computed("counted_qty - system_qty", persisted=True),
            comment="差異 (実棚 - 帳簿)",
        ),
        sa.Column(
            "counted_by",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("stocktake_id", "inventory_id", name="uq_stocktake_lines_stocktake_inventory"),
        comment="棚卸明細",
    )
    op.create_index("ix_stocktake_lines_inventory_id", "stocktake_lines", ["inventory_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_stocktake_lines_inventory_id", table_name="stocktake_lines")
    op.drop_table("stocktake_lines")
    op.drop_index("uq_stocktakes_running_per_warehouse", table_name="stocktakes")
    op.drop_table("stocktakes")
