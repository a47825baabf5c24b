"""add projects and project memberships

Revision ID: 9a8c7e6d5b33
Revises: 4f1c2a9d0b11
Create Date: 2026-09-09 10:41:57

"""

import sqlalchemy as sa
from alembic import op

revision = "9a8c7e6d5b33"
down_revision = "4f1c2a9d0b11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("account_id", sa.BigInteger, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "project_memberships",
        sa.Column("project_id", sa.BigInteger, sa.ForeignKey("projects.id"), primary_key=True),
        sa.Column("user_id", sa.BigInteger, primary_key=True),
        sa.Column("role", sa.Text, nullable=False, server_default="viewer"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            ondelete="CASCADE",
            name="fk_project_memberships_user_id_users_on_delete_cascade_restrict",
        ),
    )
    op.create_index(
        "ix_project_memberships_project_id_role_for_permission_checks",
        "project_memberships",
        ["project_id", "role"],
    )


def downgrade() -> None:
    op.drop_table("project_memberships")
    op.drop_table("projects")
