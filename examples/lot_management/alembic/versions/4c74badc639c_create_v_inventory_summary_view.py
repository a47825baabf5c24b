"""create v_inventory_summary view

Revision ID: 4c74badc639c
Revises: 8c47d50b84ed
Create Date: 2024-04-17 15:22:31.908713

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '4c74badc639c'
down_revision: Union[str, Sequence[str], None] = '8c47d50b84ed'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
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


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP VIEW IF EXISTS v_inventory_summary CASCADE")
