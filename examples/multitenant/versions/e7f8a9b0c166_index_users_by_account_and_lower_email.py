"""index users by account and lower(email)

Revision ID: e7f8a9b0c166
Revises: d5e6f7a8b955
Create Date: 2026-10-02 11:05:19

"""

import sqlalchemy as sa
from alembic import op

revision = "e7f8a9b0c166"
down_revision = "d5e6f7a8b955"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # one login per address within an account, whatever its case
    op.create_index(
        "ux_users_account_id_lower_email_for_case_insensitive_login",
        "users",
        ["account_id", sa.text("lower(email)")],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ux_users_account_id_lower_email_for_case_insensitive_login", table_name="users")
