"""merge quality and genealogy branches

Revision ID: 075ca18c2922
Revises: 338f4f5105b8, a3c4a62c762f
Create Date: 2024-09-20 09:14:22.650931

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '075ca18c2922'
down_revision: Union[str, Sequence[str], None] = ('338f4f5105b8', 'a3c4a62c762f')
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
