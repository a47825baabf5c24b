"""add supplier lead time and country

Revision ID: 8c47d50b84ed
Revises: 6c5a6a378a0a
Create Date: 2024-04-08 11:55:13.640229

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '8c47d50b84ed'
down_revision: Union[str, Sequence[str], None] = '6c5a6a378a0a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # free text for now, purchasing imports it from the supplier CSV as-is
    op.add_column("suppliers", sa.Column("lead_time_days", sa.String(length=10), nullable=True))
    op.add_column(
        "suppliers",
        sa.Column("country_code", sa.String(length=2), server_default="JP", nullable=False),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("suppliers", "country_code")
    op.drop_column("suppliers", "lead_time_days")
