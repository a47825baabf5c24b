"""quality: create inspections

Revision ID: 0ae4ed160f4d
Revises: 1192b0cfe0f7
Create Date: 2024-09-02 14:37:20.508817

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0ae4ed160f4d'
down_revision: Union[str, Sequence[str], None] = '1192b0cfe0f7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "inspections",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "inspector_id",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("result", sa.String(length=10), nullable=False, comment="pass / fail / hold"),
        sa.Column(
            "inspected_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name="fk_inspections_lot_id", ondelete="CASCADE"
        ),
        sa.CheckConstraint("result IN ('pass', 'fail', 'hold')", name="ck_inspections_result"),
        comment="品質検査",
    )
    op.create_index("ix_inspections_lot_id", "inspections", ["lot_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_inspections_lot_id", table_name="inspections")
    op.drop_table("inspections")
