"""create v_lot_expiry_alerts view

Revision ID: 17f79672b195
Revises: 4c74badc639c
Create Date: 2024-04-30 10:47:55.214360

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '17f79672b195'
down_revision: Union[str, Sequence[str], None] = '4c74badc639c'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Built on top of v_inventory_summary: recreate this one whenever that
    # view is dropped with CASCADE.
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


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP VIEW IF EXISTS v_lot_expiry_alerts")
