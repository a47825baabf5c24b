"""create v_order_fulfillment view

Revision ID: 23409b5f0e2d
Revises: 3ee467e060c4
Create Date: 2025-03-24 16:51:02.735908

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '23409b5f0e2d'
down_revision: Union[str, Sequence[str], None] = '3ee467e060c4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("DROP VIEW IF EXISTS v_order_fulfillment CASCADE")
    op.execute(
        """
        CREATE VIEW v_order_fulfillment AS
        WITH shipped AS (
            SELECT sl.order_line_id, sum(sl.quantity) AS shipped_qty
              FROM shipment_lines sl
              JOIN shipments s ON s.id = sl.shipment_id
             WHERE s.status IN ('shipped', 'delivered')
             GROUP BY sl.order_line_id
        )
        SELECT
            o.id                                    AS order_id,
            o.order_no,
            o.status                                AS order_status,
            c.code                                  AS customer_code,
            oi.id                                   AS order_item_id,
            oi.line_no,
            p.sku,
            oi.quantity                             AS ordered_qty,
            COALESCE(sh.shipped_qty, 0)             AS shipped_qty,
            oi.quantity - COALESCE(sh.shipped_qty, 0) AS remaining_qty
        FROM orders o
        JOIN customers c    ON c.id = o.customer_id
        JOIN order_items oi ON oi.order_id = o.id
        JOIN products p     ON p.id = oi.product_id
        LEFT JOIN shipped sh ON sh.order_line_id = oi.id
        """
    )
    op.execute("COMMENT ON VIEW v_order_fulfillment IS '受注明細ごとの出荷進捗'")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP VIEW IF EXISTS v_order_fulfillment")
