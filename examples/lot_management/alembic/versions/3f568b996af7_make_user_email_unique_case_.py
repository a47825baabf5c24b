"""make user email unique case-insensitively

Revision ID: 3f568b996af7
Revises: 0aacc41f3dbe
Create Date: 2024-03-12 13:40:21.085517

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '3f568b996af7'
down_revision: Union[str, Sequence[str], None] = '0aacc41f3dbe'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Taro@Example.com and taro@example.com were both able to sign up (#112).
    op.drop_constraint("uq_users_email", "users", type_="unique")
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("uq_users_email_lower", table_name="users")
    op.create_unique_constraint("uq_users_email", "users", ["email"])
