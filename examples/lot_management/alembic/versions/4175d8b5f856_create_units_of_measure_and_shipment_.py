"""create units_of_measure and shipment_statuses

Revision ID: 4175d8b5f856
Revises: f69d8e2b6cf9
Create Date: 2024-06-24 13:58:03.781924

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '4175d8b5f856'
down_revision: Union[str, Sequence[str], None] = 'f69d8e2b6cf9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "units_of_measure",
        sa.Column("code", sa.String(length=10), primary_key=True),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("name_ja", sa.String(length=50), nullable=True, comment="表示名"),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("sort_order", sa.SmallInteger(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "category IN ('count', 'weight', 'volume')", name="ck_units_of_measure_category"
        ),
        comment="単位マスタ",
    )
    op.create_table(
        "shipment_statuses",
        sa.Column("code", sa.String(length=20), primary_key=True),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("name_ja", sa.String(length=50), nullable=True, comment="表示名"),
        sa.Column("is_terminal", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("sort_order", sa.SmallInteger(), server_default="0", nullable=False),
        comment="出荷ステータスマスタ",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("shipment_statuses")
    op.drop_table("units_of_measure")
