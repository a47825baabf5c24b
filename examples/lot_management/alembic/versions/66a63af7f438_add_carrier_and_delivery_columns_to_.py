"""add carrier and delivery columns to shipments

Revision ID: 66a63af7f438
Revises: 9229155f8cb7
Create Date: 2024-12-16 15:07:53.884619

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '66a63af7f438'
down_revision: Union[str, Sequence[str], None] = '9229155f8cb7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("shipments", sa.Column("carrier_code", sa.String(length=20), nullable=True))
    op.add_column(
        "shipments", sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Sagawa / Yamato international tracking numbers do not fit in 30 chars
    op.alter_column(
        "shipments",
        "tracking_no",
        existing_type=sa.String(length=30),
        type_=sa.String(length=64),
        existing_nullable=True,
    )
    op.create_check_constraint(
        "ck_shipments_delivered_after_shipped",
        "shipments",
        "delivered_at IS NULL OR shipped_at IS NULL OR delivered_at >= shipped_at",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_constraint("ck_shipments_delivered_after_shipped", "shipments", type_="check")
    op.alter_column(
        "shipments",
        "tracking_no",
        existing_type=sa.String(length=64),
        type_=sa.String(length=30),
        existing_nullable=True,
        postgresql_using="left(tracking_no, 30)",
    )
    op.drop_column("shipments", "delivered_at")
    op.drop_column("shipments", "carrier_code")
