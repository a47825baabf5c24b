"""recreate v_inventory_summary with allocated and available

Revision ID: 9229155f8cb7
Revises: 7be7ed3ced24
Create Date: 2024-12-02 11:48:26.530174

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '9229155f8cb7'
down_revision: Union[str, Sequence[str], None] = '7be7ed3ced24'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # CREATE OR REPLACE VIEW cannot insert columns in the middle, so drop and
    # recreate. CASCADE also drops v_lot_expiry_alerts -> recreate it too.
    op.execute("DROP VIEW IF EXISTS v_inventory_summary CASCADE")
    op.execute(
        """
        CREATE VIEW v_inventory_summary AS
        SELECT
            i.id                        AS inventory_id,
            w.id                        AS warehouse_id,
            w.code                      AS warehouse_code,
            w.name                      AS warehouse_name,
            p.id                        AS product_id,
            p.sku,
            p.name                      AS product_name,
            l.id                        AS lot_id,
            l.lot_code,
            l.status                    AS lot_status,
            l.expires_on,
            i.location_code,
            i.on_hand,
            i.allocated,
            (i.on_hand - i.allocated)   AS available
        FROM inventory i
        JOIN lots l       ON l.id = i.lot_id
        JOIN products p   ON p.id = l.product_id
        JOIN warehouses w ON w.id = i.warehouse_id
        """
    )
    op.execute("COMMENT ON VIEW v_inventory_summary IS 'ロット別在庫一覧'")
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


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP VIEW IF EXISTS v_inventory_summary CASCADE")
    op.execute(
        """
        CREATE VIEW v_inventory_summary AS
        SELECT
            i.id            AS inventory_id,
            w.code          AS warehouse_code,
            p.id            AS product_id,
            p.sku,
            p.name          AS product_name,
            l.id            AS lot_id,
            l.lot_code,
            l.status        AS lot_status,
            l.expires_on,
            i.location_code,
            i.on_hand
        FROM inventory i
        JOIN lots l       ON l.id = i.lot_id
        JOIN products p   ON p.id = l.product_id
        JOIN warehouses w ON w.id = i.warehouse_id
        """
    )
    op.execute("COMMENT ON VIEW v_inventory_summary IS 'ロット別在庫一覧'")
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
            sum(s.on_hand)                AS on_hand
        FROM v_inventory_summary s
        WHERE s.expires_on IS NOT NULL
          AND s.expires_on <= CURRENT_DATE + 30
          AND s.lot_status IN ('released', 'quarantine')
          AND s.on_hand > 0
        GROUP BY s.warehouse_code, s.sku, s.product_name, s.lot_code,
                 s.lot_status, s.expires_on
        """
    )
