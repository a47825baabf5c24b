"""create mv_product_stock materialized view

Revision ID: 06179e8cfea4
Revises: f7b16d0e91ac
Create Date: 2024-11-05 10:29:17.006283

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '06179e8cfea4'
down_revision: Union[str, Sequence[str], None] = 'f7b16d0e91ac'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Dashboard totals were too slow on the live tables. Refreshed nightly;
    # the unique index is required for REFRESH ... CONCURRENTLY.
    op.execute(
        """
        CREATE MATERIALIZED VIEW mv_product_stock AS
        SELECT
            l.product_id,
            i.warehouse_id,
            count(DISTINCT l.id)            AS lot_count,
            sum(i.on_hand)::numeric(14,3)   AS on_hand,
            sum(i.allocated)::numeric(14,3) AS allocated,
            min(l.expires_on)               AS nearest_expiry
        FROM inventory i
        JOIN lots l ON l.id = i.lot_id
        GROUP BY l.product_id, i.warehouse_id
        WITH DATA
        """
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_mv_product_stock_product_warehouse "
        "ON mv_product_stock (product_id, warehouse_id)"
    )
    op.execute("COMMENT ON MATERIALIZED VIEW mv_product_stock IS '製品×倉庫の在庫集計（夜間更新）'")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP MATERIALIZED VIEW IF EXISTS mv_product_stock")
