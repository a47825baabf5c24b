"""add role to users

Revision ID: 79dcd624e69c
Revises: 14d7cd8ff62a
Create Date: 2025-06-23 10:44:15.529830

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '79dcd624e69c'
down_revision: Union[str, Sequence[str], None] = '14d7cd8ff62a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "users",
        sa.Column("role", sa.String(length=20), server_default="operator", nullable=False),
    )
    op.create_check_constraint(
        "ck_users_role", "users", "role IN ('admin', 'manager', 'operator', 'viewer')"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_constraint("ck_users_role", "users", type_="check")
    op.drop_column("users", "role")
