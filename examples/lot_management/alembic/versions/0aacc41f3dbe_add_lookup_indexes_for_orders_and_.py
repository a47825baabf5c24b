"""add lookup indexes for orders and shipments

Revision ID: 0aacc41f3dbe
Revises: 9ff2fb9e35e5
Create Date: 2024-03-04 10:06:58.772430

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0aacc41f3dbe'
down_revision: Union[str, Sequence[str], None] = '9ff2fb9e35e5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index("ix_orders_customer_id", "orders", ["customer_id"])
    op.create_index("ix_orders_ordered_at", "orders", ["ordered_at"])
    op.create_index("ix_order_lines_product_id", "order_lines", ["product_id"])
    op.create_index("ix_shipments_order_id", "shipments", ["order_id"])
    op.create_index("ix_shipment_lines_shipment_id", "shipment_lines", ["shipment_id"])
    op.create_index("ix_shipment_lines_lot_id", "shipment_lines", ["lot_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_shipment_lines_lot_id", table_name="shipment_lines")
    op.drop_index("ix_shipment_lines_shipment_id", table_name="shipment_lines")
    op.drop_index("ix_shipments_order_id", table_name="shipments")
    op.drop_index("ix_order_lines_product_id", table_name="order_lines")
    op.drop_index("ix_orders_ordered_at", table_name="orders")
    op.drop_index("ix_orders_customer_id", table_name="orders")
