"""add on_hold and scrapped to lot_status

Revision ID: f7b16d0e91ac
Revises: 98887c3c8b26
Create Date: 2024-10-21 18:03:39.425716

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'f7b16d0e91ac'
down_revision: Union[str, Sequence[str], None] = '98887c3c8b26'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_VALUES = ("planned", "received", "quarantine", "released", "consumed")


def upgrade() -> None:
    """Upgrade schema."""
    # ADD VALUE may run inside a transaction on PostgreSQL >= 12, but the new
    # labels cannot be *used* until this transaction commits. env.py runs one
    # transaction per revision, so later revisions can use them.
    op.execute("ALTER TYPE lot_status ADD VALUE IF NOT EXISTS 'on_hold' AFTER 'quarantine'")
    op.execute("ALTER TYPE lot_status ADD VALUE IF NOT EXISTS 'scrapped'")


def downgrade() -> None:
    """Downgrade schema."""
    # Enum labels cannot be dropped: rebuild the type. Views that expose
    # lots.status have to be dropped first and recreated afterwards (their
    # definitions as of 4c74badc639c / 17f79672b195).
    op.execute("UPDATE lots SET status = 'quarantine' WHERE status = 'on_hold'")
    op.execute("UPDATE lots SET status = 'consumed' WHERE status = 'scrapped'")
    op.execute("DROP VIEW IF EXISTS v_inventory_summary CASCADE")  # + v_lot_expiry_alerts

    op.execute("ALTER TABLE lots ALTER COLUMN status DROP DEFAULT")
    op.execute("ALTER TYPE lot_status RENAME TO lot_status_old")
    op.execute(
        "CREATE TYPE lot_status AS ENUM ("
        + ", ".join(f"'{v}'" for v in OLD_VALUES)
        + ")"
    )
    op.execute(
        "ALTER TABLE lots ALTER COLUMN status TYPE lot_status "
        "USING status::text::lot_status"
    )
    op.execute("ALTER TABLE lots ALTER COLUMN status SET DEFAULT 'planned'")
    op.execute("DROP TYPE lot_status_old")

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
