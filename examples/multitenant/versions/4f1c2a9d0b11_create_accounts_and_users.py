"""create accounts and users

Revision ID: 4f1c2a9d0b11
Revises:
Create Date: 2026-09-01 09:12:44

"""

import sqlalchemy as sa
from alembic import op

revision = "4f1c2a9d0b11"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # no schema is named anywhere: the tenant's search_path (or its own database) decides
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("slug", sa.Text, nullable=False, unique=True),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("account_id", sa.BigInteger, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_table("users")
    op.drop_table("accounts")
