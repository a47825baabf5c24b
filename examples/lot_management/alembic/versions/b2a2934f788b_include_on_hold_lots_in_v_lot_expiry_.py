"""include on_hold lots in v_lot_expiry_alerts

Revision ID: b2a2934f788b
Revises: 45c2593fef5c
Create Date: 2025-11-10 09:26:40.775612

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'b2a2934f788b'
down_revision: Union[str, Sequence[str], None] = '45c2593fef5c'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Only the dependent view changes; v_inventory_summary stays as is.
    op.execute("DROP VIEW IF EXISTS v_lot_expiry_alerts")
    op.execute(
        """
        CREATE VIEW v_lot_expiry_alerts AS
        SELECT
            s.warehouse_id,
            s.warehouse_code,
            s.sku,
            s.product_name,
            s.lot_id,
            s.lot_code,
            s.lot_status,
            s.expires_on,
            (s.expires_on - CURRENT_DATE) AS days_to_expiry,
            sum(s.on_hand)                AS on_hand,
            sum(s.available)              AS available
        FROM v_inventory_summary s
        WHERE s.expires_on IS NOT NULL
          AND s.expires_on <= CURRENT_DATE + 45
          AND s.lot_status IN ('released', 'quarantine', 'on_hold')
          AND s.on_hand > 0
        GROUP BY s.warehouse_id, s.warehouse_code, s.sku, s.product_name,
                 s.lot_id, s.lot_code, s.lot_status, s.expires_on
        """
    )
    op.execute("COMMENT ON VIEW v_lot_expiry_alerts IS '期限切れ間近ロット（45日以内）'")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP VIEW IF EXISTS v_lot_expiry_alerts")
    op.execute(
        """
        CREATE VIEW v_lot_expiry_alerts AS
        SELECT
            s.warehouse_code,
            s.sku,
            s.product_name,
            s.lot_code,
            s.lot_status,
            s.expires_on,
            (s.expires_on - CURRENT_DATE) AS days_to_expiry,
            sum(s.on_hand)                AS on_hand,
            sum(s.available)              AS available
        FROM v_inventory_summary s
        WHERE s.expires_on IS NOT NULL
          AND s.expires_on <= CURRENT_DATE + 30
          AND s.lot_status IN ('released', 'quarantine')
          AND s.on_hand > 0
        GROUP BY s.warehouse_code, s.sku, s.product_name, s.lot_code,
                 s.lot_status, s.expires_on
        """
    )
