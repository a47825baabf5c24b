"""reference shipment_statuses from shipments.status

Revision ID: ae5348b3d5dd
Revises: f167cb4af734
Create Date: 2024-07-15 15:44:37.862019

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'ae5348b3d5dd'
down_revision: Union[str, Sequence[str], None] = 'f167cb4af734'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # the hard-coded CHECK is replaced by the shipment_statuses master table
    op.drop_constraint("ck_shipments_status", "shipments", type_="check")
    op.create_foreign_key(
        "fk_shipments_status",
        "shipments",
        "shipment_statuses",
        ["status"],
        ["code"],
        onupdate="CASCADE",
    )
    op.create_index("ix_shipments_status", "shipments", ["status"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_shipments_status", table_name="shipments")
    op.drop_constraint("fk_shipments_status", "shipments", type_="foreignkey")
    # statuses that did not exist before this revision
    op.execute("UPDATE shipments SET status = 'picking' WHERE status = 'packed'")
    op.execute("UPDATE shipments SET status = 'delivered' WHERE status = 'returned'")
    op.create_check_constraint(
        "ck_shipments_status",
        "shipments",
        "status IN ('pending', 'picking', 'shipped', 'delivered', 'cancelled')",
    )
