"""drop customers.fax

Revision ID: a3ae9e58a78d
Revises: e949325ca966
Create Date: 2025-12-15 11:39:04.812657

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a3ae9e58a78d'
down_revision: Union[str, Sequence[str], None] = 'e949325ca966'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # FAX orders were discontinued at the end of FY2025 (no reader left)
    op.drop_column("customers", "fax")


def downgrade() -> None:
    """Downgrade schema."""
    op.add_column("customers", sa.Column("fax", sa.String(length=30), nullable=True))
