"""merge billing and projects

Revision ID: c1d2e3f4a544
Revises: 7b3e5d1f2c22, 9a8c7e6d5b33
Create Date: 2026-09-10 08:00:00

"""

revision = "c1d2e3f4a544"
down_revision = ("7b3e5d1f2c22", "9a8c7e6d5b33")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
