"""add hazardous flag and storage temperature to products

Revision ID: 45c92fbfa5cc
Revises: 23409b5f0e2d
Create Date: 2025-04-14 09:58:31.162084

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '45c92fbfa5cc'
down_revision: Union[str, Sequence[str], None] = '23409b5f0e2d'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "products",
        sa.Column(
            "is_hazardous",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
            comment="危険物フラグ",
        ),
    )
    op.add_column(
        "products",
        sa.Column("storage_temp_min_c", sa.Numeric(5, 1), nullable=True, comment="保管温度下限(℃)"),
    )
    op.add_column(
        "products",
        sa.Column("storage_temp_max_c", sa.Numeric(5, 1), nullable=True, comment="保管温度上限(℃)"),
    )
    op.create_check_constraint(
        "ck_products_storage_temp_range",
        "products",
        "storage_temp_min_c IS NULL OR storage_temp_max_c IS NULL "
        "OR storage_temp_min_c <= storage_temp_max_c",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_constraint("ck_products_storage_temp_range", "products", type_="check")
    op.drop_column("products", "storage_temp_max_c")
    op.drop_column("products", "storage_temp_min_c")
    op.drop_column("products", "is_hazardous")
