"""recreate mv_product_stock with expired quantity

Revision ID: db3344049085
Revises: 79dcd624e69c
Create Date: 2025-07-14 15:12:09.684327

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'db3344049085'
down_revision: Union[str, Sequence[str], None] = '79dcd624e69c'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _create_unique_index_and_comment() -> None:
    op.execute(
        "CREATE UNIQUE INDEX uq_mv_product_stock_product_warehouse "
        "ON mv_product_stock (product_id, warehouse_id)"
    )
    op.execute("COMMENT ON MATERIALIZED VIEW mv_product_stock IS '製品×倉庫の在庫集計（夜間更新）'")


def upgrade() -> None:
    """Upgrade schema."""
    # expired stock was counted as sellable on the dashboard (#418)
    op.execute("DROP MATERIALIZED VIEW IF EXISTS mv_product_stock")
    op.execute(
        """
        CREATE MATERIALIZED VIEW mv_product_stock AS
        SELECT
            l.product_id,
            i.warehouse_id,
            count(DISTINCT l.id)                                            AS lot_count,
            sum(i.on_hand)::numeric(14,3)                                   AS on_hand,
            sum(i.allocated)::numeric(14,3)                                 AS allocated,
            (sum(i.on_hand) FILTER (WHERE l.expires_on < CURRENT_DATE))::numeric(14,3)
                                                                            AS expired_on_hand,
            min(l.expires_on) FILTER (WHERE l.expires_on >= CURRENT_DATE)   AS nearest_expiry,
            now()                                                           AS refreshed_at
        FROM inventory i
        JOIN lots l ON l.id = i.lot_id
        GROUP BY l.product_id, i.warehouse_id
        WITH DATA
        """
    )
    _create_unique_index_and_comment()


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP MATERIALIZED VIEW IF EXISTS mv_product_stock")
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
    _create_unique_index_and_comment()
