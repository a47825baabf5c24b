"""create shipments and shipment_lines

Revision ID: 9ff2fb9e35e5
Revises: d78222eb6ff6
Create Date: 2024-02-20 17:33:05.119874

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '9ff2fb9e35e5'
down_revision: Union[str, Sequence[str], None] = 'd78222eb6ff6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "shipments",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("shipment_no", sa.String(length=30), nullable=False),
        sa.Column("order_id", sa.BigInteger(), sa.ForeignKey("orders.id"), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), sa.ForeignKey("warehouses.id"), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tracking_no", sa.String(length=30), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.UniqueConstraint("shipment_no", name="uq_shipments_shipment_no"),
        sa.CheckConstraint(
            "status IN ('pending', 'picking', 'shipped', 'delivered', 'cancelled')",
            name="ck_shipments_status",
        ),
    )
    op.execute(
        "CREATE TRIGGER trg_shipments_updated_at BEFORE UPDATE ON shipments "
        "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
    )

    op.create_table(
        "shipment_lines",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "shipment_id",
            sa.BigInteger(),
            sa.ForeignKey("shipments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "lot_id",
            sa.BigInteger(),
            sa.ForeignKey("lots.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column(
            "order_line_id",
            sa.BigInteger(),
            sa.ForeignKey("order_lines.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("quantity", sa.Numeric(12, 3), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_shipment_lines_quantity_positive"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("shipment_lines")
    op.drop_table("shipments")
